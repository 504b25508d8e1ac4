/** Small fixtures for the A32 executor tests: assemble, load at 0x8000, make a CPU. */
import { A32Cpu, type A32CpuOptions } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import type { El2Gate, TrappedVcpu, TrapDetail } from '../../src/exec/el2-gate';
import { assembleA32 } from './assemble';

export const CODE = 0x8000;
export const STACK = 0x20000;

export interface Fixture {
  cpu: A32Cpu;
  memory: FlatMemory;
  /** Address of a label-free instruction index (CODE + 4 * n). */
  at(n: number): number;
}

/** RAM 0..1 MiB only: anything above is a synchronous external abort. */
export function fixture(source: string, options: Partial<A32CpuOptions> = {}): Fixture {
  const memory = new FlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]));
  memory.load(CODE, assembleA32(source));
  const cpu = new A32Cpu({ memory, ...options });
  cpu.cpsr = 0x1d3; // SVC, A I F masked
  cpu.r[13] = STACK;
  cpu.pc = CODE;
  return { cpu, memory, at: (n) => CODE + 4 * n };
}

export interface RecordedTrap {
  esr: number;
  detail: TrapDetail;
  pc: number;
}

/** An EL2 that records each trap and then runs `onTrap` (default: skip the instruction). */
export class RecordingEl2 implements El2Gate {
  hcr = 0;
  hcrHigh = 0;
  readonly traps: RecordedTrap[] = [];
  onTrap: (vcpu: TrappedVcpu, esr: number) => void = (v) => v.skipInstruction();
  takeTrap(esr: number, detail: TrapDetail, vcpu: TrappedVcpu): void {
    this.traps.push({ esr, detail, pc: vcpu.readRegister(15) - 8 });
    this.onTrap(vcpu, esr);
  }
}
