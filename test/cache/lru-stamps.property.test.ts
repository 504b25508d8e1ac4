/**
 * CacheArray.touch leaves the stamp alone when the slot is its set's most recent already: the
 * victim a fill picks must still be the least recently used line, as with a stamp on every use.
 * Checked against a plain list of uses (the definition of LRU), for random use/fill sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheArray, LineState, SeededRandom } from '../../src/cache/cache-array';
import type { CacheLevelGeometry } from '../../src/cache/geometry';

function array(ways: number, sets: number): CacheArray {
  const geometry: CacheLevelGeometry = {
    level: 1, kind: 'data', lineBytes: 64, ways, sets, sharing: 'cpu', setWay: true, ccsidrFlags: 7, lineShift: 6, wayBits: Math.ceil(Math.log2(ways)), setBits: Math.ceil(Math.log2(sets)),
  };
  return new CacheArray({ name: 'L1D', geometry, ownerCpu: 0, cluster: 0, pathIndex: 0, representativeCpu: 0 }, 'lru', new SeededRandom(1));
}

describe('LRU with the most-recent slot left unstamped', () => {
  it('every fill evicts the line a list of uses calls least recently used (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 11 })), { maxLength: 300 }), (ways, ops) => {
        const sets = 4;
        const c = array(ways, sets);
        // Per set: slots in order of last use, oldest first (the reference LRU).
        const uses: number[][] = Array.from({ length: sets }, () => []);
        const use = (set: number, slot: number): void => {
          uses[set] = [...uses[set].filter((s) => s !== slot), slot];
          c.touch(slot);
        };
        for (const [set, tag] of ops) {
          const line = tag * sets + set;
          const hit = c.find(line);
          if (hit >= 0) {
            use(set, hit);
            continue;
          }
          const base = set * ways;
          const full = Array.from({ length: ways }, (_, w) => c.state[base + w] !== 0).every(Boolean);
          const victim = c.victim(line);
          if (full) expect(victim).toBe(uses[set][0]);
          c.tags[victim] = line;
          c.state[victim] = LineState.Valid;
          use(set, victim);
        }
      }),
    );
  });

  it('a run of uses of one line stores one stamp and moves the clock once', () => {
    const c = array(4, 4);
    c.tags[0] = 0;
    c.state[0] = LineState.Valid;
    for (let i = 0; i < 10; i++) c.touch(0);
    expect(c.tick).toBe(1);
    c.touch(1);
    c.touch(0);
    expect(c.tick).toBe(3);
  });
});
