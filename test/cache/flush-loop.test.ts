import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheSystem } from '../../src/cache/cache-system';
import { forEachFlushOperand } from '../../src/cache/set-way-walk';
import { decodeSetWay, setWayLevel } from '../../src/cache/set-way';
import { PhysicalMemory } from '../../src/mmu/physical-memory';

const RAM = { base: 0x4000_0000, size: 0x400_0000 };

describe('a guest flush loop on the cubietruck preset (no migration)', () => {
  it('computes 4608 operands (L1 128 x 4, L2 512 x 8), each naming a distinct in-range line', () => {
    const cs = new CacheSystem('cubietruck', new PhysicalMemory([RAM]));
    const ops: number[] = [];
    const n = forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (op) => ops.push(op));
    expect(n).toBe(128 * 4 + 512 * 8);
    expect(new Set(ops).size).toBe(n);
    for (const op of ops) {
      const g = cs.geometry.dataLevel(setWayLevel(op))!;
      expect(decodeSetWay(g, op).inRange).toBe(true);
    }
    // The first L1 operand: way 3 at bits [31:30], set 127 at bits [12:6], level 0.
    expect(ops[0]).toBe(((3 << 30) | (127 << 6)) >>> 0);
    // The first L2 operand: way 7 at bits [31:29], set 511 at bits [14:6], level field 1.
    expect(ops[512]).toBe(((7 << 29) | (511 << 6) | (1 << 1)) >>> 0);
    // To LoUIS (1) the loop covers L1 only.
    expect(forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), () => {}, 'louis')).toBe(512);
  });

  it('CISW to LoC on CPU 0 puts every dirty line of CPU 0 in memory (2 MiB of random writes)', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('cubietruck', mem);
    const model = new Map<number, number>();
    let x = 12345;
    for (let i = 0; i < 60_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const pa = RAM.base + ((x >>> 5) % (512 * 1024)) * 4;
      cs.write(0, pa, 4, x);
      model.set(pa, x);
    }
    const dirtyBefore = [...cs.dirtyLines()].length;
    expect(dirtyBefore).toBeGreaterThan(4000); // L1 (512 lines) and L2 (4096 lines) are full of dirty data
    const ops = forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (op) => cs.setWay(0, 'cisw', op));
    expect(ops).toBe(4608);
    expect([...cs.dirtyLines()]).toEqual([]);
    let wrong = 0;
    for (const [pa, v] of model) if (mem.read32(pa) !== v) wrong++;
    expect(wrong).toBe(0);
    expect(cs.counters().setWayOutOfRange).toBe(0);
  });

  it('the loop walked L2 before L1 would leave L1 data in L2 (order matters)', () => {
    const mem = new PhysicalMemory([RAM]);
    const cs = new CacheSystem('cubietruck', mem);
    cs.write(0, RAM.base, 4, 42);
    const ops: number[] = [];
    forEachFlushOperand(cs.clidr(0), (sel) => cs.ccsidr(0, sel), (op) => ops.push(op));
    const l1 = ops.filter((op) => setWayLevel(op) === 1);
    const l2 = ops.filter((op) => setWayLevel(op) === 2);
    for (const op of [...l2, ...l1]) cs.setWay(0, 'csw', op);
    expect(mem.read32(RAM.base)).toBe(0);
    expect([...cs.dirtyLines()].map((d) => d.cache)).toEqual(['cluster0.L2']);
  });

  it('Linux order (sets outer) and Arm ARM order (ways outer) visit the same operands (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(16, 32, 64, 128),
        (sets, ways, lineBytes) => {
          const ccsidr = (((sets - 1) << 13) | ((ways - 1) << 3) | (Math.log2(lineBytes) - 4)) >>> 0;
          const clidr = 0b010 | (1 << 24);
          const a: number[] = [];
          const b: number[] = [];
          forEachFlushOperand(clidr, () => ccsidr, (op) => a.push(op), 'loc', 'way-outer');
          forEachFlushOperand(clidr, () => ccsidr, (op) => b.push(op), 'loc', 'set-outer');
          expect(a.length).toBe(sets * ways);
          expect([...a].sort()).toEqual([...b].sort());
          expect(new Set(a).size).toBe(sets * ways);
        },
      ),
      { seed: 20240601, numRuns: 200 },
    );
  });
});
