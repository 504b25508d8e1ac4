/**
 * How many lookups a walk that steps by p2m_get_entry's answer (Xen's p2m_cache_flush_range)
 * spends crossing a hole in the p2m. For an IPA with nothing mapped, the lookup stops at the
 * first level whose entry is empty and reports that level's block size, and the walk moves on to
 * the next boundary of that size: a hole costs one lookup per aligned empty block, the largest
 * that fit, not one per page.
 */
import { PAGE_SIZE } from '../mmu/physical-memory';
import { levelBlockSize } from '../mmu/stage2-descriptor';

/**
 * Lookups to cross [start, end), where mappings end at `start` and begin again at `end` (both page
 * aligned) and tables exist only above mapped entries: the entry at some level covering an IPA
 * of the hole is empty exactly when its block lies wholly inside the hole.
 */
export function lookupsAcrossHole(start: number, end: number, startLevel: number): number {
  if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0) throw new RangeError(`hole 0x${start.toString(16)}-0x${end.toString(16)} is not page aligned`);
  let lookups = 0;
  for (let at = start; at < end; lookups++) {
    for (let level = startLevel; ; level++) {
      const size = levelBlockSize(level);
      const base = Math.floor(at / size) * size;
      if (base >= start && base + size <= end) {
        at = base + size;
        break;
      }
    }
  }
  return lookups;
}
