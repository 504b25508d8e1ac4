/**
 * Build ESR_EL2 / HSR values (Arm ARM DDI 0487, D17 "ESR_EL2" and G8 "HSR": EC[31:26], IL[25],
 * ISS[24:0]). ESR_EL2[31:0] is architecturally mapped to HSR, so one encoder serves both; ISS2
 * (ESR_EL2[55:32]) is always zero for the exceptions built here and is not returned.
 *
 * Condition reporting (ESR_EL2 ISS "CV, COND" for EC 0x01-0x0C; EC 0x13 in encodeSmcTrap): from
 * AArch64 CV=1 and COND=0b1110. From AArch32 an A32 instruction reports CV=1 and its cond field, 0b1110 for an
 * unconditional one. For T32 it is IMPLEMENTATION DEFINED whether CV=0 or CV=1 with the condition
 * that applied; this model takes the CV=1 choice, so the executor passes the IT condition inside
 * an IT block and 0xE outside one. A cond of 0xF (an unconditional encoding) is reported as 0xE.
 */
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import { faultStatusCode, type FaultInfo } from '../../mmu/fault';
import * as ecModule from './ec';
import * as syndromeErrors from './syndrome-error';
import { SyndromeError } from './syndrome-error';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// trap-path files') a trapped ID-register read cost 1.66x the host instructions under vitest,
// 1.07x under tsx, and the same in compiled dist/ (issue 17).
const { EC } = ecModule;
const { fieldValue } = syndromeErrors;

/** EC[31:26] and IL[25]; IL=0 only for a trapped 16-bit T32 instruction (ESR_EL2.IL). */
function header(ec: number, is16bit: boolean): number {
  return ((ec << 26) | (is16bit ? 0 : 1 << 25)) >>> 0;
}

/** CV[24]=1 and COND[23:20] for an exception taken from AArch32 (see the file comment). */
function conditionBits(cond: number): number {
  const c = fieldValue(cond, 4, 'condition');
  return (1 << 24) | ((c === 0xf ? 0xe : c) << 20);
}

/** The AArch64 form of the same field: CV=1, COND=0b1110. */
const AARCH64_CONDITION = (1 << 24) | (0xe << 20);

/** Exception class a trapped MCR/MRC/MCRR/MRRC reports, by coprocessor (ESR_EL2.EC). */
export function coprocExceptionClass(a: Pick<CoprocAccess, 'coproc' | 'wide'>): number {
  if (a.coproc === 15) return a.wide ? EC.CP15_MCRR_MRRC : EC.CP15_MCR_MRC;
  if (a.coproc === 14) return a.wide ? EC.CP14_MRRC : EC.CP14_MCR_MRC;
  throw new SyndromeError(`coprocessor p${a.coproc} accesses are not reported with a coprocessor syndrome (only p14, p15)`);
}

/** AArch32 processor modes (PSTATE.M[4:0], G1 "AArch32 processor modes"). */
export const AArch32Mode = { USR: 0x10, FIQ: 0x11, IRQ: 0x12, SVC: 0x13, MON: 0x16, ABT: 0x17, HYP: 0x1a, UND: 0x1b, SYS: 0x1f } as const;

/**
 * The AArch64 register that holds AArch32 register `r` in `mode` (Arm ARM D1 "Mapping of the
 * general-purpose registers between the Execution states"): R0-R7 are X0-X7; R8-R12 are X8-X12
 * except in FIQ mode (X24-X28); SP/LR are X13/X14 (usr, sys), X15 (SP_hyp), X17/X16 (irq),
 * X19/X18 (svc), X21/X20 (abt), X23/X22 (und), X29/X30 (fiq). R15 has no mapping and stays 15.
 */
export function aarch64RegisterView(r: number, mode: number): number {
  if (r < 8 || r === 15) return r;
  const m = mode & 0x1f;
  if (m === AArch32Mode.FIQ) return r + 16; // R8_fiq-R12_fiq = X24-X28, SP_fiq = X29, LR_fiq = X30
  if (r < 13) return r;
  const sp = r === 13;
  switch (m) {
    case AArch32Mode.IRQ:
      return sp ? 17 : 16;
    case AArch32Mode.SVC:
      return sp ? 19 : 18;
    case AArch32Mode.ABT:
      return sp ? 21 : 20;
    case AArch32Mode.UND:
      return sp ? 23 : 22;
    case AArch32Mode.HYP:
      return sp ? 15 : 14;
    default:
      return r; // usr, sys (and mon, which has no AArch64 mapping)
  }
}

/**
 * Trapped MCR/MRC (EC 0x03, 0x05) or MCRR/MRRC (EC 0x04, 0x0C) from AArch32.
 * MCR/MRC ISS: CV[24] COND[23:20] Opc2[19:17] Opc1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] Direction[0].
 * MCRR/MRRC ISS: CV[24] COND[23:20] Opc1[19:16] Rt2[14:10] Rt[9:5] CRm[4:1] Direction[0].
 *
 * Without `aarch32Mode` this is the AArch32 HSR form: Rt as written, 4 bits, bit 4 zero. With the
 * mode of the trapping code it is the ESR_EL2 form an AArch64 EL2 sees, where Rt and Rt2 give the
 * AArch64 view of the register (ESR_EL2 ISS "Rt": e.g. R14 in SVC mode is reported as 18).
 */
export function encodeCoprocTrap(a: CoprocAccess, cond: number, is16bit: boolean, aarch32Mode?: number): number {
  const ec = coprocExceptionClass(a);
  fieldValue(a.rt, 4, 'Rt');
  const rt = aarch32Mode === undefined ? a.rt : aarch64RegisterView(a.rt, aarch32Mode);
  const crm = fieldValue(a.crm, 4, 'CRm');
  const dir = a.read ? 1 : 0;
  let iss = conditionBits(cond) | (rt << 5) | (crm << 1) | dir;
  if (a.wide) {
    fieldValue(a.rt2, 4, 'Rt2');
    const rt2 = aarch32Mode === undefined ? a.rt2 : aarch64RegisterView(a.rt2, aarch32Mode);
    iss |= (fieldValue(a.opc1, 4, 'Opc1') << 16) | (rt2 << 10);
  } else {
    iss |= (fieldValue(a.opc2, 3, 'Opc2') << 17) | (fieldValue(a.opc1, 3, 'Opc1') << 14) | (fieldValue(a.crn, 4, 'CRn') << 10);
  }
  return (header(ec, is16bit) | iss) >>> 0;
}

/**
 * Trapped MSR/MRS/SYS/SYSL from AArch64 (EC 0x18). ISS: Op0[21:20] Op2[19:17] Op1[16:14]
 * CRn[13:10] Rt[9:5] CRm[4:1] Direction[0]; bits [24:22] RES0. A64 instructions are 32-bit: IL=1.
 */
export function encodeSysTrap(a: SysAccess): number {
  const iss =
    (fieldValue(a.op0, 2, 'Op0') << 20) |
    (fieldValue(a.op2, 3, 'Op2') << 17) |
    (fieldValue(a.op1, 3, 'Op1') << 14) |
    (fieldValue(a.crn, 4, 'CRn') << 10) |
    (fieldValue(a.rt, 5, 'Rt') << 5) |
    (fieldValue(a.crm, 4, 'CRm') << 1) |
    (a.read ? 1 : 0);
  return (header(EC.SYS64, false) | iss) >>> 0;
}

/** ESR_EL2 ISS TI[1:0] for EC 0x01: WFI, WFE, and (FEAT_WFxT) WFIT, WFET. */
export const WfxKind = { WFI: 0, WFE: 1, WFIT: 2, WFET: 3 } as const;
export type WfxKind = (typeof WfxKind)[keyof typeof WfxKind];

/**
 * Trapped WFI/WFE (EC 0x01; HCR_EL2.TWI/TWE). ISS: CV[24] COND[23:20] TI[1:0]. `cond` is used
 * only for AArch32 (`aarch64` false); a 16-bit T32 WFI/WFE reports IL=0.
 */
export function encodeWfxTrap(kind: WfxKind, aarch64: boolean, cond = 0xe, is16bit = false): number {
  const cv = aarch64 ? AARCH64_CONDITION : conditionBits(cond);
  return (header(EC.WFX, !aarch64 && is16bit) | cv | fieldValue(kind, 2, 'TI')) >>> 0;
}

/** HVC (EC 0x12 from AArch32, 0x16 from AArch64). ISS: imm16[15:0]. HVC is never 16-bit. */
export function encodeHvc(imm16: number, aarch64: boolean): number {
  return (header(aarch64 ? EC.HVC64 : EC.HVC32, false) | fieldValue(imm16, 16, 'imm16')) >>> 0;
}

/** SVC (EC 0x11 from AArch32, 0x15 from AArch64, e.g. for ESR_EL1). ISS: imm16[15:0]; a 16-bit T32 SVC reports IL=0. */
export function encodeSvc(imm16: number, aarch64: boolean, is16bit = false): number {
  return (header(aarch64 ? EC.SVC64 : EC.SVC32, !aarch64 && is16bit) | fieldValue(imm16, 16, 'imm16')) >>> 0;
}

/**
 * Trapped SMC (HCR_EL2.TSC). From AArch64, EC 0x17 with ISS imm16[15:0] (`imm16`). From AArch32,
 * EC 0x13 with ISS CV[24] COND[23:20] CCKNOWNPASS[19]. This model traps only after the condition
 * passed, so CCKNOWNPASS=0, and CV and COND are then RES0 (D17 "ESR_EL2", ISS encoding for an
 * exception from SMC instruction execution in AArch32 state): the AArch32 ISS is zero.
 */
export function encodeSmcTrap(aarch64: boolean, imm16 = 0): number {
  if (aarch64) return (header(EC.SMC64, false) | fieldValue(imm16, 16, 'imm16')) >>> 0;
  return header(EC.SMC32, false);
}

/** An exception for an unknown reason (EC 0x00): ISS is zero and IL is 1 (ESR_EL2.IL). */
export function encodeUnknown(): number {
  return header(EC.UNKNOWN, false);
}

/** Data Abort ISS fields (ESR_EL2 "ISS encoding for an exception from a Data Abort"). */
export interface DataAbortFields {
  /** Taken from the same EL (EC 0x25) rather than from a lower one (EC 0x24). */
  readonly sameEl: boolean;
  /** ISV[24]: ISS[23:14] hold a valid instruction syndrome. */
  readonly isv: boolean;
  /** SAS[23:22]: 0 byte, 1 halfword, 2 word, 3 doubleword. */
  readonly sas: number;
  readonly sse: boolean;
  /** SRT[20:16]: the transfer register (4-bit values from AArch32). */
  readonly srt: number;
  /** SF[15]: 64-bit register transfer. */
  readonly sf: boolean;
  /** AR[14]: acquire/release semantics. */
  readonly ar: boolean;
  /** 16-bit T32 instruction; only reported when isv is true (IL is 1 when ISV is 0). */
  readonly is16bit: boolean;
  /** FnV[10]: FAR is not valid. */
  readonly fnv: boolean;
  /** EA[9]: external abort type. */
  readonly ea: boolean;
  /** CM[8]: from a cache maintenance or address translation instruction. */
  readonly cm: boolean;
  /** S1PTW[7]: stage-2 fault on a stage-1 translation table walk. */
  readonly s1ptw: boolean;
  /** WnR[6]. */
  readonly wnr: boolean;
  /** DFSC[5:0]. */
  readonly dfsc: number;
  /** SET[12:11] (synchronous error type), 0 unless an external abort says otherwise. */
  readonly set?: number;
}

/** Data Abort (EC 0x24 lower EL, 0x25 same EL). When ISV is 0, ISS[23:14] are RES0 and IL is 1. */
export function encodeDataAbort(d: DataAbortFields): number {
  let iss =
    (fieldValue(d.set ?? 0, 2, 'SET') << 11) |
    (d.fnv ? 1 << 10 : 0) |
    (d.ea ? 1 << 9 : 0) |
    (d.cm ? 1 << 8 : 0) |
    (d.s1ptw ? 1 << 7 : 0) |
    (d.wnr ? 1 << 6 : 0) |
    fieldValue(d.dfsc, 6, 'DFSC');
  if (d.isv) {
    iss |=
      (1 << 24) |
      (fieldValue(d.sas, 2, 'SAS') << 22) |
      (d.sse ? 1 << 21 : 0) |
      (fieldValue(d.srt, 5, 'SRT') << 16) |
      (d.sf ? 1 << 15 : 0) |
      (d.ar ? 1 << 14 : 0);
  }
  return (header(d.sameEl ? EC.DABT_SAME : EC.DABT_LOWER, d.isv && d.is16bit) | iss) >>> 0;
}

/** Instruction Abort ISS fields (ESR_EL2 "ISS encoding for an exception from an Instruction Abort"). */
export interface InstructionAbortFields {
  readonly sameEl: boolean;
  readonly fnv: boolean;
  readonly ea: boolean;
  readonly s1ptw: boolean;
  /** IFSC[5:0]. */
  readonly ifsc: number;
  readonly set?: number;
}

/** Instruction Abort (EC 0x20 lower EL, 0x21 same EL); IL is always 1. */
export function encodeInstructionAbort(f: InstructionAbortFields): number {
  const iss =
    (fieldValue(f.set ?? 0, 2, 'SET') << 11) | (f.fnv ? 1 << 10 : 0) | (f.ea ? 1 << 9 : 0) | (f.s1ptw ? 1 << 7 : 0) | fieldValue(f.ifsc, 6, 'IFSC');
  return (header(f.sameEl ? EC.IABT_SAME : EC.IABT_LOWER, false) | iss) >>> 0;
}

/** The load/store that faulted, for a Data Abort with a valid instruction syndrome (ISV=1). */
export interface AbortTransfer {
  /** Access size in bytes: 1, 2, 4 or 8. */
  readonly size: 1 | 2 | 4 | 8;
  readonly signExtend: boolean;
  readonly register: number;
  readonly sixtyFour: boolean;
  readonly acquireRelease: boolean;
  readonly is16bit: boolean;
}

const SAS_OF_SIZE: Readonly<Record<number, number>> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/**
 * The syndrome for a fault the memory system reported (src/mmu/fault.ts). `transfer` gives the
 * instruction syndrome for a single-register load/store (ISV=1); omit it for anything else
 * (ISV=0). A stage-2 fault on a stage-1 walk reports S1PTW=1, no instruction syndrome and the
 * access's WnR; a cache maintenance instruction reports CM=1 and WnR=1 (ESR_EL2 ISS: CM, WnR).
 */
export function abortSyndrome(fault: FaultInfo, sameEl: boolean, transfer?: AbortTransfer, cacheMaintenance = false): number {
  const fsc = faultStatusCode(fault);
  const ea = fault.kind === 'external';
  if (fault.access === 'fetch') {
    return encodeInstructionAbort({ sameEl, fnv: false, ea, s1ptw: fault.s1ptw, ifsc: fsc });
  }
  const isv = transfer !== undefined && !fault.s1ptw && !cacheMaintenance;
  return encodeDataAbort({
    sameEl,
    isv,
    sas: isv ? SAS_OF_SIZE[transfer.size] : 0,
    sse: isv && transfer.signExtend,
    srt: isv ? transfer.register : 0,
    sf: isv && transfer.sixtyFour,
    ar: isv && transfer.acquireRelease,
    is16bit: isv && transfer.is16bit,
    fnv: false,
    ea,
    cm: cacheMaintenance,
    s1ptw: fault.s1ptw,
    // A stage 2 fault on a stage 1 walk reports the instruction's direction, not the walk's read
    // (WnR: "an instruction writing to a memory location"; the stage 2 walk of a stage 1 table
    // takes the access's iswrite, AArch64.SecondStageWalk), as the A64 path does.
    wnr: cacheMaintenance || fault.access === 'write',
    dfsc: fsc,
  });
}
