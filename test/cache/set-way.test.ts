import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheGeometry } from '../../src/cache/geometry';
import { decodeSetWay, setWayLevel, setWayOperand } from '../../src/cache/set-way';

function geometryOf(ways: number, sets: number, lineBytes: number, level = 1) {
  const levels = [];
  for (let l = 1; l <= level; l++) levels.push({ level: l, kind: 'unified' as const, lineBytes, ways, sets, sharing: 'cpu' as const });
  return new CacheGeometry({ name: 'p', clusterOfCpu: [0], levels, louis: 1, loc: level, louu: 1 }).dataLevel(level)!;
}

describe('set/way operand (Arm ARM: Way [31:32-A], Set [B-1:L], Level [3:1])', () => {
  it('decodes the fields by the Arm ARM formula, computed here independently (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1024 }),
        fc.integer({ min: 1, max: 32768 }),
        fc.constantFrom(16, 32, 64, 128, 256),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (ways, sets, lineBytes, level, raw) => {
          fc.pre(Math.ceil(Math.log2(ways)) + Math.log2(lineBytes) + Math.ceil(Math.log2(sets)) <= 32);
          const g = geometryOf(ways, sets, lineBytes, level);
          const A = Math.ceil(Math.log2(ways));
          const L = Math.log2(lineBytes);
          const S = Math.ceil(Math.log2(sets));
          const operand = ((raw & ~0xe) | ((level - 1) << 1)) >>> 0;
          // Field extraction by string slicing of the binary operand: bit i is char 31 - i.
          const bits = operand.toString(2).padStart(32, '0');
          const field = (hi: number, lo: number) => (hi < lo ? 0 : parseInt(bits.slice(31 - hi, 32 - lo), 2));
          const d = decodeSetWay(g, operand);
          expect(d.level).toBe(level);
          expect(d.way).toBe(field(31, 32 - A));
          expect(d.set).toBe(field(L + S - 1, L));
          expect(d.inRange).toBe(d.way < ways && d.set < sets);
        },
      ),
      { seed: 424242, numRuns: 500 },
    );
  });

  it('encodes what it decodes, and a guest\'s clz32(ways - 1) shift equals 32 - A (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 1024 }), fc.integer({ min: 1, max: 32768 }), fc.constantFrom(16, 64, 2048), (ways, sets, lineBytes) => {
        fc.pre(Math.ceil(Math.log2(ways)) + Math.log2(lineBytes) + Math.ceil(Math.log2(sets)) <= 32);
        const g = geometryOf(ways, sets, lineBytes);
        expect(Math.clz32(ways - 1)).toBe(32 - g.wayBits);
        for (const [set, way] of [
          [0, 0],
          [sets - 1, ways - 1],
          [sets >> 1, ways >> 1],
        ]) {
          const op = setWayOperand(g, set, way);
          expect(decodeSetWay(g, op)).toEqual({ level: 1, set, way, inRange: true });
          // What a guest loop computes: way << clz32(maxWay) | set << log2(line) | level bits.
          expect(op).toBe(((way << Math.clz32(ways - 1)) | (set << Math.log2(lineBytes))) >>> 0);
        }
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  it('matches the worked example operand of the cubietruck L2 (way 5, set 300)', () => {
    const g = geometryOf(8, 512, 64, 2);
    const op = setWayOperand(g, 300, 5);
    expect(op).toBe(((5 << 29) | (300 << 6) | (1 << 1)) >>> 0);
    expect(setWayLevel(op)).toBe(2);
  });

  it('rejects a geometry whose way and set fields would overlap (A + L + S > 32)', () => {
    expect(() => geometryOf(1024, 32768, 2048)).toThrow(/A \+ L \+ S exceeds 32/);
  });

  it('has no way field for a direct-mapped cache (A = 0)', () => {
    const g = geometryOf(1, 8, 32);
    expect(g.wayBits).toBe(0);
    expect(decodeSetWay(g, 0xffff_ff60)).toEqual({ level: 1, set: 3, way: 0, inRange: true });
  });
});
