/**
 * Stage 1 walks with long descriptors: AArch64 EL1&0 with the 4 KB granule (D8, VMSAv8-64) and
 * AArch32 LPAE (G5.5, VMSAv8-32 long-descriptor format, TTBCR.EAE = 1). Both use the same
 * 64-bit descriptor layout; they differ in how the VA selects TTBR0/TTBR1, in the output size,
 * in the levels a fault reports, and in what XN means.
 */

import { type FaultAccess } from './fault';
import { CACHE, decodeMairAttribute, mairByte, NORMAL_NC, normalCode, shareabilityFromSh } from './memory-attributes';
import { PA_MAX_BITS, PHYSICAL_SIZE_BITS } from './stage2-descriptor';
import { TranslationConfigError } from './stage2-geometry';
import { SCTLR, type Stage1Regime } from './stage1-regime';
import { permissionBits, type Stage1Walk, stage1Fault, type TableReader } from './stage1-walk';
import { addressBits47To12, TWO_POW_32 } from './u64';

const LEVEL_SHIFT = [39, 30, 21, 12] as const;

/** IRGN/ORGN/RGN encodings: 00 NC, 01 WB write-allocate, 10 WT, 11 WB no write-allocate (D17 "TCR_EL1", IRGN0). */
export function regionCacheability(bits: number): number {
  return bits === 0 ? CACHE.nc : bits === 2 ? CACHE.wt : CACHE.wb;
}

/** Memory attributes of table walks: TCR/TTBCR IRGNn/ORGNn/SHn, Non-cacheable while SCTLR.C = 0 (D8 "SCTLR_EL1.C"). */
function walkAttributes(sctlr: number, irgn: number, orgn: number, sh: number): number {
  if ((sctlr & SCTLR.C) === 0) return NORMAL_NC;
  return normalCode(regionCacheability(irgn), regionCacheability(orgn), shareabilityFromSh(sh));
}

interface Region {
  inputBits: number;
  /** VA bits the walk resolves (the VA less the region's base). */
  input: number;
  baseLo: number;
  baseHi: number;
  tcrShift: number; // where this region's IRGN/ORGN/SH fields start minus 8 (0 for TTBR0, 16 for TTBR1)
}

const region: Region = { inputBits: 0, input: 0, baseLo: 0, baseHi: 0, tcrShift: 0 };

/** AArch64: TTBR0 for VAs below 2^(64-T0SZ), TTBR1 for VAs at or above -2^(64-T1SZ) (D8 "VA ranges"). */
function selectA64(r: Stage1Regime, va: number, access: FaultAccess): Region {
  const upper = va < 0;
  const txsz = upper ? (r.tcrLo >>> 16) & 0x3f : r.tcrLo & 0x3f;
  const epd = upper ? (r.tcrLo >>> 23) & 1 : (r.tcrLo >>> 7) & 1;
  const tg = upper ? (r.tcrLo >>> 30) & 3 : (r.tcrLo >>> 14) & 3;
  if (upper ? tg !== 0b10 : tg !== 0b00) {
    throw new TranslationConfigError(`TCR_EL1.TG${upper ? 1 : 0}=${tg}: only the 4 KB granule is modelled`);
  }
  // TxSZ outside 16..39 (no FEAT_TTST/LVA), an out-of-range VA and a disabled walk: level 0 Translation faults.
  if (txsz < 16 || txsz > 39 || epd === 1 || !Number.isSafeInteger(va)) stage1Fault('translation', 0, va, access);
  const inputBits = 64 - txsz;
  const span = 2 ** inputBits;
  if (upper ? va < -span : va >= span) stage1Fault('translation', 0, va, access);
  region.inputBits = inputBits;
  region.input = upper ? va + span : va;
  region.baseLo = upper ? r.ttbr1Lo : r.ttbr0Lo;
  region.baseHi = upper ? r.ttbr1Hi : r.ttbr0Hi;
  region.tcrShift = upper ? 16 : 0;
  return region;
}

/**
 * AArch32 LPAE (G5.5 "Selecting TTBR0 or TTBR1"): with T1SZ = 0 and T0SZ > 0 TTBR1 covers all VAs
 * above TTBR0's; with both non-zero the gap between them faults. These faults report level 1.
 */
function selectLpae(r: Stage1Regime, va: number, access: FaultAccess): Region {
  if (!(va >= 0 && va < TWO_POW_32 && Number.isInteger(va))) stage1Fault('translation', 1, va, access);
  const t0 = r.tcrLo & 7;
  const t1 = (r.tcrLo >>> 16) & 7;
  const top0 = 2 ** (32 - t0);
  const bottom1 = TWO_POW_32 - 2 ** (32 - t1);
  let upper: boolean;
  if (t0 === 0 && t1 === 0) upper = false;
  else if (t1 === 0) upper = va >= top0;
  else if (t0 === 0) upper = va >= bottom1;
  else if (va < top0) upper = false;
  else if (va >= bottom1) upper = true;
  else return stage1Fault('translation', 1, va, access);
  const epd = upper ? (r.tcrLo >>> 23) & 1 : (r.tcrLo >>> 7) & 1;
  if (epd === 1) stage1Fault('translation', 1, va, access);
  const inputBits = 32 - (upper ? t1 : t0);
  region.inputBits = inputBits;
  region.input = va % 2 ** inputBits;
  region.baseLo = upper ? r.ttbr1Lo : r.ttbr0Lo;
  region.baseHi = upper ? r.ttbr1Hi : r.ttbr0Hi;
  region.tcrShift = upper ? 16 : 0;
  return region;
}

/**
 * Walk the long-descriptor tables for `va` and fill `out`. Throws MemoryAbort (stage 1) for
 * Translation, Address size and Access flag faults; permissions are returned in `out.perms` for
 * the caller to check. Stage 2 faults on the table reads come from `reader` (S1PTW).
 */
export function walkLongDescriptor(r: Stage1Regime, va: number, access: FaultAccess, reader: TableReader, out: Stage1Walk): Stage1Walk {
  const a64 = r.format === 'a64';
  const reg = a64 ? selectA64(r, va, access) : selectLpae(r, va, access);
  // Output size: TCR_EL1.IPS (capped at the implemented 48 bits); 40 bits for AArch32 LPAE.
  const outputBits = a64 ? Math.min(PHYSICAL_SIZE_BITS[r.tcrHi & 7], PA_MAX_BITS) : 40;
  const outputLimit = 2 ** outputBits;
  const tcrFields = r.tcrLo >>> reg.tcrShift;
  const walkAttr = walkAttributes(r.sctlr, (tcrFields >>> 8) & 3, (tcrFields >>> 10) & 3, (tcrFields >>> 12) & 3);
  const input = reg.input;
  let level = reg.inputBits > 39 ? 0 : reg.inputBits > 30 ? 1 : 2;
  const faultLevelFloor = a64 ? 0 : 1;

  // TTBR BADDR: bits [47:1] (AArch64) or [39:1] (AArch32); bits below the root table's size are RES0.
  const rootBytes = 8 * 2 ** (reg.inputBits - LEVEL_SHIFT[level]);
  const rawBase = (reg.baseHi & (a64 ? 0xffff : 0xff)) * TWO_POW_32 + ((reg.baseLo & 0xfffffffe) >>> 0);
  let table = Math.floor(rawBase / rootBytes) * rootBytes;
  if (table >= outputLimit) stage1Fault('address-size', faultLevelFloor, va, access);

  let apTable = 0;
  let xnTable = false;
  let pxnTable = false;
  let index = Math.floor(input / 2 ** LEVEL_SHIFT[level]);
  for (;;) {
    reader.read64(table + index * 8, walkAttr);
    const lo = reader.lo;
    const hi = reader.hi;
    if ((lo & 1) === 0) stage1Fault('translation', level, va, access);
    if ((lo & 2) !== 0 && level < 3) {
      const next = addressBits47To12(lo, hi);
      if (next >= outputLimit) stage1Fault('address-size', level, va, access);
      // Hierarchical controls (D8 "Hierarchical permissions"): APTable[62:61], XNTable/UXNTable[60], PXNTable[59].
      apTable |= (hi >>> 29) & 3;
      xnTable = xnTable || (hi & (1 << 28)) !== 0;
      pxnTable = pxnTable || (hi & (1 << 27)) !== 0;
      table = next;
      level++;
      index = Math.floor(input / 2 ** LEVEL_SHIFT[level]) & 511;
      continue;
    }
    // Level 3 needs bit[1] = 1; no blocks at level 0 with the 4 KB granule.
    if (level === 3 ? (lo & 2) === 0 : level === 0) stage1Fault('translation', level, va, access);
    const blockSize = 2 ** LEVEL_SHIFT[level];
    const oa = Math.floor(addressBits47To12(lo, hi) / blockSize) * blockSize;
    if (oa >= outputLimit) stage1Fault('address-size', level, va, access);
    // AF = 0 faults: hardware Access flag management (TCR_EL1.HA) is not modelled.
    if ((lo & (1 << 10)) === 0) stage1Fault('access-flag', level, va, access);

    // AP[2:1] (bits [7:6]): AP[1] grants EL0 access, AP[2] makes it read-only (D8 "Data access permissions").
    const el0 = (lo & (1 << 6)) !== 0 && (apTable & 1) === 0;
    const readOnly = (lo & (1 << 7)) !== 0 || (apTable & 2) !== 0;
    const pr = true;
    const pw = !readOnly;
    const ur = el0;
    const uw = el0 && !readOnly;
    const xn = (hi & (1 << 22)) !== 0; // UXN/XN, bit 54
    const pxn = (hi & (1 << 21)) !== 0; // PXN, bit 53
    let ux: boolean;
    let px: boolean;
    if (a64) {
      ux = !(xn || xnTable);
      // A region writable at EL0 is never executable at EL1 (pseudocode AArch64.S1DirectBasePermissions).
      px = !(pxn || pxnTable || uw);
    } else {
      ux = !(xn || xnTable);
      px = !(xn || xnTable || pxn || pxnTable);
      if ((r.sctlr & SCTLR.UWXN) !== 0 && uw) px = false;
    }
    if ((r.sctlr & SCTLR.WXN) !== 0) {
      if (pw) px = false;
      if (uw) ux = false;
    }

    const blockVa = va - (input % blockSize);
    out.ipa = oa + (input % blockSize);
    out.level = level;
    out.blockSize = blockSize;
    out.blockVa = blockVa;
    out.attrCode = decodeMairAttribute(mairByte(r.mairLo, r.mairHi, (lo >>> 2) & 7), (lo >>> 8) & 3);
    out.perms = permissionBits(pr, pw, px, ur, uw, ux);
    out.global = (lo & (1 << 11)) === 0; // nG, bit 11
    out.domain = -1;
    return out;
  }
}
