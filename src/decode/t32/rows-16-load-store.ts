/**
 * 16-bit loads and stores (Arm ARM F3.1: "LDR (literal)", "Load/store (register offset)",
 * "Load/store word/byte (immediate offset)", "Load/store halfword (immediate offset)",
 * "Load/store (SP-relative)", "Load/store multiple", PUSH and POP in "Miscellaneous 16-bit
 * instructions"), as the A32 load/store records.
 */
import { A32Op } from '../a32/instruction';
import type { T32Instruction } from './instruction';
import { line, reg, registerList } from './format';
import { row, unpredictableIf, type T32Row } from './row';

/** Offset addressing, no writeback: `[rn, #imm]` / `[rn, rm]`. */
function offsetForm(i: T32Instruction, load: boolean, size: number, signed: boolean): void {
  i.load = load;
  i.size = size;
  i.signed = signed;
  i.index = true;
  i.add = true;
  i.wback = false;
}

export function loadStoreText(i: T32Instruction, mnemonic: string, wide = false): string {
  return line(i, mnemonic, `${reg(i.rt)}, ${addressText(i)}`, false, wide);
}

/** `[rn, #imm]`, `[rn, #-imm]!`, `[rn], #imm`, `[rn, rm, lsl #2]` as llvm-mc prints T32 addresses. */
export function addressText(i: T32Instruction): string {
  const base = reg(i.rn);
  if (i.regOffset) return `[${base}, ${reg(i.rm)}${i.shiftAmount ? `, lsl #${i.shiftAmount}` : ''}]`;
  const offset = i.add ? `#${i.imm}` : `#-${i.imm}`;
  if (!i.index) return `[${base}], ${offset}`;
  if (i.wback) return `[${base}, ${offset}]!`;
  if (i.imm === 0 && i.add && i.rn !== 15) return `[${base}]`;
  return `[${base}, ${offset}]`;
}

/** Register offset forms, bits[11:9]: mnemonic, load, size, signed. */
const REGISTER_FORMS: readonly [string, boolean, number, boolean][] = [
  ['str', false, 4, false],
  ['strh', false, 2, false],
  ['strb', false, 1, false],
  ['ldrsb', true, 1, true],
  ['ldr', true, 4, false],
  ['ldrh', true, 2, false],
  ['ldrb', true, 1, false],
  ['ldrsh', true, 2, true],
];

function opOf(size: number, signed: boolean): A32Op {
  return size === 4 || (size === 1 && !signed) ? A32Op.LoadStoreWordByte : A32Op.LoadStoreExtra;
}

function immediateRow(pattern: string, mnemonic: string, load: boolean, size: number, scale: number, base?: number): T32Row {
  return row(pattern, mnemonic, opOf(size, false), (i, f) => {
    offsetForm(i, load, size, false);
    i.rt = f.t;
    i.rn = base ?? f.n;
    i.imm = f.i * scale;
  }, (i) => loadStoreText(i, mnemonic));
}

function multipleText(i: T32Instruction): string {
  if (i.rn === 13 && i.wback) return line(i, i.load ? 'pop' : 'push', registerList(i.registers));
  return line(i, i.load ? 'ldm' : 'stm', `${reg(i.rn)}${i.wback ? '!' : ''}, ${registerList(i.registers)}`);
}

function multiple(i: T32Instruction, load: boolean, n: number, list: number, before: boolean): void {
  i.load = load;
  i.rn = n;
  i.registers = list;
  i.index = before;
  i.add = !before;
  i.wback = n === 13 || ((list >>> n) & 1) === 0;
  unpredictableIf(i, list === 0, `${i.mnemonic}: empty register list`);
}

export const loadStore16Table: readonly T32Row[] = [
  // LDR (literal) T1: Align(PC, 4) + imm8:'00'.
  row('01001tttiiiiiiii', 'ldr', A32Op.LoadStoreWordByte, (i, f) => {
    offsetForm(i, true, 4, false);
    i.rt = f.t;
    i.rn = 15;
    i.imm = f.i << 2;
    i.alignPc = true;
  }, (i) => loadStoreText(i, 'ldr')),
  ...REGISTER_FORMS.map(([mn, load, size, signed], k) =>
    row(`0101${k.toString(2).padStart(3, '0')}mmmnnnttt`, mn, opOf(size, signed), (i, f) => {
      offsetForm(i, load, size, signed);
      i.rt = f.t;
      i.rn = f.n;
      i.rm = f.m;
      i.regOffset = true;
    }, (i) => loadStoreText(i, mn)),
  ),
  immediateRow('01100iiiiinnnttt', 'str', false, 4, 4),
  immediateRow('01101iiiiinnnttt', 'ldr', true, 4, 4),
  immediateRow('01110iiiiinnnttt', 'strb', false, 1, 1),
  immediateRow('01111iiiiinnnttt', 'ldrb', true, 1, 1),
  immediateRow('10000iiiiinnnttt', 'strh', false, 2, 2),
  immediateRow('10001iiiiinnnttt', 'ldrh', true, 2, 2),
  immediateRow('10010tttiiiiiiii', 'str', false, 4, 4, 13),
  immediateRow('10011tttiiiiiiii', 'ldr', true, 4, 4, 13),
  // STM/LDM T1 (increment after); LDM writes back unless Rn is in the list.
  row('11000nnnrrrrrrrr', 'stm', A32Op.LoadStoreMultiple, (i, f) => {
    multiple(i, false, f.n, f.r, false);
    i.wback = true;
  }, multipleText),
  row('11001nnnrrrrrrrr', 'ldm', A32Op.LoadStoreMultiple, (i, f) => multiple(i, true, f.n, f.r, false), multipleText),
  // PUSH T1 (STMDB SP!, with LR as bit 14), POP T1 (LDMIA SP!, with PC as bit 15).
  row('1011010Mrrrrrrrr', 'push', A32Op.LoadStoreMultiple, (i, f) => {
    multiple(i, false, 13, f.r | (f.M << 14), true);
    i.wback = true;
  }, multipleText),
  row('1011110Prrrrrrrr', 'pop', A32Op.LoadStoreMultiple, (i, f) => {
    multiple(i, true, 13, f.r | (f.P << 15), false);
    i.wback = true;
    unpredictableIf(i, f.P === 1 && i.inItBlock && !i.lastInItBlock, 'POP with PC inside an IT block, not last');
  }, multipleText),
];
