/**
 * Event counters of the cache model, kept in one Float64Array indexed by (cpu, level, event).
 * An event is charged to the CPU whose access or maintenance caused it and to the level of the
 * cache it happened in, also when that cache is shared or belongs to another CPU (a broadcast
 * maintenance by CPU 0 that cleans CPU 1's L1 counts as CPU 0, level 1).
 */

export const CacheEvent = {
  /** Lookups that found the line at this level. */
  hits: 0,
  /** Lookups that did not find the line at this level (the request went further out). */
  misses: 1,
  /** Dirty lines written from this level to the next level or to memory (eviction, clean). */
  writeBacks: 2,
  /** Dirty lines made clean by a maintenance operation (S/W or by address). */
  linesCleaned: 3,
  /** Valid lines invalidated by a maintenance operation. */
  linesInvalidated: 4,
  /** Dirty lines invalidated without write-back (ISW or IVAC): data lost. */
  dirtyDiscarded: 5,
  /** Copies invalidated by the coherence protocol because another CPU wrote the line. */
  coherenceInvalidations: 6,
  /** Instruction-cache invalidate-all operations received (the I-side holds no data here). */
  instructionInvalidations: 7,
} as const;
export type CacheEventName = keyof typeof CacheEvent;
export const CACHE_EVENT_COUNT = 8;
/** Levels are 1..8 (a system cache may sit at level 8 in principle). */
export const COUNTER_LEVELS = 9;

export type LevelCounters = { readonly cpu: number; readonly level: number } & { readonly [K in CacheEventName]: number };

export interface CacheCounters {
  /** One entry per CPU and level that has a cache. */
  readonly perCpuLevel: readonly LevelCounters[];
  /** S/W operations whose level, set or way lies beyond the geometry (CONSTRAINED UNPREDICTABLE: no effect). */
  readonly setWayOutOfRange: number;
}

export function counterIndex(cpu: number, level: number, event: number): number {
  return (cpu * COUNTER_LEVELS + level) * CACHE_EVENT_COUNT + event;
}
