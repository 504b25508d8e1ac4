/**
 * ESR_ELx values the A64 executor builds itself (Arm ARM D17 "ESR_EL1"/"ESR_EL2": EC[31:26],
 * IL[25], ISS[24:0]). The general MSR/MRS/SYS syndrome (EC 0x18) belongs to the system-register
 * model; `sysTrapSyndrome` here serves only the registers the executor owns.
 */
import type { SysAccess } from '../../decode/system-access';

/** Exception classes (D17 "ESR_ELx", EC field). */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  FP_ACCESS: 0x07,
  ILLEGAL_STATE: 0x0e,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYS64: 0x18,
  IABT_LOWER: 0x20,
  IABT_SAME: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOWER: 0x24,
  DABT_SAME: 0x25,
  BRK64: 0x3c,
} as const;

/** IL: 32-bit instruction (always, for A64). */
const IL = 1 << 25;

export function syndrome(ec: number, iss: number): number {
  return ((ec << 26) | IL | (iss & 0x1ffffff)) >>> 0;
}

/** CV = 1, COND = 0b1110: what an AArch64 instruction reports in the AArch32-style COND fields (EC 0x01, 0x07). */
const CV_AL = (1 << 24) | (0xe << 20);

/** WFI/WFE trapped (EC 0x01): TI[1:0] 00 WFI, 01 WFE. */
export function wfxSyndrome(isWfe: boolean): number {
  return syndrome(EC.WFX, CV_AL | (isWfe ? 1 : 0));
}

/** FP/SIMD access trapped by CPACR_EL1.FPEN (EC 0x07). */
export function fpAccessSyndrome(): number {
  return syndrome(EC.FP_ACCESS, CV_AL);
}

/** MSR/MRS/SYS (EC 0x18): Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] Direction[0]. */
export function sysTrapSyndrome(a: SysAccess): number {
  const iss =
    ((a.op0 & 3) << 20) | ((a.op2 & 7) << 17) | ((a.op1 & 7) << 14) | ((a.crn & 15) << 10) | ((a.rt & 31) << 5) | ((a.crm & 15) << 1) | (a.read ? 1 : 0);
  return syndrome(EC.SYS64, iss);
}

/** What a Data Abort syndrome says about the access (ISS for EC 0x24/0x25). */
export interface DataAbortInfo {
  /** ISV: the fields SAS..AR are valid (single GPR load/store without writeback, not exclusive). */
  readonly valid: boolean;
  /** log2 of the access size. */
  readonly size: number;
  readonly signExtend: boolean;
  readonly rt: number;
  /** Rt is a 64-bit register. */
  readonly sixtyFour: boolean;
  readonly acquireRelease: boolean;
  readonly cacheMaintenance: boolean;
  readonly s1ptw: boolean;
  readonly write: boolean;
  readonly dfsc: number;
}

/** ISS of a Data Abort: ISV[24] SAS[23:22] SSE[21] SRT[20:16] SF[15] AR[14] CM[8] S1PTW[7] WnR[6] DFSC[5:0]. */
export function dataAbortIss(d: DataAbortInfo): number {
  let iss = d.dfsc & 0x3f;
  if (d.valid) {
    iss |= (1 << 24) | ((d.size & 3) << 22) | (d.signExtend ? 1 << 21 : 0) | ((d.rt & 31) << 16) | (d.sixtyFour ? 1 << 15 : 0) | (d.acquireRelease ? 1 << 14 : 0);
  }
  if (d.cacheMaintenance) iss |= 1 << 8;
  if (d.s1ptw) iss |= 1 << 7;
  if (d.write) iss |= 1 << 6;
  return iss;
}

/** ISS of an Instruction Abort: S1PTW[7] IFSC[5:0]. */
export function instructionAbortIss(ifsc: number, s1ptw: boolean): number {
  return (ifsc & 0x3f) | (s1ptw ? 1 << 7 : 0);
}
