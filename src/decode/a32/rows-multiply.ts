/**
 * Multiply and divide rows (Arm ARM F4 "Multiply and Accumulate", "Halfword Multiply and
 * Accumulate", "Signed multiply, Divide").
 */
import { type A32Instruction, A32Op } from './instruction';
import { type A32Row, type Fields, unpredictableIf } from './row';
import { line, reg } from './format';

/** Sub-operations of A32Op.Multiply / MultiplyLong / HalfwordMultiply / DualMultiply. */
export const MulOp = { MUL: 0, MLA: 1, MLS: 2 } as const;
export const LongMulOp = { UMULL: 0, UMLAL: 1, SMULL: 2, SMLAL: 3, UMAAL: 4 } as const;
export const HalfMulOp = { SMLA: 0, SMLAW: 1, SMULW: 2, SMLAL: 3, SMUL: 4 } as const;
export const DualMulOp = { SMLAD: 0, SMLSD: 1, SMLALD: 2, SMLSLD: 3 } as const;

function three(insn: A32Instruction, f: Fields): void {
  insn.rd = f.d;
  insn.rn = f.n;
  insn.rm = f.m;
  unpredictableIf(insn, f.d === 15 || f.n === 15 || f.m === 15, `${insn.mnemonic}: d, n or m == 15`);
}
function four(insn: A32Instruction, f: Fields): void {
  three(insn, f);
  insn.ra = f.a;
  insn.accumulate = true;
  unpredictableIf(insn, f.a === 15, `${insn.mnemonic}: a == 15`);
}
function long(insn: A32Instruction, f: Fields): void {
  insn.rd = f.l;
  insn.rdHi = f.e;
  insn.rn = f.n;
  insn.rm = f.m;
  unpredictableIf(insn, f.l === 15 || f.e === 15 || f.n === 15 || f.m === 15, `${insn.mnemonic}: a register is the PC`);
  unpredictableIf(insn, f.l === f.e, `${insn.mnemonic}: dHi == dLo`);
}

const text3 = (insn: A32Instruction, mn: string, s = false) => line(insn, mn, `${reg(insn.rd)}, ${reg(insn.rn)}, ${reg(insn.rm)}`, s);
const text4 = (insn: A32Instruction, mn: string, s = false) =>
  line(insn, mn, `${reg(insn.rd)}, ${reg(insn.rn)}, ${reg(insn.rm)}, ${reg(insn.ra)}`, s);
const textLong = (insn: A32Instruction, mn: string, s = false) =>
  line(insn, mn, `${reg(insn.rd)}, ${reg(insn.rdHi)}, ${reg(insn.rn)}, ${reg(insn.rm)}`, s);

const HALF = ['b', 't'];

function row(pattern: string, mnemonic: string, op: A32Op, decode: A32Row['decode'], format: A32Row['format']): A32Row {
  return { pattern, mnemonic, op, decode, format };
}

export const multiplyTable: readonly A32Row[] = [
  row('cccc0000000Sddddxxxxmmmm1001nnnn', 'mul', A32Op.Multiply, (i, f) => {
    i.sub = MulOp.MUL;
    i.setFlags = f.S === 1;
    three(i, f);
  }, (i) => text3(i, 'mul', i.setFlags)),
  row('cccc0000001Sddddaaaammmm1001nnnn', 'mla', A32Op.Multiply, (i, f) => {
    i.sub = MulOp.MLA;
    i.setFlags = f.S === 1;
    four(i, f);
  }, (i) => text4(i, 'mla', i.setFlags)),
  row('cccc00000110ddddaaaammmm1001nnnn', 'mls', A32Op.Multiply, (i, f) => {
    i.sub = MulOp.MLS;
    four(i, f);
  }, (i) => text4(i, 'mls')),
  row('cccc00000100eeeellllmmmm1001nnnn', 'umaal', A32Op.MultiplyLong, (i, f) => {
    i.sub = LongMulOp.UMAAL;
    long(i, f);
  }, (i) => textLong(i, 'umaal')),
  ...(['umull', 'umlal', 'smull', 'smlal'] as const).map((mn, k) =>
    row(`cccc00001${(k >> 1).toString()}${(k & 1).toString()}Seeeellllmmmm1001nnnn`, mn, A32Op.MultiplyLong, (i, f) => {
      i.sub = k;
      i.setFlags = f.S === 1;
      long(i, f);
    }, (i) => textLong(i, mn, i.setFlags)),
  ),

  // Halfword multiplies: bit 5 (u, the Arm ARM's N) selects the top half of Rn, bit 6 (v, M) the top half of Rm.
  row('cccc00010000ddddaaaammmm1vu0nnnn', 'smla', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMLA;
    i.imm = f.u | (f.v << 1);
    four(i, f);
  }, (i) => text4(i, `smla${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`)),
  row('cccc00010010ddddaaaammmm1v00nnnn', 'smlaw', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMLAW;
    i.imm = f.v << 1;
    four(i, f);
  }, (i) => text4(i, `smlaw${HALF[i.imm >> 1]}`)),
  row('cccc00010010ddddxxxxmmmm1v10nnnn', 'smulw', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMULW;
    i.imm = f.v << 1;
    three(i, f);
  }, (i) => text3(i, `smulw${HALF[i.imm >> 1]}`)),
  row('cccc00010100eeeellllmmmm1vu0nnnn', 'smlal', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMLAL;
    i.imm = f.u | (f.v << 1);
    long(i, f);
  }, (i) => textLong(i, `smlal${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`)),
  row('cccc00010110ddddxxxxmmmm1vu0nnnn', 'smul', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMUL;
    i.imm = f.u | (f.v << 1);
    three(i, f);
  }, (i) => text3(i, `smul${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`)),

  // Signed dual multiplies; bit 5 (w) swaps the halves of Rm ("X" suffix). Ra == 15 is the non-accumulating form.
  row('cccc01110000ddddaaaammmm00w1nnnn', 'smlad', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLAD;
    i.imm = f.w;
    four(i, f);
  }, (i) => text4(i, i.imm ? 'smladx' : 'smlad')),
  row('cccc01110000dddd1111mmmm00w1nnnn', 'smuad', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLAD;
    i.imm = f.w;
    three(i, f);
  }, (i) => text3(i, i.imm ? 'smuadx' : 'smuad')),
  row('cccc01110000ddddaaaammmm01w1nnnn', 'smlsd', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLSD;
    i.imm = f.w;
    four(i, f);
  }, (i) => text4(i, i.imm ? 'smlsdx' : 'smlsd')),
  row('cccc01110000dddd1111mmmm01w1nnnn', 'smusd', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLSD;
    i.imm = f.w;
    three(i, f);
  }, (i) => text3(i, i.imm ? 'smusdx' : 'smusd')),
  row('cccc01110100eeeellllmmmm00w1nnnn', 'smlald', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLALD;
    i.imm = f.w;
    long(i, f);
  }, (i) => textLong(i, i.imm ? 'smlaldx' : 'smlald')),
  row('cccc01110100eeeellllmmmm01w1nnnn', 'smlsld', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLSLD;
    i.imm = f.w;
    long(i, f);
  }, (i) => textLong(i, i.imm ? 'smlsldx' : 'smlsld')),

  // Most significant word multiplies; bit 5 (r) rounds.
  row('cccc01110101ddddaaaammmm00r1nnnn', 'smmla', A32Op.MostSignificantMultiply, (i, f) => {
    i.sub = 0;
    i.imm = f.r;
    four(i, f);
  }, (i) => text4(i, i.imm ? 'smmlar' : 'smmla')),
  row('cccc01110101dddd1111mmmm00r1nnnn', 'smmul', A32Op.MostSignificantMultiply, (i, f) => {
    i.sub = 0;
    i.imm = f.r;
    three(i, f);
  }, (i) => text3(i, i.imm ? 'smmulr' : 'smmul')),
  row('cccc01110101ddddaaaammmm11r1nnnn', 'smmls', A32Op.MostSignificantMultiply, (i, f) => {
    i.sub = 1;
    i.imm = f.r;
    four(i, f);
  }, (i) => text4(i, i.imm ? 'smmlsr' : 'smmls')),

  row('cccc01110001ddddXXXXmmmm0001nnnn', 'sdiv', A32Op.Divide, (i, f) => {
    i.signed = true;
    three(i, f);
  }, (i) => text3(i, 'sdiv')),
  row('cccc01110011ddddXXXXmmmm0001nnnn', 'udiv', A32Op.Divide, (i, f) => {
    i.signed = false;
    three(i, f);
  }, (i) => text3(i, 'udiv')),

  row('cccc01111000ddddaaaammmm0001nnnn', 'usada8', A32Op.SumAbsoluteDifferences, four, (i) => text4(i, 'usada8')),
  row('cccc01111000dddd1111mmmm0001nnnn', 'usad8', A32Op.SumAbsoluteDifferences, three, (i) => text3(i, 'usad8')),
];
