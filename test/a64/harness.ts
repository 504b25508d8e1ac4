/**
 * Test harness for the A64 executor: assemble with llvm-mc, load into a FlatMemory, run until the
 * program's final `hvc #0xdead` (a stub EL2 halts on it) or a budget runs out.
 */
import { FlatMemory } from '../../src/exec/flat-memory';
import type { El2Gate, TrapDetail, TrappedVcpu } from '../../src/exec/el2-gate';
import type { SystemInstructionHandler } from '../../src/exec/system-instructions';
import { A64Cpu } from '../../src/exec/a64';
import { assembleWords } from '../oracles/llvm-mc';

export const LOAD_ADDRESS = 0x10000;
export const HALT_IMM = 0xdead;

export interface Trap {
  readonly esr: number;
  readonly detail: TrapDetail;
  readonly pc: number;
}

/** An EL2 stub: records every trap, halts on `hvc #0xdead`, and otherwise runs `onTrap` (default: skip). */
export class StubEl2 implements El2Gate {
  hcr = 0;
  hcrHigh = 0;
  readonly traps: Trap[] = [];
  onTrap: (esr: number, detail: TrapDetail, vcpu: TrappedVcpu) => void = (_e, _d, v) => v.skipInstruction();
  constructor(private readonly cpu: () => A64Cpu) {}
  takeTrap(esr: number, detail: TrapDetail, vcpu: TrappedVcpu): void {
    this.traps.push({ esr, detail, pc: this.cpu().pc });
    if (esr >>> 26 === 0x16 && (esr & 0xffff) === HALT_IMM) {
      vcpu.halt('done');
      return;
    }
    this.onTrap(esr, detail, vcpu);
  }
}

export interface Machine {
  readonly cpu: A64Cpu;
  readonly memory: FlatMemory;
  readonly el2: StubEl2;
  readonly words: Uint32Array;
}

export function load(words: Uint32Array, system?: SystemInstructionHandler, at = LOAD_ADDRESS): Machine {
  const memory = new FlatMemory();
  memory.load(at, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  let cpuRef: A64Cpu | null = null;
  const el2 = new StubEl2(() => cpuRef as A64Cpu);
  const cpu = new A64Cpu({ memory, el2, ...(system ? { system } : {}) });
  cpuRef = cpu;
  cpu.pc = at;
  cpu.setSpEl1(0x80000);
  cpu.setSpEl0(0x70000);
  return { cpu, memory, el2, words };
}

/** Assemble (llvm-mc) and load a program; it should end with `hvc #0xdead`. */
export function machine(source: string, system?: SystemInstructionHandler): Machine {
  return load(assembleWords(source, 'a64'), system);
}

/** Run to the halting HVC; fail if it does not halt within `budget` instructions. */
export function runToHalt(m: Machine, budget = 1_000_000): number {
  const n = m.cpu.run(budget);
  if (m.cpu.stopReason !== 'halted') throw new Error(`program did not halt: stop reason ${m.cpu.stopReason} at PC 0x${m.cpu.pc.toString(16)}`);
  return n;
}

/** Xn as a BigInt (tests only). */
export function xBig(cpu: A64Cpu, n: number): bigint {
  return (BigInt(cpu.xHi(n)) << 32n) | BigInt(cpu.xLo(n));
}
