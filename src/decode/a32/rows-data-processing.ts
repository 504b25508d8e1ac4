/**
 * Data-processing rows: the sixteen opcodes with an immediate, an immediate-shifted register and
 * a register-shifted register (Arm ARM F4 "Data-processing and miscellaneous instructions"), plus
 * MOVW/MOVT and CLZ.
 */
import { type A32Instruction, A32Op, Shift } from './instruction';
import { type A32Row, type Fields, unpredictableIf } from './row';
import { imm32, line, reg, shiftName, shiftSuffix } from './format';

/** Data-processing opcodes, bits[24:21] (F4 "Data-processing register/immediate"). */
export const DpOpcode = {
  AND: 0, EOR: 1, SUB: 2, RSB: 3, ADD: 4, ADC: 5, SBC: 6, RSC: 7,
  TST: 8, TEQ: 9, CMP: 10, CMN: 11, ORR: 12, MOV: 13, BIC: 14, MVN: 15,
} as const;

const DP_NAMES = ['and', 'eor', 'sub', 'rsb', 'add', 'adc', 'sbc', 'rsc', 'tst', 'teq', 'cmp', 'cmn', 'orr', 'mov', 'bic', 'mvn'];

function isCompare(op: number): boolean {
  return op >= 8 && op <= 11;
}
function isMove(op: number): boolean {
  return op === DpOpcode.MOV || op === DpOpcode.MVN;
}

/** DecodeImmShift (Arm ARM F2 "Shift and rotate operations"): LSR/ASR #0 mean 32, ROR #0 means RRX. */
export function decodeImmShift(insn: A32Instruction, type: number, imm5: number): void {
  if (type === 0) {
    insn.shiftType = Shift.LSL;
    insn.shiftAmount = imm5;
  } else if (type === 3) {
    insn.shiftType = imm5 === 0 ? Shift.RRX : Shift.ROR;
    insn.shiftAmount = imm5 === 0 ? 1 : imm5;
  } else {
    insn.shiftType = type as Shift;
    insn.shiftAmount = imm5 === 0 ? 32 : imm5;
  }
}

/** The rotation (in units of 2 bits) the assembler would choose for `value`, or -1 if none. */
export function canonicalRotation(value: number): number {
  for (let rot = 0; rot < 16; rot++) {
    const r = rot * 2;
    const back = r === 0 ? value : ((value << r) | (value >>> (32 - r))) >>> 0;
    if (back <= 0xff) return rot;
  }
  return -1;
}

/** A32ExpandImm_C (Arm ARM F2 "Modified immediate constants in A32 instructions"). */
function expandImm(insn: A32Instruction, imm12: number): void {
  const imm8 = imm12 & 0xff;
  const rot = imm12 >>> 8;
  const r = rot * 2;
  const value = r === 0 ? imm8 : ((imm8 >>> r) | (imm8 << (32 - r))) >>> 0;
  insn.imm = value;
  insn.imm2 = imm12;
  insn.immCarry = r === 0 ? -1 : value >>> 31;
}

/** Modified immediate as text: the value, or `#imm8, #rot` for an encoding an assembler would not pick. */
export function modifiedImmediate(insn: A32Instruction): string {
  const imm8 = insn.imm2 & 0xff;
  const rot = insn.imm2 >>> 8;
  if (canonicalRotation(insn.imm) !== rot) return `#${imm8}, #${rot * 2}`;
  return imm32(insn.imm);
}

function fill(insn: A32Instruction, f: Fields, op: number): void {
  insn.sub = op;
  insn.setFlags = f.S === 1 || isCompare(op);
  insn.rd = isCompare(op) ? 0 : f.d;
  insn.rn = isMove(op) ? 0 : f.n;
  // Compare rows fix S=1 and keep Rd as (0); moves keep Rn as (0): checked via x bits.
}

function dpText(insn: A32Instruction, operand2: string): string {
  const op = insn.sub;
  const name = DP_NAMES[op];
  if (isCompare(op)) return line(insn, name, `${reg(insn.rn)}, ${operand2}`);
  if (isMove(op)) return line(insn, name, `${reg(insn.rd)}, ${operand2}`, insn.setFlags);
  return line(insn, name, `${reg(insn.rd)}, ${reg(insn.rn)}, ${operand2}`, insn.setFlags);
}

/** The bits of a row for opcode `op`: compares fix S=1 and Rd=(0); moves fix Rn=(0). */
function dpBits(op: number, lead: string, tail: string): string {
  const opBits = op.toString(2).padStart(4, '0');
  const s = isCompare(op) ? '1' : 'S';
  const n = isMove(op) ? 'xxxx' : 'nnnn';
  const d = isCompare(op) ? 'xxxx' : 'dddd';
  return `cccc${lead}${opBits}${s}${n}${d}${tail}`;
}

function dataProcessingRows(): A32Row[] {
  const rows: A32Row[] = [];
  for (let op = 0; op < 16; op++) {
    const name = DP_NAMES[op];
    rows.push({
      pattern: dpBits(op, '001', 'iiiiiiiiiiii'),
      mnemonic: name,
      op: A32Op.DataProcessingImm,
      decode: (insn, f) => {
        fill(insn, f, op);
        expandImm(insn, f.i);
      },
      format: (insn) => dpText(insn, modifiedImmediate(insn)),
    });
    rows.push({
      pattern: dpBits(op, '000', 'iiiiihh0mmmm'),
      mnemonic: name,
      op: A32Op.DataProcessingReg,
      decode: (insn, f) => {
        fill(insn, f, op);
        insn.rm = f.m;
        decodeImmShift(insn, f.h, f.i);
      },
      format: (insn) => {
        if (insn.sub === DpOpcode.MOV && !(insn.shiftType === Shift.LSL && insn.shiftAmount === 0)) {
          // MOV with a shift prints as its shift alias (LSL/LSR/ASR/ROR/RRX (immediate)).
          if (insn.shiftType === Shift.RRX) return line(insn, 'rrx', `${reg(insn.rd)}, ${reg(insn.rm)}`, insn.setFlags);
          return line(insn, shiftName(insn.shiftType), `${reg(insn.rd)}, ${reg(insn.rm)}, #${insn.shiftAmount}`, insn.setFlags);
        }
        return dpText(insn, reg(insn.rm) + shiftSuffix(insn.shiftType, insn.shiftAmount));
      },
    });
    rows.push({
      pattern: dpBits(op, '000', 'ssss0hh1mmmm'),
      mnemonic: name,
      op: A32Op.DataProcessingRegShiftedReg,
      decode: (insn, f) => {
        fill(insn, f, op);
        insn.rm = f.m;
        insn.rs = f.s;
        insn.shiftType = f.h as Shift;
        // F5 data-processing (register-shifted register): d, n, m or s == 15 is UNPREDICTABLE.
        unpredictableIf(
          insn,
          (!isCompare(op) && insn.rd === 15) || (!isMove(op) && insn.rn === 15) || insn.rm === 15 || insn.rs === 15,
          'register-shifted register form names the PC',
        );
      },
      format: (insn) => {
        if (insn.sub === DpOpcode.MOV) {
          return line(insn, shiftName(insn.shiftType), `${reg(insn.rd)}, ${reg(insn.rm)}, ${reg(insn.rs)}`, insn.setFlags);
        }
        return dpText(insn, `${reg(insn.rm)}, ${shiftName(insn.shiftType)} ${reg(insn.rs)}`);
      },
    });
  }
  return rows;
}

export const dataProcessingTable: readonly A32Row[] = [
  ...dataProcessingRows(),
  {
    pattern: 'cccc00110100jjjjddddiiiiiiiiiiii',
    mnemonic: 'movt',
    op: A32Op.MovWide,
    decode: (insn, f) => {
      insn.rd = f.d;
      insn.imm = (f.j << 12) | f.i;
      insn.sub = 1;
      unpredictableIf(insn, f.d === 15, 'MOVT: d == 15');
    },
    format: (insn) => line(insn, 'movt', `${reg(insn.rd)}, #${insn.imm}`),
  },
  {
    pattern: 'cccc00110000jjjjddddiiiiiiiiiiii',
    mnemonic: 'movw',
    op: A32Op.MovWide,
    decode: (insn, f) => {
      insn.rd = f.d;
      insn.imm = (f.j << 12) | f.i;
      insn.sub = 0;
      unpredictableIf(insn, f.d === 15, 'MOVW: d == 15');
    },
    format: (insn) => line(insn, 'movw', `${reg(insn.rd)}, #${insn.imm}`),
  },
  {
    pattern: 'cccc00010110XXXXddddXXXX0001mmmm',
    mnemonic: 'clz',
    op: A32Op.CountLeadingZeros,
    decode: (insn, f) => {
      insn.rd = f.d;
      insn.rm = f.m;
      unpredictableIf(insn, f.d === 15 || f.m === 15, 'CLZ: d or m == 15');
    },
    format: (insn) => line(insn, 'clz', `${reg(insn.rd)}, ${reg(insn.rm)}`),
  },
];
