/**
 * The decoded A32 instruction record. One fixed shape for every instruction (all fields present,
 * unused ones zero) so the executor's property reads stay monomorphic; `op` selects the
 * executor's handler, `format` the disassembler's.
 */
import type { CoprocAccess } from '../system-access';

export type A32Kind = 'ok' | 'undefined' | 'unpredictable';

/** Executor handler ids: one per execution routine (a routine may serve several rows). */
export const A32Op = {
  Undefined: 0,
  DataProcessingImm: 1,
  DataProcessingReg: 2,
  DataProcessingRegShiftedReg: 3,
  MovWide: 4, // MOVW / MOVT
  CountLeadingZeros: 5,
  Multiply: 6, // MUL, MLA, MLS
  MultiplyLong: 7, // UMULL, UMLAL, SMULL, SMLAL, UMAAL
  HalfwordMultiply: 8, // SMLA<x><y>, SMUL<x><y>, SMLAW<y>, SMULW<y>, SMLAL<x><y>
  DualMultiply: 9, // SMLAD, SMLSD, SMUAD, SMUSD, SMLALD, SMLSLD
  MostSignificantMultiply: 10, // SMMLA, SMMLS, SMMUL
  Divide: 11, // SDIV, UDIV
  SaturatingAddSub: 12, // QADD, QSUB, QDADD, QDSUB
  Saturate: 13, // SSAT, USAT
  Saturate16: 14, // SSAT16, USAT16
  ParallelAddSub: 15,
  PackHalfword: 16,
  Extend: 17, // SXTAB, SXTB, UXTAH... (and the 16-bit pair forms)
  Select: 18,
  Reverse: 19, // REV, REV16, REVSH, RBIT
  SumAbsoluteDifferences: 20, // USAD8, USADA8
  BitfieldExtract: 21,
  BitfieldInsert: 22, // BFI, BFC
  LoadStoreWordByte: 23, // LDR, STR, LDRB, STRB and the T forms
  LoadStoreExtra: 24, // LDRH, STRH, LDRSB, LDRSH and the T forms
  LoadStoreDual: 25, // LDRD, STRD
  LoadExclusive: 26,
  StoreExclusive: 27,
  LoadAcquire: 28,
  StoreRelease: 29,
  Swap: 30,
  LoadStoreMultiple: 31, // LDM/STM (also PUSH/POP)
  LoadMultipleUser: 32,
  LoadMultipleExceptionReturn: 33,
  StoreMultipleUser: 34,
  Branch: 35, // B, BL
  BranchLinkExchangeImm: 36, // BLX (immediate)
  BranchExchange: 37, // BX, BXJ
  BranchLinkExchangeReg: 38,
  MoveFromStatus: 39, // MRS
  MoveToStatusReg: 40, // MSR (register)
  MoveToStatusImm: 41, // MSR (immediate)
  MoveFromBanked: 42,
  MoveToBanked: 43,
  Hint: 44, // NOP, YIELD, WFE, WFI, SEV, SEVL, DBG and reserved hints
  Barrier: 45, // DMB, DSB, ISB
  ClearExclusive: 46,
  SupervisorCall: 47,
  HypervisorCall: 48,
  SecureMonitorCall: 49,
  Breakpoint: 50,
  PermanentlyUndefined: 51, // UDF
  ExceptionReturn: 52, // ERET
  ChangeProcessorState: 53,
  SetEndianness: 54,
  StoreReturnState: 55,
  ReturnFromException: 56,
  Preload: 57, // PLD, PLDW, PLI
  CoprocessorMove: 58, // MCR, MRC
  CoprocessorMove2: 59, // MCRR, MRRC
} as const;
export type A32Op = (typeof A32Op)[keyof typeof A32Op];

/** Shift types after DecodeImmShift (Arm ARM F2 "Shift and rotate operations"); RRX is its own type. */
export const Shift = { LSL: 0, LSR: 1, ASR: 2, ROR: 3, RRX: 4 } as const;
export type Shift = (typeof Shift)[keyof typeof Shift];

export type A32Formatter = (insn: A32Instruction, pc: number | undefined) => string;

export class A32Instruction {
  /** The instruction word (unsigned). */
  readonly word: number;
  /** Condition field bits[31:28]; 0xE for the unconditional space (executes always). */
  cond: number;
  kind: A32Kind = 'ok';
  /** Why the encoding is UNDEFINED or UNPREDICTABLE (the Arm ARM rule), '' when ok. */
  reason = '';
  /** Base mnemonic, lower case, without condition or S suffix (e.g. 'add', 'ldrb', 'mcr'). */
  mnemonic = '';
  op: A32Op = A32Op.Undefined;
  format: A32Formatter | null = null;

  rd = 0;
  rn = 0;
  rm = 0;
  rs = 0;
  rt = 0;
  rt2 = 0;
  ra = 0;
  /** RdHi of a long multiply (RdLo is `rd`). */
  rdHi = 0;
  /** Multiply forms that accumulate (MLA, SMLAD...) versus plain ones (MUL, SMUAD...). */
  accumulate = false;
  /** Immediate operand after expansion (unsigned 32-bit where it is a value; see each row). */
  imm = 0;
  /** Raw immediate fields kept for the disassembler (e.g. rotation of a modified immediate). */
  imm2 = 0;
  /** Carry out of an A32ExpandImm_C with a non-zero rotation: 0/1; -1 keeps PSTATE.C. */
  immCarry = -1;
  shiftType: Shift = Shift.LSL;
  shiftAmount = 0;
  setFlags = false;
  /** Sub-operation selector for rows served by one handler (data-processing opcode, hint number, ...). */
  sub = 0;
  /** Load (true) or store. */
  load = false;
  /** Access size in bytes for loads/stores. */
  size = 4;
  signed = false;
  /** P: offset applied before the access (index). */
  index = true;
  /** U: add the offset (true) or subtract. */
  add = true;
  /** W, or P=0: write the address back to Rn. */
  wback = false;
  /** Offset is a (shifted) register rather than `imm`. */
  regOffset = false;
  /** Unprivileged access (LDRT/STRT family). */
  unprivileged = false;
  /** Register list bits[15:0] of LDM/STM. */
  registers = 0;
  /** MCR/MRC/MCRR/MRRC operands, the shared record (src/decode/system-access.ts). */
  coproc: CoprocAccess | null = null;

  constructor(word: number) {
    this.word = word >>> 0;
    this.cond = this.word >>> 28;
  }
}
