/**
 * One T32 encoding row (Arm ARM F3 "T32 instruction set encoding" index): a 16- or 32-bit bit
 * pattern, the handler id, the decode step and the text. Letters as in the A32 rows
 * (src/decode/a32/row.ts); `x`/`X` are (0)/(1) bits, any other value is UNPREDICTABLE.
 */
import type { A32Op } from '../a32/instruction';
import type { Fields } from '../a32/row';
import type { T32Instruction, T32Op } from './instruction';

export type { Fields };
export { signExtend, undefinedIf, unpredictableIf } from '../a32/row';

export interface T32Row {
  readonly pattern: string;
  readonly mnemonic: string;
  readonly op: A32Op | T32Op;
  readonly decode: (insn: T32Instruction, f: Fields) => void;
  readonly format: (insn: T32Instruction) => string;
}

export function row(pattern: string, mnemonic: string, op: A32Op | T32Op, decode: T32Row['decode'], format: T32Row['format']): T32Row {
  return { pattern, mnemonic, op, decode, format };
}

/** BadReg (Arm ARM F1: SP or PC where T32 forbids them). */
export function badReg(n: number): boolean {
  return n === 13 || n === 15;
}
