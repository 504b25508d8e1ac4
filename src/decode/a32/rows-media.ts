/**
 * Media and saturating rows (Arm ARM F4 "Media instructions", "Saturating Addition and
 * Subtraction"): parallel add/sub, pack, saturate, extend, select, reverse, bitfield, USAD8 is in
 * rows-multiply, UDF.
 */
import { type A32Instruction, A32Op, Shift } from './instruction';
import { type A32Row, type Fields, unpredictableIf } from './row';
import { line, reg } from './format';

function row(pattern: string, mnemonic: string, op: A32Op, decode: A32Row['decode'], format: A32Row['format']): A32Row {
  return { pattern, mnemonic, op, decode, format };
}

function dnm(insn: A32Instruction, f: Fields): void {
  insn.rd = f.d;
  insn.rn = f.n;
  insn.rm = f.m;
  unpredictableIf(insn, f.d === 15 || f.n === 15 || f.m === 15, `${insn.mnemonic}: d, n or m == 15`);
}
const textDnm = (i: A32Instruction) => line(i, i.mnemonic, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}`);
const textDm = (i: A32Instruction) => line(i, i.mnemonic, `${reg(i.rd)}, ${reg(i.rm)}`);

/** Parallel add/subtract: prefix by bits[22:20] (U:op1), operation by bits[7:5] (F4 "Parallel Arithmetic"). */
const PARALLEL_PREFIX: Record<number, string> = { 0b001: 's', 0b010: 'q', 0b011: 'sh', 0b101: 'u', 0b110: 'uq', 0b111: 'uh' };
const PARALLEL_OP: Record<number, string> = { 0b000: 'add16', 0b001: 'asx', 0b010: 'sax', 0b011: 'sub16', 0b100: 'add8', 0b111: 'sub8' };

function parallelRows(): A32Row[] {
  const rows: A32Row[] = [];
  for (const [prefixBits, prefix] of Object.entries(PARALLEL_PREFIX)) {
    for (const [opBits, opName] of Object.entries(PARALLEL_OP)) {
      const p = Number(prefixBits);
      const o = Number(opBits);
      const mn = prefix + opName;
      rows.push(
        row(`cccc01100${p.toString(2).padStart(3, '0')}nnnnddddXXXX${o.toString(2).padStart(3, '0')}1mmmm`, mn, A32Op.ParallelAddSub, (i, f) => {
          // sub = U:op1:op2 (6 bits).
          i.sub = (p << 3) | o;
          dnm(i, f);
        }, textDnm),
      );
    }
  }
  return rows;
}

/** Extend rows: bits[22:20] pick the form; Rn == 15 is the non-adding form (SXTB...). */
const EXTEND_FORMS: readonly [number, string, string][] = [
  [0b000, 'sxtab16', 'sxtb16'],
  [0b010, 'sxtab', 'sxtb'],
  [0b011, 'sxtah', 'sxth'],
  [0b100, 'uxtab16', 'uxtb16'],
  [0b110, 'uxtab', 'uxtb'],
  [0b111, 'uxtah', 'uxth'],
];

function extendRows(): A32Row[] {
  const rows: A32Row[] = [];
  for (const [bits, addName, plainName] of EXTEND_FORMS) {
    const b = bits.toString(2).padStart(3, '0');
    const decode = (i: A32Instruction, f: Fields) => {
      i.sub = bits;
      i.rd = f.d;
      i.rn = f.n ?? 15; // the non-adding rows fix Rn = 0b1111
      i.rm = f.m;
      i.shiftAmount = f.r * 8;
      unpredictableIf(i, f.d === 15 || f.m === 15, `${i.mnemonic}: d or m == 15`);
    };
    const rot = (i: A32Instruction) => (i.shiftAmount ? `, ror #${i.shiftAmount}` : '');
    rows.push(row(`cccc01101${b}nnnnddddrrxx0111mmmm`, addName, A32Op.Extend, decode, (i) =>
      line(i, addName, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}${rot(i)}`)));
    rows.push(row(`cccc01101${b}1111ddddrrxx0111mmmm`, plainName, A32Op.Extend, decode, (i) =>
      line(i, plainName, `${reg(i.rd)}, ${reg(i.rm)}${rot(i)}`)));
  }
  return rows;
}

/** Reverse family: sub 0 REV, 1 REV16, 2 RBIT, 3 REVSH. */
function reverseRow(pattern: string, mn: string, sub: number): A32Row {
  return row(pattern, mn, A32Op.Reverse, (i, f) => {
    i.sub = sub;
    i.rd = f.d;
    i.rm = f.m;
    unpredictableIf(i, f.d === 15 || f.m === 15, `${mn}: d or m == 15`);
  }, textDm);
}

function saturateText(i: A32Instruction): string {
  let shift = '';
  if (i.shiftType === Shift.ASR) shift = `, asr #${i.shiftAmount}`;
  else if (i.shiftAmount !== 0) shift = `, lsl #${i.shiftAmount}`;
  return line(i, i.mnemonic, `${reg(i.rd)}, #${i.imm}, ${reg(i.rn)}${shift}`);
}

function saturateRow(pattern: string, mn: string, signed: boolean): A32Row {
  return row(pattern, mn, A32Op.Saturate, (i, f) => {
    i.signed = signed;
    i.rd = f.d;
    i.rn = f.n;
    // saturate_to = sat_imm + 1 for SSAT, sat_imm for USAT; shift from sh:imm5 via DecodeImmShift(sh:'0', imm5).
    i.imm = signed ? f.i + 1 : f.i;
    i.shiftType = f.h ? Shift.ASR : Shift.LSL;
    i.shiftAmount = f.h && f.j === 0 ? 32 : f.j;
    unpredictableIf(i, f.d === 15 || f.n === 15, `${mn}: d or n == 15`);
  }, saturateText);
}

function saturate16Row(pattern: string, mn: string, signed: boolean): A32Row {
  return row(pattern, mn, A32Op.Saturate16, (i, f) => {
    i.signed = signed;
    i.rd = f.d;
    i.rn = f.n;
    i.imm = signed ? f.i + 1 : f.i;
    unpredictableIf(i, f.d === 15 || f.n === 15, `${mn}: d or n == 15`);
  }, (i) => line(i, mn, `${reg(i.rd)}, #${i.imm}, ${reg(i.rn)}`));
}

const SATURATING_NAMES = ['qadd', 'qsub', 'qdadd', 'qdsub'];

export const mediaTable: readonly A32Row[] = [
  ...parallelRows(),
  ...extendRows(),
  // PKHBT (T=0, LSL) / PKHTB (T=1, ASR; imm5 = 0 means 32).
  row('cccc01101000nnnnddddiiiiiT01mmmm', 'pkh', A32Op.PackHalfword, (i, f) => {
    dnm(i, f);
    i.sub = f.T;
    i.shiftType = f.T ? Shift.ASR : Shift.LSL;
    i.shiftAmount = f.T && f.i === 0 ? 32 : f.i;
  }, (i) => {
    if (i.sub === 0) return line(i, 'pkhbt', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}${i.shiftAmount ? `, lsl #${i.shiftAmount}` : ''}`);
    return line(i, 'pkhtb', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}, asr #${i.shiftAmount}`);
  }),
  saturateRow('cccc0110101iiiiiddddjjjjjh01nnnn', 'ssat', true),
  saturateRow('cccc0110111iiiiiddddjjjjjh01nnnn', 'usat', false),
  saturate16Row('cccc01101010iiiiddddXXXX0011nnnn', 'ssat16', true),
  saturate16Row('cccc01101110iiiiddddXXXX0011nnnn', 'usat16', false),
  row('cccc01101000nnnnddddXXXX1011mmmm', 'sel', A32Op.Select, dnm, textDnm),
  reverseRow('cccc01101011XXXXddddXXXX0011mmmm', 'rev', 0),
  reverseRow('cccc01101011XXXXddddXXXX1011mmmm', 'rev16', 1),
  reverseRow('cccc01101111XXXXddddXXXX0011mmmm', 'rbit', 2),
  reverseRow('cccc01101111XXXXddddXXXX1011mmmm', 'revsh', 3),
  ...[0, 1, 2, 3].map((k) =>
    row(`cccc00010${k.toString(2).padStart(2, '0')}0nnnnddddxxxx0101mmmm`, SATURATING_NAMES[k], A32Op.SaturatingAddSub, (i, f) => {
      i.sub = k;
      dnm(i, f);
    }, (i) => line(i, i.mnemonic, `${reg(i.rd)}, ${reg(i.rm)}, ${reg(i.rn)}`)),
  ),
  // Bitfield extract: lsb bits[11:7], widthminus1 bits[20:16]; msbit > 31 is UNPREDICTABLE.
  ...([['sbfx', '0111101', true], ['ubfx', '0111111', false]] as const).map(([mn, bits, signed]) =>
    row(`cccc${bits}wwwwwddddlllll101nnnn`, mn, A32Op.BitfieldExtract, (i, f) => {
      i.signed = signed;
      i.rd = f.d;
      i.rn = f.n;
      i.shiftAmount = f.l;
      i.imm = f.w + 1;
      unpredictableIf(i, f.d === 15 || f.n === 15, `${mn}: d or n == 15`);
      unpredictableIf(i, f.l + f.w > 31, `${mn}: msbit > 31`);
    }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, #${i.shiftAmount}, #${i.imm}`)),
  ),
  // BFI/BFC: msb bits[20:16], lsb bits[11:7]; imm holds msb, shiftAmount lsb.
  row('cccc0111110kkkkkddddlllll001nnnn', 'bfi', A32Op.BitfieldInsert, (i, f) => {
    i.rd = f.d;
    i.rn = f.n;
    i.imm = f.k;
    i.shiftAmount = f.l;
    unpredictableIf(i, f.d === 15, 'BFI: d == 15');
    unpredictableIf(i, f.k < f.l, 'BFI: msbit < lsbit');
  }, (i) => line(i, 'bfi', `${reg(i.rd)}, ${reg(i.rn)}, #${i.shiftAmount}, #${i.imm - i.shiftAmount + 1}`)),
  row('cccc0111110kkkkkddddlllll0011111', 'bfc', A32Op.BitfieldInsert, (i, f) => {
    i.rd = f.d;
    i.rn = 15;
    i.imm = f.k;
    i.shiftAmount = f.l;
    unpredictableIf(i, f.d === 15, 'BFC: d == 15');
    unpredictableIf(i, f.k < f.l, 'BFC: msbit < lsbit');
  }, (i) => line(i, 'bfc', `${reg(i.rd)}, #${i.shiftAmount}, #${i.imm - i.shiftAmount + 1}`)),
  // UDF (F5 "UDF"): only with cond = AL; imm12:imm4.
  row('111001111111iiiiiiiiiiii1111jjjj', 'udf', A32Op.PermanentlyUndefined, (i, f) => {
    i.imm = (f.i << 4) | f.j;
  }, (i) => line(i, 'udf', `#${i.imm}`)),
];
