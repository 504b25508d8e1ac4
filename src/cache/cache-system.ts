/**
 * The data-cache hierarchy of every CPU, holding real data in front of physical memory.
 *
 * What is modelled (Arm ARM DDI 0487, D7.5 "Caches in a PE" / cache maintenance):
 * - Write-back, write-allocate data and unified caches. A read or write miss fills the line into
 *   the requester's first level only. Levels further out are non-inclusive victim caches: a dirty
 *   line leaving a level (eviction or clean) is written into the next level of the same CPU's path
 *   (allocating there, possibly evicting in turn), or into memory from the last level. Clean
 *   victims are dropped. Every level therefore keeps what it holds until it evicts or is maintained.
 * - Coherence among all data caches (hardware coherency, a MOESI-like protocol): at most one dirty
 *   copy of a line exists; while it exists, every valid copy holds the same data. A read miss takes
 *   the data from the dirty copy wherever it is (it stays dirty there: "Owned"), else from the
 *   nearest level of the requester's own path, else from memory. A write invalidates every other
 *   copy (in every cache, including the writer's outer levels) and leaves the only, dirty copy in
 *   the writer's first level.
 * - Non-cacheable accesses are not part of this API: they go to PhysicalMemory and snoop nothing,
 *   which is exactly how a guest with its caches off misses dirty data.
 * - Set/way maintenance acts on one line of one cache on the executing CPU's path (a shared level
 *   is shared). A clean by S/W writes the dirty line to the next level, not to memory: only a
 *   loop that walks the levels outward, up to LoC, leaves data in memory, and never the data in a
 *   system cache that S/W does not reach.
 * - Maintenance by address is broadcast to every cache in the system (one Inner Shareable domain).
 *   To the PoC it reaches every cache, the system cache included, and writes dirty data to memory.
 *   To the PoU (CVAU) it pushes a dirty copy held at a level <= max(LoUIS, LoUU) outward until it
 *   sits in the first level beyond that (or memory).
 * - The I-side holds no data and instruction fetches read memory (src/exec/translated-memory.ts),
 *   where architecturally they fill from the Point of Unification. So that code written, cleaned
 *   to the PoU (DC CVAU) and invalidated from the I-side (IC IVAU, IC IALLU) is what the next
 *   fetch sees, IC IVAU writes the dirty copy of its line that sits beyond the PoU through to
 *   memory (an early write-back, which an eviction could do at any time); IC IALLU only counts.
 * - With LoUU = LoUIS = 0 (FEAT_S2FWB hardware, Arm ARM rule IRRDBK) the PoU lies before every data
 *   cache: a cacheable fetch sees the coherent value wherever it is, with no maintenance at all.
 *   There the executors call `prepareFetch` before fetching from a page, which writes the page's
 *   dirty lines to memory (kept, clean) if it was written since its last fetch. `write` notes the
 *   page of every line it makes dirty; compiled blocks' inline stores hit only lines already dirty
 *   there (`storeHitState`), so no write escapes the note.
 * - Architecturally unpredictable outcomes are made deterministic: a S/W operand beyond the
 *   geometry has no effect (counted); invalidation of dirty data (ISW, IVAC) discards it (counted)
 *   and later reads see whatever copy or memory value remains.
 *
 * Addresses are physical, at most 52 bits. Multi-byte values are little-endian; an access that
 * crosses a line boundary is split into byte accesses.
 */
import type { PhysicalMemory } from '../mmu/physical-memory';
import { CacheArray, LineState, SeededRandom, type ReplacementPolicy } from './cache-array';
import { CACHE_EVENT_COUNT, COUNTER_LEVELS, CacheEvent, counterIndex, type CacheCounters, type LevelCounters } from './counters';

// Module-local copies: an imported binding is a property read through the module namespace on every use.
const EV_COHERENCE_INVALIDATIONS = CacheEvent.coherenceInvalidations;
const EV_DIRTY_DISCARDED = CacheEvent.dirtyDiscarded;
const EV_HITS = CacheEvent.hits;
const EV_INSTRUCTION_INVALIDATIONS = CacheEvent.instructionInvalidations;
const EV_LINES_CLEANED = CacheEvent.linesCleaned;
const EV_LINES_INVALIDATED = CacheEvent.linesInvalidated;
const EV_MISSES = CacheEvent.misses;
const EV_WRITE_BACKS = CacheEvent.writeBacks;
const eventIndex = counterIndex;

import { CacheAccessError, CacheConfigError } from './errors';
import { CacheGeometry, type CacheSystemConfig } from './geometry';
import { cachePreset, type CachePresetName } from './presets';
import type { SetWayEffect, SetWayOperation } from './set-way';

export type { ReplacementPolicy } from './cache-array';

/**
 * Data-cache maintenance by address (AArch32 DCIMVAC, DCCMVAC, DCCIMVAC, DCCMVAU map to ivac, cvac,
 * civac, cvau). 'cvap' (clean to the Point of Persistence) acts as 'cvac': memory is the PoP here.
 */
export type ByAddressOperation = 'ivac' | 'cvac' | 'civac' | 'cvau' | 'cvap' | 'zva';

export interface CacheSystemOptions {
  /** Seed of the random replacement policy (default 1). */
  readonly seed?: number;
  /** Victim selection in a full set (default 'lru'). */
  readonly replacement?: ReplacementPolicy;
}

export interface MaintenanceOptions {
  /**
   * Perform an invalidate as clean and invalidate: the caller sets it when HCR.SWIO (S/W) or
   * HCR_EL2.VM (S/W and by address at EL1) upgrades the guest's invalidation (D17 "HCR_EL2").
   */
  readonly invalidateCleans?: boolean;
}

export interface DirtyLine {
  /** Instance name, e.g. 'cpu1.L1D', 'cluster0.L2', 'system.L3'. */
  readonly cache: string;
  /** Owning CPU of a private cache; -1 for a shared one. */
  readonly cpu: number;
  readonly level: number;
  /** Physical address of the first byte of the line. */
  readonly pa: number;
}

export interface LineCopy extends DirtyLine {
  readonly dirty: boolean;
  readonly exclusive: boolean;
  readonly bytes: Uint8Array;
}

const VALID = LineState.Valid;
const DIRTY = LineState.Dirty;
const EXCLUSIVE = LineState.Exclusive;
/** Physical addresses are at most 52 bits (FEAT_LPA). */
const PA_LIMIT = 2 ** 52;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class CacheSystem {
  readonly geometry: CacheGeometry;
  readonly memory: PhysicalMemory;
  /** Every data/unified cache instance, ordered by level. */
  readonly caches: readonly CacheArray[];
  readonly lineBytes: number;
  private readonly paths: readonly (readonly CacheArray[])[];
  private readonly firstLevel: readonly CacheArray[];
  /** [cpu][level]: the data/unified cache a S/W operand reaches at that level. */
  private readonly setWayTargets: readonly (readonly (CacheArray | undefined)[])[];
  private readonly scratch: Uint32Array;
  /** The same bytes as `scratch`. */
  private readonly scratchBytes: Uint8Array;
  /** Rows 0..cpus-1 for CPUs, row `cpus` for maintenance not issued by a CPU (the helpers). */
  private readonly counts: Float64Array;
  private setWayOutOfRange = 0;
  private readonly pouLevel: number;
  /**
   * True when instruction fetches see the data caches' coherent value (LoUU = LoUIS = 0): the
   * executors then call `prepareFetch` before fetching from a page.
   */
  readonly fetchSeesDataCaches: boolean;
  /**
   * The line state an inline store (src/exec/inline-data-access.ts) needs to hit without a call:
   * Exclusive; Exclusive and Dirty where fetches see the data caches, so that every line made
   * dirty goes through `write` and is noted in `pagesWrittenSinceFetch`.
   */
  readonly storeHitState: number;
  /** Physical pages (pa / 4096) with a line made dirty since the page was last prepared for a fetch; null unless fetchSeesDataCaches. */
  private readonly pagesWrittenSinceFetch: Set<number> | null;
  /** Index in `counts` of each CPU's L1 hits (the one counter a hit changes). */
  private readonly l1Hits: Int32Array;

  constructor(config: CacheSystemConfig | CachePresetName, memory: PhysicalMemory, options: CacheSystemOptions = {}) {
    if (!HOST_LITTLE_ENDIAN) throw new CacheConfigError(String(config), 'the cache model needs a little-endian host');
    const cfg = typeof config === 'string' ? cachePreset(config) : config;
    const geometry = new CacheGeometry(cfg);
    this.geometry = geometry;
    this.memory = memory;
    this.lineBytes = geometry.lineBytes;
    const replacement = options.replacement ?? 'lru';
    if (replacement !== 'lru' && replacement !== 'random') throw new CacheConfigError(cfg.name, `unknown replacement '${String(replacement)}'`);
    const random = new SeededRandom(options.seed ?? 1);

    const caches: CacheArray[] = [];
    const paths: CacheArray[][] = Array.from({ length: geometry.cpus }, () => []);
    geometry.dataLevels.forEach((g, pathIndex) => {
      const suffix = g.kind === 'data' ? 'D' : '';
      if (g.sharing === 'cpu') {
        for (let cpu = 0; cpu < geometry.cpus; cpu++) {
          const c = new CacheArray(
            { name: `cpu${cpu}.L${g.level}${suffix}`, geometry: g, ownerCpu: cpu, cluster: geometry.clusterOfCpu[cpu], pathIndex, representativeCpu: cpu },
            replacement,
            random,
          );
          caches.push(c);
          paths[cpu].push(c);
        }
      } else if (g.sharing === 'cluster') {
        for (let cl = 0; cl < geometry.clusters; cl++) {
          const members = geometry.clusterOfCpu.flatMap((x, cpu) => (x === cl ? [cpu] : []));
          if (members.length === 0) continue;
          const c = new CacheArray(
            { name: `cluster${cl}.L${g.level}${suffix}`, geometry: g, ownerCpu: -1, cluster: cl, pathIndex, representativeCpu: members[0] },
            replacement,
            random,
          );
          caches.push(c);
          for (const cpu of members) paths[cpu].push(c);
        }
      } else {
        const c = new CacheArray(
          { name: `system.L${g.level}${suffix}`, geometry: g, ownerCpu: -1, cluster: -1, pathIndex, representativeCpu: 0 },
          replacement,
          random,
        );
        caches.push(c);
        for (const path of paths) path.push(c);
      }
    });
    this.caches = caches;
    this.paths = paths;
    this.firstLevel = paths.map((p) => p[0]);
    this.setWayTargets = paths.map((p) => {
      const byLevel: (CacheArray | undefined)[] = new Array<CacheArray | undefined>(9).fill(undefined);
      for (const c of p) if (c.geometry.setWay) byLevel[c.level] = c;
      return byLevel;
    });
    this.scratch = new Uint32Array(this.lineBytes >>> 2);
    this.scratchBytes = new Uint8Array(this.scratch.buffer);
    this.counts = new Float64Array((geometry.cpus + 1) * COUNTER_LEVELS * CACHE_EVENT_COUNT);
    this.pouLevel = Math.max(geometry.louis, geometry.louu);
    this.fetchSeesDataCaches = this.pouLevel === 0;
    this.storeHitState = this.fetchSeesDataCaches ? EXCLUSIVE | DIRTY : EXCLUSIVE;
    this.pagesWrittenSinceFetch = this.fetchSeesDataCaches ? new Set<number>() : null;
    this.l1Hits = Int32Array.from(this.firstLevel, (l1, cpu) => eventIndex(cpu, l1.level, EV_HITS));
  }

  get cpus(): number {
    return this.geometry.cpus;
  }

  // ---- identification registers (the lead adapts them to src/exec CacheIdentification) ----

  /** CLIDR / CLIDR_EL1 [31:0] (D17 "CLIDR_EL1"). */
  clidr(cpu: number): number {
    return this.geometry.clidr(cpu);
  }
  /** CCSIDR for the cache selected by `csselr` (D17 "CCSIDR_EL1", "CSSELR_EL1"); 0 if none. */
  ccsidr(cpu: number, csselr: number): number {
    return this.geometry.ccsidr(cpu, csselr);
  }
  /** CTR / CTR_EL0 (D17 "CTR_EL0"). */
  ctr(cpu: number): number {
    return this.geometry.ctr(cpu);
  }
  /** DCZID_EL0 (D17 "DCZID_EL0"). */
  dczid(cpu: number): number {
    return this.geometry.dczid(cpu);
  }

  // ---- cacheable accesses ----

  /**
   * Cacheable read of `size` bytes (little-endian) at physical address `pa`. An L1 hit changes
   * only the hit counter and the line's LRU stamp; anything else is `fill`'s work.
   */
  read(cpu: number, pa: number, size: 1 | 2 | 4): number {
    const l1 = this.firstLevel[cpu];
    if (l1 === undefined) this.badCpu(cpu);
    const lb = this.lineBytes;
    const line = Math.floor(pa / lb);
    const offset = pa - line * lb;
    // Off the fast path: line-crossing accesses, and non-integer addresses (rejected there).
    if (offset + size > lb || (offset | 0) !== offset) return this.readSplit(cpu, pa, size);
    let slot = l1.find(line);
    if (slot < 0) slot = this.fill(cpu, line);
    else this.counts[this.l1Hits[cpu]]++;
    l1.touch(slot);
    const d = l1.data;
    const o = slot * lb + offset;
    if (size === 4) return (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
    if (size === 2) return d[o] | (d[o + 1] << 8);
    if (size === 1) return d[o];
    return this.badSize(size);
  }

  /** Cacheable write of the low `size` bytes of `value` at `pa`. */
  write(cpu: number, pa: number, size: 1 | 2 | 4, value: number): void {
    const l1 = this.firstLevel[cpu];
    if (l1 === undefined) this.badCpu(cpu);
    const lb = this.lineBytes;
    const line = Math.floor(pa / lb);
    const offset = pa - line * lb;
    if (offset + size > lb || (offset | 0) !== offset) {
      this.writeSplit(cpu, pa, size, value);
      return;
    }
    if (size !== 4 && size !== 2 && size !== 1) this.badSize(size);
    let slot = l1.find(line);
    // A hit needs the only copy (Exclusive); a shared or missing line is `takeOwnership`'s work.
    if (slot >= 0 && (l1.state[slot] & EXCLUSIVE) !== 0) this.counts[this.l1Hits[cpu]]++;
    else slot = this.takeOwnership(cpu, line, slot);
    const written = this.pagesWrittenSinceFetch;
    if (written !== null && (l1.state[slot] & DIRTY) === 0) written.add(Math.floor(pa / 4096));
    l1.state[slot] = VALID | DIRTY | EXCLUSIVE;
    l1.touch(slot);
    const d = l1.data;
    const o = slot * lb + offset;
    d[o] = value;
    if (size >= 2) d[o + 1] = value >>> 8;
    if (size === 4) {
      d[o + 2] = value >>> 16;
      d[o + 3] = value >>> 24;
    }
  }

  /**
   * What an L1 hit by `cpu` changes, for compiled blocks that make hits inline
   * (src/exec/inline-data-access.ts): its L1 (a hit also stamps the line for LRU, and a write
   * sets it Valid, Dirty, Exclusive) and the one counter, `counts[hitIndex]`.
   */
  l1View(cpu: number): { readonly l1: CacheArray; readonly counts: Float64Array; readonly hitIndex: number } {
    const l1 = this.firstLevel[cpu];
    if (l1 === undefined) this.badCpu(cpu);
    return { l1, counts: this.counts, hitIndex: this.l1Hits[cpu] };
  }

  /**
   * The value a cacheable read by `cpu` would return, without changing any state or counter
   * (for tests, oracles and debuggers).
   */
  peek(cpu: number, pa: number, size: 1 | 2 | 4): number {
    if (this.firstLevel[cpu] === undefined) this.badCpu(cpu);
    if (size !== 4 && size !== 2 && size !== 1) this.badSize(size);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.peekByte(cpu, pa + i) << (8 * i);
    return v >>> 0;
  }

  // ---- maintenance ----

  /**
   * DC ISW/CSW/CISW (DCISW/DCCSW/DCCISW) with operand `operand` executed by `cpu` (D7.5; operand
   * layout in set-way.ts). Acts on the one line the operand names in the cache at that level of
   * `cpu`'s path. A dirty line is written to the next level of that path (or memory).
   */
  setWay(cpu: number, op: SetWayOperation, operand: number, opts?: MaintenanceOptions): SetWayEffect {
    const targets = this.setWayTargets[cpu];
    if (targets === undefined) this.badCpu(cpu);
    if (op !== 'isw' && op !== 'csw' && op !== 'cisw') throw new CacheAccessError(`unknown set/way operation '${String(op)}'`);
    const level = ((operand >>> 1) & 7) + 1;
    const c = targets[level];
    if (c === undefined) {
      this.setWayOutOfRange++;
      return 'out-of-range';
    }
    const g = c.geometry;
    // Way in [31:32-A] (no field when A = 0: `>>> 32` would not shift), set in [L+S-1:L].
    const way = g.wayBits === 0 ? 0 : operand >>> (32 - g.wayBits);
    const set = (operand >>> g.lineShift) & ((1 << g.setBits) - 1);
    if (way >= c.ways || set >= c.sets) {
      this.setWayOutOfRange++;
      return 'out-of-range';
    }
    const slot = set * c.ways + way;
    const st = c.state[slot];
    if (st === 0) return 'no-line';
    const dirty = (st & DIRTY) !== 0;
    if (op === 'csw') {
      if (!dirty) return 'clean';
      this.pushDown(cpu, c.pathIndex, slot, true);
      this.counts[eventIndex(cpu, c.level, EV_LINES_CLEANED)]++;
      return 'written-back';
    }
    if (op === 'isw' && opts?.invalidateCleans !== true) {
      c.state[slot] = 0;
      this.counts[eventIndex(cpu, c.level, EV_LINES_INVALIDATED)]++;
      if (!dirty) return 'clean';
      this.counts[eventIndex(cpu, c.level, EV_DIRTY_DISCARDED)]++;
      return 'discarded';
    }
    if (dirty) {
      this.pushDown(cpu, c.pathIndex, slot, false);
      this.counts[eventIndex(cpu, c.level, EV_LINES_CLEANED)]++;
    }
    c.state[slot] = 0;
    this.counts[eventIndex(cpu, c.level, EV_LINES_INVALIDATED)]++;
    return dirty ? 'written-back' : 'clean';
  }

  /**
   * Data-cache maintenance by (physical) address on the whole line containing `pa`, broadcast to
   * every cache: IVAC/CVAC/CIVAC to the PoC (every level, the system cache included), CVAU to the
   * PoU, ZVA zeroing the DCZID-sized block (default 64 bytes) as cacheable writes by `cpu`.
   */
  byAddress(cpu: number, op: ByAddressOperation, pa: number, opts?: MaintenanceOptions): void {
    if (this.firstLevel[cpu] === undefined) this.badCpu(cpu);
    this.checkAddress(pa, `${op} by CPU ${cpu}`);
    const line = Math.floor(pa / this.lineBytes);
    switch (op) {
      case 'cvac':
      case 'civac':
        this.toPoC(cpu, op, line);
        return;
      case 'cvap':
        this.toPoC(cpu, 'cvac', line);
        return;
      case 'ivac':
        this.toPoC(cpu, opts?.invalidateCleans === true ? 'civac' : 'ivac', line);
        return;
      case 'cvau':
        this.toPoU(cpu, line);
        return;
      case 'zva': {
        const block = this.geometry.zvaBlockBytes;
        const base = pa - (pa % block);
        for (let a = base; a < base + block; a += 4) this.write(cpu, a, 4, 0);
        return;
      }
      default:
        throw new CacheAccessError(`unknown by-address operation '${String(op)}'`);
    }
  }

  /**
   * IC IALLU (broadcast false) / IC IALLUIS (broadcast true): counted, and nothing more. Writing
   * every dirty line beyond the PoU to memory would let fetches see code cleaned to the PoU, but it
   * would also put data in memory that a set/way routine left in L2 (v7_flush_kern_cache_louis
   * ends with ICIALLU), changing what an uncached reader sees: the lab's subject. IC IVAU writes
   * through the one line it names; a fetch path that reads from the PoU would cover IALLU (not
   * modelled yet: on hardware with LoUU >= 1, code cleaned only to L2 and then IALLU fetches the
   * old instructions here). With LoUU = LoUIS = 0 fetches need no maintenance (`prepareFetch`).
   */
  instructionInvalidateAll(cpu: number, broadcast: boolean): void {
    if (this.firstLevel[cpu] === undefined) this.badCpu(cpu);
    const iLevel = this.geometry.levels.find((l) => l.kind !== 'data')?.level ?? 1;
    if (broadcast) for (let c = 0; c < this.cpus; c++) this.counts[eventIndex(c, iLevel, EV_INSTRUCTION_INVALIDATIONS)]++;
    else this.counts[eventIndex(cpu, iLevel, EV_INSTRUCTION_INVALIDATIONS)]++;
  }

  /**
   * Before `cpu` fetches cacheable instructions from the page holding `pa`, where fetches see the
   * data caches (LoUU = LoUIS = 0, FEAT_S2FWB hardware): if a line of the page was made dirty since
   * the page's last fetch, every dirty line of the page is written to memory and kept, clean (an
   * early write-back, which an eviction could do at any time), so the fetch, which reads memory,
   * sees the coherent value as such hardware does. Elsewhere, or for a page not written, nothing.
   */
  prepareFetch(cpu: number, pa: number): void {
    const written = this.pagesWrittenSinceFetch;
    if (written === null || written.size === 0) return;
    const page = Math.floor(pa / 4096);
    if (!written.delete(page)) return;
    const lb = this.lineBytes;
    const first = (page * 4096) / lb;
    for (let line = first; line < first + 4096 / lb; line++) {
      for (const c of this.caches) {
        const s = c.find(line);
        if (s >= 0 && (c.state[s] & DIRTY) !== 0) {
          this.writeThroughForFetch(cpu, c, s);
          break; // at most one dirty copy
        }
      }
    }
  }

  /**
   * IC IVAU / ICIMVAU for the line holding `pa`: counted, and the line's copy beyond the PoU, if
   * dirty, is written to memory (kept, clean): after DC CVAU and IC IVAU a fetch sees the new
   * instructions. A copy still dirty inside the PoU (never cleaned to it) stays: the fetch may then
   * see the old instructions, as the architecture allows.
   */
  instructionInvalidateByAddress(cpu: number, pa: number): void {
    if (this.firstLevel[cpu] === undefined) this.badCpu(cpu);
    this.checkAddress(pa, `ivau by CPU ${cpu}`);
    const iLevel = this.geometry.levels.find((l) => l.kind !== 'data')?.level ?? 1;
    this.counts[eventIndex(cpu, iLevel, EV_INSTRUCTION_INVALIDATIONS)]++;
    const line = Math.floor(pa / this.lineBytes);
    for (const c of this.caches) {
      if (c.level <= this.pouLevel) continue;
      const s = c.find(line);
      if (s >= 0 && (c.state[s] & DIRTY) !== 0) {
        this.writeThroughForFetch(cpu, c, s);
        return; // at most one dirty copy
      }
    }
  }

  /** Write a dirty line beyond the PoU to memory and keep it clean (an instruction invalidation's write-back). */
  private writeThroughForFetch(cpu: number, c: CacheArray, slot: number): void {
    this.writeLineToMemory(c.tags[slot] * this.lineBytes, c, slot);
    c.state[slot] &= ~DIRTY;
    this.counts[eventIndex(cpu, c.level, EV_WRITE_BACKS)]++;
  }

  /** Clean the line holding `pa` to the PoC (as DC CVAC, issued by no CPU: counted in the helper row). */
  cleanLineToPoC(pa: number): void {
    this.checkAddress(pa, 'cleanLineToPoC');
    this.toPoC(this.cpus, 'cvac', Math.floor(pa / this.lineBytes));
  }

  /** Clean and invalidate the line holding `pa` to the PoC (as DC CIVAC, issued by no CPU). */
  cleanInvalidateLineToPoC(pa: number): void {
    this.checkAddress(pa, 'cleanInvalidateLineToPoC');
    this.toPoC(this.cpus, 'civac', Math.floor(pa / this.lineBytes));
  }

  /** Write every dirty line in the system to memory and invalidate every cache. */
  cleanInvalidateAllToPoC(): void {
    const row = this.cpus;
    for (const c of this.caches) {
      for (let slot = 0; slot < c.state.length; slot++) {
        const st = c.state[slot];
        if (st === 0) continue;
        if (st & DIRTY) {
          this.writeLineToMemory(c.tags[slot] * this.lineBytes, c, slot);
          this.counts[eventIndex(row, c.level, EV_WRITE_BACKS)]++;
          this.counts[eventIndex(row, c.level, EV_LINES_CLEANED)]++;
        }
        c.state[slot] = 0;
        this.counts[eventIndex(row, c.level, EV_LINES_INVALIDATED)]++;
      }
    }
  }

  // ---- inspection ----

  /** True when any cache holds a valid copy of the line containing `pa`. */
  isCached(pa: number): boolean {
    const line = Math.floor(pa / this.lineBytes);
    return this.caches.some((c) => c.find(line) >= 0);
  }

  /** True when some cache holds the line containing `pa` dirty. */
  isDirty(pa: number): boolean {
    const line = Math.floor(pa / this.lineBytes);
    return this.caches.some((c) => {
      const s = c.find(line);
      return s >= 0 && (c.state[s] & DIRTY) !== 0;
    });
  }

  /** Every dirty line in the system, optionally only those whose line address passes `filter`. */
  *dirtyLines(filter?: (pa: number) => boolean): Iterable<DirtyLine> {
    for (const c of this.caches) {
      for (let slot = 0; slot < c.state.length; slot++) {
        if ((c.state[slot] & DIRTY) === 0) continue;
        const pa = c.tags[slot] * this.lineBytes;
        if (filter !== undefined && !filter(pa)) continue;
        yield { cache: c.name, cpu: c.ownerCpu, level: c.level, pa };
      }
    }
  }

  /**
   * Dirty lines whose address lies in [low, high), per cache: `out[i]` for `caches[i]`. A scan of
   * every slot (no allocation, nothing kept current on the access path), for a recorder's sample.
   */
  countDirtyLines(low: number, high: number, out: Float64Array): void {
    const caches = this.caches;
    for (let i = 0; i < caches.length; i++) {
      const { state, tags, lineBytes } = caches[i];
      // Compare line numbers, not addresses: one division per cache instead of one product per line.
      const first = low / lineBytes;
      const end = high / lineBytes;
      let n = 0;
      for (let slot = 0; slot < state.length; slot++) {
        if ((state[slot] & DIRTY) !== 0) {
          const line = tags[slot];
          if (line >= first && line < end) n++;
        }
      }
      out[i] = n;
    }
  }

  /**
   * Lines that a set/way operand issued by `cpu` would reach if the data sat in `cpu`'s own cache:
   * those held at the operand's level in the data/unified caches `cpu`'s S/W ops do not reach
   * (other CPUs' private caches, other clusters' shared ones) whose address indexes the operand's
   * set in `cpu`'s cache there. Line addresses, optionally filtered. An oracle's view of where a
   * migration stranded data: no hardware offers it.
   */
  linesStrandedAtSet(cpu: number, operand: number, filter?: (pa: number) => boolean): number[] {
    const targets = this.setWayTargets[cpu];
    if (targets === undefined) this.badCpu(cpu);
    const level = ((operand >>> 1) & 7) + 1;
    const mine = targets[level];
    if (mine === undefined) return [];
    const g = mine.geometry;
    const set = (operand >>> g.lineShift) & ((1 << g.setBits) - 1);
    const out: number[] = [];
    for (const c of this.caches) {
      if (c === mine || c.level !== level || !c.geometry.setWay) continue;
      // Same geometry: only that set can hold such lines; otherwise look at every slot.
      const same = c.sets === mine.sets && c.lineBytes === mine.lineBytes;
      const first = same ? set * c.ways : 0;
      const end = same ? first + c.ways : c.state.length;
      for (let slot = first; slot < end; slot++) {
        if (c.state[slot] === 0) continue;
        const pa = c.tags[slot] * c.lineBytes;
        if (Math.floor(pa / mine.lineBytes) % mine.sets !== set) continue;
        if (filter === undefined || filter(pa)) out.push(pa);
      }
    }
    return out;
  }

  /** Every cached copy of the line containing `pa`, with a snapshot of its bytes. */
  inspectLine(pa: number): LineCopy[] {
    const line = Math.floor(pa / this.lineBytes);
    const out: LineCopy[] = [];
    for (const c of this.caches) {
      const s = c.find(line);
      if (s < 0) continue;
      const st = c.state[s];
      out.push({
        cache: c.name,
        cpu: c.ownerCpu,
        level: c.level,
        pa: line * this.lineBytes,
        dirty: (st & DIRTY) !== 0,
        exclusive: (st & EXCLUSIVE) !== 0,
        bytes: c.data.slice(s * this.lineBytes, (s + 1) * this.lineBytes),
      });
    }
    return out;
  }

  /** Event counters per CPU and level (cpu -1: maintenance by the helpers, issued by no CPU). */
  counters(): CacheCounters {
    const levels = [...new Set(this.geometry.levels.map((l) => l.level))];
    const perCpuLevel: LevelCounters[] = [];
    for (let row = 0; row <= this.cpus; row++) {
      for (const level of levels) {
        const get = (e: number): number => this.counts[eventIndex(row, level, e)];
        const entry = {
          cpu: row === this.cpus ? -1 : row,
          level,
          hits: get(EV_HITS),
          misses: get(EV_MISSES),
          writeBacks: get(EV_WRITE_BACKS),
          linesCleaned: get(EV_LINES_CLEANED),
          linesInvalidated: get(EV_LINES_INVALIDATED),
          dirtyDiscarded: get(EV_DIRTY_DISCARDED),
          coherenceInvalidations: get(EV_COHERENCE_INVALIDATIONS),
          instructionInvalidations: get(EV_INSTRUCTION_INVALIDATIONS),
        };
        // The helper row only appears once a helper did something.
        let events = 0;
        for (let e = 0; e < CACHE_EVENT_COUNT; e++) events += get(e);
        if (row === this.cpus && events === 0) continue;
        perCpuLevel.push(entry);
      }
    }
    return { perCpuLevel, setWayOutOfRange: this.setWayOutOfRange };
  }

  // ---- internals ----

  /** L1 miss of `line` by `cpu`: find the data, make room in L1, fill. Returns the L1 slot. */
  private fill(cpu: number, line: number): number {
    const path = this.paths[cpu];
    const l1 = path[0];
    const pa = line * this.lineBytes;
    this.checkAddress(pa, `cacheable access by CPU ${cpu}`);
    this.counts[eventIndex(cpu, l1.level, EV_MISSES)]++;
    const caches = this.caches;
    let source: CacheArray | null = null;
    let sourceSlot = -1;
    let others = 0;
    // Snoop: the dirty copy, wherever it is, holds the latest data.
    for (let i = 0; i < caches.length; i++) {
      const c = caches[i];
      if (c === l1) continue;
      const s = c.find(line);
      if (s < 0) continue;
      others++;
      if ((c.state[s] & DIRTY) !== 0) {
        source = c;
        sourceSlot = s;
      }
    }
    for (let k = 1; k < path.length; k++) {
      const c = path[k];
      const s = c.find(line);
      if (s >= 0) {
        this.counts[eventIndex(cpu, c.level, EV_HITS)]++;
        c.touch(s);
        if (source === null) {
          source = c;
          sourceSlot = s;
        }
        break;
      }
      this.counts[eventIndex(cpu, c.level, EV_MISSES)]++;
    }
    const buf = this.scratch;
    if (source !== null) source.copyOut(sourceSlot, buf);
    else this.readLineFromMemory(pa); // fills `buf`; may throw PhysicalAddressError: no state changed yet
    const slot = this.allocate(cpu, 0, line);
    l1.copyIn(slot, buf);
    if (others === 0) {
      l1.state[slot] = VALID | EXCLUSIVE;
    } else {
      l1.state[slot] = VALID;
      this.clearExclusive(line, l1);
    }
    return slot;
  }

  /** Make `cpu`'s L1 the only holder of `line` (invalidating every other copy) before a write. */
  private takeOwnership(cpu: number, line: number, slot: number): number {
    const l1 = this.firstLevel[cpu];
    if (slot < 0) slot = this.fill(cpu, line);
    else this.counts[eventIndex(cpu, l1.level, EV_HITS)]++;
    // Under the coherence invariant every other copy holds the same data as ours.
    const caches = this.caches;
    for (let i = 0; i < caches.length; i++) {
      const c = caches[i];
      if (c === l1) continue;
      const s = c.find(line);
      if (s < 0) continue;
      c.state[s] = 0;
      this.counts[eventIndex(cpu, c.level, EV_COHERENCE_INVALIDATIONS)]++;
    }
    return slot;
  }

  private clearExclusive(line: number, except: CacheArray): void {
    for (const c of this.caches) {
      if (c === except) continue;
      const s = c.find(line);
      if (s >= 0) c.state[s] &= ~EXCLUSIVE;
    }
  }

  /** A slot for `line` at path position `k` of `cpu`, evicting (and writing back) its victim. */
  private allocate(cpu: number, k: number, line: number): number {
    const c = this.paths[cpu][k];
    const slot = c.victim(line);
    if ((c.state[slot] & DIRTY) !== 0) this.pushDown(cpu, k, slot, false);
    c.state[slot] = 0;
    c.tags[slot] = line;
    c.touch(slot);
    return slot;
  }

  /**
   * Write the dirty line in `slot` of path position `k` to the next level of `cpu`'s path
   * (allocating there) or, from the last level, to memory. `keep`: the line stays, clean (a clean);
   * otherwise the caller is about to drop it (eviction, clean and invalidate).
   */
  private pushDown(cpu: number, k: number, slot: number, keep: boolean): void {
    const path = this.paths[cpu];
    const c = path[k];
    const line = c.tags[slot];
    const st = c.state[slot];
    this.counts[eventIndex(cpu, c.level, EV_WRITE_BACKS)]++;
    if (k + 1 < path.length) {
      const next = path[k + 1];
      let s = next.find(line);
      if (s < 0) s = this.allocate(cpu, k + 1, line);
      next.copyFrom(s, c, slot);
      // The copy below stays the only one only if this one leaves.
      next.state[s] = VALID | DIRTY | (!keep && (st & EXCLUSIVE) !== 0 ? EXCLUSIVE : 0);
      next.touch(s);
      c.state[slot] = keep ? VALID : 0;
    } else {
      this.writeLineToMemory(line * this.lineBytes, c, slot);
      c.state[slot] = keep ? st & ~DIRTY : 0;
    }
  }

  private toPoC(row: number, op: 'ivac' | 'cvac' | 'civac', line: number): void {
    const pa = line * this.lineBytes;
    for (const c of this.caches) {
      const s = c.find(line);
      if (s < 0) continue;
      const st = c.state[s];
      if ((st & DIRTY) !== 0) {
        if (op === 'ivac') {
          this.counts[eventIndex(row, c.level, EV_DIRTY_DISCARDED)]++;
        } else {
          this.writeLineToMemory(pa, c, s);
          this.counts[eventIndex(row, c.level, EV_WRITE_BACKS)]++;
          this.counts[eventIndex(row, c.level, EV_LINES_CLEANED)]++;
        }
      }
      if (op === 'cvac') {
        c.state[s] = st & ~DIRTY;
      } else {
        c.state[s] = 0;
        this.counts[eventIndex(row, c.level, EV_LINES_INVALIDATED)]++;
      }
    }
  }

  /** DC CVAU: move the dirty copy, if it sits at or inside the PoU, to the first level beyond it. */
  private toPoU(row: number, line: number): void {
    const pou = this.pouLevel;
    for (const c of this.caches) {
      if (c.level > pou) continue;
      const s = c.find(line);
      if (s < 0 || (c.state[s] & DIRTY) === 0) continue;
      // At most one dirty copy: push it outward along a path through its cache.
      const cpu = c.representativeCpu;
      const path = this.paths[cpu];
      let k = c.pathIndex;
      let slot = s;
      while (k < path.length && path[k].level <= pou && slot >= 0) {
        this.pushDown(cpu, k, slot, true);
        this.counts[eventIndex(row, path[k].level, EV_LINES_CLEANED)]++;
        k++;
        slot = k < path.length ? path[k].find(line) : -1;
      }
      return;
    }
  }

  private peekByte(cpu: number, a: number): number {
    const lb = this.lineBytes;
    const line = Math.floor(a / lb);
    const offset = a - line * lb;
    const path = this.paths[cpu];
    let s = path[0].find(line);
    if (s >= 0) return path[0].data[s * lb + offset];
    for (const c of this.caches) {
      s = c.find(line);
      if (s >= 0 && (c.state[s] & DIRTY) !== 0) return c.data[s * lb + offset];
    }
    for (let k = 1; k < path.length; k++) {
      s = path[k].find(line);
      if (s >= 0) return path[k].data[s * lb + offset];
    }
    return this.memory.read8(a);
  }

  private readLineFromMemory(pa: number): void {
    this.memory.readBytes(pa, this.scratchBytes, 0, this.lineBytes);
  }

  private writeLineToMemory(pa: number, c: CacheArray, slot: number): void {
    // A line never crosses a page (lines are at most 2 KiB, aligned), so this is one copy.
    this.memory.writeBytes(pa, c.data.subarray(slot * this.lineBytes, (slot + 1) * this.lineBytes));
  }

  private readSplit(cpu: number, pa: number, size: number): number {
    this.checkAddress(pa, `read by CPU ${cpu}`);
    if (size !== 4 && size !== 2) this.badSize(size);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.read(cpu, pa + i, 1) << (8 * i);
    return v >>> 0;
  }

  private writeSplit(cpu: number, pa: number, size: number, value: number): void {
    this.checkAddress(pa, `write by CPU ${cpu}`);
    if (size !== 4 && size !== 2) this.badSize(size);
    for (let i = 0; i < size; i++) this.write(cpu, pa + i, 1, value >>> (8 * i));
  }

  private checkAddress(pa: number, what: string): void {
    if (!Number.isInteger(pa) || pa < 0 || pa >= PA_LIMIT) {
      throw new CacheAccessError(`${what}: physical address ${String(pa)} is not an integer in [0, 2^52)`);
    }
  }

  private badCpu(cpu: number): never {
    throw new CacheAccessError(`cache system '${this.geometry.name}': CPU ${String(cpu)} does not exist (CPUs 0..${this.cpus - 1})`);
  }

  private badSize(size: number): never {
    throw new CacheAccessError(`access size ${String(size)} is not 1, 2 or 4 bytes`);
  }
}
