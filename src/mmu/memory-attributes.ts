/**
 * Memory types, cacheability and shareability, and the rules that combine stage 1 with stage 2.
 *
 * Attributes are interned: every distinct combination is one frozen object, addressed by a small
 * integer code, so the hot path passes codes and objects around without allocating. Allocation
 * hints (read/write-allocate, transient) and FEAT_XS are not modelled: they change no data.
 */

/** Device memory types, strongest first (Arm ARM B2.8.3 "Device memory"). */
export type DeviceType = 'nGnRnE' | 'nGnRE' | 'nGRE' | 'GRE';
export type Cacheability = 'nc' | 'wt' | 'wb';
export type Shareability = 'non' | 'inner' | 'outer';

export interface MemoryAttributes {
  /** Numeric code of this combination (see `attributeCode`). */
  readonly code: number;
  readonly device: boolean;
  /** Device type; null for Normal memory. */
  readonly deviceType: DeviceType | null;
  /** Inner cacheability; 'nc' for Device memory. */
  readonly innerCacheable: Cacheability;
  readonly outerCacheable: Cacheability;
  readonly shareability: Shareability;
  /** Normal, inner and outer Write-Back: the accesses the exec layer routes through the caches. */
  readonly cacheable: boolean;
}

const DEVICE_TYPES: readonly DeviceType[] = ['nGnRnE', 'nGnRE', 'nGRE', 'GRE'];
const CACHEABILITIES: readonly Cacheability[] = ['nc', 'wt', 'wb'];
const SHAREABILITIES: readonly Shareability[] = ['non', 'inner', 'outer'];

/** Index of a Cacheability: 0 nc, 1 wt, 2 wb (ordered weakest-caching first, as the combining rule needs). */
export const CACHE = { nc: 0, wt: 1, wb: 2 } as const;
/** Index of a Shareability. */
export const SHARE = { non: 0, inner: 1, outer: 2 } as const;
/** Index of a DeviceType, strongest (most restrictive) first. */
export const DEVICE = { nGnRnE: 0, nGnRE: 1, nGRE: 2, GRE: 3 } as const;

export const ATTRIBUTE_CODES = (4 + 9) * 3;

/** Code of Device memory of type index `dt` (0..3). Device memory is always Outer Shareable (B2.8.3). */
export function deviceCode(dt: number): number {
  return dt * 3 + SHARE.outer;
}

/**
 * Code of Normal memory. Normal Inner Non-cacheable, Outer Non-cacheable memory is treated as
 * Outer Shareable whatever the descriptor says (D8 "Effective shareability"; pseudocode
 * EffectiveShareability()).
 */
export function normalCode(inner: number, outer: number, share: number): number {
  const sh = inner === CACHE.nc && outer === CACHE.nc ? SHARE.outer : share;
  return (4 + inner * 3 + outer) * 3 + sh;
}

function build(code: number): MemoryAttributes {
  const kind = Math.floor(code / 3);
  const sh = code % 3;
  if (kind < 4) {
    return Object.freeze({
      code,
      device: true,
      deviceType: DEVICE_TYPES[kind],
      innerCacheable: 'nc',
      outerCacheable: 'nc',
      shareability: SHAREABILITIES[sh],
      cacheable: false,
    });
  }
  const inner = Math.floor((kind - 4) / 3);
  const outer = (kind - 4) % 3;
  return Object.freeze({
    code,
    device: false,
    deviceType: null,
    innerCacheable: CACHEABILITIES[inner],
    outerCacheable: CACHEABILITIES[outer],
    shareability: SHAREABILITIES[sh],
    cacheable: inner === CACHE.wb && outer === CACHE.wb,
  });
}

/**
 * Stage 2 only, with HCR_EL2.FWB = 1: "Normal Write-Back, whatever stage 1 says" (MemAttr
 * 0b0110), one code per stage 2 shareability (FORCED_WB + SHARE index). Combining resolves it;
 * as an attribute of its own it reads as Normal Write-Back of that shareability.
 */
const FORCED_WB = ATTRIBUTE_CODES;
const CODES_WITH_FORCED = ATTRIBUTE_CODES + 3;

const TABLE: readonly MemoryAttributes[] = Array.from({ length: CODES_WITH_FORCED }, (_, c) =>
  c < FORCED_WB ? build(c) : build(normalCode(CACHE.wb, CACHE.wb, c - FORCED_WB)),
);

export function attributesOf(code: number): MemoryAttributes {
  return TABLE[code];
}

export function isDeviceCode(code: number): boolean {
  return code < 12;
}

export function isCacheableCode(code: number): boolean {
  return TABLE[code].cacheable;
}

/** Code for a description (for tests and for callers that think in names). */
export function attributeCode(a: {
  device: boolean;
  deviceType?: DeviceType | null;
  innerCacheable?: Cacheability;
  outerCacheable?: Cacheability;
  shareability?: Shareability;
}): number {
  if (a.device) return deviceCode(DEVICE[a.deviceType ?? 'nGnRnE']);
  return normalCode(CACHE[a.innerCacheable ?? 'nc'], CACHE[a.outerCacheable ?? 'nc'], SHARE[a.shareability ?? 'non']);
}

// Frequently used attributes.
export const DEVICE_nGnRnE = deviceCode(DEVICE.nGnRnE);
export const NORMAL_NC = normalCode(CACHE.nc, CACHE.nc, SHARE.outer);
/** Normal, Non-shareable, Inner and Outer Write-Back: the HCR_EL2.DC default (D17 "HCR_EL2", DC). */
export const NORMAL_WB_NSH = normalCode(CACHE.wb, CACHE.wb, SHARE.non);
/** Normal, Outer Shareable, Inner and Outer Write-Through: instruction fetch with MMU off and SCTLR.I=1 (D8.2 "stage 1 disabled"). */
export const NORMAL_WT_OSH = normalCode(CACHE.wt, CACHE.wt, SHARE.outer);

/** Cacheability of one MAIR nibble for Normal memory (D17 "MAIR_EL1": 0b0100 NC, 0b00RW/0b10RW WT, 0b01RW/0b11RW WB). */
function mairNibble(n: number): number {
  switch (n >>> 2) {
    case 0:
      return n === 0 ? CACHE.nc : CACHE.wt; // 0b0000 is UNPREDICTABLE for Normal; taken as NC
    case 1:
      return n === 0b0100 ? CACHE.nc : CACHE.wb;
    case 2:
      return CACHE.wt;
    default:
      return CACHE.wb;
  }
}

/** SH[1:0] of a long descriptor: 00 Non-shareable, 01 reserved (taken as Non-shareable), 10 Outer, 11 Inner (D8 "Shareability"). */
export function shareabilityFromSh(sh: number): number {
  return sh === 0b10 ? SHARE.outer : sh === 0b11 ? SHARE.inner : SHARE.non;
}

/**
 * Decode one 8-bit MAIR attribute with the descriptor's SH field (D17 "MAIR_EL1", Attr<n>):
 * 0b0000dd00 is Device (dd: nGnRnE, nGnRE, nGRE, GRE), otherwise outer nibble [7:4], inner [3:0].
 */
export function decodeMairAttribute(attr: number, sh: number): number {
  if ((attr & 0xf0) === 0) return deviceCode((attr >>> 2) & 3);
  return normalCode(mairNibble(attr & 0xf), mairNibble(attr >>> 4), shareabilityFromSh(sh));
}

/** The 8-bit attribute `index` (0..7) of MAIR_EL1 or of MAIR0 (0..3) / MAIR1 (4..7). */
export function mairByte(mairLo: number, mairHi: number, index: number): number {
  return index < 4 ? (mairLo >>> (8 * index)) & 0xff : (mairHi >>> (8 * (index - 4))) & 0xff;
}

/**
 * Stage 2 MemAttr[3:0] with HCR_EL2.FWB = 0 (D8 "Stage 2 memory type and Cacheability attributes
 * when FEAT_S2FWB is disabled"): 0b00dd Device of type dd; otherwise MemAttr[3:2] outer and
 * MemAttr[1:0] inner, 01 NC, 10 WT, 11 WB (inner 00 is reserved: taken as NC).
 */
export function decodeStage2MemAttr(memAttr: number, sh: number): number {
  const outerBits = (memAttr >>> 2) & 3;
  if (outerBits === 0) return deviceCode(memAttr & 3);
  const s2 = (b: number): number => (b === 3 ? CACHE.wb : b === 2 ? CACHE.wt : CACHE.nc);
  return normalCode(s2(memAttr & 3), s2(outerBits), shareabilityFromSh(sh));
}

/**
 * Stage 2 MemAttr[3:0] with HCR_EL2.FWB = 1 (FEAT_S2FWB; D8 "Stage 2 memory type and
 * Cacheability attributes when FEAT_S2FWB is enabled", pseudocode AArch64.S2ApplyFWBMemAttrs):
 * MemAttr[2] = 0 Device of type MemAttr[1:0] (combined with a stage 1 Device type as usual);
 * otherwise MemAttr[1:0] 0b01 Normal Non-cacheable unless stage 1 is Device, 0b10 Normal
 * Write-Back whatever stage 1 is, 0b11 stage 1's attributes; 0b00 is reserved (taken as
 * Device-nGnRnE). MemAttr[3] is RES0. The result is a stage 2 code for `combineStages`.
 */
export function decodeStage2MemAttrFwb(memAttr: number, sh: number): number {
  if ((memAttr & 0b100) === 0) return deviceCode(memAttr & 3);
  const share = shareabilityFromSh(sh);
  switch (memAttr & 3) {
    case 0b01:
      return normalCode(CACHE.nc, CACHE.nc, share);
    case 0b10:
      return FORCED_WB + share;
    case 0b11:
      // Write-Back combines to stage 1's own cacheability, or its Device type.
      return normalCode(CACHE.wb, CACHE.wb, share);
    default:
      return DEVICE_nGnRnE;
  }
}

function combineUncached(s1: number, s2: number): number {
  const a = TABLE[s1];
  const b = TABLE[s2];
  // FWB forced Write-Back: Normal WB even over stage 1 Device; shareability combines as usual
  // (pseudocode AArch64.S2ApplyFWBMemAttrs).
  if (s2 >= FORCED_WB) return normalCode(CACHE.wb, CACHE.wb, Math.max(SHARE[a.shareability], s2 - FORCED_WB));
  if (a.device || b.device) {
    // Device wins; of two Device types the stronger one (S2CombineS1Device).
    const da = a.device ? DEVICE[a.deviceType as DeviceType] : 3;
    const db = b.device ? DEVICE[b.deviceType as DeviceType] : 3;
    return deviceCode(Math.min(da, db));
  }
  // Non-cacheable beats Write-Through beats Write-Back (S2CombineS1AttrHints).
  const inner = Math.min(CACHE[a.innerCacheable], CACHE[b.innerCacheable]);
  const outer = Math.min(CACHE[a.outerCacheable], CACHE[b.outerCacheable]);
  // Outer beats Inner beats Non-shareable (S2CombineS1Shareability).
  const share = Math.max(SHARE[a.shareability], SHARE[b.shareability]);
  return normalCode(inner, outer, share);
}

const COMBINED = new Uint8Array(ATTRIBUTE_CODES * CODES_WITH_FORCED);
for (let s1 = 0; s1 < ATTRIBUTE_CODES; s1++) {
  for (let s2 = 0; s2 < CODES_WITH_FORCED; s2++) COMBINED[s1 * CODES_WITH_FORCED + s2] = combineUncached(s1, s2);
}

/**
 * Combine stage 1 and stage 2 attributes with HCR_EL2.FWB = 0 (Arm ARM D8 "Combining the stage 1
 * and stage 2 attributes"; pseudocode S2CombineS1MemAttrs): Device beats Normal and the stronger
 * Device type wins; Non-cacheable beats Write-through beats Write-back, inner and outer apart;
 * shareability takes the wider of the two; the effective shareability rules then apply.
 */
export function combineStages(s1Code: number, s2Code: number): number {
  return COMBINED[s1Code * CODES_WITH_FORCED + s2Code];
}

/** Instruction fetches treat Device memory as Normal Non-cacheable (D8; pseudocode S1Translate/S2Translate, IFETCH). */
export function fetchView(code: number): number {
  return isDeviceCode(code) ? NORMAL_NC : code;
}

/** Normal memory seen with the cache control off (SCTLR.C/I = 0): Normal Non-cacheable; Device unchanged. */
export function uncachedView(code: number): number {
  return isDeviceCode(code) ? code : NORMAL_NC;
}

export function describeAttributes(code: number): string {
  const a = TABLE[code];
  if (a.device) return `Device-${a.deviceType}`;
  return `Normal inner ${a.innerCacheable} outer ${a.outerCacheable} ${a.shareability}-shareable`;
}
