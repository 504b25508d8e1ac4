/**
 * 32-bit multiplies and divides (Arm ARM F3.2 "Multiply, multiply accumulate, and absolute
 * difference", "Long multiply, long multiply accumulate, and divide"), as the A32 records.
 */
import { A32Op } from '../a32/instruction';
import { DualMulOp, HalfMulOp, LongMulOp, MulOp } from '../a32/rows-multiply';
import { T32Instruction } from './instruction';
import { line, reg } from './format';
import { badReg, row, unpredictableIf, type Fields, type T32Row } from './row';

const HALF = ['b', 't'];

function three(i: T32Instruction, f: Fields): void {
  i.rd = f.d;
  i.rn = f.n;
  i.rm = f.m;
  unpredictableIf(i, badReg(f.d) || badReg(f.n) || badReg(f.m), `${i.mnemonic}: d, n or m is SP or PC`);
}
function four(i: T32Instruction, f: Fields): void {
  three(i, f);
  i.ra = f.a;
  i.accumulate = true;
  unpredictableIf(i, f.a === 13, `${i.mnemonic}: a is SP`);
}
function long(i: T32Instruction, f: Fields): void {
  i.rd = f.l;
  i.rdHi = f.h;
  i.rn = f.n;
  i.rm = f.m;
  unpredictableIf(i, badReg(f.l) || badReg(f.h) || badReg(f.n) || badReg(f.m), `${i.mnemonic}: a register is SP or PC`);
  unpredictableIf(i, f.l === f.h, `${i.mnemonic}: dHi == dLo`);
}

const text3 = (i: T32Instruction, mn: string) => line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}`);
const text4 = (i: T32Instruction, mn: string) => line(i, mn, `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}, ${reg(i.ra)}`);
const textLong = (i: T32Instruction, mn: string) => line(i, mn, `${reg(i.rd)}, ${reg(i.rdHi)}, ${reg(i.rn)}, ${reg(i.rm)}`);

/** A row with an accumulating form (Ra != 1111) and a plain one (Ra == 1111), e.g. MLA/MUL. */
function pair(prefix: string, tail: string, accName: (i: T32Instruction) => string, plainName: (i: T32Instruction) => string, op: A32Op, setup: (i: T32Instruction, f: Fields) => void): T32Row[] {
  const [acc, plain] = [accName, plainName].map((name) => name(new T32Instruction(0, 4, 0)));
  return [
    row(`${prefix}aaaa${tail}`, acc, op, (i, f) => {
      setup(i, f);
      four(i, f);
    }, (i) => text4(i, accName(i))),
    row(`${prefix}1111${tail}`, plain, op, (i, f) => {
      setup(i, f);
      three(i, f);
    }, (i) => text3(i, plainName(i))),
  ];
}

export const multiply32Table: readonly T32Row[] = [
  ...pair('111110110000nnnn', 'dddd0000mmmm', () => 'mla', () => 'mul', A32Op.Multiply, (i, f) => {
    i.sub = f.a === undefined ? MulOp.MUL : MulOp.MLA;
  }),
  row('111110110000nnnnaaaadddd0001mmmm', 'mls', A32Op.Multiply, (i, f) => {
    i.sub = MulOp.MLS;
    four(i, f);
    unpredictableIf(i, f.a === 15, 'MLS: a == 15');
  }, (i) => text4(i, 'mls')),
  ...pair('111110110001nnnn', 'dddd00uvmmmm', (i) => `smla${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`, (i) => `smul${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`, A32Op.HalfwordMultiply, (i, f) => {
    i.sub = f.a === undefined ? HalfMulOp.SMUL : HalfMulOp.SMLA;
    i.imm = f.u | (f.v << 1);
  }),
  ...pair('111110110010nnnn', 'dddd000wmmmm', (i) => (i.imm ? 'smladx' : 'smlad'), (i) => (i.imm ? 'smuadx' : 'smuad'), A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLAD;
    i.imm = f.w;
  }),
  ...pair('111110110011nnnn', 'dddd000vmmmm', (i) => `smlaw${HALF[i.imm >> 1]}`, (i) => `smulw${HALF[i.imm >> 1]}`, A32Op.HalfwordMultiply, (i, f) => {
    i.sub = f.a === undefined ? HalfMulOp.SMULW : HalfMulOp.SMLAW;
    i.imm = f.v << 1;
  }),
  ...pair('111110110100nnnn', 'dddd000wmmmm', (i) => (i.imm ? 'smlsdx' : 'smlsd'), (i) => (i.imm ? 'smusdx' : 'smusd'), A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLSD;
    i.imm = f.w;
  }),
  ...pair('111110110101nnnn', 'dddd000rmmmm', (i) => (i.imm ? 'smmlar' : 'smmla'), (i) => (i.imm ? 'smmulr' : 'smmul'), A32Op.MostSignificantMultiply, (i, f) => {
    i.sub = 0;
    i.imm = f.r;
  }),
  row('111110110110nnnnaaaadddd000rmmmm', 'smmls', A32Op.MostSignificantMultiply, (i, f) => {
    i.sub = 1;
    i.imm = f.r;
    four(i, f);
    unpredictableIf(i, f.a === 15, 'SMMLS: a == 15');
  }, (i) => text4(i, i.imm ? 'smmlsr' : 'smmls')),
  ...pair('111110110111nnnn', 'dddd0000mmmm', () => 'usada8', () => 'usad8', A32Op.SumAbsoluteDifferences, () => {}),

  ...([['smull', 0b000, LongMulOp.SMULL], ['umull', 0b010, LongMulOp.UMULL], ['smlal', 0b100, LongMulOp.SMLAL], ['umlal', 0b110, LongMulOp.UMLAL]] as const).map(([mn, bits, sub]) =>
    row(`111110111${bits.toString(2).padStart(3, '0')}nnnnllllhhhh0000mmmm`, mn, A32Op.MultiplyLong, (i, f) => {
      i.sub = sub;
      long(i, f);
    }, (i) => textLong(i, mn)),
  ),
  row('111110111110nnnnllllhhhh0110mmmm', 'umaal', A32Op.MultiplyLong, (i, f) => {
    i.sub = LongMulOp.UMAAL;
    long(i, f);
  }, (i) => textLong(i, 'umaal')),
  row('111110111100nnnnllllhhhh10uvmmmm', 'smlal', A32Op.HalfwordMultiply, (i, f) => {
    i.sub = HalfMulOp.SMLAL;
    i.imm = f.u | (f.v << 1);
    long(i, f);
  }, (i) => textLong(i, `smlal${HALF[i.imm & 1]}${HALF[i.imm >> 1]}`)),
  row('111110111100nnnnllllhhhh110wmmmm', 'smlald', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLALD;
    i.imm = f.w;
    long(i, f);
  }, (i) => textLong(i, i.imm ? 'smlaldx' : 'smlald')),
  row('111110111101nnnnllllhhhh110wmmmm', 'smlsld', A32Op.DualMultiply, (i, f) => {
    i.sub = DualMulOp.SMLSLD;
    i.imm = f.w;
    long(i, f);
  }, (i) => textLong(i, i.imm ? 'smlsldx' : 'smlsld')),
  ...([['sdiv', 0b001, true], ['udiv', 0b011, false]] as const).map(([mn, bits, signed]) =>
    row(`111110111${bits.toString(2).padStart(3, '0')}nnnnXXXXdddd1111mmmm`, mn, A32Op.Divide, (i, f) => {
      i.signed = signed;
      three(i, f);
    }, (i) => text3(i, mn)),
  ),
];
