/**
 * T32 disassembly text as `llvm-mc -triple=thumbv7a --disassemble` prints it: mnemonic, `s` when
 * the instruction sets flags, the condition inside an IT block, `.w` where LLVM marks a 32-bit
 * encoding that has a 16-bit sibling, then a tab and the operands.
 */
import { condName } from '../a32/format';
import type { T32Instruction } from './instruction';

export { hex, imm32, reg, registerList, shiftName, shiftSuffix } from '../a32/format';

export function line(insn: T32Instruction, mnemonic: string, operands: string, s = false, wide = false): string {
  const m = mnemonic + (s ? 's' : '') + (insn.inItBlock ? condName(insn.cond) : '') + (wide ? '.w' : '');
  return operands === '' ? m : `${m}\t${operands}`;
}

/** A 16-bit data-processing instruction sets the flags outside an IT block only (F5 "ADD (register)": setflags = !InITBlock()). */
export function flagsOutsideIt(insn: T32Instruction): boolean {
  return !insn.inItBlock;
}
