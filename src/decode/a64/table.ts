/**
 * The A64 encoding table: one row per encoding of the Armv8.0-A base instruction set, drawn as in
 * the Arm ARM encoding diagrams (C4.1 "A64 instruction set encoding", C6.2 per instruction).
 * Bits: `0`/`1` fixed, `-` don't care, letters are fields. Field letters used throughout:
 *   z sf, d Rd, n Rn, m Rm, a Ra, t Rt, u Rt2, s Rs, i imm, j second imm, h hw/shift,
 *   c cond, k shift type, p option, N N bit, r immr, x imms, o/q/v opcode bits, b bit number, f nzcv,
 *   y sz (CRC32).
 *
 * Each row fills the shared record through `build`; a build that finds a reserved combination
 * the encoding index lists as unallocated returns false. Rows are matched most specific first.
 */
import { A64Op, A64Record, AddrMode, RegIndex } from './instruction';
import { decodeBitMasks } from './bit-masks';

export type Fields = Readonly<Record<string, number>>;
export type Build = (r: A64Record, f: Fields) => boolean;

export interface A64Row {
  readonly pattern: string;
  readonly mnemonic: string;
  readonly op: A64Op;
  readonly build: Build;
}

const { SP, DISCARD } = RegIndex;
/** Source register where 31 is XZR. */
const srcZr = (n: number): number => n;
/** Source or base register where 31 is SP. */
const srcSp = (n: number): number => (n === 31 ? SP : n);
/** Destination where 31 is XZR (discarded). */
const dstZr = (n: number): number => (n === 31 ? DISCARD : n);
/** Destination where 31 is SP. */
const dstSp = (n: number): number => (n === 31 ? SP : n);

/** Sign-extend the low `bits` bits of v. */
export function signExtend(v: number, bits: number): number {
  const shift = 32 - bits;
  return (v << shift) >> shift;
}

function rdn(r: A64Record, f: Fields, dSp: boolean, nSp: boolean): void {
  r.rd = f.d;
  r.rn = f.n;
  r.xd = dSp ? dstSp(f.d) : dstZr(f.d);
  r.xn = nSp ? srcSp(f.n) : srcZr(f.n);
}
function rdnm(r: A64Record, f: Fields): void {
  rdn(r, f, false, false);
  r.rm = f.m;
  r.xm = srcZr(f.m);
}

// ---- Data processing: immediate (C4.1.86) ----

const adr: Build = (r, f) => {
  r.rd = f.d;
  r.xd = dstZr(f.d);
  r.sf = 1;
  const imm = signExtend((f.j << 2) | f.i, 21);
  r.imm = r.op === A64Op.ADRP ? imm * 4096 : imm;
  return true;
};

const addSubImm: Build = (r, f) => {
  r.sf = f.z;
  r.variant = f.o;
  r.setFlags = f.S === 1;
  // ADDS/SUBS write XZR at 31 (CMN/CMP); ADD/SUB write SP.
  rdn(r, f, !r.setFlags, true);
  r.imm = f.h ? f.i * 4096 : f.i;
  r.shiftAmount = f.h ? 12 : 0;
  return true;
};

const logicImm: Build = (r, f) => {
  if (f.z === 0 && f.N === 1) return false;
  const m = decodeBitMasks(f.N, f.x, f.r, true, f.z ? 64 : 32);
  if (m === null) return false;
  r.sf = f.z;
  r.variant = f.o;
  r.setFlags = f.o === 3;
  // AND/ORR/EOR write SP at 31; ANDS writes XZR (TST).
  rdn(r, f, f.o !== 3, false);
  r.imm = m.wmaskLo;
  r.immHi = m.wmaskHi;
  r.imm2 = f.r;
  r.shiftAmount = f.x;
  r.shiftType = f.N;
  return true;
};

const moveWide: Build = (r, f) => {
  if (f.z === 0 && f.h >= 2) return false;
  r.sf = f.z;
  r.rd = f.d;
  r.xd = dstZr(f.d);
  r.imm = f.i;
  r.shiftAmount = f.h * 16;
  return true;
};

const bitfield: Build = (r, f) => {
  if (f.z !== f.N) return false;
  if (f.z === 0 && (f.r >= 32 || f.x >= 32)) return false;
  const m = decodeBitMasks(f.N, f.x, f.r, false, f.z ? 64 : 32);
  if (m === null) return false;
  r.sf = f.z;
  rdn(r, f, false, false);
  r.imm2 = f.r;
  r.shiftAmount = f.x;
  r.imm = m.wmaskLo;
  r.immHi = m.wmaskHi;
  r.tmaskLo = m.tmaskLo;
  r.tmaskHi = m.tmaskHi;
  return true;
};

const extr: Build = (r, f) => {
  if (f.z !== f.N) return false;
  if (f.z === 0 && f.x >= 32) return false;
  r.sf = f.z;
  rdnm(r, f);
  r.shiftAmount = f.x;
  return true;
};

// ---- Branches, exception generation and system instructions (C4.1.87) ----

const branchImm: Build = (r, f) => {
  r.imm = signExtend(f.i, 26) * 4;
  return true;
};
const branchCond: Build = (r, f) => {
  r.imm = signExtend(f.i, 19) * 4;
  r.cond = f.c;
  return true;
};
const compareBranch: Build = (r, f) => {
  r.sf = f.z;
  r.rt = f.t;
  r.xd = srcZr(f.t);
  r.imm = signExtend(f.i, 19) * 4;
  return true;
};
const testBranch: Build = (r, f) => {
  r.sf = f.b >= 32 ? 1 : 0;
  r.rt = f.t;
  r.xd = srcZr(f.t);
  r.imm2 = f.b;
  r.imm = signExtend(f.i, 14) * 4;
  return true;
};
const branchReg: Build = (r, f) => {
  r.rn = f.n;
  r.xn = srcZr(f.n);
  r.sf = 1;
  return true;
};
const imm16: Build = (r, f) => {
  r.imm = f.i;
  return true;
};
const noOperands: Build = () => true;

const hint: Build = (r) => {
  // CRm:op2, bits [11:5].
  r.imm = (r.word >>> 5) & 0x7f;
  return true;
};
const barrier: Build = (r, f) => {
  r.imm = f.v;
  return true;
};
const msrImm: Build = (r, f) => {
  r.imm = f.v;
  r.imm2 = (f.o << 3) | f.q;
  return true;
};
/** SYS/SYSL/MRS/MSR: the record the syndrome reports (ESR_ELx ISS for EC 0x18). */
const sysAccess =
  (read: boolean, op0: (f: Fields) => number): Build =>
  (r, f) => {
    r.sf = 1;
    r.rt = f.t;
    // MRS/SYSL to XZR discard the value; MSR/SYS from XZR read zero.
    r.xd = read ? dstZr(f.t) : srcZr(f.t);
    r.sys = { op0: op0(f), op1: f.o, crn: f.N, crm: f.M, op2: f.q, rt: f.t, read };
    return true;
  };

// ---- Loads and stores (C4.1.88) ----

function transfer(r: A64Record, f: Fields): void {
  r.rt = f.t;
  r.rn = f.n;
  r.xn = srcSp(f.n);
}

/**
 * LDR/STR/LDRS/PRFM register forms: size (31:30) and opc (23:22) choose the operation
 * (C4.1.88 "Load/store register": the opc/size table). Returns false where it is unallocated.
 */
function registerAccess(r: A64Record, size: number, opc: number, prefetchAllowed: boolean): boolean {
  r.size = size;
  if (opc === 0) {
    r.op = A64Op.STR;
    r.mnemonic = 'str';
    r.sf = size === 3 ? 1 : 0;
    r.xd = srcZr(r.rt);
  } else if (opc === 1) {
    r.op = A64Op.LDR;
    r.mnemonic = 'ldr';
    r.sf = size === 3 ? 1 : 0;
    r.xd = dstZr(r.rt);
  } else if (size === 3) {
    if (opc === 3 || !prefetchAllowed) return false;
    r.op = A64Op.PRFM;
    r.mnemonic = 'prfm';
  } else {
    if (size === 2 && opc === 3) return false;
    r.op = A64Op.LDRS;
    r.mnemonic = 'ldrs';
    // opc 10: sign-extend to 64 bits; opc 11: to 32 bits.
    r.sf = opc === 2 ? 1 : 0;
    r.xd = dstZr(r.rt);
  }
  return true;
}

const ldstUnsignedOffset: Build = (r, f) => {
  transfer(r, f);
  r.variant = AddrMode.OFFSET;
  r.imm = f.i << f.z;
  return registerAccess(r, f.z, f.o, true);
};
const ldstImm9 =
  (mode: number): Build =>
  (r, f) => {
    transfer(r, f);
    r.variant = mode;
    r.imm = signExtend(f.i, 9);
    return registerAccess(r, f.z, f.o, mode === AddrMode.UNSCALED);
  };
const ldstRegOffset: Build = (r, f) => {
  // option<1> must be 1: UXTW 010, LSL 011, SXTW 110, SXTX 111.
  if ((f.p & 2) === 0) return false;
  transfer(r, f);
  r.variant = AddrMode.REGISTER;
  r.rm = f.m;
  r.xm = srcZr(f.m);
  r.shiftType = f.p;
  r.shiftAmount = f.S ? f.z : 0;
  r.imm2 = f.S;
  return registerAccess(r, f.z, f.o, true);
};
const ldrLiteral: Build = (r, f) => {
  r.rt = f.t;
  r.imm = signExtend(f.i, 19) * 4;
  if (r.op === A64Op.LDR_LIT) {
    // opc<0> (bit 30): 64-bit register.
    r.sf = (r.word >>> 30) & 1;
    r.size = r.sf ? 3 : 2;
    r.xd = dstZr(f.t);
  } else if (r.op === A64Op.LDRSW_LIT) {
    r.sf = 1;
    r.size = 2;
    r.xd = dstZr(f.t);
  }
  return true;
};

const pair =
  (mode: number): Build =>
  (r, f) => {
    const load = f.L === 1;
    r.rt = f.t;
    r.rt2 = f.u;
    r.rn = f.n;
    r.xn = srcSp(f.n);
    r.variant = mode;
    if (f.o === 3) return false;
    if (f.o === 1) {
      // opc 01: LDPSW (load) only; not in the no-allocate class; STGP is Armv8.5.
      if (!load || mode === AddrMode.NON_TEMPORAL) return false;
      r.op = A64Op.LDPSW;
      r.mnemonic = 'ldpsw';
      r.size = 2;
      r.sf = 1;
    } else {
      r.op = load ? A64Op.LDP : A64Op.STP;
      r.mnemonic = (load ? 'ld' : 'st') + (mode === AddrMode.NON_TEMPORAL ? 'np' : 'p');
      r.size = f.o === 2 ? 3 : 2;
      r.sf = f.o === 2 ? 1 : 0;
    }
    r.imm = signExtend(f.i, 7) * (1 << r.size);
    r.xd = load ? dstZr(f.t) : srcZr(f.t);
    r.xa = load ? dstZr(f.u) : srcZr(f.u);
    return true;
  };

/**
 * Load/store exclusive and ordered (C4.1.88 "Load/store exclusive register", "Load/store ordered",
 * "Load/store exclusive pair"): o2 (a), L (b), o1 (c), o0 (e). Armv8.0 has no CAS/CASP/LDLAR/STLLR.
 */
const exclusive: Build = (r, f) => {
  const o2 = f.a;
  const load = f.b === 1;
  const o1 = f.c;
  const o0 = f.e;
  r.size = f.z;
  r.rt = f.t;
  r.rt2 = f.u;
  r.rs = f.s;
  r.rn = f.n;
  r.xn = srcSp(f.n);
  r.imm2 = o0;
  r.sf = f.z === 3 ? 1 : 0;
  const sfx = ['b', 'h', '', ''][f.z];
  if (o2 === 0 && o1 === 0) {
    r.op = load ? A64Op.LDXR : A64Op.STXR;
    r.mnemonic = (load ? (o0 ? 'ldaxr' : 'ldxr') : o0 ? 'stlxr' : 'stxr') + sfx;
  } else if (o2 === 0 && o1 === 1) {
    if (f.z < 2) return false;
    r.op = load ? A64Op.LDXP : A64Op.STXP;
    r.mnemonic = load ? (o0 ? 'ldaxp' : 'ldxp') : o0 ? 'stlxp' : 'stxp';
  } else if (o2 === 1 && o1 === 0 && o0 === 1) {
    r.op = load ? A64Op.LDAR : A64Op.STLR;
    r.mnemonic = (load ? 'ldar' : 'stlr') + sfx;
  } else {
    return false;
  }
  r.xd = load ? dstZr(f.t) : srcZr(f.t);
  r.xa = load ? dstZr(f.u) : srcZr(f.u);
  r.xm = dstZr(f.s);
  return true;
};

// ---- Data processing: register (C4.1.89) ----

const logicShifted: Build = (r, f) => {
  if (f.z === 0 && f.i >= 32) return false;
  r.sf = f.z;
  rdnm(r, f);
  r.variant = f.o;
  r.imm2 = f.N;
  r.setFlags = f.o === 3;
  r.shiftType = f.k;
  r.shiftAmount = f.i;
  return true;
};
const addSubShifted: Build = (r, f) => {
  if (f.k === 3) return false;
  if (f.z === 0 && f.i >= 32) return false;
  r.sf = f.z;
  rdnm(r, f);
  r.variant = f.o;
  r.setFlags = f.S === 1;
  r.shiftType = f.k;
  r.shiftAmount = f.i;
  return true;
};
const addSubExtended: Build = (r, f) => {
  if (f.i > 4) return false;
  r.sf = f.z;
  r.variant = f.o;
  r.setFlags = f.S === 1;
  rdn(r, f, !r.setFlags, true);
  r.rm = f.m;
  r.xm = srcZr(f.m);
  r.shiftType = f.p;
  r.shiftAmount = f.i;
  return true;
};
const adcSbc: Build = (r, f) => {
  r.sf = f.z;
  rdnm(r, f);
  r.variant = f.o;
  r.setFlags = f.S === 1;
  return true;
};
const condCompare: Build = (r, f) => {
  r.sf = f.z;
  r.rn = f.n;
  r.xn = srcZr(f.n);
  r.rm = f.m;
  r.xm = srcZr(f.m);
  r.imm = f.m;
  r.variant = f.o;
  r.cond = f.c;
  r.imm2 = f.f;
  r.setFlags = true;
  return true;
};
const condSelect: Build = (r, f) => {
  r.sf = f.z;
  rdnm(r, f);
  r.variant = (f.o << 1) | f.e;
  r.cond = f.c;
  return true;
};
const dp1: Build = (r, f) => {
  r.sf = f.z;
  rdn(r, f, false, false);
  return true;
};
const dp1Rev32: Build = (r, f) => {
  // REV32 only exists for sf=1; its sf=0 encoding is REV (32-bit).
  r.sf = f.z;
  rdn(r, f, false, false);
  if (f.z === 0) {
    r.op = A64Op.REV64;
    r.mnemonic = 'rev';
  }
  return true;
};
const dp1Rev: Build = (r, f) => (f.z === 1 ? dp1(r, f) : false);
const dp2: Build = (r, f) => {
  r.sf = f.z;
  rdnm(r, f);
  return true;
};
/** CRC32{C}B/H/W take a W value (sf 0, sz 0..2), CRC32{C}X an X value (sf 1, sz 11); the rest are unallocated. */
const crc32: Build = (r, f) => {
  if ((f.z === 1) !== (f.y === 3)) return false;
  r.sf = f.z;
  rdnm(r, f);
  r.size = f.y;
  r.mnemonic += 'bhwx'[f.y];
  return true;
};
const dp3 =
  (only64: boolean): Build =>
  (r, f) => {
    if (only64 && f.z === 0) return false;
    r.sf = f.z;
    rdnm(r, f);
    r.ra = f.a;
    r.xa = srcZr(f.a);
    return true;
  };

const fpsimd: Build = () => true;

function row(pattern: string, mnemonic: string, op: A64Op, build: Build): A64Row {
  return { pattern, mnemonic, op, build };
}

/** Rows in Arm ARM order. Within a group, the most specific (most fixed bits) wins. */
export const A64_ROWS: readonly A64Row[] = [
  // UDF: reserved, op0 0000 with op1 000000000 (C6.2 "UDF", permanently undefined).
  row('0000000000000000iiiiiiiiiiiiiiii', 'udf', A64Op.UNDEFINED, imm16),

  // Data processing -- immediate
  row('0ii10000jjjjjjjjjjjjjjjjjjjddddd', 'adr', A64Op.ADR, adr),
  row('1ii10000jjjjjjjjjjjjjjjjjjjddddd', 'adrp', A64Op.ADRP, adr),
  row('zoS100010hiiiiiiiiiiiinnnnnddddd', 'add', A64Op.ADD_SUB_IMM, addSubImm),
  row('zoo100100Nrrrrrrxxxxxxnnnnnddddd', 'and', A64Op.LOGIC_IMM, logicImm),
  row('z00100101hhiiiiiiiiiiiiiiiiddddd', 'movn', A64Op.MOVN, moveWide),
  row('z10100101hhiiiiiiiiiiiiiiiiddddd', 'movz', A64Op.MOVZ, moveWide),
  row('z11100101hhiiiiiiiiiiiiiiiiddddd', 'movk', A64Op.MOVK, moveWide),
  row('z00100110Nrrrrrrxxxxxxnnnnnddddd', 'sbfm', A64Op.SBFM, bitfield),
  row('z01100110Nrrrrrrxxxxxxnnnnnddddd', 'bfm', A64Op.BFM, bitfield),
  row('z10100110Nrrrrrrxxxxxxnnnnnddddd', 'ubfm', A64Op.UBFM, bitfield),
  row('z00100111N0mmmmmxxxxxxnnnnnddddd', 'extr', A64Op.EXTR, extr),

  // Branches, exception generating and system instructions
  row('01010100iiiiiiiiiiiiiiiiiii0cccc', 'b.', A64Op.B_COND, branchCond),
  row('11010100000iiiiiiiiiiiiiiii00001', 'svc', A64Op.SVC, imm16),
  row('11010100000iiiiiiiiiiiiiiii00010', 'hvc', A64Op.HVC, imm16),
  row('11010100000iiiiiiiiiiiiiiii00011', 'smc', A64Op.SMC, imm16),
  row('11010100001iiiiiiiiiiiiiiii00000', 'brk', A64Op.BRK, imm16),
  row('11010100010iiiiiiiiiiiiiiii00000', 'hlt', A64Op.UNDEFINED, imm16),
  row('11010100101iiiiiiiiiiiiiiii000vv', 'dcps', A64Op.UNDEFINED, (r, f) => {
    if (f.v === 0) return false;
    r.imm = f.i;
    r.imm2 = f.v;
    return true;
  }),
  // Hints (CRn 0010): CRm:op2 selects; unnamed ones execute as NOP (C6.2 "HINT").
  row('11010101000000110010vvvvvvv11111', 'hint', A64Op.HINT, hint),
  row('11010101000000110010000000011111', 'nop', A64Op.HINT, hint),
  row('11010101000000110010000000111111', 'yield', A64Op.HINT, hint),
  row('11010101000000110010000001011111', 'wfe', A64Op.WFE, hint),
  row('11010101000000110010000001111111', 'wfi', A64Op.WFI, hint),
  row('11010101000000110010000010011111', 'sev', A64Op.SEV, hint),
  row('11010101000000110010000010111111', 'sevl', A64Op.SEVL, hint),
  // Barriers (CRn 0011): op2 010 CLREX, 100 DSB, 101 DMB, 110 ISB.
  row('11010101000000110011vvvv01011111', 'clrex', A64Op.CLREX, barrier),
  row('11010101000000110011vvvv10011111', 'dsb', A64Op.DSB, barrier),
  row('11010101000000110011vvvv10111111', 'dmb', A64Op.DMB, barrier),
  row('11010101000000110011vvvv11011111', 'isb', A64Op.ISB, barrier),
  // PSTATE (CRn 0100): SPSel (op1 000, op2 101), DAIFSet (011, 110), DAIFClr (011, 111).
  row('1101010100000ooo0100vvvvqqq11111', 'msr', A64Op.MSR_IMM, (r, f) => {
    const sel = (f.o << 3) | f.q;
    if (sel !== 0b000101 && sel !== 0b011110 && sel !== 0b011111) return false;
    return msrImm(r, f);
  }),
  row('1101010100001oooNNNNMMMMqqqttttt', 'sys', A64Op.SYS, sysAccess(false, () => 1)),
  row('1101010100101oooNNNNMMMMqqqttttt', 'sysl', A64Op.SYSL, sysAccess(true, () => 1)),
  row('110101010001pooo NNNNMMMMqqqttttt', 'msr', A64Op.MSR_REG, sysAccess(false, (f) => 2 | f.p)),
  row('110101010011pooo NNNNMMMMqqqttttt', 'mrs', A64Op.MRS, sysAccess(true, (f) => 2 | f.p)),
  row('1101011000011111000000nnnnn00000', 'br', A64Op.BR, branchReg),
  row('1101011000111111000000nnnnn00000', 'blr', A64Op.BLR, branchReg),
  row('1101011001011111000000nnnnn00000', 'ret', A64Op.RET, branchReg),
  row('11010110100111110000001111100000', 'eret', A64Op.ERET, noOperands),
  row('11010110101111110000001111100000', 'drps', A64Op.UNDEFINED, noOperands),
  row('000101iiiiiiiiiiiiiiiiiiiiiiiiii', 'b', A64Op.B, branchImm),
  row('100101iiiiiiiiiiiiiiiiiiiiiiiiii', 'bl', A64Op.BL, branchImm),
  row('z0110100iiiiiiiiiiiiiiiiiiittttt', 'cbz', A64Op.CBZ, compareBranch),
  row('z0110101iiiiiiiiiiiiiiiiiiittttt', 'cbnz', A64Op.CBNZ, compareBranch),
  row('b0110110bbbbbiiiiiiiiiiiiiittttt', 'tbz', A64Op.TBZ, testBranch),
  row('b0110111bbbbbiiiiiiiiiiiiiittttt', 'tbnz', A64Op.TBNZ, testBranch),

  // Loads and stores (V = 0; V = 1 rows are FP/SIMD, below)
  row('zz001000abcssssseuuuuunnnnnttttt', 'ldxr', A64Op.LDXR, exclusive),
  row('00011000iiiiiiiiiiiiiiiiiiittttt', 'ldr', A64Op.LDR_LIT, ldrLiteral),
  row('01011000iiiiiiiiiiiiiiiiiiittttt', 'ldr', A64Op.LDR_LIT, ldrLiteral),
  row('10011000iiiiiiiiiiiiiiiiiiittttt', 'ldrsw', A64Op.LDRSW_LIT, ldrLiteral),
  row('11011000iiiiiiiiiiiiiiiiiiittttt', 'prfm', A64Op.PRFM_LIT, ldrLiteral),
  row('oo1010000Liiiiiiiuuuuunnnnnttttt', 'ldnp', A64Op.LDP, pair(AddrMode.NON_TEMPORAL)),
  row('oo1010001Liiiiiiiuuuuunnnnnttttt', 'ldp', A64Op.LDP, pair(AddrMode.POST_INDEX)),
  row('oo1010010Liiiiiiiuuuuunnnnnttttt', 'ldp', A64Op.LDP, pair(AddrMode.OFFSET)),
  row('oo1010011Liiiiiiiuuuuunnnnnttttt', 'ldp', A64Op.LDP, pair(AddrMode.PRE_INDEX)),
  row('zz111000oo0iiiiiiiii00nnnnnttttt', 'ldur', A64Op.LDR, ldstImm9(AddrMode.UNSCALED)),
  row('zz111000oo0iiiiiiiii01nnnnnttttt', 'ldr', A64Op.LDR, ldstImm9(AddrMode.POST_INDEX)),
  row('zz111000oo0iiiiiiiii10nnnnnttttt', 'ldtr', A64Op.LDR, ldstImm9(AddrMode.UNPRIVILEGED)),
  row('zz111000oo0iiiiiiiii11nnnnnttttt', 'ldr', A64Op.LDR, ldstImm9(AddrMode.PRE_INDEX)),
  row('zz111000oo1mmmmmpppS10nnnnnttttt', 'ldr', A64Op.LDR, ldstRegOffset),
  row('zz111001ooiiiiiiiiiiiinnnnnttttt', 'ldr', A64Op.LDR, ldstUnsignedOffset),

  // Data processing -- register
  row('zoo01010kkNmmmmmiiiiiinnnnnddddd', 'and', A64Op.LOGIC_SHIFTED, logicShifted),
  row('zoS01011kk0mmmmmiiiiiinnnnnddddd', 'add', A64Op.ADD_SUB_SHIFTED, addSubShifted),
  row('zoS01011001mmmmmpppiiinnnnnddddd', 'add', A64Op.ADD_SUB_EXT, addSubExtended),
  row('zoS11010000mmmmm000000nnnnnddddd', 'adc', A64Op.ADC_SBC, adcSbc),
  row('zo111010010mmmmmcccc00nnnnn0ffff', 'ccmp', A64Op.CCMP_REG, condCompare),
  row('zo111010010mmmmmcccc10nnnnn0ffff', 'ccmp', A64Op.CCMP_IMM, condCompare),
  row('zo011010100mmmmmcccc0ennnnnddddd', 'csel', A64Op.CSEL, condSelect),
  row('z101101011000000000000nnnnnddddd', 'rbit', A64Op.RBIT, dp1),
  row('z101101011000000000001nnnnnddddd', 'rev16', A64Op.REV16, dp1),
  row('z101101011000000000010nnnnnddddd', 'rev32', A64Op.REV32, dp1Rev32),
  row('z101101011000000000011nnnnnddddd', 'rev', A64Op.REV64, dp1Rev),
  row('z101101011000000000100nnnnnddddd', 'clz', A64Op.CLZ, dp1),
  row('z101101011000000000101nnnnnddddd', 'cls', A64Op.CLS, dp1),
  row('z0011010110mmmmm000010nnnnnddddd', 'udiv', A64Op.UDIV, dp2),
  row('z0011010110mmmmm000011nnnnnddddd', 'sdiv', A64Op.SDIV, dp2),
  row('z0011010110mmmmm001000nnnnnddddd', 'lslv', A64Op.LSLV, dp2),
  row('z0011010110mmmmm001001nnnnnddddd', 'lsrv', A64Op.LSRV, dp2),
  row('z0011010110mmmmm001010nnnnnddddd', 'asrv', A64Op.ASRV, dp2),
  row('z0011010110mmmmm001011nnnnnddddd', 'rorv', A64Op.RORV, dp2),
  row('z0011010110mmmmm0100yynnnnnddddd', 'crc32', A64Op.CRC32, crc32),
  row('z0011010110mmmmm0101yynnnnnddddd', 'crc32c', A64Op.CRC32C, crc32),
  row('z0011011000mmmmm0aaaaannnnnddddd', 'madd', A64Op.MADD, dp3(false)),
  row('z0011011000mmmmm1aaaaannnnnddddd', 'msub', A64Op.MSUB, dp3(false)),
  row('z0011011001mmmmm0aaaaannnnnddddd', 'smaddl', A64Op.SMADDL, dp3(true)),
  row('z0011011001mmmmm1aaaaannnnnddddd', 'smsubl', A64Op.SMSUBL, dp3(true)),
  row('z0011011010mmmmm0aaaaannnnnddddd', 'smulh', A64Op.SMULH, dp3(true)),
  row('z0011011101mmmmm0aaaaannnnnddddd', 'umaddl', A64Op.UMADDL, dp3(true)),
  row('z0011011101mmmmm1aaaaannnnnddddd', 'umsubl', A64Op.UMSUBL, dp3(true)),
  row('z0011011110mmmmm0aaaaannnnnddddd', 'umulh', A64Op.UMULH, dp3(true)),

  // Advanced SIMD and floating point: data processing (op0 x111) and V = 1 loads/stores (C4.1).
  row('----111-------------------------', 'fpsimd', A64Op.FPSIMD, fpsimd),
  row('----110-------------------------', 'fpsimd', A64Op.FPSIMD, fpsimd),
];
