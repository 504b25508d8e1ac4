/**
 * The stage 2 translation table walk, as hardware does it: every descriptor is read from memory
 * (never from a side structure), 4 KB granule, concatenated initial tables, the faults EL2 sees.
 *
 * Arm ARM D8.2 "Translation table walk", D8.3 descriptor formats, D8.4 "Stage 2 access
 * permissions", D8.5 "Hardware updates of the Access flag and dirty state" (FEAT_HAFDBS), D8.7
 * "Translation faults ... fault prioritization"; pseudocode AArch64.S2Translate / AArch64.S2Walk.
 */

import { type FaultAccess, type FaultInfo, type FaultKind } from './fault';
import { decodeStage2MemAttr } from './memory-attributes';
import {
  HI_DBM,
  HI_XN,
  LO_AF,
  LO_S2AP_READ,
  LO_S2AP_WRITE,
  LO_TABLE,
  LO_VALID,
  vttbrBase,
} from './stage2-descriptor';
import { stage2Geometry } from './stage2-geometry';
import { addressBits47To12, type Reg64 } from './u64';

/** What a walk needs of physical memory: 32-bit little-endian words (PhysicalMemory fits). */
export interface DescriptorMemory {
  read32(pa: number): number;
  write32(pa: number, value: number): void;
}

/** Result of one stage 2 walk. Reused between walks by callers that pass one in. */
export class Stage2WalkResult {
  /** Null on success; otherwise the fault and `level` where it was found. */
  fault: FaultKind | null = null;
  /** Lookup level of the leaf, or of the faulting descriptor. */
  level = 0;
  /** Output physical address of the input IPA. */
  pa = 0;
  /** Bytes the leaf maps (4 KiB page, 2 MiB or 1 GiB block). */
  blockSize = 0;
  /** Input IPA rounded down to the leaf's size. */
  blockIpa = 0;
  memAttr = 0;
  /** S2AP after any hardware dirty update. */
  s2ap = 0;
  sh = 0;
  xn = false;
  dbm = false;
  /** Interned memory attribute code of the leaf (memory-attributes.ts). */
  attrCode = 0;
  /** Physical address of the leaf (or faulting) descriptor. */
  descriptorPa = 0;
  /** True when the walk set the Access flag or S2AP[1] in memory (VTCR_EL2.HA/HD). */
  updatedDescriptor = false;
}

const shared = new Stage2WalkResult();
const LEVEL_SHIFT = [39, 30, 21, 12] as const;

function fail(out: Stage2WalkResult, kind: FaultKind, level: number, descriptorPa: number): Stage2WalkResult {
  out.fault = kind;
  out.level = level;
  out.descriptorPa = descriptorPa;
  return out;
}

/**
 * Translate `ipa` through the stage 2 tables VTTBR_EL2/VTCR_EL2 describe, for an access of kind
 * `access`. Returns `out` (a shared result object unless one is passed) with `fault` null on
 * success. Fault order follows the pseudocode: VTCR inconsistency and IPA range (level 0
 * Translation), then per level: invalid descriptor (Translation), next-table address beyond PS
 * (Address size), then the leaf's output address (Address size), Access flag, Permission.
 */
export function walkStage2(
  mem: DescriptorMemory,
  vttbr: Reg64,
  vtcr: Reg64,
  ipa: number,
  access: FaultAccess,
  out: Stage2WalkResult = shared,
): Stage2WalkResult {
  out.fault = null;
  out.updatedDescriptor = false;
  const g = stage2Geometry(vtcr.lo);
  if (!g.valid) return fail(out, 'translation', 0, 0);
  // AArch64.IPAIsOutOfRange: IPA bits above the configured size.
  if (ipa < 0 || ipa >= 2 ** g.ipaBits || !Number.isInteger(ipa)) return fail(out, 'translation', 0, 0);
  const paLimit = 2 ** g.paBits;
  // BADDR low bits below the root's alignment are RES0: taken as zero.
  const rootBytes = g.rootEntries * 8;
  let table = Math.floor(vttbrBase(vttbr.lo, vttbr.hi) / rootBytes) * rootBytes;
  if (table >= paLimit) return fail(out, 'address-size', 0, 0);

  let level = g.startLevel;
  let index = Math.floor(ipa / 2 ** LEVEL_SHIFT[level]); // spans the concatenated tables
  for (;;) {
    const dpa = table + index * 8;
    const lo = mem.read32(dpa);
    const hi = mem.read32(dpa + 4);
    if ((lo & LO_VALID) === 0) return fail(out, 'translation', level, dpa);
    if ((lo & LO_TABLE) !== 0 && level < 3) {
      // Table descriptor: next-level table address bits [47:12] (D8.3 "Table descriptor").
      const next = addressBits47To12(lo, hi);
      if (next >= paLimit) return fail(out, 'address-size', level, dpa);
      table = next;
      level++;
      index = Math.floor(ipa / 2 ** LEVEL_SHIFT[level]) & 511;
      continue;
    }
    // Level 3 with bit[1] = 0 is reserved; a block at level 0 does not exist with 4 KB (no FEAT_LPA2).
    if (level === 3 ? (lo & LO_TABLE) === 0 : level === 0) return fail(out, 'translation', level, dpa);

    const blockSize = 2 ** LEVEL_SHIFT[level];
    const oa = Math.floor(addressBits47To12(lo, hi) / blockSize) * blockSize; // OA bits below the block size are RES0
    if (oa >= paLimit) return fail(out, 'address-size', level, dpa);

    let newLo = lo;
    if ((lo & LO_AF) === 0) {
      if (!g.hardwareAccessFlag) return fail(out, 'access-flag', level, dpa);
      newLo |= LO_AF;
    }
    // Stage 2 permissions (D8.4): S2AP[0] read, S2AP[1] write, XN for execution. With HA and HD,
    // DBM makes a write-protected page writable and the walk records the write in S2AP[1].
    const xn = (hi & HI_XN) !== 0;
    const dbm = (hi & HI_DBM) !== 0;
    let permitted: boolean;
    if (access === 'read') permitted = (lo & LO_S2AP_READ) !== 0;
    else if (access === 'fetch') permitted = !xn;
    else {
      permitted = (lo & LO_S2AP_WRITE) !== 0;
      if (!permitted && dbm && g.hardwareDirty) {
        permitted = true;
        newLo |= LO_S2AP_WRITE;
      }
    }
    if (!permitted) return fail(out, 'permission', level, dpa);
    if (newLo !== lo) {
      mem.write32(dpa, newLo >>> 0);
      out.updatedDescriptor = true;
    }

    const blockIpa = Math.floor(ipa / blockSize) * blockSize;
    out.level = level;
    out.blockSize = blockSize;
    out.blockIpa = blockIpa;
    out.pa = oa + (ipa - blockIpa);
    out.memAttr = (newLo >>> 2) & 0xf;
    out.s2ap = (newLo >>> 6) & 3;
    out.sh = (newLo >>> 8) & 3;
    out.xn = xn;
    out.dbm = dbm;
    out.attrCode = decodeStage2MemAttr(out.memAttr, out.sh);
    out.descriptorPa = dpa;
    return out;
  }
}

/** The FaultInfo EL2 sees for a failed walk (HPFAR_EL2 gets `ipa`, FAR gets `va`). */
export function stage2FaultInfo(walk: Stage2WalkResult, va: number, ipa: number, access: FaultAccess, s1ptw: boolean): FaultInfo {
  return { kind: walk.fault ?? 'translation', stage: 2, level: walk.level, access, va, ipa, s1ptw };
}
