/**
 * 32-bit data processing (Arm ARM F3.2 "Data-processing (modified immediate)", "Data-processing
 * (plain binary immediate)", "Data-processing (shifted register)", "Data-processing (register)",
 * "Parallel addition and subtraction", "Miscellaneous operations"), as the A32 records.
 * UNPREDICTABLE rules from each instruction's T32 encoding pseudocode (BadReg: 13 or 15).
 */
import { A32Op, Shift } from '../a32/instruction';
import { DpOpcode, decodeImmShift } from '../a32/rows-data-processing';
import type { T32Instruction } from './instruction';
import { line, reg, shiftName, shiftSuffix } from './format';
import { badReg, row, unpredictableIf, type Fields, type T32Row } from './row';
import { dp, isCompare } from './rows-16-data-processing';

const Dp = DpOpcode;

/** ThumbExpandImm_C (Arm ARM F3.2.2 "Modified immediate constants in T32 instructions"). */
export function thumbExpandImm(i: T32Instruction, imm12: number): void {
  const imm8 = imm12 & 0xff;
  i.imm2 = imm12;
  if (imm12 >>> 10 === 0) {
    switch ((imm12 >>> 8) & 3) {
      case 0: i.imm = imm8; break;
      case 1: i.imm = ((imm8 << 16) | imm8) >>> 0; break;
      case 2: i.imm = ((imm8 << 24) | (imm8 << 8)) >>> 0; break;
      default: i.imm = ((imm8 << 24) | (imm8 << 16) | (imm8 << 8) | imm8) >>> 0;
    }
    i.immCarry = -1;
    unpredictableIf(i, ((imm12 >>> 8) & 3) !== 0 && imm8 === 0, 'modified immediate: replicated imm8 == 0');
  } else {
    const unrotated = 0x80 | (imm12 & 0x7f);
    const r = imm12 >>> 7;
    i.imm = ((unrotated >>> r) | (unrotated << (32 - r))) >>> 0;
    i.immCarry = i.imm >>> 31;
  }
}

/**
 * The data-processing operations of the modified-immediate and shifted-register spaces, by op
 * bits[24:21]: name, A32 opcode, and the alias when Rd (or Rn) is 1111.
 */
interface DpForm {
  readonly op: number;
  readonly name: string;
  readonly dp: number;
  /** The S=1 Rd=1111 alias (TST, TEQ, CMN, CMP), or the Rn=1111 alias (MOV, MVN). */
  readonly alias?: { readonly name: string; readonly dp: number; readonly on: 'd' | 'n' };
}

const DP_FORMS: readonly DpForm[] = [
  { op: 0b0000, name: 'and', dp: Dp.AND, alias: { name: 'tst', dp: Dp.TST, on: 'd' } },
  { op: 0b0001, name: 'bic', dp: Dp.BIC },
  { op: 0b0010, name: 'orr', dp: Dp.ORR, alias: { name: 'mov', dp: Dp.MOV, on: 'n' } },
  { op: 0b0011, name: 'orn', dp: -1, alias: { name: 'mvn', dp: Dp.MVN, on: 'n' } },
  { op: 0b0100, name: 'eor', dp: Dp.EOR, alias: { name: 'teq', dp: Dp.TEQ, on: 'd' } },
  { op: 0b1000, name: 'add', dp: Dp.ADD, alias: { name: 'cmn', dp: Dp.CMN, on: 'd' } },
  { op: 0b1010, name: 'adc', dp: Dp.ADC },
  { op: 0b1011, name: 'sbc', dp: Dp.SBC },
  { op: 0b1101, name: 'sub', dp: Dp.SUB, alias: { name: 'cmp', dp: Dp.CMP, on: 'd' } },
  { op: 0b1110, name: 'rsb', dp: Dp.RSB },
];

/** ORN is not an A32 operation: the record carries ORR of the inverted operand (sub ORN). */
export const ORN = 16;

/**
 * The register checks of the T32 data-processing encodings: d, n and m must not be SP or PC,
 * except that ADD/SUB/CMP/CMN take SP as Rn, ADD/SUB may write SP when Rn is SP, and CMP/CMN
 * (immediate) may compare SP (F5 "ADD (SP plus immediate)", "CMP (immediate)" T2...).
 */
function checkRegisters(i: T32Instruction, form: DpForm, aliasUsed: boolean, d: number, n: number, m: number): void {
  const arith = form.dp === Dp.ADD || form.dp === Dp.SUB;
  const opName = aliasUsed ? form.alias!.name : form.name;
  if (aliasUsed && form.alias!.on === 'd') {
    // TST, TEQ: n BadReg; CMP, CMN: n == 15 (and, register form, m BadReg).
    unpredictableIf(i, arith ? n === 15 : badReg(n), `${opName}: bad Rn`);
  } else {
    if (!(aliasUsed && form.alias!.on === 'n')) unpredictableIf(i, arith ? n === 15 : badReg(n), `${opName}: bad Rn`);
    unpredictableIf(i, d === 15 || (d === 13 && !(arith && n === 13)), `${opName}: bad Rd`);
  }
  if (m >= 0) unpredictableIf(i, badReg(m), `${opName}: bad Rm`);
}

function dpFill(i: T32Instruction, form: DpForm, f: Fields): boolean {
  const alias = form.alias;
  const aliasUsed = alias !== undefined && (alias.on === 'd' ? f.d === 15 && f.S === 1 : f.n === 15);
  const op = aliasUsed ? alias.dp : form.dp;
  if (form.dp < 0 && !aliasUsed) {
    i.sub = ORN;
    i.rd = f.d;
    i.rn = f.n;
    i.setFlags = f.S === 1;
  } else {
    dp(i, op, f.d, aliasUsed && alias.on === 'n' ? 0 : f.n, f.S === 1);
  }
  i.mnemonic = aliasUsed ? alias.name : form.name;
  return aliasUsed;
}

/** Operations LLVM prints with `.w` in the modified-immediate and shifted-register forms (it marks those with a 16-bit sibling). */
const WIDE_IMMEDIATE = new Set(['add', 'sub', 'cmp', 'cmn', 'mov', 'tst', 'teq', 'rsb']);
const WIDE_REGISTER = new Set(['and', 'bic', 'orr', 'eor', 'add', 'adc', 'sbc', 'sub', 'tst', 'teq', 'cmp', 'cmn', 'mov', 'mvn']);

function dpText(i: T32Instruction, operand2: string, wide: boolean): string {
  const op = i.sub;
  if (isCompare(op)) return line(i, i.mnemonic, `${reg(i.rn)}, ${operand2}`, false, wide);
  if (op === Dp.MOV || op === Dp.MVN) return line(i, i.mnemonic, `${reg(i.rd)}, ${operand2}`, i.setFlags, wide);
  return line(i, i.mnemonic, `${reg(i.rd)}, ${reg(i.rn)}, ${operand2}`, i.setFlags, wide);
}

function modifiedImmediateRows(): T32Row[] {
  return DP_FORMS.map((form) =>
    row(`11110i0${form.op.toString(2).padStart(4, '0')}Snnnn0jjjddddkkkkkkkk`, form.name, A32Op.DataProcessingImm, (i, f) => {
      const aliasUsed = dpFill(i, form, f);
      thumbExpandImm(i, (f.i << 11) | (f.j << 8) | f.k);
      checkRegisters(i, form, aliasUsed, f.d, f.n, -1);
    }, (i) => dpText(i, `#${i.imm >>> 0}`, WIDE_IMMEDIATE.has(i.mnemonic))),
  );
}

function shiftedRegisterRows(): T32Row[] {
  return DP_FORMS.map((form) =>
    row(`1110101${form.op.toString(2).padStart(4, '0')}Snnnnxjjjddddkkhhmmmm`, form.name, A32Op.DataProcessingReg, (i, f) => {
      const aliasUsed = dpFill(i, form, f);
      i.rm = f.m;
      decodeImmShift(i, f.h, (f.j << 2) | f.k);
      checkRegisters(i, form, aliasUsed, f.d, f.n, f.m);
    }, (i) => {
      if (i.sub === Dp.MOV && !(i.shiftType === Shift.LSL && i.shiftAmount === 0)) {
        // MOV with a shift prints as LSL/LSR/ASR/ROR/RRX (immediate).
        if (i.shiftType === Shift.RRX) return line(i, 'rrx', `${reg(i.rd)}, ${reg(i.rm)}`, i.setFlags);
        return line(i, shiftName(i.shiftType), `${reg(i.rd)}, ${reg(i.rm)}, #${i.shiftAmount}`, i.setFlags, true);
      }
      return dpText(i, reg(i.rm) + shiftSuffix(i.shiftType, i.shiftAmount), WIDE_REGISTER.has(i.mnemonic));
    }),
  );
}

// ---- plain binary immediate ----

function plainBinaryRows(): T32Row[] {
  const wideImm = (i: T32Instruction, f: Fields) => {
    i.rd = f.d;
    i.imm = (f.i << 11) | (f.j << 8) | f.k;
  };
  return [
    // ADDW/SUBW T4; Rn == 1111 is ADR T3/T2, Rn == 1101 ADD/SUB (SP plus immediate) T4/T3.
    ...([['addw', 0b0000, Dp.ADD], ['subw', 0b0101, Dp.SUB]] as const).map(([mn, bits, op]) =>
      row(`11110i1${bits.toString(2).padStart(4, '0')}0nnnn0jjjddddkkkkkkkk`, mn, A32Op.DataProcessingImm, (i, f) => {
        dp(i, op, f.d, f.n, false);
        wideImm(i, f);
        if (f.n === 15) {
          i.alignPc = true;
          unpredictableIf(i, badReg(f.d), 'ADR: d is SP or PC');
        } else if (f.n === 13) {
          unpredictableIf(i, f.d === 15, `${mn}: d == 15`);
        } else {
          unpredictableIf(i, badReg(f.d), `${mn}: d is SP or PC`);
        }
      }, (i) => {
        if (i.rn === 15) return line(i, 'adr', `${reg(i.rd)}, #${i.sub === Dp.SUB ? (i.imm === 0 ? '-0' : -i.imm) : i.imm}`, false, true);
        return line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, #${i.imm}`);
      }),
    ),
    ...([['movw', 0], ['movt', 1]] as const).map(([mn, sub]) =>
      row(`11110i10${sub}100nnnn0jjjddddkkkkkkkk`, mn, A32Op.MovWide, (i, f) => {
        i.rd = f.d;
        i.imm = (f.n << 12) | (f.i << 11) | (f.j << 8) | f.k;
        i.sub = sub;
        unpredictableIf(i, badReg(f.d), `${mn}: d is SP or PC`);
      }, (i) => line(i, mn, `${reg(i.rd)}, #${i.imm}`)),
    ),
    // SSAT/USAT (sh bit 21); sh = 1 with a zero shift is SSAT16/USAT16.
    ...([['ssat', 0, true], ['usat', 1, false]] as const).flatMap(([mn, u, signed]) => [
      row(`11110x11${u}0h0nnnn0jjjddddkkxsssss`, mn, A32Op.Saturate, (i, f) => {
        i.signed = signed;
        i.rd = f.d;
        i.rn = f.n;
        i.imm = signed ? f.s + 1 : f.s;
        const amount = (f.j << 2) | f.k;
        i.shiftType = f.h ? Shift.ASR : Shift.LSL;
        i.shiftAmount = amount;
        unpredictableIf(i, badReg(f.d) || badReg(f.n), `${mn}: d or n is SP or PC`);
      }, (i) => {
        const shift = i.shiftType === Shift.ASR ? `, asr #${i.shiftAmount}` : i.shiftAmount ? `, lsl #${i.shiftAmount}` : '';
        return line(i, mn, `${reg(i.rd)}, #${i.imm}, ${reg(i.rn)}${shift}`);
      }),
      row(`11110x11${u}010nnnn0000dddd00xxssss`, `${mn}16`, A32Op.Saturate16, (i, f) => {
        i.signed = signed;
        i.rd = f.d;
        i.rn = f.n;
        i.imm = signed ? f.s + 1 : f.s;
        unpredictableIf(i, badReg(f.d) || badReg(f.n), `${mn}16: d or n is SP or PC`);
      }, (i) => line(i, `${mn}16`, `${reg(i.rd)}, #${i.imm}, ${reg(i.rn)}`)),
    ]),
    ...([['sbfx', 0, true], ['ubfx', 1, false]] as const).map(([mn, u, signed]) =>
      row(`11110x11${u}100nnnn0jjjddddkkxwwwww`, mn, A32Op.BitfieldExtract, (i, f) => {
        i.signed = signed;
        i.rd = f.d;
        i.rn = f.n;
        i.shiftAmount = (f.j << 2) | f.k;
        i.imm = f.w + 1;
        unpredictableIf(i, badReg(f.d) || badReg(f.n), `${mn}: d or n is SP or PC`);
        unpredictableIf(i, i.shiftAmount + f.w > 31, `${mn}: msbit > 31`);
      }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, #${i.shiftAmount}, #${i.imm}`)),
    ),
    row('11110x110110nnnn0jjjddddkkxmmmmm', 'bfi', A32Op.BitfieldInsert, (i, f) => {
      i.rd = f.d;
      i.rn = f.n;
      i.imm = f.m;
      i.shiftAmount = (f.j << 2) | f.k;
      unpredictableIf(i, badReg(f.d) || f.n === 13, 'BFI: d is SP or PC, or n is SP');
      unpredictableIf(i, f.m < i.shiftAmount, 'BFI: msbit < lsbit');
    }, (i) => (i.rn === 15
      ? line(i, 'bfc', `${reg(i.rd)}, #${i.shiftAmount}, #${i.imm - i.shiftAmount + 1}`)
      : line(i, 'bfi', `${reg(i.rd)}, ${reg(i.rn)}, #${i.shiftAmount}, #${i.imm - i.shiftAmount + 1}`))),
  ];
}

// ---- data-processing (register) ----

const EXTENDS: readonly [number, string, string, number][] = [
  // T32 op bits[22:20], adding form, plain form (Rn == 1111), A32 Extend sub-operation.
  [0b000, 'sxtah', 'sxth', 0b011],
  [0b001, 'uxtah', 'uxth', 0b111],
  [0b010, 'sxtab16', 'sxtb16', 0b000],
  [0b011, 'uxtab16', 'uxtb16', 0b100],
  [0b100, 'sxtab', 'sxtb', 0b010],
  [0b101, 'uxtab', 'uxtb', 0b110],
];

/** Parallel add/subtract, T32 op1 bits[22:20] -> A32 operation bits (F3.2 "Parallel addition and subtraction"). */
const PARALLEL_OPS: Record<number, [string, number]> = {
  0b001: ['add16', 0b000], 0b010: ['asx', 0b001], 0b110: ['sax', 0b010], 0b101: ['sub16', 0b011], 0b000: ['add8', 0b100], 0b100: ['sub8', 0b111],
};
const PARALLEL_PREFIX = [['s', 'q', 'sh'], ['u', 'uq', 'uh']];

function dnm(i: T32Instruction, f: Fields): void {
  i.rd = f.d;
  i.rn = f.n;
  i.rm = f.m;
  unpredictableIf(i, badReg(f.d) || badReg(f.n) || badReg(f.m), `${i.mnemonic}: d, n or m is SP or PC`);
}

function registerRows(): T32Row[] {
  const rows: T32Row[] = [];
  // LSL/LSR/ASR/ROR (register).
  for (let type = 0; type < 4; type++) {
    const name = shiftName(type as Shift);
    rows.push(row(`111110100${type.toString(2).padStart(2, '0')}Smmmm1111dddd0000ssss`, name, A32Op.DataProcessingRegShiftedReg, (i, f) => {
      dp(i, Dp.MOV, f.d, 0, f.S === 1);
      i.rm = f.m;
      i.rs = f.s;
      i.shiftType = type as Shift;
      unpredictableIf(i, badReg(f.d) || badReg(f.m) || badReg(f.s), `${name}: d, n or m is SP or PC`);
    }, (i) => line(i, name, `${reg(i.rd)}, ${reg(i.rm)}, ${reg(i.rs)}`, i.setFlags, true)));
  }
  for (const [bits, addName, plainName, sub] of EXTENDS) {
    const b = bits.toString(2).padStart(3, '0');
    const rot = (i: T32Instruction) => (i.shiftAmount ? `, ror #${i.shiftAmount}` : '');
    const decode = (i: T32Instruction, f: Fields) => {
      i.sub = sub;
      i.rd = f.d;
      i.rn = f.n ?? 15;
      i.rm = f.m;
      i.shiftAmount = f.r * 8;
      unpredictableIf(i, badReg(f.d) || badReg(f.m) || f.n === 13, `${i.mnemonic}: d or m is SP or PC, or n is SP`);
    };
    rows.push(row(`111110100${b}nnnn1111dddd1xrrmmmm`, addName, A32Op.Extend, decode, (i) => line(i, addName, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}${rot(i)}`)));
    const wide = !plainName.endsWith('16');
    rows.push(row(`111110100${b}11111111dddd1xrrmmmm`, plainName, A32Op.Extend, decode, (i) => line(i, plainName, `${reg(i.rd)}, ${reg(i.rm)}${rot(i)}`, false, wide)));
  }
  for (const [op1, [opName, a32op]] of Object.entries(PARALLEL_OPS)) {
    for (let u = 0; u < 2; u++) {
      for (let kind = 0; kind < 3; kind++) {
        const mn = PARALLEL_PREFIX[u][kind] + opName;
        const prefix = (u << 2) | (kind + 1);
        rows.push(row(`111110101${Number(op1).toString(2).padStart(3, '0')}nnnn1111dddd0${u}${kind.toString(2).padStart(2, '0')}mmmm`, mn, A32Op.ParallelAddSub, (i, f) => {
          i.sub = (prefix << 3) | a32op;
          dnm(i, f);
        }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}`)));
      }
    }
  }
  // QADD, QDADD, QSUB, QDSUB: A32 sub-operations 0 QADD, 1 QSUB, 2 QDADD, 3 QDSUB.
  ([['qadd', 0b00, 0], ['qdadd', 0b01, 2], ['qsub', 0b10, 1], ['qdsub', 0b11, 3]] as const).forEach(([mn, bits, sub]) =>
    rows.push(row(`111110101000nnnn1111dddd10${bits.toString(2).padStart(2, '0')}mmmm`, mn, A32Op.SaturatingAddSub, (i, f) => {
      i.sub = sub;
      dnm(i, f);
    }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rm)}, ${reg(i.rn)}`))),
  );
  // REV, REV16, RBIT, REVSH, CLZ: Rm appears twice (bits[19:16] and [3:0]) and must agree.
  const twoRm = (mn: string, pattern: string, op: A32Op, sub: number, wide: boolean) =>
    row(pattern, mn, op, (i, f) => {
      i.sub = sub;
      i.rd = f.d;
      i.rm = f.m;
      unpredictableIf(i, f.n !== f.m, `${mn}: the two Rm fields differ`);
      unpredictableIf(i, badReg(f.d) || badReg(f.m), `${mn}: d or m is SP or PC`);
    }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rm)}`, false, wide));
  rows.push(twoRm('rev', '111110101001nnnn1111dddd1000mmmm', A32Op.Reverse, 0, true));
  rows.push(twoRm('rev16', '111110101001nnnn1111dddd1001mmmm', A32Op.Reverse, 1, true));
  rows.push(twoRm('rbit', '111110101001nnnn1111dddd1010mmmm', A32Op.Reverse, 2, false));
  rows.push(twoRm('revsh', '111110101001nnnn1111dddd1011mmmm', A32Op.Reverse, 3, true));
  rows.push(twoRm('clz', '111110101011nnnn1111dddd1000mmmm', A32Op.CountLeadingZeros, 0, false));
  rows.push(row('111110101010nnnn1111dddd1000mmmm', 'sel', A32Op.Select, dnm, (i) => line(i, 'sel', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}`)));
  // PKHBT/PKHTB (shifted-register space, op 0110, S = 0): tb bit 5.
  rows.push(row('111010101100nnnnxjjjddddkkT0mmmm', 'pkh', A32Op.PackHalfword, (i, f) => {
    dnm(i, f);
    const amount = (f.j << 2) | f.k;
    i.sub = f.T;
    i.shiftType = f.T ? Shift.ASR : Shift.LSL;
    i.shiftAmount = f.T && amount === 0 ? 32 : amount;
  }, (i) => (i.sub === 0
    ? line(i, 'pkhbt', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}${i.shiftAmount ? `, lsl #${i.shiftAmount}` : ''}`)
    : line(i, 'pkhtb', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}, asr #${i.shiftAmount}`))));
  return rows;
}

export const dataProcessing32Table: readonly T32Row[] = [...modifiedImmediateRows(), ...shiftedRegisterRows(), ...plainBinaryRows(), ...registerRows()];
