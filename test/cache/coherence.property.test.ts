/**
 * Random interleavings of cacheable and non-cacheable accesses and maintenance from several CPUs,
 * on tiny caches (so that every access evicts), checked against a byte-array model of "the last
 * cacheable write" after every step.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheSystem, type ReplacementPolicy } from '../../src/cache/cache-system';
import type { CacheSystemConfig } from '../../src/cache/geometry';
import { forEachFlushOperand } from '../../src/cache/set-way-walk';
import { PhysicalMemory } from '../../src/mmu/physical-memory';

const LINE = 16;
const BASE = 0x8000_0000;
/** Region A: cacheable reads and writes. 24 lines over 2-set L1s. */
const A_LINES = 24;
const A_BYTES = A_LINES * LINE;
/** Region B: written only by a non-cacheable "device", read cacheably after an invalidate. */
const B = BASE + 0x1000;
const B_BYTES = 4 * LINE;

/** 3 CPUs in 2 clusters, private L1, per-cluster L2, system cache beyond S/W. */
const TINY_WITH_SLC: CacheSystemConfig = {
  name: 'tiny-slc',
  clusterOfCpu: [0, 0, 1],
  levels: [
    { level: 1, kind: 'data', lineBytes: LINE, ways: 2, sets: 2, sharing: 'cpu' },
    { level: 2, kind: 'unified', lineBytes: LINE, ways: 2, sets: 2, sharing: 'cluster' },
    { level: 3, kind: 'unified', lineBytes: LINE, ways: 3, sets: 2, sharing: 'system', setWay: false },
  ],
  louis: 1,
  loc: 2,
  louu: 1,
  zvaBlockBytes: 32,
};

/** Cubietruck-shaped: 2 CPUs, private L1, shared L2, no system cache. */
const TINY_CUBIE: CacheSystemConfig = {
  name: 'tiny-cubie',
  clusterOfCpu: [0, 0],
  levels: [
    { level: 1, kind: 'data', lineBytes: LINE, ways: 2, sets: 2, sharing: 'cpu' },
    { level: 1, kind: 'instruction', lineBytes: LINE, ways: 2, sets: 2, sharing: 'cpu' },
    { level: 2, kind: 'unified', lineBytes: LINE, ways: 3, sets: 4, sharing: 'cluster' },
  ],
  louis: 1,
  loc: 2,
  louu: 1,
  zvaBlockBytes: 16,
};

type Op =
  | { k: 'w'; cpu: number; off: number; size: 1 | 2 | 4; value: number }
  | { k: 'r'; cpu: number; off: number; size: 1 | 2 | 4 }
  | { k: 'ncr'; off: number }
  | { k: 'dma'; cpu: number; off: number; value: number }
  | { k: 'dmaRead'; cpu: number; off: number }
  | { k: 'sw'; cpu: number; op: 'csw' | 'cisw' | 'isw'; level: number; set: number; way: number }
  | { k: 'va'; cpu: number; op: 'cvac' | 'civac' | 'cvau' | 'ivac'; off: number }
  | { k: 'zva'; cpu: number; off: number }
  | { k: 'flush'; cpu: number; op: 'csw' | 'cisw' | 'isw' };

function opArb(cpus: number): fc.Arbitrary<Op> {
  const cpu = fc.integer({ min: 0, max: cpus - 1 });
  const off = fc.integer({ min: 0, max: A_BYTES - 1 });
  const size = fc.constantFrom(1 as const, 2 as const, 4 as const);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant('w' as const), cpu, off, size, value: fc.integer({ min: 0, max: 0xffffffff }) }) },
    { weight: 5, arbitrary: fc.record({ k: fc.constant('r' as const), cpu, off, size }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('ncr' as const), off }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('dma' as const), cpu, off: fc.integer({ min: 0, max: B_BYTES / 4 - 1 }), value: fc.integer({ min: 0, max: 0xffffffff }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('dmaRead' as const), cpu, off: fc.integer({ min: 0, max: B_BYTES / 4 - 1 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('sw' as const),
        cpu,
        op: fc.constantFrom('csw' as const, 'cisw' as const, 'isw' as const),
        level: fc.integer({ min: 1, max: 3 }),
        set: fc.integer({ min: 0, max: 4 }),
        way: fc.integer({ min: 0, max: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('va' as const), cpu, op: fc.constantFrom('cvac' as const, 'civac' as const, 'cvau' as const, 'ivac' as const), off }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('zva' as const), cpu, off }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('flush' as const), cpu, op: fc.constantFrom('csw' as const, 'cisw' as const, 'isw' as const) }) },
  );
}

/** Build a S/W operand by hand from the Arm ARM layout (not with the code under test). */
function swOperand(cs: CacheSystem, level: number, set: number, way: number): number {
  const ccsidr = cs.ccsidr(0, (level - 1) << 1);
  if (ccsidr === 0) return (way << 30) | (set << 4) | ((level - 1) << 1); // no cache there
  const lineShift = (ccsidr & 7) + 4;
  const ways = ((ccsidr >>> 3) & 0x3ff) + 1;
  const a = Math.ceil(Math.log2(ways));
  return ((a === 0 ? 0 : way << (32 - a)) | (set << lineShift) | ((level - 1) << 1)) >>> 0;
}

function readModel(model: Uint8Array, off: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v |= model[off + i] << (8 * i);
  return v >>> 0;
}

/**
 * Coherence invariants, read straight from the cache arrays: at most one dirty copy of a line;
 * while one exists every copy holds the same bytes; an Exclusive copy is the only copy.
 */
function checkInvariants(cs: CacheSystem): void {
  const copies = new Map<number, { data: Uint8Array; at: number; dirty: boolean; exclusive: boolean }[]>();
  for (const c of cs.caches) {
    for (let slot = 0; slot < c.state.length; slot++) {
      const st = c.state[slot];
      if (st === 0) continue;
      const list = copies.get(c.tags[slot]) ?? [];
      list.push({ data: c.data, at: slot * LINE, dirty: (st & 2) !== 0, exclusive: (st & 4) !== 0 });
      copies.set(c.tags[slot], list);
    }
  }
  for (const [line, list] of copies) {
    const dirty = list.filter((x) => x.dirty).length;
    if (dirty > 1) expect.fail(`line 0x${(line * LINE).toString(16)} has ${dirty} dirty copies`);
    if (list.length > 1 && list.some((x) => x.exclusive)) expect.fail(`line 0x${(line * LINE).toString(16)} is Exclusive in one of ${list.length} copies`);
    if (dirty === 1) {
      const first = list[0];
      for (const x of list) {
        for (let i = 0; i < LINE; i++) {
          if (x.data[x.at + i] !== first.data[first.at + i]) expect.fail(`copies of line 0x${(line * LINE).toString(16)} differ while one is dirty`);
        }
      }
    }
  }
}

function runScenario(config: CacheSystemConfig, replacement: ReplacementPolicy, seed: number, ops: Op[]): void {
  const mem = new PhysicalMemory([{ base: BASE, size: 0x2000 }]);
  const cs = new CacheSystem(config, mem, { replacement, seed });
  const model = new Uint8Array(A_BYTES);
  const block = cs.geometry.zvaBlockBytes;
  for (const op of ops) {
    switch (op.k) {
      case 'w': {
        const off = Math.min(op.off, A_BYTES - op.size);
        cs.write(op.cpu, BASE + off, op.size, op.value);
        for (let i = 0; i < op.size; i++) model[off + i] = (op.value >>> (8 * i)) & 0xff;
        break;
      }
      case 'r': {
        const off = Math.min(op.off, A_BYTES - op.size);
        expect(cs.read(op.cpu, BASE + off, op.size)).toBe(readModel(model, off, op.size));
        break;
      }
      case 'ncr': {
        // Memory is only stale while some cache holds the line dirty.
        if (!cs.isDirty(BASE + op.off)) expect(mem.read8(BASE + op.off)).toBe(model[op.off]);
        break;
      }
      case 'dma': {
        // A device writes memory; the driver then invalidates (B is never written cacheably).
        mem.write32(B + 4 * op.off, op.value);
        cs.byAddress(op.cpu, 'ivac', B + 4 * op.off);
        break;
      }
      case 'dmaRead':
        expect(cs.read(op.cpu, B + 4 * op.off, 4)).toBe(mem.read32(B + 4 * op.off));
        break;
      case 'sw':
        // Invalidation is upgraded to clean+invalidate (HCR.SWIO / HCR_EL2.VM), so no data is lost.
        cs.setWay(op.cpu, op.op, swOperand(cs, op.level, op.set, op.way), { invalidateCleans: true });
        break;
      case 'va': {
        const pa = BASE + op.off;
        cs.byAddress(op.cpu, op.op, pa, { invalidateCleans: true });
        if (op.op === 'cvac' || op.op === 'civac' || op.op === 'ivac') {
          const line = op.off - (op.off % LINE);
          for (let i = 0; i < LINE; i++) expect(mem.read8(BASE + line + i)).toBe(model[line + i]);
        }
        break;
      }
      case 'flush':
        // A guest's whole-cache loop to LoC on one CPU, invalidation upgraded.
        forEachFlushOperand(cs.clidr(op.cpu), (sel) => cs.ccsidr(op.cpu, sel), (operand) => cs.setWay(op.cpu, op.op, operand, { invalidateCleans: true }));
        break;
      case 'zva': {
        const start = op.off - (op.off % block);
        cs.byAddress(op.cpu, 'zva', BASE + op.off);
        model.fill(0, start, Math.min(start + block, A_BYTES));
        break;
      }
    }
    checkInvariants(cs);
  }
  // Every CPU agrees with the model, and a full clean leaves the model in memory.
  for (let cpu = 0; cpu < cs.cpus; cpu++) for (let off = 0; off < A_BYTES; off += 4) expect(cs.read(cpu, BASE + off, 4)).toBe(readModel(model, off, 4));
  cs.cleanInvalidateAllToPoC();
  for (let off = 0; off < A_BYTES; off++) expect(mem.read8(BASE + off)).toBe(model[off]);
}

describe('coherence under random interleavings (property)', () => {
  for (const [config, replacement] of [
    [TINY_WITH_SLC, 'lru'],
    [TINY_WITH_SLC, 'random'],
    [TINY_CUBIE, 'lru'],
    [TINY_CUBIE, 'random'],
  ] as const) {
    it(`${config.name}, ${replacement}: reads see the last cacheable write, one dirty copy, PoC cleans reach memory`, () => {
      fc.assert(
        fc.property(fc.array(opArb(config.clusterOfCpu.length), { minLength: 1, maxLength: 150, size: 'max' }), fc.integer({ min: 1, max: 1000 }), (ops, seed) =>
          runScenario(config, replacement, seed, ops),
        ),
        { seed: 0x5e7a, numRuns: 60 },
      );
    });
  }
});

describe('full S/W flush on one CPU (property, no system cache)', () => {
  const writesAndReads = fc.array(
    fc.record({ cpu: fc.integer({ min: 0, max: 1 }), write: fc.boolean(), word: fc.integer({ min: 0, max: A_BYTES / 4 - 1 }), value: fc.integer({ min: 1, max: 0xffffffff }) }),
    { minLength: 1, maxLength: 160, size: 'max' },
  );

  it('CPU 0 flushing every level to LoC puts all dirty data in memory except what only CPU 1\'s L1 holds, which stays there', () => {
    fc.assert(
      fc.property(writesAndReads, fc.constantFrom('csw' as const, 'cisw' as const), fc.constantFrom('way-outer' as const, 'set-outer' as const), (ops, swOp, order) => {
        const mem = new PhysicalMemory([{ base: BASE, size: 0x2000 }]);
        const cs = new CacheSystem(TINY_CUBIE, mem);
        const model = new Uint32Array(A_BYTES / 4);
        for (const o of ops) {
          if (o.write) {
            cs.write(o.cpu, BASE + 4 * o.word, 4, o.value);
            model[o.word] = o.value;
          } else {
            expect(cs.read(o.cpu, BASE + 4 * o.word, 4)).toBe(model[o.word]);
          }
        }
        const cpu1Dirty = [...cs.dirtyLines()].filter((d) => d.cache === 'cpu1.L1D').map((d) => d.pa);
        const memBefore = cpu1Dirty.map((pa) => mem.read32(pa));
        forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (operand) => cs.setWay(0, swOp, operand), 'loc', order);
        // The only dirty lines left are exactly those CPU 1's L1 held before.
        expect([...cs.dirtyLines()].map((d) => [d.cache, d.pa])).toEqual(cpu1Dirty.map((pa) => ['cpu1.L1D', pa]));
        // Their memory is untouched; their data is still CPU 1's.
        expect(cpu1Dirty.map((pa) => mem.read32(pa))).toEqual(memBefore);
        for (const pa of cpu1Dirty) expect(cs.peek(1, pa, 4)).toBe(model[(pa - BASE) / 4]);
        // Every other line is in memory.
        for (let w = 0; w < model.length; w++) {
          const pa = BASE + 4 * w;
          const line = pa - (pa % LINE);
          if (!cpu1Dirty.includes(line)) expect(mem.read32(pa)).toBe(model[w]);
        }
      }),
      { seed: 0xf1a5, numRuns: 150 },
    );
  });

  it('CPU 1\'s dirty L1 data is not in memory after CPU 0\'s flush (the loss a migration exposes)', () => {
    const mem = new PhysicalMemory([{ base: BASE, size: 0x2000 }]);
    const cs = new CacheSystem(TINY_CUBIE, mem);
    cs.write(1, BASE, 4, 0xdead);
    cs.write(0, BASE + LINE, 4, 0xbeef);
    forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (operand) => cs.setWay(0, 'cisw', operand));
    expect(mem.read32(BASE + LINE)).toBe(0xbeef);
    expect(mem.read32(BASE)).toBe(0);
    expect([...cs.dirtyLines()]).toEqual([{ cache: 'cpu1.L1D', cpu: 1, level: 1, pa: BASE }]);
  });
});

describe('discarding invalidation (no upgrade)', () => {
  it('ISW without invalidateCleans loses exactly the discarded lines\' newest data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ word: fc.integer({ min: 0, max: A_BYTES / 4 - 1 }), value: fc.integer({ min: 1, max: 0xffffffff }) }), { minLength: 1, maxLength: 40, size: 'max' }),
        (writes) => {
          const mem = new PhysicalMemory([{ base: BASE, size: 0x2000 }]);
          const cs = new CacheSystem(TINY_CUBIE, mem);
          for (const w of writes) cs.write(0, BASE + 4 * w.word, 4, w.value);
          const dirtyInL1 = [...cs.dirtyLines()].filter((d) => d.cache === 'cpu0.L1D').length;
          forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (op) => cs.setWay(0, 'isw', op), 'louis');
          const l1 = cs.counters().perCpuLevel.find((c) => c.cpu === 0 && c.level === 1)!;
          expect(l1.dirtyDiscarded).toBe(dirtyInL1);
          expect([...cs.dirtyLines()].every((d) => d.cache === 'cluster0.L2')).toBe(true);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
