/** What a Data Abort syndrome says about the A64 instruction that aborted (D17 "ESR_EL2", ISS for a Data Abort). */
import { A64Op, AddrMode, type A64Instruction } from '../../decode/a64/instruction';
import { sysKey, type SysAccess } from '../../decode/system-access';
import type { DataAbortInfo } from './syndrome';

const DC_ZVA = sysKey({ op0: 1, op1: 3, crn: 7, crm: 4, op2: 1 });

/** Data Abort syndrome fields for `insn` (ISV rules: D17 "ESR_EL2", ISV). */
export function dataAbortInfo(insn: A64Instruction, write: boolean, dfsc: number, s1ptw: boolean, toEl2: boolean): DataAbortInfo {
  const op = insn.op;
  const single =
    ((op === A64Op.LDR || op === A64Op.LDRS || op === A64Op.STR) && insn.variant !== AddrMode.PRE_INDEX && insn.variant !== AddrMode.POST_INDEX) ||
    op === A64Op.LDR_LIT ||
    op === A64Op.LDRSW_LIT ||
    op === A64Op.LDAR ||
    op === A64Op.STLR;
  // CM: cache maintenance and address translation instructions; DC ZVA is neither, it faults
  // as a store (D17 "ESR_EL2", ISS for a Data Abort, CM).
  const cm = op === A64Op.SYS && sysKey(insn.sys as SysAccess) !== DC_ZVA;
  return {
    // ISV is reported only for stage 2 aborts on single-register accesses without writeback,
    // not exclusives, not on a stage 1 walk (D17 "ESR_EL2", ISV); faults to EL1 report ISV = 0 (Armv8.0).
    valid: toEl2 && single && !s1ptw,
    size: insn.size,
    signExtend: op === A64Op.LDRS || op === A64Op.LDRSW_LIT,
    rt: insn.rt,
    sixtyFour: insn.sf === 1,
    acquireRelease: op === A64Op.LDAR || op === A64Op.STLR,
    cacheMaintenance: cm,
    s1ptw,
    // Cache maintenance reports WnR = 1 (D17 "ESR_ELx" WnR).
    write: write || cm,
    dfsc,
  };
}
