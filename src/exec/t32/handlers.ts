/**
 * Handlers of the operations only T32 has (Arm ARM F5 pseudocode of B, BL, BLX, CBZ, TBB, IT);
 * every other T32 record runs on the A32 handler of its A32Op.
 */
import { T32Op, type T32Instruction } from '../../decode/t32/instruction';
import type { A32Cpu } from '../a32/cpu';

export type T32Handler = (cpu: A32Cpu, i: T32Instruction) => void;

/** The address of the next instruction with bit 0 set: LR after BL/BLX from T32 state. */
function returnAddress(cpu: A32Cpu, i: T32Instruction): number {
  return ((cpu.current + i.length) | 1) >>> 0;
}

/** B, B<c> (the condition was checked by the step), BL: BranchWritePC(PC + imm32). */
const branch: T32Handler = (cpu, i) => {
  if (i.sub) cpu.r[14] = returnAddress(cpu, i);
  cpu.r[15] = (cpu.r[15] + i.imm) & ~1;
  cpu.branched = true;
};

/** BLX (immediate): to A32 state at Align(PC, 4) + imm32. */
const branchLinkExchangeImm: T32Handler = (cpu, i) => {
  cpu.r[14] = returnAddress(cpu, i);
  cpu.bxWritePc(((cpu.r[15] & ~3) + i.imm) & ~3);
};

/** BLX (register): LR = next instruction | 1, then BXWritePC(Rm). */
const branchLinkExchangeReg: T32Handler = (cpu, i) => {
  const target = cpu.r[i.rm];
  cpu.r[14] = returnAddress(cpu, i);
  cpu.bxWritePc(target);
};

/** CBZ/CBNZ: branch forward when Rn is (not) zero. */
const compareBranch: T32Handler = (cpu, i) => {
  if ((cpu.r[i.rn] === 0) !== (i.sub === 1)) {
    cpu.r[15] = (cpu.r[15] + i.imm) >>> 0;
    cpu.branched = true;
  }
};

/** TBB/TBH: PC + 2 * the byte (halfword) at Rn + Rm (Rn + 2 * Rm); PC reads as the instruction + 4. */
const tableBranch: T32Handler = (cpu, i) => {
  const r = cpu.r;
  const offset = i.size === 2 ? cpu.read16((r[i.rn] + 2 * r[i.rm]) >>> 0, false) : cpu.read8((r[i.rn] + r[i.rm]) >>> 0);
  r[15] = (r[15] + 2 * offset) >>> 0;
  cpu.branched = true;
};

/** IT: ITSTATE = firstcond:mask; the step does not advance it past the IT instruction itself. */
const ifThen: T32Handler = (cpu, i) => {
  cpu.itState = i.newItState;
  cpu.itStateWritten = true;
};

export const t32Handlers: Record<number, T32Handler> = {
  [T32Op.Branch]: branch,
  [T32Op.BranchLinkExchangeImm]: branchLinkExchangeImm,
  [T32Op.BranchLinkExchangeReg]: branchLinkExchangeReg,
  [T32Op.CompareBranch]: compareBranch,
  [T32Op.TableBranch]: tableBranch,
  [T32Op.IfThen]: ifThen,
};
