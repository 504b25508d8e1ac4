/**
 * Hand-written AArch32 cases for QEMU user mode (qemu-arm) and our executor: one instruction
 * assembled by llvm-mc, registers given, run in User mode as under qemu-arm, faults mapped to
 * Linux's signal (a32LinuxFault).
 */
import { A32Cpu } from '../../src/exec/a32';
import { FLAG_MASK, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import { T32ScratchMemory } from '../oracles/exec-harness-t32';
import { assemble, type Target } from '../oracles/llvm-mc';
import { ScratchMemory } from '../oracles/scratch-memory';
import { a32LinuxFault, DataAbortRecorder } from './a32-faults';
import type { OurRun } from './exec-diff';

/** CPSR.M User, and T for T32 state (Arm ARM G1 "AArch32 processor modes"). */
const USER = 0x10;
const T = 0x20;

/** One instruction's code as the harnesses take it: an A32 word; a T32 halfword, or hw1 << 16 | hw2. */
export function codeOf(source: string, target: Target | 'a32'): Uint32Array {
  const b = assemble(`.syntax unified\n${target === 'a32' ? '.arm' : '.thumb'}\n${source}\n`, target);
  const h = (i: number): number => b[i] | (b[i + 1] << 8);
  if (target === 'a32') return Uint32Array.of((h(0) | (h(2) << 16)) >>> 0);
  return Uint32Array.of(b.length === 2 ? h(0) : ((h(0) << 16) | h(2)) >>> 0);
}

/** `source` with r0.. set from `regs` (the rest r1, r2, ... by number) and the flags given. */
export function handCase(source: string, target: Target | 'a32', regs: readonly number[], flags = 0): ExecCase {
  const r = new Uint32Array(15);
  for (let n = 0; n < 15; n++) r[n] = n < regs.length ? regs[n] >>> 0 : n;
  return { code: codeOf(source, target), initial: { regs: r, flags: flags >>> 0, scratch: new Uint8Array(SCRATCH_SIZE) } };
}

/** One instruction in our executor at `codeAddress` (where QEMU ran it), User mode, T32 state for `thumb`. */
export function runOne(c: ExecCase, codeAddress: number, thumb: boolean): OurRun {
  const memory = thumb ? new T32ScratchMemory(c.initial.scratch, codeAddress, c.code) : new ScratchMemory(c.initial.scratch, codeAddress, c.code);
  const aborts = new DataAbortRecorder();
  const cpu = new A32Cpu({ memory, onGuestAbort: aborts.onGuestAbort });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & FLAG_MASK.a32) | USER | (thumb ? T : 0)) >>> 0;
  for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
  cpu.pc = codeAddress;
  try {
    cpu.stepHandlingAborts();
  } catch (e) {
    return a32LinuxFault(e, memory, aborts);
  }
  return { kind: 'done', final: { regs: cpu.r.slice(0, 15), flags: cpu.cpsr, scratch: memory.scratch.slice() } };
}
