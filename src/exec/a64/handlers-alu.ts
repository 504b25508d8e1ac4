/**
 * Data processing: arithmetic, logic, moves, bitfields, conditional select and compare,
 * multiply, divide, variable shifts, CRC32 and the one-source operations (Arm ARM C6.2
 * operation pseudocode of each instruction). One handler per A64Op; the decoded record says
 * which variant.
 */
import { A64Op, RegIndex, type A64Instruction } from '../../decode/a64/instruction';
import type { A64Cpu } from './cpu';
import * as arith from './arith64';
import * as crc from './crc32';
import * as operands from './operands';

export type Handler = (cpu: A64Cpu, i: A64Instruction) => void;

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const Op: typeof A64Op = { ...A64Op };
const DISCARD = RegIndex.DISCARD;
const { bswap32, divS64, divU64, mulHighS64, mulHighU64, mulLow64, mulS32, mulU32, rbit32, rev16x32, wide } = arith;
const { CRC32_TABLE, CRC32C_TABLE, crc32Step } = crc;
const { addWithCarry, condHolds, extendOperand, rotateRight64, shiftOperand } = operands;

function setNZ(cpu: A64Cpu, lo: number, hi: number, sf: number): void {
  if (sf) {
    cpu.n = hi >>> 31;
    cpu.z = (lo | hi) === 0 ? 1 : 0;
  } else {
    cpu.n = lo >>> 31;
    cpu.z = lo === 0 ? 1 : 0;
  }
  cpu.c = 0;
  cpu.v = 0;
}

/** AND/ORR/EOR/ANDS by opc (C6.2 "AND (immediate)" etc.); ANDS sets N, Z and clears C, V. */
function logic(cpu: A64Cpu, opc: number, al: number, ah: number, bl: number, bh: number, sf: number, d: number): void {
  let l: number;
  let h: number;
  switch (opc) {
    case 0:
    case 3:
      l = al & bl;
      h = ah & bh;
      break;
    case 1:
      l = al | bl;
      h = ah | bh;
      break;
    default:
      l = al ^ bl;
      h = ah ^ bh;
  }
  l >>>= 0;
  h = sf ? h >>> 0 : 0;
  cpu.lo[d] = l;
  cpu.hi[d] = h;
  if (opc === 3) setNZ(cpu, l, h, sf);
}

/** Xd <- Xa +/- wide (64-bit). */
function accumulate(cpu: A64Cpu, subtract: boolean, a: number, d: number): void {
  const pl = wide[0];
  const ph = wide[1];
  const al = cpu.lo[a];
  const ah = cpu.hi[a];
  if (subtract) {
    const l = al - pl;
    cpu.lo[d] = l >>> 0;
    cpu.hi[d] = (ah - ph - (l < 0 ? 1 : 0)) >>> 0;
  } else {
    const l = al + pl;
    cpu.lo[d] = l >>> 0;
    cpu.hi[d] = (ah + ph + (l > 0xffffffff ? 1 : 0)) >>> 0;
  }
}

const addSubImmediate: Handler = (cpu, i) => {
  const a = i.xn;
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (i.variant === 0) addWithCarry(cpu, lo[a], hi[a], i.imm, 0, 0, i.sf, i.setFlags, i.xd);
  else addWithCarry(cpu, lo[a], hi[a], ~i.imm >>> 0, 0xffffffff, 1, i.sf, i.setFlags, i.xd);
};

/** ADD/SUB (shifted register) and (extended register): the second operand, then AddWithCarry. */
const addSubRegister: Handler = (cpu, i) => {
  if (i.op === Op.ADD_SUB_SHIFTED) shiftOperand(cpu, i.xm, i.shiftType, i.shiftAmount, i.sf);
  else extendOperand(cpu, i.xm, i.shiftType, i.shiftAmount);
  const a = i.xn;
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (i.variant === 0) addWithCarry(cpu, lo[a], hi[a], cpu.opLo, cpu.opHi, 0, i.sf, i.setFlags, i.xd);
  else addWithCarry(cpu, lo[a], hi[a], ~cpu.opLo >>> 0, ~cpu.opHi >>> 0, 1, i.sf, i.setFlags, i.xd);
};

const addSubCarry: Handler = (cpu, i) => {
  const a = i.xn;
  const m = i.xm;
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (i.variant === 0) addWithCarry(cpu, lo[a], hi[a], lo[m], hi[m], cpu.c, i.sf, i.setFlags, i.xd);
  else addWithCarry(cpu, lo[a], hi[a], ~lo[m] >>> 0, ~hi[m] >>> 0, cpu.c, i.sf, i.setFlags, i.xd);
};

const logicImmediate: Handler = (cpu, i) => {
  logic(cpu, i.variant, cpu.lo[i.xn], cpu.hi[i.xn], i.imm, i.immHi, i.sf, i.xd);
};

const logicShifted: Handler = (cpu, i) => {
  shiftOperand(cpu, i.xm, i.shiftType, i.shiftAmount, i.sf);
  let bl = cpu.opLo;
  let bh = cpu.opHi;
  if (i.imm2) {
    bl = ~bl >>> 0;
    bh = i.sf ? ~bh >>> 0 : 0;
  }
  logic(cpu, i.variant, cpu.lo[i.xn], cpu.hi[i.xn], bl, bh, i.sf, i.xd);
};

/** MOVZ and MOVN (C6.2 "MOVZ", "MOVN"). */
const moveWide: Handler = (cpu, i) => {
  const s = i.shiftAmount;
  let l = s < 32 ? (i.imm << s) >>> 0 : 0;
  let h = s >= 32 ? (i.imm << (s - 32)) >>> 0 : 0;
  if (i.op === Op.MOVN) {
    l = ~l >>> 0;
    h = i.sf ? ~h >>> 0 : 0;
  }
  cpu.lo[i.xd] = l;
  cpu.hi[i.xd] = h;
};

const moveKeep: Handler = (cpu, i) => {
  const s = i.shiftAmount;
  const d = i.xd;
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (s < 32) lo[d] = ((lo[d] & ~(0xffff << s)) | (i.imm << s)) >>> 0;
  else hi[d] = ((hi[d] & ~(0xffff << (s - 32))) | (i.imm << (s - 32))) >>> 0;
  if (!i.sf) hi[d] = 0;
};

const adr: Handler = (cpu, i) => {
  cpu.setXFromNumber(i.xd, cpu.curPc + i.imm);
};

const adrp: Handler = (cpu, i) => {
  cpu.setXFromNumber(i.xd, Math.floor(cpu.curPc / 4096) * 4096 + i.imm);
};

/** SBFM/UBFM/BFM (C6.2 "BFM" operation): bot = ROR(src, R) & wmask merged with dst; top from sign or dst. */
const bitfield: Handler = (cpu, i) => {
  const n = i.xn;
  const d = i.xd;
  const r = i.imm2;
  const sf = i.sf;
  let sl = cpu.lo[n];
  let sh = sf ? cpu.hi[n] : 0;
  // ROR(src, R)
  if (sf) {
    cpu.opLo = sl;
    cpu.opHi = sh;
    if (r !== 0) rotateRight64(cpu, sl, sh, r);
  } else {
    cpu.opLo = r === 0 ? sl : ((sl >>> r) | (sl << (32 - r))) >>> 0;
    cpu.opHi = 0;
  }
  const rl = cpu.opLo;
  const rh = cpu.opHi;
  const isBfm = i.op === Op.BFM;
  const dl = isBfm ? cpu.lo[d] : 0;
  const dh = isBfm ? cpu.hi[d] : 0;
  const botL = (dl & ~i.imm) | (rl & i.imm);
  const botH = (dh & ~i.immHi) | (rh & i.immHi);
  let topL: number;
  let topH: number;
  if (i.op === Op.SBFM) {
    // Replicate(src<S>)
    const s = i.shiftAmount;
    const bit = s >= 32 ? (sh >>> (s - 32)) & 1 : (sl >>> s) & 1;
    topL = topH = bit ? 0xffffffff : 0;
  } else {
    topL = dl;
    topH = dh;
  }
  sl = (topL & ~i.tmaskLo) | (botL & i.tmaskLo);
  sh = (topH & ~i.tmaskHi) | (botH & i.tmaskHi);
  cpu.lo[d] = sl >>> 0;
  cpu.hi[d] = sf ? sh >>> 0 : 0;
};

/** EXTR: bits [lsb+datasize-1 : lsb] of Xn:Xm (C6.2 "EXTR"). */
const extract: Handler = (cpu, i) => {
  const lsb = i.shiftAmount;
  const ml = cpu.lo[i.xm];
  const mh = cpu.hi[i.xm];
  const nl = cpu.lo[i.xn];
  const nh = cpu.hi[i.xn];
  const d = i.xd;
  if (!i.sf) {
    cpu.lo[d] = lsb === 0 ? ml : ((ml >>> lsb) | (nl << (32 - lsb))) >>> 0;
    cpu.hi[d] = 0;
    return;
  }
  let l: number;
  let h: number;
  if (lsb === 0) {
    l = ml;
    h = mh;
  } else if (lsb < 32) {
    l = (ml >>> lsb) | (mh << (32 - lsb));
    h = (mh >>> lsb) | (nl << (32 - lsb));
  } else if (lsb === 32) {
    l = mh;
    h = nl;
  } else {
    const s = lsb - 32;
    l = (mh >>> s) | (nl << (32 - s));
    h = (nl >>> s) | (nh << (32 - s));
  }
  cpu.lo[d] = l >>> 0;
  cpu.hi[d] = h >>> 0;
};

/** CSEL/CSINC/CSINV/CSNEG by variant (C6.2 "CSEL"). */
const conditionalSelect: Handler = (cpu, i) => {
  const lo = cpu.lo;
  const hi = cpu.hi;
  const d = i.xd;
  if (condHolds(cpu, i.cond)) {
    lo[d] = lo[i.xn];
    hi[d] = i.sf ? hi[i.xn] : 0;
    return;
  }
  const m = i.xm;
  let l = lo[m];
  let h = hi[m];
  switch (i.variant) {
    case 1: {
      const s = l + 1;
      l = s >>> 0;
      if (s > 0xffffffff) h = (h + 1) >>> 0;
      break;
    }
    case 2:
      l = ~l >>> 0;
      h = ~h >>> 0;
      break;
    case 3:
      if (l === 0) h = -h >>> 0;
      else {
        l = -l >>> 0;
        h = ~h >>> 0;
      }
      break;
  }
  lo[d] = l;
  hi[d] = i.sf ? h : 0;
};

/** CCMP/CCMN, register and immediate (C6.2 "CCMP"): NZCV from the comparison or from #nzcv. */
const conditionalCompare: Handler = (cpu, i) => {
  if (!condHolds(cpu, i.cond)) {
    cpu.nzcv = i.imm2;
    return;
  }
  const lo = cpu.lo;
  const hi = cpu.hi;
  const a = i.xn;
  const bl = i.op === Op.CCMP_IMM ? i.imm : lo[i.xm];
  const bh = i.op === Op.CCMP_IMM ? 0 : hi[i.xm];
  if (i.variant === 1) addWithCarry(cpu, lo[a], hi[a], ~bl >>> 0, ~bh >>> 0, 1, i.sf, true, DISCARD);
  else addWithCarry(cpu, lo[a], hi[a], bl, bh, 0, i.sf, true, DISCARD);
};

const multiplyAdd: Handler = (cpu, i) => {
  const lo = cpu.lo;
  const hi = cpu.hi;
  const n = i.xn;
  const m = i.xm;
  const a = i.xa;
  const d = i.xd;
  if (!i.sf) {
    const p = Math.imul(lo[n], lo[m]);
    lo[d] = (i.op === Op.MADD ? lo[a] + p : lo[a] - p) >>> 0;
    hi[d] = 0;
    return;
  }
  mulLow64(lo[n], hi[n], lo[m], hi[m]);
  accumulate(cpu, i.op === Op.MSUB, a, d);
};

const signedMultiplyLong: Handler = (cpu, i) => {
  mulS32(cpu.lo[i.xn] | 0, cpu.lo[i.xm] | 0);
  accumulate(cpu, i.op === Op.SMSUBL, i.xa, i.xd);
};

const unsignedMultiplyLong: Handler = (cpu, i) => {
  mulU32(cpu.lo[i.xn], cpu.lo[i.xm]);
  accumulate(cpu, i.op === Op.UMSUBL, i.xa, i.xd);
};

const multiplyHigh: Handler = (cpu, i) => {
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (i.op === Op.SMULH) mulHighS64(lo[i.xn], hi[i.xn], lo[i.xm], hi[i.xm]);
  else mulHighU64(lo[i.xn], hi[i.xn], lo[i.xm], hi[i.xm]);
  lo[i.xd] = wide[0];
  hi[i.xd] = wide[1];
};

/** UDIV/SDIV: division by zero gives 0 (C6.2 "UDIV"). */
const divide: Handler = (cpu, i) => {
  const lo = cpu.lo;
  const hi = cpu.hi;
  const n = i.xn;
  const m = i.xm;
  const d = i.xd;
  if (!i.sf) {
    const a = lo[n];
    const b = lo[m];
    let q: number;
    if (b === 0) q = 0;
    else if (i.op === Op.UDIV) q = Math.floor(a / b);
    else q = Math.trunc((a | 0) / (b | 0));
    lo[d] = q >>> 0;
    hi[d] = 0;
    return;
  }
  if (i.op === Op.UDIV) divU64(lo[n], hi[n], lo[m], hi[m]);
  else divS64(lo[n], hi[n], lo[m], hi[m]);
  lo[d] = wide[0];
  hi[d] = wide[1];
};

/** LSLV/LSRV/ASRV/RORV: the shift amount is Rm modulo the data size (C6.2 "LSLV"). */
const shiftVariable: Handler = (cpu, i) => {
  const amount = cpu.lo[i.xm] & (i.sf ? 63 : 31);
  shiftOperand(cpu, i.xn, i.op - Op.LSLV, amount, i.sf);
  cpu.lo[i.xd] = cpu.opLo;
  cpu.hi[i.xd] = cpu.opHi;
};

/** Wd = CRC step of Wn with the low 2^sz bytes of Rm, zero-extended (C6.2 "CRC32B"). */
const crc32: Handler = (cpu, i) => {
  const table = i.op === Op.CRC32 ? CRC32_TABLE : CRC32C_TABLE;
  cpu.lo[i.xd] = crc32Step(table, cpu.lo[i.xn], cpu.lo[i.xm], cpu.hi[i.xm], i.size);
  cpu.hi[i.xd] = 0;
};

/** RBIT, REV16, REV32, REV, CLZ, CLS (C6.2, data-processing (1 source)). */
const dataProcessing1: Handler = (cpu, i) => {
  const l = cpu.lo[i.xn];
  const h = cpu.hi[i.xn];
  const d = i.xd;
  let rl: number;
  let rh = 0;
  const sf = i.sf;
  switch (i.op) {
    case Op.RBIT:
      if (sf) {
        rl = rbit32(h);
        rh = rbit32(l);
      } else rl = rbit32(l);
      break;
    case Op.REV16:
      rl = rev16x32(l);
      if (sf) rh = rev16x32(h);
      break;
    case Op.REV32:
      rl = bswap32(l);
      rh = bswap32(h);
      break;
    case Op.REV64:
      if (sf) {
        rl = bswap32(h);
        rh = bswap32(l);
      } else rl = bswap32(l);
      break;
    case Op.CLZ:
      rl = sf ? (h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l)) : Math.clz32(l);
      break;
    default: {
      // CLS: leading bits equal to the sign bit, not counting it (C6.2 "CLS").
      if (sf) {
        const neg = h >>> 31 === 1;
        const xh = neg ? ~h >>> 0 : h;
        const xl = neg ? ~l >>> 0 : l;
        rl = (xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl)) - 1;
      } else {
        const x = l >>> 31 ? ~l : l;
        rl = Math.clz32(x) - 1;
      }
    }
  }
  cpu.lo[d] = rl >>> 0;
  cpu.hi[d] = sf ? rh >>> 0 : 0;
};

export const aluHandlers: Record<number, Handler> = {
  [Op.ADD_SUB_IMM]: addSubImmediate,
  [Op.ADD_SUB_SHIFTED]: addSubRegister,
  [Op.ADD_SUB_EXT]: addSubRegister,
  [Op.ADC_SBC]: addSubCarry,
  [Op.LOGIC_IMM]: logicImmediate,
  [Op.LOGIC_SHIFTED]: logicShifted,
  [Op.MOVZ]: moveWide,
  [Op.MOVN]: moveWide,
  [Op.MOVK]: moveKeep,
  [Op.ADR]: adr,
  [Op.ADRP]: adrp,
  [Op.SBFM]: bitfield,
  [Op.UBFM]: bitfield,
  [Op.BFM]: bitfield,
  [Op.EXTR]: extract,
  [Op.CSEL]: conditionalSelect,
  [Op.CCMP_REG]: conditionalCompare,
  [Op.CCMP_IMM]: conditionalCompare,
  [Op.MADD]: multiplyAdd,
  [Op.MSUB]: multiplyAdd,
  [Op.SMADDL]: signedMultiplyLong,
  [Op.SMSUBL]: signedMultiplyLong,
  [Op.UMADDL]: unsignedMultiplyLong,
  [Op.UMSUBL]: unsignedMultiplyLong,
  [Op.SMULH]: multiplyHigh,
  [Op.UMULH]: multiplyHigh,
  [Op.UDIV]: divide,
  [Op.SDIV]: divide,
  [Op.LSLV]: shiftVariable,
  [Op.LSRV]: shiftVariable,
  [Op.ASRV]: shiftVariable,
  [Op.RORV]: shiftVariable,
  [Op.CRC32]: crc32,
  [Op.CRC32C]: crc32,
  [Op.RBIT]: dataProcessing1,
  [Op.REV16]: dataProcessing1,
  [Op.REV32]: dataProcessing1,
  [Op.REV64]: dataProcessing1,
  [Op.CLZ]: dataProcessing1,
  [Op.CLS]: dataProcessing1,
};
