/**
 * Comparing two final states of an execution differential test, register by register, and
 * summarising many comparisons by the instruction that most likely caused each difference.
 */
import { FLAG_MASK, SCRATCH_ADDRESS, type ExecState } from './exec-harness';
import type { Isa } from './llvm-mc';

export interface StateDifference {
  readonly what: string;
  readonly ours: string;
  readonly qemu: string;
}

const hex = (v: number, digits = 8): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

export function compareStates(isa: Isa, ours: ExecState, qemu: ExecState): StateDifference[] {
  const out: StateDifference[] = [];
  if (isa === 'a32') {
    for (let r = 0; r < 15; r++) if (ours.regs[r] !== qemu.regs[r]) out.push({ what: `r${r}`, ours: hex(ours.regs[r]), qemu: hex(qemu.regs[r]) });
  } else {
    for (let r = 0; r < 32; r++) {
      if (ours.regs[2 * r] !== qemu.regs[2 * r] || ours.regs[2 * r + 1] !== qemu.regs[2 * r + 1]) {
        const name = r === 31 ? 'sp' : `x${r}`;
        out.push({ what: name, ours: hex(ours.regs[2 * r + 1]) + hex(ours.regs[2 * r]).slice(2), qemu: hex(qemu.regs[2 * r + 1]) + hex(qemu.regs[2 * r]).slice(2) });
      }
    }
  }
  const m = FLAG_MASK[isa];
  if (((ours.flags & m) >>> 0) !== ((qemu.flags & m) >>> 0)) out.push({ what: 'flags', ours: hex(ours.flags & m), qemu: hex(qemu.flags & m) });
  for (let i = 0; i < ours.scratch.length; i++) {
    if (ours.scratch[i] !== qemu.scratch[i]) {
      out.push({ what: `mem[${hex(SCRATCH_ADDRESS + i)}]`, ours: hex(ours.scratch[i], 2), qemu: hex(qemu.scratch[i], 2) });
      break;
    }
  }
  return out;
}
