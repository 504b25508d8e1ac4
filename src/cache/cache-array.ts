/**
 * One physical cache instance (CPU 0's L1D, cluster 1's L2, the system cache): tags, line states,
 * replacement stamps and the line data, each one flat typed array indexed by set * ways + way.
 * No object per line, no allocation per lookup.
 */
import type { CacheLevelGeometry, CacheSharing } from './geometry';

/** Line state bits. A line with Dirty or Exclusive is also Valid. */
export const LineState = {
  Invalid: 0,
  Valid: 1,
  /** Holds data newer than the next level (written back on eviction or clean). */
  Dirty: 2,
  /** No other cache in the system holds the line: a write may proceed without snooping. */
  Exclusive: 4,
} as const;

export type ReplacementPolicy = 'lru' | 'random';

/** Entries of `CacheArray.wayHint` (a power of two). */
export const WAY_HINTS = 256;

/** xorshift32: small, seeded, reproducible; good enough to pick a victim way. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % n;
  }
}

export class CacheArray {
  readonly name: string;
  readonly geometry: CacheLevelGeometry;
  readonly level: number;
  readonly sharing: CacheSharing;
  /** The CPU owning a private cache; -1 for a shared one. */
  readonly ownerCpu: number;
  /** The cluster of a 'cpu' or 'cluster' cache; -1 for a system cache. */
  readonly cluster: number;
  /** Position on the data path of every CPU that uses it (0 = L1). */
  readonly pathIndex: number;
  /** A CPU whose path contains this cache (used to push its victims further down). */
  readonly representativeCpu: number;
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
  readonly wordsPerLine: number;
  /** Line number (pa / lineBytes) of each slot; exact to 2^53, so any 52-bit PA fits. */
  readonly tags: Float64Array;
  readonly state: Uint8Array;
  /** Last-use stamp of each slot for LRU. */
  readonly stamps: Float64Array;
  /**
   * The slot of each set stamped last (-1: none). A use of that slot again leaves its stamp and
   * the clock alone: it already holds the set's newest stamp, so LRU order (all a victim choice
   * reads) is the same, and a loop over one line stores no stamp per access.
   */
  readonly mru: Int32Array;
  readonly data: Uint8Array;
  /** The same bytes as 32-bit words, for whole-line copies (host byte order). */
  readonly words: Uint32Array;
  /** The same bytes as 16-bit halfwords (host byte order), for compiled blocks' aligned accesses. */
  readonly halves: Uint16Array;
  /**
   * For compiled blocks' hits: the slot where a line number (low bits) was last found. Only a
   * hint: it is checked against the slot's tag and state before use, so nothing keeps it current.
   */
  readonly wayHint = new Int32Array(WAY_HINTS);
  tick = 0;
  /** sets - 1 when sets is a power of two, else -1 (the set index is then a remainder). */
  private readonly setMask: number;
  private readonly replacement: ReplacementPolicy;
  private readonly random: SeededRandom;

  constructor(
    init: {
      name: string;
      geometry: CacheLevelGeometry;
      ownerCpu: number;
      cluster: number;
      pathIndex: number;
      representativeCpu: number;
    },
    replacement: ReplacementPolicy,
    random: SeededRandom,
  ) {
    const g = init.geometry;
    this.name = init.name;
    this.geometry = g;
    this.level = g.level;
    this.sharing = g.sharing;
    this.ownerCpu = init.ownerCpu;
    this.cluster = init.cluster;
    this.pathIndex = init.pathIndex;
    this.representativeCpu = init.representativeCpu;
    this.sets = g.sets;
    this.ways = g.ways;
    this.lineBytes = g.lineBytes;
    this.wordsPerLine = g.lineBytes >>> 2;
    const slots = g.sets * g.ways;
    this.tags = new Float64Array(slots);
    this.state = new Uint8Array(slots);
    this.stamps = new Float64Array(slots);
    this.mru = new Int32Array(g.sets).fill(-1);
    this.data = new Uint8Array(slots * g.lineBytes);
    this.words = new Uint32Array(this.data.buffer);
    this.halves = new Uint16Array(this.data.buffer);
    this.setMask = (g.sets & (g.sets - 1)) === 0 ? g.sets - 1 : -1;
    this.replacement = replacement;
    this.random = random;
  }

  /**
   * First slot of the set `line` maps to. With a power-of-two set count the mask of the low 32
   * bits is exact for any line number below 2^53 (2^32 is a multiple of the set count), and avoids
   * a floating-point remainder.
   */
  setBase(line: number): number {
    const m = this.setMask;
    return (m >= 0 ? line & m : line % this.sets) * this.ways;
  }

  /** Slot holding line number `line`, or -1. */
  find(line: number): number {
    const ways = this.ways;
    const base = this.setBase(line);
    const tags = this.tags;
    const state = this.state;
    for (let i = base; i < base + ways; i++) {
      if (state[i] !== 0 && tags[i] === line) return i;
    }
    return -1;
  }

  /** Slot to fill for `line`: an invalid way of its set if any, else the replacement victim. */
  victim(line: number): number {
    const ways = this.ways;
    const base = this.setBase(line);
    const state = this.state;
    for (let i = base; i < base + ways; i++) if (state[i] === 0) return i;
    if (this.replacement === 'random') return base + this.random.below(ways);
    let best = base;
    const stamps = this.stamps;
    for (let i = base + 1; i < base + ways; i++) if (stamps[i] < stamps[best]) best = i;
    return best;
  }

  /** A use of `slot` for LRU: a new stamp unless it is its set's most recent already. */
  touch(slot: number): void {
    const set = Math.floor(slot / this.ways);
    if (this.mru[set] === slot) return;
    this.mru[set] = slot;
    this.stamps[slot] = ++this.tick;
  }

  /** Copy the line in `slot` into `out` (a line-sized word array). */
  copyOut(slot: number, out: Uint32Array): void {
    const words = this.words;
    const n = this.wordsPerLine;
    const base = slot * n;
    for (let i = 0; i < n; i++) out[i] = words[base + i];
  }

  /** Copy the line in `from` (slot `fromSlot`) into `slot` here; both caches share the line size. */
  copyFrom(slot: number, from: CacheArray, fromSlot: number): void {
    const n = this.wordsPerLine;
    const dst = this.words;
    const src = from.words;
    const d = slot * n;
    const s = fromSlot * n;
    for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
  }

  copyIn(slot: number, src: Uint32Array): void {
    const words = this.words;
    const n = this.wordsPerLine;
    const base = slot * n;
    for (let i = 0; i < n; i++) words[base + i] = src[i];
  }
}
