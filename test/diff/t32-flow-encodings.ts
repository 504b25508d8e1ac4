/**
 * Encoders of the control-flow and PC-relative instructions the interworking generator
 * (t32-flow-sequences.ts) places itself, from the Arm ARM's encoding diagrams (F5 "B", "BL, BLX
 * (immediate)", "BX", "BLX (register)", "CBNZ, CBZ", "TBB, TBH", "ADR", "LDR (literal)", "LDM",
 * "POP", "MOV (register)", "ADD (register)"; A32 the same sections' A1 encodings). T32 words are
 * first halfword << 16 | second, as llvm-objdump prints them; offsets are byte distances from the
 * PC the instruction reads. Each checks its range: an offset it cannot encode is a generator bug.
 */

function check(ok: boolean, what: string, value: number): void {
  if (!ok) throw new RangeError(`${what}: ${value} cannot be encoded`);
}

/** S:J1:J2 of the 32-bit branch encodings from imm[24:1] (I1 = NOT(J1 XOR S), I2 = NOT(J2 XOR S)). */
function branch24(offset: number, what: string): { hw1: number; hw2: number } {
  check(offset % 2 === 0 && offset >= -(1 << 24) && offset < 1 << 24, what, offset);
  const imm = (offset >> 1) & 0xffffff;
  const s = (imm >>> 23) & 1;
  const i1 = (imm >>> 22) & 1;
  const i2 = (imm >>> 21) & 1;
  const j1 = ~(i1 ^ s) & 1;
  const j2 = ~(i2 ^ s) & 1;
  return { hw1: (s << 10) | ((imm >>> 11) & 0x3ff), hw2: (j1 << 13) | (j2 << 11) | (imm & 0x7ff) };
}

export const T32 = {
  nop: 0xbf00,
  /** B<c> T1 (outside IT blocks only). */
  bCond16(cond: number, offset: number): number {
    check(offset % 2 === 0 && offset >= -256 && offset <= 254, 'B<c> T1', offset);
    return 0xd000 | (cond << 8) | ((offset >> 1) & 0xff);
  },
  /** B T2. */
  b16(offset: number): number {
    check(offset % 2 === 0 && offset >= -2048 && offset <= 2046, 'B T2', offset);
    return 0xe000 | ((offset >> 1) & 0x7ff);
  },
  /** B<c> T3: S:J2:J1:imm6:imm11:'0'. */
  bCond32(cond: number, offset: number): number {
    check(offset % 2 === 0 && offset >= -(1 << 20) && offset < 1 << 20, 'B<c> T3', offset);
    const imm = (offset >> 1) & 0xfffff;
    const hw1 = 0xf000 | (((imm >>> 19) & 1) << 10) | (cond << 6) | ((imm >>> 11) & 0x3f);
    const hw2 = 0x8000 | (((imm >>> 17) & 1) << 13) | (((imm >>> 18) & 1) << 11) | (imm & 0x7ff);
    return ((hw1 << 16) | hw2) >>> 0;
  },
  /** B T4. */
  b32(offset: number): number {
    const { hw1, hw2 } = branch24(offset, 'B T4');
    return (((0xf000 | hw1) << 16) | 0x9000 | hw2) >>> 0;
  },
  /** BL T1. */
  bl(offset: number): number {
    const { hw1, hw2 } = branch24(offset, 'BL T1');
    return (((0xf000 | hw1) << 16) | 0xd000 | hw2) >>> 0;
  },
  /** BLX (immediate) T2: `offset` from Align(PC, 4), a multiple of 4 (H = 0). */
  blxImm(offset: number): number {
    check(offset % 4 === 0, 'BLX T2 alignment', offset);
    const { hw1, hw2 } = branch24(offset, 'BLX T2');
    return (((0xf000 | hw1) << 16) | 0xc000 | hw2) >>> 0;
  },
  /** CBZ (nonzero false) / CBNZ: forward 0..126 from the PC. */
  cbz(nonzero: boolean, rn: number, offset: number): number {
    check(offset % 2 === 0 && offset >= 0 && offset <= 126 && rn < 8, 'CBZ', offset);
    return 0xb100 | ((nonzero ? 1 : 0) << 11) | ((offset >> 6) << 9) | (((offset >> 1) & 31) << 3) | rn;
  },
  it(firstcond: number, mask: number): number {
    return 0xbf00 | (firstcond << 4) | mask;
  },
  bx(rm: number): number {
    return 0x4700 | (rm << 3);
  },
  blx(rm: number): number {
    return 0x4780 | (rm << 3);
  },
  tbb(rn: number, rm: number): number {
    return (0xe8d0f000 | (rn << 16) | rm) >>> 0;
  },
  tbh(rn: number, rm: number): number {
    return (0xe8d0f010 | (rn << 16) | rm) >>> 0;
  },
  /** MOV (register) T1, any registers (PC as Rm reads the instruction + 4; as Rd, BranchWritePC). */
  movHigh(rd: number, rm: number): number {
    return 0x4600 | ((rd >> 3) << 7) | (rm << 3) | (rd & 7);
  },
  /** ADD (register) T2: Rdn = Rdn + Rm. */
  addHigh(rdn: number, rm: number): number {
    return 0x4400 | ((rdn >> 3) << 7) | (rm << 3) | (rdn & 7);
  },
  /** MOVS Rd, #imm8 (T1; MOV without flags inside an IT block). */
  movs(rd: number, imm8: number): number {
    check(rd < 8 && imm8 >= 0 && imm8 < 256, 'MOVS T1', imm8);
    return 0x2000 | (rd << 8) | imm8;
  },
  /** AND.W Rd, Rn, #imm (T1, imm < 256: no rotation). */
  andImm(rd: number, rn: number, imm8: number): number {
    return (((0xf000 | rn) << 16) | (rd << 8) | imm8) >>> 0;
  },
  /** ADR T1: Align(PC, 4) + offset, offset 0..1020 a multiple of 4. */
  adr16(rd: number, offset: number): number {
    check(rd < 8 && offset % 4 === 0 && offset >= 0 && offset <= 1020, 'ADR T1', offset);
    return 0xa000 | (rd << 8) | (offset >> 2);
  },
  /** ADR T3 (forward, ADDW Rd, PC) or T2 (backward, SUBW Rd, PC): Align(PC, 4) + offset, |offset| < 4096. */
  adr32(rd: number, offset: number): number {
    const a = Math.abs(offset);
    check(a < 4096, 'ADR T2/T3', offset);
    const hw1 = (offset < 0 ? 0xf2af : 0xf20f) | ((a >>> 11) << 10);
    return ((hw1 << 16) | (((a >>> 8) & 7) << 12) | (rd << 8) | (a & 0xff)) >>> 0;
  },
  /** LDR (literal) T1: Align(PC, 4) + offset, 0..1020 a multiple of 4. */
  ldrLit16(rt: number, offset: number): number {
    check(rt < 8 && offset % 4 === 0 && offset >= 0 && offset <= 1020, 'LDR literal T1', offset);
    return 0x4800 | (rt << 8) | (offset >> 2);
  },
  /** LDR/LDRB/LDRH/LDRSB/LDRSH (literal), 32-bit: Align(PC, 4) +/- imm12. */
  ldrLit32(kind: 'ldr' | 'ldrb' | 'ldrh' | 'ldrsb' | 'ldrsh', rt: number, offset: number): number {
    check(Math.abs(offset) < 4096, 'LDR literal T2', offset);
    const base = { ldr: 0xf85f, ldrb: 0xf81f, ldrh: 0xf83f, ldrsb: 0xf91f, ldrsh: 0xf93f }[kind];
    return (((base | ((offset >= 0 ? 1 : 0) << 7)) << 16) | (rt << 12) | Math.abs(offset)) >>> 0;
  },
  /** LDRD (literal) T1, P = 1, W = 0: Align(PC, 4) +/- imm8 * 4. */
  ldrdLit(rt: number, rt2: number, offset: number): number {
    const a = Math.abs(offset);
    check(a % 4 === 0 && a <= 1020, 'LDRD literal', offset);
    return (((0xe95f | ((offset >= 0 ? 1 : 0) << 7)) << 16) | (rt << 12) | (rt2 << 8) | (a >> 2)) >>> 0;
  },
  /** MOVW (T3) / MOVT (T1). */
  movw(rd: number, imm16: number): number {
    return wide16(0xf240, rd, imm16);
  },
  movt(rd: number, imm16: number): number {
    return wide16(0xf2c0, rd, imm16);
  },
  /** STR.W / LDR.W (immediate, T3): [Rn, #imm12]. */
  strImm(rt: number, rn: number, imm12: number): number {
    return (((0xf8c0 | rn) << 16) | (rt << 12) | imm12) >>> 0;
  },
  ldrImm(rt: number, rn: number, imm12: number): number {
    return (((0xf8d0 | rn) << 16) | (rt << 12) | imm12) >>> 0;
  },
  /** LDR (immediate) T4, post-indexed: [Rn], #+/-imm8. */
  ldrPost(rt: number, rn: number, offset: number): number {
    const a = Math.abs(offset);
    check(a < 256, 'LDR T4', offset);
    return (((0xf850 | rn) << 16) | (rt << 12) | 0x900 | ((offset >= 0 ? 1 : 0) << 9) | a) >>> 0;
  },
  /** LDR (register) T2: [Rn, Rm, LSL #shift]. */
  ldrReg(rt: number, rn: number, rm: number, shift: number): number {
    return (((0xf850 | rn) << 16) | (rt << 12) | (shift << 4) | rm) >>> 0;
  },
  /** LDM (IA, T2) and LDMDB (T1), 32-bit. */
  ldm(rn: number, writeback: boolean, list: number, decrementBefore = false): number {
    return ((((decrementBefore ? 0xe910 : 0xe890) | ((writeback ? 1 : 0) << 5) | rn) << 16) | list) >>> 0;
  },
  /** POP T1: low registers and the PC (P). */
  pop16(lowList: number, pc: boolean): number {
    return 0xbc00 | ((pc ? 1 : 0) << 8) | lowList;
  },
  /** PUSH T1: low registers and the LR (M). */
  push16(lowList: number, lr: boolean): number {
    return 0xb400 | ((lr ? 1 : 0) << 8) | lowList;
  },
  /** STR (immediate) T2: [SP, #imm8 * 4]. */
  strSp(rt: number, offset: number): number {
    check(rt < 8 && offset % 4 === 0 && offset >= 0 && offset <= 1020, 'STR SP T2', offset);
    return 0x9000 | (rt << 8) | (offset >> 2);
  },
} as const;

function wide16(base: number, rd: number, imm16: number): number {
  const hw1 = base | (((imm16 >>> 11) & 1) << 10) | (imm16 >>> 12);
  return ((hw1 << 16) | (((imm16 >>> 8) & 7) << 12) | (rd << 8) | (imm16 & 0xff)) >>> 0;
}

/** A32 encodings (cond AL). */
export const A32 = {
  bx(rm: number): number {
    return (0xe12fff10 | rm) >>> 0;
  },
  /** MOV PC, Rm: ALUWritePC, which interworks in A32 state (Arm ARM F1 "ALUWritePC"). */
  movPc(rm: number): number {
    return (0xe1a0f000 | rm) >>> 0;
  },
  /** ADD/SUB Rd, Rn, #imm8 ROR 2*rot. */
  addImm(rd: number, rn: number, imm8: number, rot = 0): number {
    return (0xe2800000 | (rn << 16) | (rd << 12) | (rot << 8) | imm8) >>> 0;
  },
  subImm(rd: number, rn: number, imm8: number, rot = 0): number {
    return (0xe2400000 | (rn << 16) | (rd << 12) | (rot << 8) | imm8) >>> 0;
  },
  movw(rd: number, imm16: number): number {
    return (0xe3000000 | ((imm16 >>> 12) << 16) | (rd << 12) | (imm16 & 0xfff)) >>> 0;
  },
  movt(rd: number, imm16: number): number {
    return (0xe3400000 | ((imm16 >>> 12) << 16) | (rd << 12) | (imm16 & 0xfff)) >>> 0;
  },
  strImm(rt: number, rn: number, imm12: number): number {
    return (0xe5800000 | (rn << 16) | (rt << 12) | imm12) >>> 0;
  },
  ldrImm(rt: number, rn: number, imm12: number): number {
    return (0xe5900000 | (rn << 16) | (rt << 12) | imm12) >>> 0;
  },
  /** BLX (immediate) A2 to T32 code: `offset` from the PC (the instruction + 8), even; H is offset bit 1. */
  blxImm(offset: number): number {
    check(offset % 2 === 0 && offset >= -(1 << 25) && offset < 1 << 25, 'BLX A2', offset);
    return (0xfa000000 | (((offset >> 1) & 1) << 24) | ((offset >> 2) & 0xffffff)) >>> 0;
  },
  /** STMDB Rn!, {list} and LDMIA Rn!, {list} (LDM with the PC: LoadWritePC). */
  stmdb(rn: number, list: number): number {
    return (0xe9200000 | (rn << 16) | list) >>> 0;
  },
  ldmia(rn: number, list: number): number {
    return (0xe8b00000 | (rn << 16) | list) >>> 0;
  },
} as const;
