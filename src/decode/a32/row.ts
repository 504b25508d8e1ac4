/**
 * One A32 encoding row: the bit pattern (as the Arm ARM F4 encoding diagrams draw it), the
 * handler it selects, a decode step that fills the record from the fields, and its text.
 *
 * Field letters used across the tables: n Rn, d Rd, m Rm, s Rs, t Rt, a Ra, i/j immediates,
 * h shift type, S set flags, P/U/W/L/B addressing bits, o opcode; `x` marks bits the encoding
 * shows as (0) and `X` bits shown as (1): any other value is UNPREDICTABLE (Arm ARM F1
 * "Fixed values in AArch32 instruction encodings"), checked once by the decoder.
 */
import type { A32Formatter, A32Instruction, A32Op } from './instruction';

export type Fields = Readonly<Record<string, number>>;

export interface A32Row {
  readonly pattern: string;
  readonly mnemonic: string;
  readonly op: A32Op;
  /** Fill the record; may mark it UNPREDICTABLE/UNDEFINED from the encoding pseudocode. */
  readonly decode: (insn: A32Instruction, f: Fields) => void;
  readonly format: A32Formatter;
}

/** Mark UNPREDICTABLE (the first reason found wins; UNDEFINED is never downgraded). */
export function unpredictableIf(insn: A32Instruction, condition: boolean, reason: string): void {
  if (condition && insn.kind === 'ok') {
    insn.kind = 'unpredictable';
    insn.reason = reason;
  }
}

export function undefinedIf(insn: A32Instruction, condition: boolean, reason: string): void {
  if (condition && insn.kind !== 'undefined') {
    insn.kind = 'undefined';
    insn.reason = reason;
  }
}

/** Sign-extend the low `bits` bits of `value`. */
export function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}
