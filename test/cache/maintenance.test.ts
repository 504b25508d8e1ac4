import { describe, expect, it } from 'vitest';
import { LineState } from '../../src/cache/cache-array';
import { CacheSystem } from '../../src/cache/cache-system';
import { CacheAccessError } from '../../src/cache/errors';
import type { CacheSystemConfig } from '../../src/cache/geometry';
import { cachePreset } from '../../src/cache/presets';
import { setWayOperand } from '../../src/cache/set-way';
import { PhysicalAddressError, PhysicalMemory } from '../../src/mmu/physical-memory';

const RAM = { base: 0x4000_0000, size: 0x100_0000 };
const A = RAM.base + 0x1000;

function cubietruck(): { cs: CacheSystem; mem: PhysicalMemory } {
  const mem = new PhysicalMemory([RAM]);
  return { cs: new CacheSystem('cubietruck', mem), mem };
}

/** Operand naming the slot that holds `pa` at `level` (found by inspection, as a test oracle). */
function operandFor(cs: CacheSystem, level: number, pa: number): number {
  const g = cs.geometry.dataLevel(level)!;
  const line = Math.floor(pa / g.lineBytes);
  const set = line % g.sets;
  const cache = cs.caches.find((c) => c.level === level && c.find(line) >= 0)!;
  const way = cache.find(line) - set * g.ways;
  return setWayOperand(g, set, way);
}

describe('cacheable accesses', () => {
  it('write-back: a cacheable write stays in L1 and memory keeps the old value', () => {
    const { cs, mem } = cubietruck();
    mem.write32(A, 0x11111111);
    cs.write(0, A, 4, 0xcafef00d);
    expect(mem.read32(A)).toBe(0x11111111); // a non-cacheable read misses the dirty data
    expect(cs.read(0, A, 4)).toBe(0xcafef00d);
    expect([...cs.dirtyLines()]).toEqual([{ cache: 'cpu0.L1D', cpu: 0, level: 1, pa: A }]);
  });

  it('is little-endian and splits accesses that cross a line', () => {
    const { cs } = cubietruck();
    cs.write(0, A + 62, 4, 0x44332211);
    expect(cs.read(1, A + 62, 2)).toBe(0x2211);
    expect(cs.read(1, A + 64, 2)).toBe(0x4433);
    expect(cs.read(0, A + 63, 1)).toBe(0x22);
    expect(cs.read(1, A + 62, 4)).toBe(0x44332211);
  });

  it('a read by CPU 1 of a line dirty in CPU 0 gets CPU 0\'s data; a write by CPU 1 takes ownership', () => {
    const { cs } = cubietruck();
    cs.write(0, A, 4, 1);
    expect(cs.read(1, A, 4)).toBe(1);
    // Still exactly one dirty copy (CPU 0's, "Owned"), and CPU 1 holds a clean copy.
    expect(cs.inspectLine(A).map((c) => [c.cache, c.dirty])).toEqual([
      ['cpu0.L1D', true],
      ['cpu1.L1D', false],
    ]);
    cs.write(1, A, 4, 2);
    expect(cs.inspectLine(A).map((c) => [c.cache, c.dirty])).toEqual([['cpu1.L1D', true]]);
    expect(cs.read(0, A, 4)).toBe(2);
  });

  it('evicts dirty victims into L2 (not memory) and L2 victims into memory', () => {
    const { cs, mem } = cubietruck();
    // Five lines in one L1 set (128 sets x 64 B: stride 8 KiB) overflow the 4 ways.
    for (let i = 0; i < 5; i++) cs.write(0, A + i * 0x2000, 4, 100 + i);
    const where = [...cs.dirtyLines()].map((d) => [d.cache, d.pa - A]);
    expect(where).toContainEqual(['cluster0.L2', 0]);
    expect(where.filter(([c]) => c === 'cpu0.L1D')).toHaveLength(4);
    expect(mem.read32(A)).toBe(0);
    expect(cs.read(1, A, 4)).toBe(100);
  });

  it('rejects a hole, a bad CPU, a bad size and a non-integer address with typed errors, changing nothing', () => {
    const { cs } = cubietruck();
    cs.write(0, A, 4, 7);
    expect(() => cs.read(0, 0x1000, 4)).toThrow(PhysicalAddressError);
    expect(() => cs.read(2, A, 4)).toThrow(CacheAccessError);
    expect(() => cs.read(0, A, 3 as 4)).toThrow(/size 3/);
    expect(() => cs.write(0, A + 0.5, 4, 1)).toThrow(CacheAccessError);
    expect(() => cs.read(0, -64, 4)).toThrow(CacheAccessError);
    expect(cs.read(0, A, 4)).toBe(7);
  });

  it('random replacement is reproducible from its seed', () => {
    const run = (seed: number) => {
      const mem = new PhysicalMemory([RAM]);
      const cs = new CacheSystem('cubietruck', mem, { replacement: 'random', seed });
      for (let i = 0; i < 64; i++) cs.write(0, A + i * 0x2000, 4, i);
      return [...cs.dirtyLines()].map((d) => `${d.cache}@${d.pa}`).join(',');
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });
});

describe('set/way maintenance', () => {
  it('CSW on L1 moves the dirty line to L2, CSW on L2 moves it to memory', () => {
    const { cs, mem } = cubietruck();
    cs.write(0, A, 4, 0xabc);
    const op1 = operandFor(cs, 1, A);
    expect(cs.setWay(0, 'csw', op1)).toBe('written-back');
    expect(mem.read32(A)).toBe(0);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
    expect(cs.setWay(0, 'csw', op1)).toBe('clean');
    // L2 is shared: CPU 1 can clean it.
    expect(cs.setWay(1, 'csw', operandFor(cs, 2, A))).toBe('written-back');
    expect(mem.read32(A)).toBe(0xabc);
    expect([...cs.dirtyLines()]).toEqual([]);
  });

  it('ISW discards dirty data (counted); with invalidateCleans it cleans first', () => {
    const { cs, mem } = cubietruck();
    mem.write32(A, 5);
    cs.write(0, A, 4, 6);
    expect(cs.setWay(0, 'isw', operandFor(cs, 1, A))).toBe('discarded');
    expect(cs.read(0, A, 4)).toBe(5);
    cs.write(0, A, 4, 7);
    expect(cs.setWay(0, 'isw', operandFor(cs, 1, A), { invalidateCleans: true })).toBe('written-back');
    expect(cs.read(0, A, 4)).toBe(7);
    const l1 = cs.counters().perCpuLevel.find((c) => c.cpu === 0 && c.level === 1)!;
    expect(l1.dirtyDiscarded).toBe(1);
    expect(l1.linesInvalidated).toBe(2);
    expect(l1.linesCleaned).toBe(1);
  });

  it('acts only on the executing CPU\'s L1: CPU 1\'s dirty line survives CPU 0\'s CISW of every L1 line', () => {
    const { cs, mem } = cubietruck();
    cs.write(1, A, 4, 0x1234);
    const g = cs.geometry.dataLevel(1)!;
    for (let set = 0; set < g.sets; set++) for (let way = 0; way < g.ways; way++) cs.setWay(0, 'cisw', setWayOperand(g, set, way));
    expect([...cs.dirtyLines()]).toEqual([{ cache: 'cpu1.L1D', cpu: 1, level: 1, pa: A }]);
    expect(mem.read32(A)).toBe(0);
  });

  it('gives out-of-range operands no effect and counts them', () => {
    const { cs } = cubietruck();
    cs.write(0, A, 4, 1);
    const g1 = cs.geometry.dataLevel(1)!;
    const before = cs.inspectLine(A);
    expect(cs.setWay(0, 'cisw', 2 << 1)).toBe('out-of-range'); // L3: no cache
    expect(cs.setWay(0, 'cisw', 7 << 1)).toBe('out-of-range'); // L8
    // L1 has 128 sets (S = 7): every set value fits, so only a bad level or way can be out of range
    // here; the L2 of QEMU's A15 (2304 sets, S = 12) has set values beyond its geometry.
    const mem = new PhysicalMemory([RAM]);
    const q = new CacheSystem('qemu-cortex-a15', mem);
    const l2 = q.geometry.dataLevel(2)!;
    expect(q.setWay(0, 'cisw', ((2304 + 5) << l2.lineShift) | (1 << 1))).toBe('out-of-range');
    expect(q.counters().setWayOutOfRange).toBe(1);
    expect(cs.counters().setWayOutOfRange).toBe(2);
    expect(cs.inspectLine(A)).toEqual(before);
    expect(g1.wayBits).toBe(2);
  });

  it('decodes a direct-mapped cache (A = 0: no way field) and a 3-way cache (A = 2, way 3 out of range)', () => {
    const cfg: CacheSystemConfig = {
      name: 'odd',
      clusterOfCpu: [0],
      levels: [
        { level: 1, kind: 'data', lineBytes: 32, ways: 1, sets: 8, sharing: 'cpu' },
        { level: 2, kind: 'unified', lineBytes: 32, ways: 3, sets: 8, sharing: 'cpu' },
      ],
      louis: 1,
      loc: 2,
      louu: 1,
    };
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem(cfg, mem);
    cs.write(0, A + 32 * 3, 4, 9); // set 3
    expect(cs.setWay(0, 'csw', (3 << 5) | 0xf000_0000)).toBe('written-back'); // high bits ignored: no way field
    expect(cs.setWay(0, 'cisw', (3 << 30) | (1 << 1))).toBe('out-of-range'); // way 3 of 3
    expect(cs.setWay(0, 'cisw', (0 << 30) | (3 << 5) | (1 << 1))).toBe('written-back');
    expect(mem.read32(A + 96)).toBe(9);
  });
});

describe('maintenance by address', () => {
  it('CVAC writes the dirty line to memory and leaves clean copies; CIVAC also invalidates them', () => {
    const { cs, mem } = cubietruck();
    cs.write(0, A, 4, 1);
    cs.read(1, A, 4);
    cs.byAddress(1, 'cvac', A + 17);
    expect(mem.read32(A)).toBe(1);
    expect(cs.inspectLine(A).map((c) => c.dirty)).toEqual([false, false]);
    cs.byAddress(0, 'civac', A);
    expect(cs.isCached(A)).toBe(false);
  });

  it('CVAP cleans to memory like CVAC (memory is the Point of Persistence)', () => {
    const { cs, mem } = cubietruck();
    cs.write(1, A, 4, 0x77);
    cs.byAddress(0, 'cvap', A);
    expect(mem.read32(A)).toBe(0x77);
    expect(cs.isDirty(A)).toBe(false);
    expect(cs.isCached(A)).toBe(true);
  });

  it('rejects an unknown operation and a bad address with typed errors', () => {
    const { cs } = cubietruck();
    expect(() => cs.byAddress(0, 'dcxyz' as 'cvac', A)).toThrow(/unknown by-address operation/);
    expect(() => cs.byAddress(0, 'cvac', 2 ** 53)).toThrow(CacheAccessError);
    expect(() => cs.setWay(0, 'zsw' as 'csw', 0)).toThrow(/unknown set\/way operation/);
  });

  it('IVAC discards dirty data unless the caller upgrades it', () => {
    const { cs, mem } = cubietruck();
    cs.write(0, A, 4, 1);
    cs.byAddress(0, 'ivac', A);
    expect(cs.read(0, A, 4)).toBe(0);
    cs.write(0, A, 4, 2);
    cs.byAddress(0, 'ivac', A, { invalidateCleans: true });
    expect(mem.read32(A)).toBe(2);
  });

  it('CVAU moves dirty data from L1 (inside the PoU, LoUU = 1) to L2, not to memory', () => {
    const { cs, mem } = cubietruck();
    cs.write(1, A, 4, 3);
    cs.byAddress(0, 'cvau', A); // broadcast: CPU 1's L1 is cleaned
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
    expect(mem.read32(A)).toBe(0);
    expect(cs.read(0, A, 4)).toBe(3);
  });

  it('ZVA zeroes a 64-byte block through the cache', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('server', mem);
    for (let i = 0; i < 32; i++) mem.write32(A + 4 * i, 0xffffffff);
    cs.byAddress(2, 'zva', A + 64 + 12);
    expect(cs.read(0, A + 60, 4)).toBe(0xffffffff);
    for (let i = 16; i < 32; i++) expect(cs.read(0, A + 4 * i, 4)).toBe(0);
    expect(mem.read32(A + 64)).toBe(0xffffffff); // not yet in memory
  });
});

describe('server: the system cache beyond set/way', () => {
  it('a full S/W clean of L1 and L2 leaves the data in the system cache; CVAC reaches memory', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('server', mem);
    cs.write(0, A, 4, 0x5a5a);
    for (const level of [1, 2]) {
      const g = cs.geometry.dataLevel(level)!;
      for (let way = 0; way < g.ways; way++) for (let set = 0; set < g.sets; set++) cs.setWay(0, 'cisw', setWayOperand(g, set, way));
    }
    expect([...cs.dirtyLines()]).toEqual([{ cache: 'system.L3', cpu: -1, level: 3, pa: A }]);
    expect(mem.read32(A)).toBe(0);
    expect(cs.setWay(0, 'cisw', 2 << 1)).toBe('out-of-range');
    // Another cluster still reads the right data (the system cache is coherent).
    expect(cs.read(3, A, 4)).toBe(0x5a5a);
    cs.byAddress(3, 'cvac', A);
    expect(mem.read32(A)).toBe(0x5a5a);
  });

  it('a CPU in the other cluster reads a line dirty in cluster 0\'s L2', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('server', mem);
    cs.write(1, A, 4, 77);
    cs.setWay(1, 'csw', operandFor(cs, 1, A));
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
    expect(cs.read(2, A, 4)).toBe(77);
    cs.write(3, A, 4, 78);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cpu3.L1D']);
    expect(cs.read(0, A, 4)).toBe(78);
  });

  it('cleanInvalidateAllToPoC empties every cache into memory and charges the helper row', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('server', mem);
    for (let cpu = 0; cpu < 4; cpu++) cs.write(cpu, A + cpu * 64, 4, cpu + 1);
    cs.cleanInvalidateAllToPoC();
    for (let cpu = 0; cpu < 4; cpu++) expect(mem.read32(A + cpu * 64)).toBe(cpu + 1);
    expect(cs.caches.every((c) => c.state.every((s) => s === 0))).toBe(true);
    const helper = cs.counters().perCpuLevel.filter((c) => c.cpu === -1);
    expect(helper.reduce((n, c) => n + c.writeBacks, 0)).toBe(4);
  });
});

describe('inspection', () => {
  it('counts hits and misses per CPU and level; peek changes nothing; dirtyLines filters', () => {
    const { cs } = cubietruck();
    cs.read(0, A, 4); // L1 miss, L2 miss
    cs.read(0, A + 4, 4); // L1 hit
    for (let i = 1; i <= 4; i++) cs.write(0, A + i * 0x2000, 4, i); // evicts A (clean: dropped)
    for (let i = 1; i <= 4; i++) cs.write(0, A + 0x10_0000 + i * 0x2000, 4, i); // dirty victims go to L2
    cs.read(0, A + 0x2000, 4); // L1 miss, L2 hit
    const row = (level: number) => cs.counters().perCpuLevel.find((c) => c.cpu === 0 && c.level === level)!;
    expect([row(1).hits, row(1).misses]).toEqual([1, 10]);
    expect([row(2).hits, row(2).misses]).toEqual([1, 9]);
    // Four dirty victims of the second batch, plus one evicted by the final fill from L2.
    expect(row(1).writeBacks).toBe(5);
    const before = JSON.stringify(cs.counters());
    expect(cs.peek(1, A + 0x2000, 4)).toBe(1);
    expect(JSON.stringify(cs.counters())).toBe(before);
    expect([...cs.dirtyLines((pa) => pa >= A + 0x10_0000)]).toHaveLength(4);
  });
});

describe('I-side', () => {
  it('counts instruction-cache invalidations, local and broadcast', () => {
    const { cs } = cubietruck();
    cs.instructionInvalidateAll(0, false);
    cs.instructionInvalidateAll(1, true);
    cs.instructionInvalidateByAddress(1, A);
    const i = (cpu: number) => cs.counters().perCpuLevel.find((c) => c.cpu === cpu && c.level === 1)!.instructionInvalidations;
    expect([i(0), i(1)]).toEqual([2, 2]);
  });

  // Fetches read memory; architecturally they fill from the PoU (L2 here: LoUU = 1). Code that was
  // written, cleaned to the PoU and invalidated from the I-side must be what the next fetch reads.
  it('IC IVAU writes a line cleaned to the PoU (DC CVAU) through to memory, where fetches read', () => {
    const { cs, mem } = cubietruck();
    mem.write32(A, 0xd503201f); // NOP
    cs.write(0, A, 4, 0x14000002); // B .+8, as a kernel patches a jump label
    cs.byAddress(0, 'cvau', A);
    expect(mem.read32(A)).toBe(0xd503201f); // at the PoU (L2), not yet in memory
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
    cs.instructionInvalidateByAddress(1, A); // broadcast by address: any CPU's IC IVAU does
    expect(mem.read32(A)).toBe(0x14000002);
    expect([...cs.dirtyLines()]).toEqual([]);
    expect(cs.read(0, A, 4)).toBe(0x14000002); // still cached, clean
  });

  it('IC IVAU leaves a line never cleaned to the PoU alone: the fetch may see old code', () => {
    const { cs, mem } = cubietruck();
    mem.write32(A, 0xd503201f);
    cs.write(0, A, 4, 0x14000002);
    cs.instructionInvalidateByAddress(0, A);
    expect(mem.read32(A)).toBe(0xd503201f);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cpu0.L1D']);
  });

  // FEAT_S2FWB hardware reports LoUU = LoUIS = 0 (Arm ARM rule IRRDBK): no data cache needs
  // cleaning for fetches to see data writes; a cacheable fetch sees the coherent value, no maintenance needed.
  describe('with the PoU before every data cache (LoUU = LoUIS = 0)', () => {
    const fwbLike = () => {
      const mem = new PhysicalMemory([RAM]);
      return { mem, cs: new CacheSystem({ ...cachePreset('cubietruck'), louis: 0, louu: 0 }, mem) };
    };

    it('a fetch from a page written since its last fetch finds every dirty line of that page in memory, kept, clean', () => {
      const { cs, mem } = fwbLike();
      expect((cs.clidr(0) >>> 21) & 7).toBe(0); // LoUIS
      expect((cs.clidr(0) >>> 27) & 7).toBe(0); // LoUU
      expect([cs.fetchSeesDataCaches, cs.storeHitState]).toEqual([true, LineState.Exclusive | LineState.Dirty]);
      cs.write(0, A, 4, 0xe1a00000); // code written by CPU 0, in its L1D
      cs.write(1, A + 0x40, 4, 0xe12fff1e); // the next line by CPU 1, in its own L1D
      cs.write(1, A + 0x1000, 4, 0xe3a00001); // the next page
      cs.byAddress(1, 'cvau', A); // DC CVAU moves nothing: there is no level inside the PoU
      cs.prepareFetch(0, A + 0x40);
      expect([mem.read32(A), mem.read32(A + 0x40), mem.read32(A + 0x1000)]).toEqual([0xe1a00000, 0xe12fff1e, 0]);
      expect([...cs.dirtyLines()].map((d) => d.pa)).toEqual([A + 0x1000]);
      expect([cs.read(0, A, 4), cs.read(1, A + 0x40, 4)]).toEqual([0xe1a00000, 0xe12fff1e]); // kept, clean
      expect(cs.counters().perCpuLevel.find((c) => c.cpu === 0 && c.level === 1)!.writeBacks).toBe(2);
    });

    it('a page fetched again is written back again only after a store makes one of its lines dirty again', () => {
      const { cs, mem } = fwbLike();
      cs.write(0, A, 4, 1);
      cs.prepareFetch(0, A);
      cs.write(0, A, 4, 2); // the line is clean (kept Exclusive): this store must be noted
      cs.prepareFetch(0, A);
      expect(mem.read32(A)).toBe(2);
      cs.write(0, A, 4, 3);
      cs.write(0, A + 4, 4, 4); // the line is dirty already
      cs.prepareFetch(1, A);
      expect([mem.read32(A), mem.read32(A + 4)]).toEqual([3, 4]);
      const wb = () => cs.counters().perCpuLevel.filter((c) => c.level === 1).reduce((n, c) => n + c.writeBacks, 0);
      const before = wb();
      cs.prepareFetch(0, A); // nothing written since: nothing to do
      expect(wb()).toBe(before);
    });

    it('IC IALLU only counts there too', () => {
      const { cs, mem } = fwbLike();
      cs.write(0, A, 4, 1);
      cs.instructionInvalidateAll(0, true);
      expect(mem.read32(A)).toBe(0);
      expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cpu0.L1D']);
    });
  });

  it('elsewhere (LoUU = 1) a fetch needs no preparing: prepareFetch leaves dirty lines alone', () => {
    const { cs, mem } = cubietruck();
    expect([cs.fetchSeesDataCaches, cs.storeHitState]).toEqual([false, LineState.Exclusive]);
    cs.write(0, A, 4, 1);
    cs.prepareFetch(0, A);
    expect(mem.read32(A)).toBe(0);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cpu0.L1D']);
  });

  it('IC IALLU writes nothing through: data a set/way routine left in L2 stays there (what an uncached reader sees)', () => {
    const { cs, mem } = cubietruck();
    cs.write(0, A, 4, 1);
    cs.byAddress(0, 'cvau', A);
    cs.instructionInvalidateAll(0, false);
    expect(mem.read32(A)).toBe(0);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
  });
});
