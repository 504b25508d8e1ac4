/**
 * Loads and stores that compiled blocks make without a call: the block tests the vCPU's fast-table
 * slot (soft-tlb.ts) and the set of the current physical CPU's L1 data cache inline, and on a hit
 * touches the line's bytes directly. A hit changes exactly what the full path's hit changes: the
 * Translator's TLB hit count (stage 1 on), the L1 hit counter, the line's LRU stamp, and for a
 * store the line's state (Valid, Dirty, Exclusive: a store hits only a line held Exclusive). A
 * miss anywhere (no slot, not cacheable, not aligned, no line, a shared line) makes the ordinary
 * call, which does everything else (fills, evictions, coherence, faults, observers, devices).
 *
 * A block counts its hits in locals (TK the L1's LRU clock, NH its hit count, NT the Translator's
 * TLB hits) and adds them to the shared objects before every call and exit (`inlineAccessSpill`):
 * a property read-modify-write per access cost a third of a load/store loop's time.
 *
 * `InlineDataAccess` is what the generated code reads; the code generators below write that code.
 * Generated functions are shared by every machine with the same block, so the code holds no
 * geometry: ways, line size and set mask come from the object at block entry.
 */
import { LineState, WAY_HINTS, type CacheArray } from '../cache/cache-array';
import type { CacheSystem } from '../cache/cache-system';
import type { Translator } from '../mmu/translator';
import { SoftTlb, SoftTlbFlag } from './soft-tlb';

/** The L1 and fast-table state a compiled block's loads and stores use. */
export class InlineDataAccess {
  /** The fast table's arrays (see SoftTlb). */
  readonly tags: Float64Array;
  readonly linePage: Float64Array;
  readonly flags: Uint8Array;
  /** The L1 data cache of the physical CPU in use (null: no caches), its geometry and its hit counter. */
  l1: CacheArray | null = null;
  ways = 0;
  lineShift = 0;
  lineMask = 0;
  /** sets - 1; -1 when the set count is not a power of two (no inline access then). */
  setMask = -1;
  counts: Float64Array = new Float64Array(1);
  hitIndex = 0;
  /**
   * The state bits an L1 line needs for an inline store to hit: Exclusive, or Exclusive and Dirty
   * where the cache system must see every line a store makes dirty (CacheSystem.storeHitState).
   */
  storeHit: number = LineState.Exclusive;
  /** Inline accesses allowed (no observer, fast table on). */
  enabled = false;

  constructor(
    readonly soft: SoftTlb,
    readonly translator: Translator | null,
    private readonly caches: CacheSystem | null,
    private readonly el: () => 0 | 1,
  ) {
    this.tags = soft.tags;
    this.linePage = soft.linePage;
    this.flags = soft.flags;
    this.usePcpu(0);
  }

  /** Point at `pcpu`'s L1 (the vCPU migrated). */
  usePcpu(pcpu: number): void {
    if (this.caches === null) return;
    const v = this.caches.l1View(pcpu);
    this.l1 = v.l1;
    this.ways = v.l1.ways;
    this.lineShift = Math.log2(v.l1.lineBytes);
    this.lineMask = v.l1.lineBytes - 1;
    this.setMask = (v.l1.sets & (v.l1.sets - 1)) === 0 ? v.l1.sets - 1 : -1;
    this.counts = v.counts;
    this.hitIndex = v.hitIndex;
    this.storeHit = this.caches.storeHitState;
  }

  /**
   * First slot of the bank a block's loads (`write` 0) or stores (1) use now: the current EL's, or
   * a bank that is always empty when inline accesses are off. Blocks read it at entry and again
   * after every call (which may change the EL).
   */
  bank(write: number): number {
    if (!this.enabled || this.setMask < 0) return SoftTlb.EMPTY_BANK;
    return SoftTlb.slot(0, this.el(), write);
  }
}

/** For memories without a fast table: every inline test fails and the block makes its call. */
export const NO_INLINE_DATA_ACCESS = new InlineDataAccess(new SoftTlb(64), null, null, () => 1);

/** Memories that offer inline accesses (TranslatedMemory). */
export interface InlineDataAccessSource {
  readonly inlineAccess: InlineDataAccess;
}

// ---- code generation ----

const CACHEABLE = SoftTlbFlag.Cacheable;
const COUNTS_TLB_HIT = SoftTlbFlag.CountsTlbHit;
/** The state CacheSystem.write leaves a line it wrote in. */
const WRITTEN = LineState.Valid | LineState.Dirty | LineState.Exclusive;
const EMPTY_BANK = SoftTlb.EMPTY_BANK;

/**
 * Declarations for the block function's prologue; `memory` is an expression for the executor's
 * memory, `NO_INLINE_DATA_ACCESS` must be in scope (see `blockFactoryArguments`).
 */
export function inlineAccessPrologue(memory: string, bigEndian: string | null): string {
  return [
    `const DA = ${memory}.inlineAccess ?? NO_INLINE_DATA_ACCESS;`,
    'const DT = DA.tags, DP = DA.linePage, DF = DA.flags, DTR = DA.translator;',
    'let TK = 0, NH = 0, NT = 0;',
    'let dR = 0, dW = 0, DL = DA.l1, DC = DA.counts, DH = DA.hitIndex, DWY = DA.ways, DS = DA.lineShift, DM = DA.lineMask, DSM = DA.setMask, DLT = null, DLS = null, DLD = null, DLW = null, DLH = null, DLP = null, DLM = null, DLI = null, DSX = DA.storeHit;',
    inlineAccessReload(bigEndian),
  ].join(' ');
}

/** Re-read what a call may have changed (EL, endianness, the physical CPU). */
export function inlineAccessReload(bigEndian: string | null): string {
  const banks = bigEndian === null ? 'dR = DA.bank(0); dW = DA.bank(1);' : `if (${bigEndian}) { dR = ${EMPTY_BANK}; dW = dR; } else { dR = DA.bank(0); dW = DA.bank(1); }`;
  return `${banks} DL = DA.l1; DC = DA.counts; DH = DA.hitIndex; DWY = DA.ways; DS = DA.lineShift; DM = DA.lineMask; DSM = DA.setMask; if (DL !== null) { DLT = DL.tags; DLS = DL.state; DLD = DL.data; DLW = DL.words; DLH = DL.halves; DLP = DL.stamps; DLM = DL.mru; DLI = DL.wayHint; TK = DL.tick; }`;
}

/**
 * Add the hits counted in locals to the L1 and Translator (before every call out of the block and
 * every exit). Idempotent: NH is zero after it, so a second spill (an exception's exit after a
 * call that itself moved the LRU clock) writes nothing back.
 */
export const INLINE_ACCESS_SPILL = 'if (NH !== 0) { DL.tick = TK; DC[DH] += NH; NH = 0; } if (NT !== 0) { DTR.hits += NT; NT = 0; }';

/** The full path of an inline access: spill the counts, make the call, pick up the LRU clock it moved. */
function slowPath(slow: string): string {
  return `${INLINE_ACCESS_SPILL} ${slow} if (DL !== null) TK = DL.tick;`;
}

/** Names and values the block factory passes to `new Function` so the generated code can see them. */
export const blockFactoryArguments: readonly [string, unknown] = ['NO_INLINE_DATA_ACCESS', NO_INLINE_DATA_ACCESS];

/**
 * Find the L1 slot `_w` for an aligned access of `bytes` at VA `va` (a number expression), or leave
 * _w = -1. `store`: the line must be held Exclusive (and Dirty where DA.storeHit says so). `vaIsUint32`: an AArch32 address (integer math).
 * Names start with `_` so they do not shadow the block's own locals.
 */
function probe(va: string, bytes: number, store: boolean, vaIsUint32: boolean): string {
  // A 64-bit VA is a double: scale by 2^-12 (exact) rather than divide.
  const page = vaIsUint32 ? '_a >>> 12' : '(_a - _o) * 0.000244140625';
  return [
    `const _a = ${va}, _o = _a & 4095, _p = ${page}, _q = ${store ? 'dW' : 'dR'} + (_p & 255); let _w = -1, _s = 0;`,
    slotSearch(bytes, store),
  ].join(' ');
}

/**
 * The rest of a probe, once `_o` (page offset), `_p` (page) and `_q` (fast-table slot) are set:
 * on a cacheable, aligned hit of the table, the L1 slot of the line into `_w` and its set into
 * `_s`. The slot this line was last found in is tried first (a hint, checked); else its set is
 * searched and the hint remembered.
 */
function slotSearch(bytes: number, store: boolean): string {
  const lineOk = store ? '(_S[_i] & DSX) === DSX' : '_S[_i] !== 0';
  return [
    `if (DT[_q] === _p && (DF[_q] & ${CACHEABLE}) !== 0${bytes > 1 ? ` && (_o & ${bytes - 1}) === 0` : ''}) {`,
    `const _ln = DP[_q] + (_o >>> DS), _T = DLT, _S = DLS, _h = _ln & ${WAY_HINTS - 1}, _i0 = DLI[_h]; _s = _ln & DSM;`,
    `if (_T[_i0] === _ln && ${lineOk.replaceAll('_i', '_i0')}) _w = _i0;`,
    `else { const _b = _s * DWY; for (let _i = _b; _i < _b + DWY; _i++) if (_T[_i] === _ln && ${lineOk}) { _w = _i; DLI[_h] = _i; break; } } }`,
  ].join(' ');
}

/**
 * What a hit counts: `n` accesses' worth (an 8-byte access is two 32-bit ones on the full path),
 * each a Translator TLB hit when the slot says so and an L1 hit, and the LRU use CacheArray.touch
 * makes (once: the second half finds the line its set's most recent).
 */
function countHit(n: number): string {
  const hits = n === 1 ? 'NT++' : `NT += ${n}`;
  const counts = n === 1 ? 'NH++' : `NH += ${n}`;
  return `if ((DF[_q] & ${COUNTS_TLB_HIT}) !== 0) ${hits}; ${counts}; if (DLM[_s] !== _w) { DLM[_s] = _w; DLP[_w] = ++TK; }`;
}

/**
 * Guest data is little-endian; on a little-endian host an aligned halfword or word of the line is
 * one element of the line's 16- or 32-bit view (the probe checked alignment, and lines start on
 * a line boundary), one load instead of four.
 */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian bytes of the line data at `x` (an aligned byte offset) as an int32 expression. */
function bytesValue(bytes: number, x: string): string {
  if (bytes === 1) return `_D[${x}]`;
  if (LITTLE_ENDIAN_HOST) return bytes === 2 ? `DLH[(${x}) >>> 1]` : `(DLW[(${x}) >>> 2] | 0)`;
  if (bytes === 2) return `(_D[${x}] | (_D[${x} + 1] << 8))`;
  return `(_D[${x}] | (_D[${x} + 1] << 8) | (_D[${x} + 2] << 16) | (_D[${x} + 3] << 24))`;
}

/** Store the low `bytes` of int32 `v` little-endian at the aligned byte offset `at` of the line data. */
function putValue(v: string, at: string, bytes: number): string {
  if (bytes === 1) return `_D[${at}] = ${v};`;
  if (LITTLE_ENDIAN_HOST) return bytes === 2 ? `DLH[(${at}) >>> 1] = ${v};` : `DLW[(${at}) >>> 2] = ${v};`;
  return Array.from({ length: bytes }, (_, i) => `_D[${at}${i ? ` + ${i}` : ''}] = ${v}${i ? ` >>> ${8 * i}` : ''};`).join(' ');
}

/**
 * A load of `bytes` (1, 2, 4 or 8) at `va` into the already declared `lo` (and `hi` for 8) as
 * int32 values (zero-extended); `slow` is the statement that does it through the executor's
 * ordinary calls. The caller handles aborts as before (only `slow` can throw).
 */
export function inlineLoad(va: string, bytes: 1 | 2 | 4 | 8, lo: string, hi: string | null, slow: string, vaIsUint32: boolean): string {
  const set = bytes === 8 ? `${lo} = ${bytesValue(4, '_x')}; ${hi} = ${bytesValue(4, '_x + 4')};` : `${lo} = ${bytesValue(bytes, '_x')};`;
  return `{ ${probe(va, bytes, false, vaIsUint32)} if (_w >= 0) { ${countHit(bytes === 8 ? 2 : 1)} const _D = DLD, _x = (_w << DS) + (_o & DM); ${set} } else { ${slowPath(slow)} } }`;
}

/** A store of `bytes` at `va` of int32 `lo` (and `hi` for 8); `slow` as for loads. */
export function inlineStore(va: string, bytes: 1 | 2 | 4 | 8, lo: string, hi: string | null, slow: string, vaIsUint32: boolean): string {
  const set = bytes === 8 ? `${putValue(lo, '_x', 4)} ${putValue(hi!, '_x + 4', 4)}` : putValue(lo, '_x', bytes);
  return `{ ${probe(va, bytes, true, vaIsUint32)} if (_w >= 0) { ${countHit(bytes === 8 ? 2 : 1)} DLS[_w] = ${WRITTEN}; const _D = DLD, _x = (_w << DS) + (_o & DM); ${set} } else { ${slowPath(slow)} } }`;
}

// ---- A64: the VA as two int32 halves ----

/**
 * The probe for an A64 VA held as int32 halves (`lo`, and `hi` signed), without double arithmetic
 * on a hit (a double VA's `& 4095`, scaling and slot index were a third of the A64 load/store
 * loop): the page is hi * 2^20 + (lo >>> 12), exactly the fill's (va - (va & 4095)) / 4096, and
 * the slot index and page offset come from `lo` alone. A VA beyond +-2^53, which the full path
 * faults on, has a page below -2^41 or at least 2^41, which no slot holds: it always misses.
 */
function probeHalves(lo: string, hi: string, bytes: number, store: boolean): string {
  return [
    `const _o = ${lo} & 4095, _p = ${hi} * 1048576 + (${lo} >>> 12), _q = ${store ? 'dW' : 'dR'} + ((${lo} >>> 12) & 255); let _w = -1, _s = 0;`,
    slotSearch(bytes, store),
  ].join(' ');
}

/** One A64 element of `bytes` at byte `x` of the hit line: loaded into `lo` (and `hi` for 8), or stored from them. */
function elementCode(write: boolean, bytes: 1 | 2 | 4 | 8, x: string, lo: string, hi: string | null): string {
  if (write) return bytes === 8 ? `${putValue(lo, x, 4)} ${putValue(hi!, `${x} + 4`, 4)}` : putValue(lo, x, bytes);
  return bytes === 8 ? `${lo} = ${bytesValue(4, x)}; ${hi} = ${bytesValue(4, `${x} + 4`)};` : `${lo} = ${bytesValue(bytes, x)};`;
}

/** One element an A64 access or pair moves: its int32 value halves (`hi` for 8 bytes) and its full-path statement. */
export interface A64Element {
  readonly lo: string;
  readonly hi: string | null;
  readonly slow: string;
}

/**
 * An A64 load (`write` false) or store of `bytes` at the VA whose halves are `lo`/`hi` (int32
 * expressions without side effects), as `inlineLoad`/`inlineStore`: a hit where the probe finds
 * the line, the element's `slow` statement otherwise.
 */
export function inlineAccessA64(write: boolean, lo: string, hi: string, bytes: 1 | 2 | 4 | 8, e: A64Element): string {
  return `{ ${probeHalves(lo, hi, bytes, write)} ${accessTail(write, bytes, e)} }`;
}

/** After `probeHalves`: the hit (counts, store state, the element) or the full path. */
function accessTail(write: boolean, bytes: 1 | 2 | 4 | 8, e: A64Element): string {
  const hit = `${countHit(bytes === 8 ? 2 : 1)} ${write ? `DLS[_w] = ${WRITTEN};` : ''} const _x = (_w << DS) + (_o & DM); ${elementCode(write, bytes, '_x', e.lo, e.hi)}`;
  return `if (_w >= 0) { const _D = DLD; ${hit} } else { ${slowPath(e.slow)} }`;
}

/**
 * An A64 pair (LDP/STP, C6.2): element `first` at the VA `lo`/`hi`, then `second` at VA + bytes,
 * whose halves `lo2` and `hi2` are evaluated only when needed (`hi2` may read `_l2`, the low half). When the first hits and the second lies in the same line, the second is a
 * hit on that line too, which the full path would find as its set's most recent (no LRU stamp)
 * and, for a store, already Exclusive: one probe counts both.
 */
export function inlinePairA64(write: boolean, lo: string, hi: string, lo2: string, hi2: string, bytes: 1 | 2 | 4 | 8, first: A64Element, second: A64Element): string {
  const per = bytes === 8 ? 2 : 1;
  const both = `${countHit(2 * per)} ${write ? `DLS[_w] = ${WRITTEN};` : ''} const _D = DLD, _x = (_w << DS) + (_o & DM); ${elementCode(write, bytes, '_x', first.lo, first.hi)} ${elementCode(write, bytes, `_x + ${bytes}`, second.lo, second.hi)}`;
  return [
    `{ ${probeHalves(lo, hi, bytes, write)}`,
    `if (_w >= 0 && (_o & DM) + ${2 * bytes} <= DM + 1) { ${both} }`,
    `else { ${accessTail(write, bytes, first)} { const _l2 = ${lo2}, _h2 = ${hi2}; ${inlineAccessA64(write, '_l2', '_h2', bytes, second)} } } }`,
  ].join(' ');
}
