/**
 * VMSAv8-64 stage 2 descriptors (4 KB granule) and the VTCR_EL2 / VTTBR_EL2 fields that drive a
 * stage 2 walk. A descriptor is 64 bits, little-endian in memory, handled as halves `lo` (bits
 * [31:0]) and `hi` (bits [63:32]).
 *
 * Arm ARM DDI 0487, D8.3 "Translation table descriptor formats" (stage 2 block and page
 * descriptors), D8.4 "Memory access control" (S2AP), D8.6 "Memory region attributes" (MemAttr).
 */

import { addressBits47To12, TWO_POW_32 } from './u64';

/** Descriptor bit positions (numbers are bit indexes in the 64-bit descriptor). */
export const S2D = {
  VALID: 0,
  /** bit[1]: 1 = table (levels 0-2) or page (level 3); 0 = block (levels 1-2). */
  TYPE: 1,
  /** MemAttr[3:0], bits [5:2]. */
  MEMATTR: 2,
  /** S2AP[1:0], bits [7:6]: bit 6 read, bit 7 write. */
  S2AP: 6,
  /** SH[1:0], bits [9:8]. */
  SH: 8,
  /** AF, bit 10. */
  AF: 10,
  /** DBM, bit 51 (FEAT_HAFDBS dirty bit modifier). */
  DBM: 51,
  /** Contiguous hint, bit 52. */
  CONTIGUOUS: 52,
  /** XN[0], bit 53 (FEAT_XNX only; this model implements XN[1] alone). */
  XN0: 53,
  /** XN / XN[1], bit 54. */
  XN: 54,
  /** Bits [58:55] are reserved for software use; the p2m marks entries it owns with bit 55. */
  SOFTWARE_PRESENT: 55,
} as const;

// The same positions within the halves.
export const LO_VALID = 1 << 0;
export const LO_TABLE = 1 << 1;
export const LO_AF = 1 << 10;
export const LO_S2AP_READ = 1 << 6;
export const LO_S2AP_WRITE = 1 << 7;
export const HI_DBM = 1 << (51 - 32);
export const HI_CONTIGUOUS = 1 << (52 - 32);
export const HI_XN = 1 << (54 - 32);
export const HI_PRESENT = 1 << (55 - 32);
/** Output/next-level address bits [47:12]. */
export const LO_ADDRESS_MASK = 0xfffff000;
export const HI_ADDRESS_MASK = 0x0000ffff;

/** Stage 2 access permission S2AP[1:0] (D8.4 "Stage 2 data access permissions"). */
export const S2AP = { NONE: 0b00, READ_ONLY: 0b01, WRITE_ONLY: 0b10, READ_WRITE: 0b11 } as const;

/** The attribute fields of a stage 2 leaf (block or page) descriptor. */
export interface Stage2Attributes {
  /** MemAttr[3:0], FWB=0 encoding (see memory-attributes.ts decodeStage2MemAttr). */
  readonly memAttr: number;
  /** S2AP[1:0]: bit 0 read, bit 1 write. */
  readonly s2ap: number;
  /** SH[1:0]: 00 Non-shareable, 10 Outer, 11 Inner. */
  readonly sh: number;
  readonly af: boolean;
  /** Execute-never (XN[1], bit 54). */
  readonly xn: boolean;
  /** Dirty bit modifier: with VTCR_EL2.HA/HD a write to a write-protected page sets S2AP[1]. */
  readonly dbm: boolean;
  readonly contiguous?: boolean;
}

/** Normal Inner/Outer Write-Back (MemAttr 0b1111), Inner Shareable, read/write, executable. */
export const S2_NORMAL_RW: Stage2Attributes = Object.freeze({ memAttr: 0b1111, s2ap: S2AP.READ_WRITE, sh: 0b11, af: true, xn: false, dbm: false });
/** With HCR_EL2.FWB: Normal Write-Back whatever stage 1 says (MemAttr 0b0110, FEAT_S2FWB), Inner Shareable, read/write. */
export const S2_NORMAL_FWB_RW: Stage2Attributes = Object.freeze({ memAttr: 0b0110, s2ap: S2AP.READ_WRITE, sh: 0b11, af: true, xn: false, dbm: false });
/** Device-nGnRnE (MemAttr 0b0000), read/write, execute-never. */
export const S2_DEVICE_RW: Stage2Attributes = Object.freeze({ memAttr: 0b0000, s2ap: S2AP.READ_WRITE, sh: 0b00, af: true, xn: true, dbm: false });
/** Normal Non-cacheable (MemAttr 0b0101), read/write. */
export const S2_NORMAL_NC_RW: Stage2Attributes = Object.freeze({ memAttr: 0b0101, s2ap: S2AP.READ_WRITE, sh: 0b11, af: true, xn: false, dbm: false });

/** Bytes mapped by one entry at `level` with the 4 KB granule: 512 GiB, 1 GiB, 2 MiB, 4 KiB. */
export function levelBlockSize(level: number): number {
  return LEVEL_BLOCK_SIZE[level];
}
const LEVEL_BLOCK_SIZE = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12] as const;

/** Low half of a leaf descriptor mapping `pa` at `level` (page at level 3, block otherwise). */
export function leafLo(pa: number, level: number, a: Stage2Attributes, valid = true): number {
  return (
    ((pa % TWO_POW_32) & LO_ADDRESS_MASK) |
    (a.af ? LO_AF : 0) |
    ((a.sh & 3) << 8) |
    ((a.s2ap & 3) << 6) |
    ((a.memAttr & 0xf) << 2) |
    (level === 3 ? LO_TABLE : 0) |
    (valid ? LO_VALID : 0)
  ) >>> 0;
}

/** High half of a leaf descriptor (address bits [47:32], DBM, contiguous, XN and the p2m's software bit). */
export function leafHi(pa: number, a: Stage2Attributes): number {
  return (
    (Math.floor(pa / TWO_POW_32) & HI_ADDRESS_MASK) |
    (a.dbm ? HI_DBM : 0) |
    (a.contiguous ? HI_CONTIGUOUS : 0) |
    (a.xn ? HI_XN : 0) |
    HI_PRESENT
  ) >>> 0;
}

export function tableLo(nextTablePa: number, valid = true): number {
  return (((nextTablePa % TWO_POW_32) & LO_ADDRESS_MASK) | LO_TABLE | (valid ? LO_VALID : 0)) >>> 0;
}

export function tableHi(nextTablePa: number): number {
  return ((Math.floor(nextTablePa / TWO_POW_32) & HI_ADDRESS_MASK) | HI_PRESENT) >>> 0;
}

/** Output address of a leaf (bits [47:12]; the low bits of a block are masked by the caller). */
export function descriptorAddress(lo: number, hi: number): number {
  return addressBits47To12(lo, hi);
}

export function decodeStage2Attributes(lo: number, hi: number): Stage2Attributes {
  return {
    memAttr: (lo >>> 2) & 0xf,
    s2ap: (lo >>> 6) & 3,
    sh: (lo >>> 8) & 3,
    af: (lo & LO_AF) !== 0,
    xn: (hi & HI_XN) !== 0,
    dbm: (hi & HI_DBM) !== 0,
    contiguous: (hi & HI_CONTIGUOUS) !== 0,
  };
}

export function sameStage2Attributes(a: Stage2Attributes, b: Stage2Attributes): boolean {
  return (
    a.memAttr === b.memAttr && a.s2ap === b.s2ap && a.sh === b.sh && a.af === b.af && a.xn === b.xn && a.dbm === b.dbm && !!a.contiguous === !!b.contiguous
  );
}

/** VTCR_EL2 fields (D17 "VTCR_EL2"). All live in bits [31:0]. */
export const VTCR = {
  T0SZ_SHIFT: 0, // [5:0]
  SL0_SHIFT: 6, // [7:6]
  IRGN0_SHIFT: 8, // [9:8]
  ORGN0_SHIFT: 10, // [11:10]
  SH0_SHIFT: 12, // [13:12]
  TG0_SHIFT: 14, // [15:14]: 00 4KB, 01 64KB, 10 16KB
  PS_SHIFT: 16, // [18:16]
  VS: 1 << 19,
  HA: 1 << 21,
  HD: 1 << 22,
  RES1: 1 << 31,
} as const;

/** VTCR_EL2.PS / TCR_EL1.IPS encodings: 32, 36, 40, 42, 44, 48, 52 bits (D17 "VTCR_EL2", PS). */
export const PHYSICAL_SIZE_BITS = [32, 36, 40, 42, 44, 48, 52, 52] as const;
/** Physical address size this model implements (ID_AA64MMFR0_EL1.PARange = 0b0101, 48 bits). */
export const PA_MAX_BITS = 48;

export function physicalSizeField(bits: number): number {
  const i = PHYSICAL_SIZE_BITS.indexOf(bits as (typeof PHYSICAL_SIZE_BITS)[number]);
  if (i < 0) throw new RangeError(`${bits} is not a physical address size VTCR_EL2.PS can encode`);
  return i;
}

/** A VTCR_EL2 value (low half; the high half is RES0 here) for a 4 KB-granule stage 2. */
export function makeVtcr(opts: { ipaBits: number; startLevel: number; paBits?: number; ha?: boolean; hd?: boolean }): number {
  const t0sz = 64 - opts.ipaBits;
  const sl0 = 2 - opts.startLevel; // 4 KB granule: SL0 0b00 level 2, 0b01 level 1, 0b10 level 0
  return (
    VTCR.RES1 |
    (t0sz << VTCR.T0SZ_SHIFT) |
    (sl0 << VTCR.SL0_SHIFT) |
    (0b01 << VTCR.IRGN0_SHIFT) | // walks Inner Write-Back
    (0b01 << VTCR.ORGN0_SHIFT) | // walks Outer Write-Back
    (0b11 << VTCR.SH0_SHIFT) | // walks Inner Shareable
    (physicalSizeField(opts.paBits ?? PA_MAX_BITS) << VTCR.PS_SHIFT) |
    (opts.ha ? VTCR.HA : 0) |
    (opts.hd ? VTCR.HD : 0)
  ) >>> 0;
}

/**
 * The AArch32 VTCR (G8 "VTCR") as the equivalent VTCR_EL2 low half: T0SZ is a 4-bit signed value
 * (IPA size 32 - T0SZ) and SL0 counts from level 2 as in AArch64; the stage 2 output is 40 bits.
 */
export function vtcrFromAArch32(vtcr: number): number {
  const t0 = vtcr & 0xf;
  const signed = t0 >= 8 ? t0 - 16 : t0;
  const ipaBits = 32 - signed;
  return (
    ((vtcr & 0x3fc0) | ((64 - ipaBits) << VTCR.T0SZ_SHIFT) | (physicalSizeField(40) << VTCR.PS_SHIFT) | VTCR.RES1) >>> 0
  );
}

/** VTTBR_EL2 halves: BADDR (bits [47:1]) and VMID (bits [55:48], 8-bit VMIDs). */
export function makeVttbr(rootPa: number, vmid: number): { lo: number; hi: number } {
  return {
    lo: (rootPa % TWO_POW_32) >>> 0,
    hi: ((Math.floor(rootPa / TWO_POW_32) & 0xffff) | ((vmid & 0xff) << 16)) >>> 0,
  };
}

/** VMID from VTTBR_EL2 bits [55:48] (8-bit VMIDs; VTCR_EL2.VS = 0). */
export function vmidOf(vttbrHi: number): number {
  return (vttbrHi >>> 16) & 0xff;
}

/** BADDR from VTTBR_EL2 (bits [47:1]; bit 0 is CnP). */
export function vttbrBase(lo: number, hi: number): number {
  return (hi & 0xffff) * TWO_POW_32 + ((lo & 0xfffffffe) >>> 0);
}
