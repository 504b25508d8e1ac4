/**
 * The few syndromes the A32 executor raises itself (HSR / ESR_EL2, Arm ARM G8 "HSR" and D17
 * "ESR_EL2"), as thin adapters over the shared encoder in src/exec/syndrome, so that one bit
 * layout serves the executors, the register model and the trace printer.
 */
import type { FaultInfo } from '../../mmu/fault';
import { abortSyndrome as sharedAbortSyndrome, encodeHvc, encodeSmcTrap, encodeWfxTrap, WfxKind } from '../syndrome/encode';

export const ExceptionClass = {
  WFX: 0x01,
  HVC32: 0x12,
  SMC32: 0x13,
  InstructionAbortLower: 0x20,
  DataAbortLower: 0x24,
} as const;

/** EC 0x12: HVC from AArch32, imm16 in ISS[15:0]. */
export function hvcSyndrome(imm16: number): number {
  return encodeHvc(imm16, false);
}

/** EC 0x13: SMC from AArch32, trapped after its condition passed: CCKNOWNPASS = 0, so CV and COND are RES0. */
export function smcSyndrome(): number {
  return encodeSmcTrap(false);
}

/** EC 0x01: WFI/WFE trapped; IL[25] = 0 for a 16-bit T32 WFI/WFE, CV[24]=1, COND[23:20], TI[0] = 1 for WFE. */
export function wfxSyndrome(cond: number, wfe: boolean, is16bit = false): number {
  return encodeWfxTrap(wfe ? WfxKind.WFE : WfxKind.WFI, false, cond, is16bit);
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
  /** A 16-bit T32 instruction: IL = 0 (with ISV = 1, D17 "ESR_EL2.IL"). */
  readonly is16bit?: boolean;
}

/**
 * EC 0x24 (data abort from a lower EL) or 0x20 (instruction abort). ISS per D17 "ISS encoding
 * for an exception from a Data Abort": ISV[24] SAS[23:22] SSE[21] SRT[19:16] (AArch32: 4 bits)
 * SF[15]=0 AR[14] S1PTW[7] WnR[6] DFSC[5:0]. ISV is 0 when `access` is null (multi-register,
 * writeback, exclusive, dual transfers): the hypervisor must then decode the instruction itself.
 * `cacheMaintenance` (a CP15 maintenance MCR such as DCCIMVAC) reports CM=1 and WnR=1.
 */
export function abortSyndrome(fault: FaultInfo, access: AccessSyndrome | null, cacheMaintenance = false): number {
  const transfer =
    access === null
      ? undefined
      : { size: (1 << access.sizeLog2) as 1 | 2 | 4 | 8, signExtend: access.signExtend, register: access.rt, sixtyFour: false, acquireRelease: access.acquireRelease, is16bit: access.is16bit ?? false };
  return sharedAbortSyndrome(fault, false, transfer, cacheMaintenance);
}
