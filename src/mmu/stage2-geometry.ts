/**
 * The shape of a stage 2 walk that VTCR_EL2 selects: IPA size, initial lookup level, how many
 * tables are concatenated at that level, output size. 4 KB granule only.
 *
 * Arm ARM D8.2 "Translation table walk" and D8.2.x "Concatenated translation tables"; pseudocode
 * AArch64.S2InconsistentSL / S2InvalidSL / S2TxSZFaults.
 */

import { PA_MAX_BITS, PHYSICAL_SIZE_BITS, VTCR } from './stage2-descriptor';

export class TranslationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranslationConfigError';
  }
}

export interface Stage2Geometry {
  /** False when VTCR_EL2 is inconsistent: every walk then takes a level 0 Translation fault. */
  readonly valid: boolean;
  /** Why `valid` is false. */
  readonly problem: string;
  readonly ipaBits: number;
  readonly startLevel: number;
  /** Entries at the initial level, across all concatenated tables. */
  readonly rootEntries: number;
  /** Concatenated tables at the initial level (1..16). */
  readonly rootTables: number;
  /** Output address size (VTCR_EL2.PS, capped at the implemented PA size). */
  readonly paBits: number;
  /** VTCR_EL2.HA: hardware sets the Access flag. */
  readonly hardwareAccessFlag: boolean;
  /** VTCR_EL2.HD (with HA): hardware sets S2AP[1] on a write to a DBM page. */
  readonly hardwareDirty: boolean;
  /** Walks are Normal Inner and Outer Write-Back (IRGN0/ORGN0 = 01 or 11). */
  readonly walkCacheable: boolean;
}

/** Smallest and largest input size a walk starting at `level` can resolve, up to 16 concatenated tables. */
export function inputSizeRange(level: number): { min: number; max: number } {
  const min = (3 - level) * 9 + 12 + 1;
  return { min, max: min + 8 + 4 };
}

/** Deepest initial level that resolves an `ipaBits` IPA with at most 16 concatenated tables. */
export function preferredStartLevel(ipaBits: number): number {
  for (let level = 2; level >= 0; level--) {
    const r = inputSizeRange(level);
    if (ipaBits >= r.min && ipaBits <= r.max) return level;
  }
  throw new TranslationConfigError(`no stage 2 initial level resolves a ${ipaBits}-bit IPA with the 4 KB granule`);
}

function compute(vtcrLo: number): Stage2Geometry {
  const t0sz = vtcrLo & 0x3f;
  const sl0 = (vtcrLo >>> 6) & 3;
  const tg0 = (vtcrLo >>> 14) & 3;
  const ps = (vtcrLo >>> 16) & 7;
  const ha = (vtcrLo & VTCR.HA) !== 0;
  const irgn = (vtcrLo >>> 8) & 3;
  const orgn = (vtcrLo >>> 10) & 3;
  const ipaBits = 64 - t0sz;
  const startLevel = 2 - sl0;
  const paBits = Math.min(PHYSICAL_SIZE_BITS[ps], PA_MAX_BITS);
  let problem = '';
  if (tg0 !== 0) problem = `VTCR_EL2.TG0=${tg0}: only the 4 KB granule is modelled`;
  else if (t0sz < 16 || t0sz > 39) problem = `VTCR_EL2.T0SZ=${t0sz} is outside 16..39`;
  else if (sl0 === 3) problem = 'VTCR_EL2.SL0=0b11 is reserved without FEAT_TTST';
  else {
    const r = inputSizeRange(startLevel);
    if (ipaBits < r.min || ipaBits > r.max) problem = `a ${ipaBits}-bit IPA cannot start at level ${startLevel}`;
  }
  const valid = problem === '';
  const rootEntries = valid ? 2 ** (ipaBits - (12 + 9 * (3 - startLevel))) : 0;
  return {
    valid,
    problem,
    ipaBits,
    startLevel,
    rootEntries,
    rootTables: Math.max(1, rootEntries / 512),
    paBits,
    hardwareAccessFlag: ha,
    hardwareDirty: ha && (vtcrLo & VTCR.HD) !== 0,
    walkCacheable: (irgn === 1 || irgn === 3) && (orgn === 1 || orgn === 3),
  };
}

const cache = new Map<number, Stage2Geometry>();

/** The geometry VTCR_EL2 (low half) selects; memoised, since a machine uses one or two values. */
export function stage2Geometry(vtcrLo: number): Stage2Geometry {
  let g = cache.get(vtcrLo);
  if (g === undefined) {
    g = compute(vtcrLo);
    cache.set(vtcrLo, g);
  }
  return g;
}
