/**
 * Clean and invalidate a whole physical range to the Point of Coherency, with the effect of one
 * DC CIVAC per line (D7.5.10) but at a cost bounded by the cache size: a hypervisor flushing a
 * 16 GiB guest issues 268 million DC CIVACs, of which only the lines actually cached can do
 * anything, so for large ranges the model visits the cached lines instead of the addresses.
 */
import type { CacheSystem } from './cache-system';

/** Lines the range covers (what a by-address loop would issue, for cost accounting). */
export function linesInRange(caches: CacheSystem, pa: number, size: number): number {
  const lb = caches.lineBytes;
  return Math.ceil((pa + size) / lb) - Math.floor(pa / lb);
}

export function cleanInvalidateRangeToPoC(caches: CacheSystem, pa: number, size: number): void {
  const lb = caches.lineBytes;
  const first = Math.floor(pa / lb);
  const end = Math.ceil((pa + size) / lb);
  let cachedLines = 0;
  for (const c of caches.caches) cachedLines += c.state.length;
  // A lookup per line costs several slot probes; a scan costs one test per slot: scan early.
  if (end - first <= cachedLines / 8) {
    for (let line = first; line < end; line++) {
      caches.cleanInvalidateLineToPoC(line * lb);
    }
    return;
  }
  const hits: number[] = [];
  for (const c of caches.caches) {
    for (let slot = 0; slot < c.state.length; slot++) {
      const tag = c.tags[slot];
      if (c.state[slot] !== 0 && tag >= first && tag < end) hits.push(tag);
    }
  }
  for (const tag of hits) caches.cleanInvalidateLineToPoC(tag * lb);
}

/** Dirty lines written back anywhere in the system so far (all CPUs, all levels). */
export function totalWriteBacks(caches: CacheSystem): number {
  let n = 0;
  for (const row of caches.counters().perCpuLevel) n += row.writeBacks;
  return n;
}
