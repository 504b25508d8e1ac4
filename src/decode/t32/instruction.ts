/**
 * The decoded T32 instruction: the A32 record (so the A32 handlers run it where the semantics are
 * the same, Arm ARM F1 "The T32 and A32 instruction sets": most T32 instructions are the A32 one
 * with another encoding) plus what only T32 has: the encoding length, the IT block position
 * (ITSTATE) the record was decoded for, and Align(PC, 4) for literal and ADR forms.
 *
 * `word` is the halfword for a 16-bit encoding and first halfword << 16 | second halfword for a
 * 32-bit one, as the Arm ARM draws T32 encodings and llvm-objdump prints them.
 * `cond` is the condition the instruction executes under: the IT block's (ITSTATE[7:4]) inside
 * one, the encoding's own for B<c>, otherwise AL.
 */
import { A32Instruction } from '../a32/instruction';

/** Handler ids of the operations only T32 has; shared ones keep their A32Op id (A32Op ends at 59). */
export const T32Op = {
  /** B, B<c>, BL: BranchWritePC, LR = next instruction | 1 for BL (F5 "B", "BL, BLX (immediate)"). */
  Branch: 64,
  /** BLX (immediate): to A32 state at Align(PC, 4) + imm32. */
  BranchLinkExchangeImm: 65,
  /** BLX (register): LR = next instruction | 1. */
  BranchLinkExchangeReg: 66,
  /** CBZ, CBNZ. */
  CompareBranch: 67,
  /** TBB, TBH. */
  TableBranch: 68,
  /** IT: sets ITSTATE. */
  IfThen: 69,
} as const;
export type T32Op = (typeof T32Op)[keyof typeof T32Op];

export class T32Instruction extends A32Instruction {
  /** 2 for a 16-bit encoding, 4 for a 32-bit one. */
  readonly length: 2 | 4;
  /** ITSTATE the record was decoded for (0 outside an IT block). */
  readonly itState: number;
  /** The instruction reads the PC as Align(PC, 4) (ADR, literal loads, F1 "Use of the PC"). */
  alignPc = false;
  /** IT: firstcond[3:0]:mask[3:0], the ITSTATE the IT instruction sets. */
  newItState = 0;

  constructor(word: number, length: 2 | 4, itState: number) {
    super(word);
    this.length = length;
    this.itState = itState & 0xff;
    this.cond = (itState & 0xf) === 0 ? 0xe : (itState >>> 4) & 0xf;
  }

  /** InITBlock() for the position the record was decoded for (Arm ARM F1 "IT block state register, ITSTATE"). */
  get inItBlock(): boolean {
    return (this.itState & 0xf) !== 0;
  }

  /** LastInITBlock(). */
  get lastInItBlock(): boolean {
    return (this.itState & 0xf) === 0b1000;
  }
}
