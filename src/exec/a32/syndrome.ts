/**
 * The few syndromes the A32 executor builds itself (HSR / ESR_EL2, Arm ARM G8 "HSR" and D17
 * "ESR_EL2": EC[31:26], IL[25], ISS[24:0]). Coprocessor-access syndromes belong to the
 * system-register model (src/exec/sysregs).
 */
import { faultStatusCode, type FaultInfo } from '../../mmu/fault';

export const ExceptionClass = {
  WFX: 0x01,
  HVC32: 0x12,
  SMC32: 0x13,
  InstructionAbortLower: 0x20,
  DataAbortLower: 0x24,
} as const;

const IL = 1 << 25;

/** EC 0x12: HVC from AArch32, imm16 in ISS[15:0]. */
export function hvcSyndrome(imm16: number): number {
  return ((ExceptionClass.HVC32 << 26) | IL | (imm16 & 0xffff)) >>> 0;
}

/** EC 0x13: SMC from AArch32 (ISS: CV[24], COND[23:20], CCKNOWNPASS[19] = 0). */
export function smcSyndrome(cond: number): number {
  return ((ExceptionClass.SMC32 << 26) | IL | (1 << 24) | ((cond & 15) << 20)) >>> 0;
}

/** EC 0x01: WFI/WFE trapped; CV[24]=1, COND[23:20], TI[0] = 1 for WFE. */
export function wfxSyndrome(cond: number, wfe: boolean): number {
  return ((ExceptionClass.WFX << 26) | IL | (1 << 24) | ((cond & 15) << 20) | (wfe ? 1 : 0)) >>> 0;
}

/** What the syndrome of a data abort says about the instruction (ISV=1 forms only). */
export interface AccessSyndrome {
  /** log2 of the access size in bytes (SAS). */
  readonly sizeLog2: number;
  /** Sign-extending load (SSE). */
  readonly signExtend: boolean;
  /** Register transferred (SRT). */
  readonly rt: number;
  /** Load-acquire / store-release (AR). */
  readonly acquireRelease: boolean;
}

/**
 * EC 0x24 (data abort from a lower EL) or 0x20 (instruction abort). ISS per D17 "ISS encoding
 * for an exception from a Data Abort": ISV[24] SAS[23:22] SSE[21] SRT[19:16] (AArch32: 4 bits)
 * SF[15]=0 AR[14] S1PTW[7] WnR[6] DFSC[5:0]. ISV is 0 when `access` is null (multi-register,
 * writeback, exclusive, dual transfers): the hypervisor must then decode the instruction itself.
 */
export function abortSyndrome(fault: FaultInfo, access: AccessSyndrome | null): number {
  const fsc = faultStatusCode(fault);
  if (fault.access === 'fetch') {
    return ((ExceptionClass.InstructionAbortLower << 26) | IL | (fault.s1ptw ? 1 << 7 : 0) | fsc) >>> 0;
  }
  let iss = fsc | (fault.s1ptw ? 1 << 7 : 0);
  // WnR: a fault on a stage-1 walk reports the walk's access (a read), per D17 WnR.
  if (fault.access === 'write' && !fault.s1ptw) iss |= 1 << 6;
  if (access !== null && !fault.s1ptw) {
    iss |= (1 << 24) | ((access.sizeLog2 & 3) << 22) | (access.signExtend ? 1 << 21 : 0) | ((access.rt & 15) << 16);
    if (access.acquireRelease) iss |= 1 << 14;
  }
  return ((ExceptionClass.DataAbortLower << 26) | IL | iss) >>> 0;
}
