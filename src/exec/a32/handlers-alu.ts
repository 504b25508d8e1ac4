/**
 * Data-processing, multiply, saturating and media instructions (Arm ARM F5 operation pseudocode
 * of each instruction). One handler per A32Op; the decoded record says which variant.
 */
import type { A32Instruction } from '../../decode/a32/index';
import { A32Op, DpOpcode, DualMulOp, HalfMulOp, LongMulOp, MulOp } from '../../decode/a32/index';
import type { A32Cpu } from './cpu';
import * as alu from './alu';
import { Psr as PsrBits } from './modes';
import { ORN as OrnOpcode } from '../../decode/t32/rows-32-data-processing';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const { add64, add64Signed, addWithCarry, multiplyS64, multiplyU64, out, sext, shiftC, signedSat, unsignedSat } = alu;
const Psr = { ...PsrBits };
const Dp = { ...DpOpcode };
const ORN = OrnOpcode;
const Mul = { ...MulOp };
const LongMul = { ...LongMulOp };
const HalfMul = { ...HalfMulOp };
const DualMul = { ...DualMulOp };

export type Handler = (cpu: A32Cpu, i: A32Instruction) => void;

/** Set CPSR.Q (sticky saturation flag). */
function setQ(cpu: A32Cpu): void {
  cpu.psrRest |= Psr.Q;
}

// ---- data processing ----

/** The shared tail of every data-processing form: `b` is the shifted operand, `shifterCarry` its carry. */
function dataProcessing(cpu: A32Cpu, i: A32Instruction, b: number, shifterCarry: number): void {
  const r = cpu.r;
  const a = r[i.rn];
  let res: number;
  let arithmetic = true;
  switch (i.sub) {
    case Dp.AND:
    case Dp.TST:
      res = (a & b) >>> 0;
      arithmetic = false;
      break;
    case Dp.EOR:
    case Dp.TEQ:
      res = (a ^ b) >>> 0;
      arithmetic = false;
      break;
    case Dp.SUB:
    case Dp.CMP:
      res = addWithCarry(a, ~b, 1);
      break;
    case Dp.RSB:
      res = addWithCarry(b, ~a, 1);
      break;
    case Dp.ADD:
    case Dp.CMN:
      res = addWithCarry(a, b, 0);
      break;
    case Dp.ADC:
      res = addWithCarry(a, b, cpu.flagC);
      break;
    case Dp.SBC:
      res = addWithCarry(a, ~b, cpu.flagC);
      break;
    case Dp.RSC:
      res = addWithCarry(b, ~a, cpu.flagC);
      break;
    case Dp.ORR:
      res = (a | b) >>> 0;
      arithmetic = false;
      break;
    case Dp.MOV:
      res = b >>> 0;
      arithmetic = false;
      break;
    case Dp.BIC:
      res = (a & ~b) >>> 0;
      arithmetic = false;
      break;
    case ORN: // T32 only (F5 "ORN (register)", "ORN (immediate)")
      res = (a | ~b) >>> 0;
      arithmetic = false;
      break;
    default: // MVN
      res = ~b >>> 0;
      arithmetic = false;
      break;
  }
  const compare = i.sub >= Dp.TST && i.sub <= Dp.CMN;
  if (!compare && i.rd === 15) {
    if (i.setFlags) {
      // SUBS PC, LR and related: an exception return (Arm ARM F5 "SUBS PC, LR and related instructions").
      if (cpu.currentBank === 0) {
        cpu.undefinedInstruction('exception return from User or System mode');
        return;
      }
      cpu.exceptionReturn(res, cpu.spsr());
      return;
    }
    cpu.aluWritePc(res);
    return;
  }
  if (!compare) r[i.rd] = res;
  if (i.setFlags) {
    cpu.flagN = res >>> 31;
    cpu.flagZ = res === 0 ? 1 : 0;
    if (arithmetic) {
      cpu.flagC = out.carry;
      cpu.flagV = out.overflow;
    } else {
      cpu.flagC = shifterCarry;
    }
  }
}

const dataProcessingImm: Handler = (cpu, i) => {
  dataProcessing(cpu, i, i.imm, i.immCarry < 0 ? cpu.flagC : i.immCarry);
};

const dataProcessingReg: Handler = (cpu, i) => {
  const b = shiftC(cpu.r[i.rm], i.shiftType, i.shiftAmount, cpu.flagC);
  dataProcessing(cpu, i, b, out.carry);
};

const dataProcessingRegShiftedReg: Handler = (cpu, i) => {
  const b = shiftC(cpu.r[i.rm], i.shiftType, cpu.r[i.rs] & 0xff, cpu.flagC);
  dataProcessing(cpu, i, b, out.carry);
};

const movWide: Handler = (cpu, i) => {
  cpu.r[i.rd] = i.sub === 0 ? i.imm : ((i.imm << 16) | (cpu.r[i.rd] & 0xffff)) >>> 0;
};

const countLeadingZeros: Handler = (cpu, i) => {
  cpu.r[i.rd] = Math.clz32(cpu.r[i.rm]);
};

// ---- multiplies ----

function setNZ(cpu: A32Cpu, value: number): void {
  cpu.flagN = value >>> 31;
  cpu.flagZ = value === 0 ? 1 : 0;
}

const multiply: Handler = (cpu, i) => {
  const r = cpu.r;
  const p = Math.imul(r[i.rn], r[i.rm]);
  let res: number;
  if (i.sub === Mul.MUL) res = p >>> 0;
  else if (i.sub === Mul.MLA) res = (p + r[i.ra]) >>> 0;
  else res = (r[i.ra] - p) >>> 0;
  r[i.rd] = res;
  // MULS/MLAS set N and Z; C and V are unchanged (ARMv6 and later).
  if (i.setFlags) setNZ(cpu, res);
};

const multiplyLong: Handler = (cpu, i) => {
  const r = cpu.r;
  const n = r[i.rn];
  const m = r[i.rm];
  if (i.sub === LongMul.SMULL || i.sub === LongMul.SMLAL) multiplyS64(n, m);
  else multiplyU64(n, m);
  if (i.sub === LongMul.UMLAL || i.sub === LongMul.SMLAL) add64(out.hi, out.lo, r[i.rdHi], r[i.rd]);
  else if (i.sub === LongMul.UMAAL) {
    add64(out.hi, out.lo, 0, r[i.rdHi]);
    add64(out.hi, out.lo, 0, r[i.rd]);
  }
  r[i.rd] = out.lo;
  r[i.rdHi] = out.hi;
  if (i.setFlags) {
    cpu.flagN = out.hi >>> 31;
    cpu.flagZ = out.hi === 0 && out.lo === 0 ? 1 : 0;
  }
};

/** Signed 16-bit half of `v`: top when `top`. */
function half(v: number, top: number): number {
  return top ? v >> 16 : (v << 16) >> 16;
}

const halfwordMultiply: Handler = (cpu, i) => {
  const r = cpu.r;
  const n = r[i.rn];
  const m = r[i.rm];
  switch (i.sub) {
    case HalfMul.SMLA:
    case HalfMul.SMUL: {
      const product = half(n, i.imm & 1) * half(m, i.imm >> 1);
      if (i.sub === HalfMul.SMUL) {
        r[i.rd] = product >>> 0;
        return;
      }
      const sum = product + (r[i.ra] | 0);
      r[i.rd] = sum >>> 0;
      if (sum !== (sum | 0)) setQ(cpu);
      return;
    }
    case HalfMul.SMLAW:
    case HalfMul.SMULW: {
      // (Rn * Rm.half)<47:16>: the 48-bit product is exact in a double.
      const product = Math.floor(((n | 0) * half(m, i.imm >> 1)) / 65536);
      if (i.sub === HalfMul.SMULW) {
        r[i.rd] = product >>> 0;
        return;
      }
      const sum = product + (r[i.ra] | 0);
      r[i.rd] = sum >>> 0;
      if (sum !== (sum | 0)) setQ(cpu);
      return;
    }
    default: {
      // SMLAL<x><y>: 64-bit accumulate of a 32-bit product.
      const product = half(n, i.imm & 1) * half(m, i.imm >> 1);
      add64Signed(r[i.rdHi], r[i.rd], product);
      r[i.rd] = out.lo;
      r[i.rdHi] = out.hi;
    }
  }
};

const dualMultiply: Handler = (cpu, i) => {
  const r = cpu.r;
  const n = r[i.rn];
  let m = r[i.rm];
  if (i.imm) m = ((m >>> 16) | (m << 16)) >>> 0; // X: swap the halves of Rm
  const p1 = half(n, 0) * half(m, 0);
  const p2 = half(n, 1) * half(m, 1);
  const subtract = i.sub === DualMul.SMLSD || i.sub === DualMul.SMLSLD;
  const sum = subtract ? p1 - p2 : p1 + p2;
  if (i.sub === DualMul.SMLALD || i.sub === DualMul.SMLSLD) {
    add64Signed(r[i.rdHi], r[i.rd], sum);
    r[i.rd] = out.lo;
    r[i.rdHi] = out.hi;
    return;
  }
  const total = i.accumulate ? sum + (r[i.ra] | 0) : sum;
  r[i.rd] = total >>> 0;
  if (total !== (total | 0)) setQ(cpu);
};

const mostSignificantMultiply: Handler = (cpu, i) => {
  const r = cpu.r;
  multiplyS64(r[i.rn], r[i.rm]);
  let hi = out.hi;
  let lo = out.lo;
  if (i.accumulate) {
    // (Ra << 32) +/- product
    if (i.sub === 1) {
      // Ra:0 - product = Ra:0 + ~product + 1
      add64(r[i.ra], 0, ~hi >>> 0, ~lo >>> 0);
      add64(out.hi, out.lo, 0, 1);
    } else {
      add64(r[i.ra], 0, hi, lo);
    }
    hi = out.hi;
    lo = out.lo;
  }
  if (i.imm) {
    add64(hi, lo, 0, 0x80000000); // round
    hi = out.hi;
  }
  r[i.rd] = hi;
};

const divide: Handler = (cpu, i) => {
  const r = cpu.r;
  // Division by zero gives 0 (ARMv7-A/ARMv8-A AArch32: no divide-by-zero trap in A-profile).
  if (i.signed) {
    const d = r[i.rm] | 0;
    const n = r[i.rn] | 0;
    r[i.rd] = d === 0 ? 0 : Math.trunc(n / d) >>> 0; // -2^31 / -1 wraps to -2^31
  } else {
    const d = r[i.rm];
    r[i.rd] = d === 0 ? 0 : Math.floor(r[i.rn] / d) >>> 0;
  }
};

const sumAbsoluteDifferences: Handler = (cpu, i) => {
  const r = cpu.r;
  const n = r[i.rn];
  const m = r[i.rm];
  let sum = 0;
  for (let s = 0; s < 32; s += 8) sum += Math.abs(((n >>> s) & 0xff) - ((m >>> s) & 0xff));
  r[i.rd] = (i.accumulate ? sum + r[i.ra] : sum) >>> 0;
};

// ---- saturating ----

const saturatingAddSub: Handler = (cpu, i) => {
  const r = cpu.r;
  const m = r[i.rm] | 0;
  let n = r[i.rn] | 0;
  let sat = false;
  if (i.sub >= 2) {
    // QDADD/QDSUB: saturate 2 * Rn first.
    n = signedSat(2 * n, 32);
    sat = out.saturated;
  }
  const res = signedSat(i.sub & 1 ? m - n : m + n, 32);
  if (sat || out.saturated) setQ(cpu);
  r[i.rd] = res >>> 0;
};

const saturate: Handler = (cpu, i) => {
  const operand = shiftC(cpu.r[i.rn], i.shiftType, i.shiftAmount, cpu.flagC) | 0;
  const res = i.signed ? signedSat(operand, i.imm) : unsignedSat(operand, i.imm);
  cpu.r[i.rd] = res >>> 0;
  if (out.saturated) setQ(cpu);
};

const saturate16: Handler = (cpu, i) => {
  const n = cpu.r[i.rn];
  const lo = i.signed ? signedSat(half(n, 0), i.imm) : unsignedSat(half(n, 0), i.imm);
  let sat = out.saturated;
  const hi = i.signed ? signedSat(half(n, 1), i.imm) : unsignedSat(half(n, 1), i.imm);
  sat = sat || out.saturated;
  cpu.r[i.rd] = ((lo & 0xffff) | (hi << 16)) >>> 0;
  if (sat) setQ(cpu);
};

// ---- parallel add/subtract (F5 "SADD16" ... "UHSUB8") ----

/** Lane value: signed or unsigned `width`-bit field at `shift`. */
function lane(v: number, shift: number, width: number, signed: boolean): number {
  const x = (v >>> shift) & (width === 16 ? 0xffff : 0xff);
  return signed ? (width === 16 ? (x << 16) >> 16 : (x << 24) >> 24) : x;
}

const parallelAddSub: Handler = (cpu, i) => {
  const r = cpu.r;
  const n = r[i.rn];
  const m = r[i.rm];
  const unsigned = (i.sub & 0x20) !== 0;
  const kind = (i.sub >> 3) & 3; // 1 plain (GE), 2 saturating, 3 halving
  const op = i.sub & 7;
  const bytes = op === 0b100 || op === 0b111;
  const width = bytes ? 8 : 16;
  const lanes = bytes ? 4 : 2;
  let result = 0;
  let ge = 0;
  for (let k = 0; k < lanes; k++) {
    const shift = k * width;
    let a = lane(n, shift, width, !unsigned);
    let b: number;
    let add: boolean;
    if (op === 0b001 || op === 0b010) {
      // ASX: low = n.lo - m.hi, high = n.hi + m.lo; SAX the other way round.
      b = lane(m, k === 0 ? 16 : 0, 16, !unsigned);
      add = op === 0b001 ? k === 1 : k === 0;
    } else {
      b = lane(m, shift, width, !unsigned);
      add = op === 0b000 || op === 0b100;
    }
    let v = add ? a + b : a - b;
    if (kind === 1) {
      // GE: signed result >= 0; unsigned add carries out; unsigned subtract does not borrow.
      const geBit = unsigned ? (add ? v >= 1 << width : v >= 0) : v >= 0;
      if (geBit) ge |= (bytes ? 1 : 3) << (bytes ? k : 2 * k);
    } else if (kind === 2) {
      v = unsigned ? unsignedSat(v, width) : signedSat(v, width);
    } else {
      v = Math.floor(v / 2);
    }
    a = v & (width === 16 ? 0xffff : 0xff);
    result |= a << shift;
  }
  r[i.rd] = result >>> 0;
  if (kind === 1) cpu.psrRest = (cpu.psrRest & ~(0xf << Psr.GE_SHIFT)) | (ge << Psr.GE_SHIFT);
};

// ---- pack, extend, select, reverse, bitfield ----

const packHalfword: Handler = (cpu, i) => {
  const r = cpu.r;
  const operand = shiftC(r[i.rm], i.shiftType, i.shiftAmount, cpu.flagC);
  const n = r[i.rn];
  // PKHBT: bottom from Rn, top from the shifted Rm; PKHTB: the other way round.
  r[i.rd] = (i.sub === 0 ? (n & 0xffff) | (operand & 0xffff0000) : (operand & 0xffff) | (n & 0xffff0000)) >>> 0;
};

const extend: Handler = (cpu, i) => {
  const r = cpu.r;
  const m = r[i.rm];
  const rot = i.shiftAmount;
  const rotated = rot === 0 ? m : ((m >>> rot) | (m << (32 - rot))) >>> 0;
  const n = i.rn === 15 ? 0 : r[i.rn];
  const signed = (i.sub & 0b100) === 0;
  switch (i.sub & 0b11) {
    case 0b00: {
      // XTAB16: two bytes (bits 7:0 and 23:16) added to the two halves.
      const b0 = signed ? sext(rotated & 0xff, 8) : rotated & 0xff;
      const b2 = signed ? sext((rotated >>> 16) & 0xff, 8) : (rotated >>> 16) & 0xff;
      r[i.rd] = (((n + b0) & 0xffff) | (((n >>> 16) + b2) << 16)) >>> 0;
      return;
    }
    case 0b10:
      r[i.rd] = (n + (signed ? sext(rotated & 0xff, 8) : rotated & 0xff)) >>> 0;
      return;
    default:
      r[i.rd] = (n + (signed ? sext(rotated & 0xffff, 16) : rotated & 0xffff)) >>> 0;
  }
};

const select: Handler = (cpu, i) => {
  const r = cpu.r;
  const ge = (cpu.psrRest >>> Psr.GE_SHIFT) & 0xf;
  let mask = 0;
  for (let k = 0; k < 4; k++) if ((ge >> k) & 1) mask |= 0xff << (8 * k);
  r[i.rd] = ((r[i.rn] & mask) | (r[i.rm] & ~mask)) >>> 0;
};

const reverse: Handler = (cpu, i) => {
  const m = cpu.r[i.rm];
  let res: number;
  switch (i.sub) {
    case 0: // REV
      res = ((m << 24) | ((m & 0xff00) << 8) | ((m >>> 8) & 0xff00) | (m >>> 24)) >>> 0;
      break;
    case 1: // REV16
      res = (((m & 0x00ff00ff) << 8) | ((m >>> 8) & 0x00ff00ff)) >>> 0;
      break;
    case 2: {
      // RBIT
      let v = m;
      v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
      v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
      v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
      v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
      res = ((v >>> 16) | (v << 16)) >>> 0;
      break;
    }
    default: // REVSH
      res = ((((m & 0xff) << 24) >> 16) | ((m >>> 8) & 0xff)) >>> 0;
  }
  cpu.r[i.rd] = res;
};

const bitfieldExtract: Handler = (cpu, i) => {
  const n = cpu.r[i.rn];
  const lsb = i.shiftAmount;
  const width = i.imm;
  const field = width === 32 ? n : (n >>> lsb) & (2 ** width - 1);
  cpu.r[i.rd] = (i.signed ? sext(field, width) : field) >>> 0;
};

const bitfieldInsert: Handler = (cpu, i) => {
  const msb = i.imm;
  const lsb = i.shiftAmount;
  const width = msb - lsb + 1;
  const mask = (width === 32 ? 0xffffffff : ((1 << width) - 1) << lsb) >>> 0;
  const source = i.rn === 15 ? 0 : cpu.r[i.rn] << lsb; // BFC inserts zeros
  cpu.r[i.rd] = ((cpu.r[i.rd] & ~mask) | (source & mask)) >>> 0;
};

export const aluHandlers: Record<number, Handler> = {
  [A32Op.DataProcessingImm]: dataProcessingImm,
  [A32Op.DataProcessingReg]: dataProcessingReg,
  [A32Op.DataProcessingRegShiftedReg]: dataProcessingRegShiftedReg,
  [A32Op.MovWide]: movWide,
  [A32Op.CountLeadingZeros]: countLeadingZeros,
  [A32Op.Multiply]: multiply,
  [A32Op.MultiplyLong]: multiplyLong,
  [A32Op.HalfwordMultiply]: halfwordMultiply,
  [A32Op.DualMultiply]: dualMultiply,
  [A32Op.MostSignificantMultiply]: mostSignificantMultiply,
  [A32Op.Divide]: divide,
  [A32Op.SaturatingAddSub]: saturatingAddSub,
  [A32Op.Saturate]: saturate,
  [A32Op.Saturate16]: saturate16,
  [A32Op.ParallelAddSub]: parallelAddSub,
  [A32Op.PackHalfword]: packHalfword,
  [A32Op.Extend]: extend,
  [A32Op.Select]: select,
  [A32Op.Reverse]: reverse,
  [A32Op.SumAbsoluteDifferences]: sumAbsoluteDifferences,
  [A32Op.BitfieldExtract]: bitfieldExtract,
  [A32Op.BitfieldInsert]: bitfieldInsert,
};
