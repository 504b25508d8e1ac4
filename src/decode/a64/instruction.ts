/**
 * The decoded A64 instruction: one record shape for every encoding, so the executor's dispatch
 * stays monomorphic. Field meanings per operation are listed with `A64Op`.
 *
 * Register operands appear twice: architecturally (`rd`, `rn`... 0..31, as the encoding holds
 * them) and as operand indices (`xd`, `xn`...) that say what register 31 means for that operand
 * (Arm ARM C1.2.5: in some operand positions 31 is SP, in others the zero register):
 *   0..30  X0..X30
 *   31     XZR as a source (reads zero)
 *   32     the current stack pointer (SP_EL0 or SP_ELx per PSTATE.SP)
 *   33     XZR as a destination (the write is discarded)
 */
import type { SysAccess } from '../system-access';

/** Register operand indices beyond X0..X30 (see the file comment). */
export const RegIndex = { ZR: 31, SP: 32, DISCARD: 33 } as const;

/**
 * What a word decodes to:
 * - `ok`: an allocated instruction this model implements;
 * - `undefined`: allocated but always UNDEFINED here (UDF, HLT and DCPSn/DRPS outside Debug state);
 * - `unallocated`: no instruction in the Armv8.0-A encoding index (C4.1) (UNDEFINED);
 * - `fpsimd`: an Advanced SIMD / floating-point encoding, not executed (see the executor).
 */
export type A64Kind = 'ok' | 'undefined' | 'unallocated' | 'fpsimd';

/**
 * Operations, one per executor handler. Field use (unused fields are 0):
 * - ADR/ADRP: imm = byte offset (ADRP: page offset, already << 12).
 * - ADD_SUB_IMM: variant 1 = subtract; imm = immediate (already shifted by `sh`); setFlags.
 * - LOGIC_IMM: variant = opc (0 AND, 1 ORR, 2 EOR, 3 ANDS); imm/immHi = the bitmask.
 * - MOVZ/MOVN/MOVK: imm = imm16, shiftAmount = hw * 16.
 * - SBFM/BFM/UBFM: imm2 = immr, shiftAmount = imms; imm/immHi = wmask, tmaskLo/tmaskHi = tmask.
 * - EXTR: shiftAmount = lsb.
 * - B/BL/B_COND/CBZ/CBNZ: imm = byte offset; cond. TBZ/TBNZ: imm = offset, imm2 = bit number.
 * - SVC/HVC/SMC/BRK/HLT/UDF/DCPS: imm = imm16 (DCPS: imm2 = level).
 * - HINT: imm = CRm:op2. DSB/DMB/CLREX/ISB: imm = CRm.
 * - MSR_IMM: imm = CRm, imm2 = op1:op2 (PSTATE field selector).
 * - SYS/SYSL/MRS/MSR_REG: `sys` holds the syndrome fields.
 * - LOGIC_SHIFTED: variant = opc, invert (N) in imm2; shiftType/shiftAmount.
 * - ADD_SUB_SHIFTED: variant 1 = subtract; shiftType, shiftAmount; setFlags.
 * - ADD_SUB_EXT: variant 1 = subtract; shiftType = extend option (0 UXTB..7 SXTX), shiftAmount.
 * - ADC_SBC: variant 1 = SBC; setFlags.
 * - CCMP_REG/CCMP_IMM: variant 1 = CCMP (subtract), 0 = CCMN; imm = imm5 (CCMP_IMM); imm2 = nzcv; cond.
 * - CSEL: variant = op:op2<0> (0 CSEL, 1 CSINC, 2 CSINV, 3 CSNEG); cond.
 * - CRC32/CRC32C: size = sz (log2 of the bytes of Rm folded in: B 0, H 1, W 2, X 3).
 * - Loads/stores: size = log2(bytes); rt/xd the transfer register; rt2/xa the second (pairs);
 *   rs/xm the status register (STXR) or the offset register; variant = AddrMode; imm = byte offset;
 *   shiftType = extend option, shiftAmount = offset shift; sf = 1 when a signed load fills Xt;
 *   imm2 = 1 for acquire/release forms.
 */
export const A64Op = {
  UNALLOCATED: 0,
  UNDEFINED: 1,
  FPSIMD: 2,
  ADR: 3,
  ADRP: 4,
  ADD_SUB_IMM: 5,
  LOGIC_IMM: 6,
  MOVN: 7,
  MOVZ: 8,
  MOVK: 9,
  SBFM: 10,
  BFM: 11,
  UBFM: 12,
  EXTR: 13,
  B: 14,
  BL: 15,
  B_COND: 16,
  CBZ: 17,
  CBNZ: 18,
  TBZ: 19,
  TBNZ: 20,
  BR: 21,
  BLR: 22,
  RET: 23,
  ERET: 24,
  SVC: 25,
  HVC: 26,
  SMC: 27,
  BRK: 28,
  HINT: 29,
  WFE: 30,
  WFI: 31,
  SEV: 32,
  SEVL: 33,
  CLREX: 34,
  DSB: 35,
  DMB: 36,
  ISB: 37,
  MSR_IMM: 38,
  SYS: 39,
  SYSL: 40,
  MRS: 41,
  MSR_REG: 42,
  LOGIC_SHIFTED: 43,
  ADD_SUB_SHIFTED: 44,
  ADD_SUB_EXT: 45,
  ADC_SBC: 46,
  CCMP_REG: 47,
  CCMP_IMM: 48,
  CSEL: 49,
  RBIT: 50,
  REV16: 51,
  REV32: 52,
  REV64: 53,
  CLZ: 54,
  CLS: 55,
  UDIV: 56,
  SDIV: 57,
  LSLV: 58,
  LSRV: 59,
  ASRV: 60,
  RORV: 61,
  MADD: 62,
  MSUB: 63,
  SMADDL: 64,
  SMSUBL: 65,
  UMADDL: 66,
  UMSUBL: 67,
  SMULH: 68,
  UMULH: 69,
  LDR: 70,
  LDRS: 71,
  STR: 72,
  PRFM: 73,
  LDR_LIT: 74,
  LDRSW_LIT: 75,
  PRFM_LIT: 76,
  LDP: 77,
  STP: 78,
  LDPSW: 79,
  LDXR: 80,
  STXR: 81,
  LDXP: 82,
  STXP: 83,
  LDAR: 84,
  STLR: 85,
  CRC32: 86,
  CRC32C: 87,
} as const;
export type A64Op = (typeof A64Op)[keyof typeof A64Op];

/** Load/store addressing modes (C1.3.3, C6.2 "LDR (immediate)" etc.). */
export const AddrMode = {
  /** [Xn|SP, #imm] (scaled unsigned or unscaled signed offset). */
  OFFSET: 0,
  /** [Xn|SP, #imm]! */
  PRE_INDEX: 1,
  /** [Xn|SP], #imm */
  POST_INDEX: 2,
  /** [Xn|SP, Rm{, extend #amount}] */
  REGISTER: 3,
  /** LDTR/STTR: offset form, EL0 permissions when executed at EL1 (C6.2 "LDTR"). */
  UNPRIVILEGED: 4,
  /** LDUR/STUR: unscaled signed offset (same address computation as OFFSET; kept for the text). */
  UNSCALED: 5,
  /** LDNP/STNP: pair offset with a non-temporal hint. */
  NON_TEMPORAL: 6,
} as const;

export interface A64Instruction {
  readonly word: number;
  readonly kind: A64Kind;
  readonly op: A64Op;
  /** The encoding's base mnemonic in lower case, as the Arm ARM names it ('ubfm', 'ldr', 'csinc'). */
  readonly mnemonic: string;
  /** 1 for a 64-bit operation (sf), 0 for 32-bit. */
  readonly sf: number;
  readonly rd: number;
  readonly rn: number;
  readonly rm: number;
  readonly ra: number;
  readonly rt: number;
  readonly rt2: number;
  readonly rs: number;
  /** Operand indices (see the file comment): destination, first source/base, second source, third. */
  readonly xd: number;
  readonly xn: number;
  readonly xm: number;
  readonly xa: number;
  readonly imm: number;
  readonly immHi: number;
  readonly imm2: number;
  readonly tmaskLo: number;
  readonly tmaskHi: number;
  readonly shiftType: number;
  readonly shiftAmount: number;
  readonly cond: number;
  readonly setFlags: boolean;
  readonly size: number;
  readonly variant: number;
  readonly sys: SysAccess | null;
}

/** The mutable record the decoder fills; every field initialised so all records share one shape. */
export class A64Record implements A64Instruction {
  kind: A64Kind = 'ok';
  op: A64Op = A64Op.UNALLOCATED;
  mnemonic = '';
  sf = 0;
  rd = 0;
  rn = 0;
  rm = 0;
  ra = 0;
  rt = 0;
  rt2 = 0;
  rs = 0;
  xd = 0;
  xn = 0;
  xm = 0;
  xa = 0;
  imm = 0;
  immHi = 0;
  imm2 = 0;
  tmaskLo = 0;
  tmaskHi = 0;
  shiftType = 0;
  shiftAmount = 0;
  cond = 0;
  setFlags = false;
  size = 0;
  variant = 0;
  sys: SysAccess | null = null;
  constructor(readonly word: number) {}
}
