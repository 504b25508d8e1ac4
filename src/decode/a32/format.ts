/**
 * Pieces of the disassembly text, in the form `llvm-mc -triple=armv7a --disassemble` prints:
 * lower-case UAL mnemonic, a tab, operands separated by ", ".
 */
import { type A32Instruction, Shift } from './instruction';

const REGISTER_NAMES = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'sp', 'lr', 'pc'];
// Condition names as llvm-mc prints them (HS/LO for CS/CC); AL prints nothing. Arm ARM F2 "Conditional execution".
const CONDITION_NAMES = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', '', ''];
const SHIFT_NAMES = ['lsl', 'lsr', 'asr', 'ror', 'rrx'];

export function reg(n: number): string {
  return REGISTER_NAMES[n & 15];
}

export function condName(cond: number): string {
  return CONDITION_NAMES[cond & 15];
}

/** `mnemonic` + optional `s` + condition, then a tab and the operands. */
export function line(insn: A32Instruction, mnemonic: string, operands: string, s = false): string {
  const m = mnemonic + (s ? 's' : '') + condName(insn.cond);
  return operands === '' ? m : `${m}\t${operands}`;
}

/** Immediate as llvm-mc prints a 32-bit value: signed decimal. */
export function imm32(value: number): string {
  return `#${value | 0}`;
}

/** `, lsl #2` style suffix for an immediate shift (nothing for LSL #0). */
export function shiftSuffix(type: Shift, amount: number): string {
  if (type === Shift.RRX) return ', rrx';
  if (type === Shift.LSL && amount === 0) return '';
  return `, ${SHIFT_NAMES[type]} #${amount}`;
}

export function shiftName(type: Shift): string {
  return SHIFT_NAMES[type];
}

/** `{r4, r5, lr}` for a register list. */
export function registerList(list: number): string {
  const names: string[] = [];
  for (let i = 0; i < 16; i++) if ((list >>> i) & 1) names.push(reg(i));
  return `{${names.join(', ')}}`;
}

/** Hex as llvm-mc prints some immediates (`#0x1f`). */
export function hex(value: number): string {
  return `#0x${(value >>> 0).toString(16)}`;
}
