import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAGE_SIZE, PhysicalAddressError, PhysicalMemory } from '../../src/mmu/physical-memory';

describe('PhysicalMemory', () => {
  it('reads zero from never-written RAM without allocating', () => {
    const m = new PhysicalMemory([{ base: 0x4000_0000, size: 16 * 2 ** 30 }]);
    expect(m.read32(0x4000_0000 + 5 * 2 ** 30)).toBe(0);
    expect(m.allocatedPages).toBe(0);
  });

  it('is little-endian and splits accesses that cross a page', () => {
    const m = new PhysicalMemory([{ base: 0, size: 0x10000 }]);
    m.write32(PAGE_SIZE - 2, 0x11223344);
    expect(m.read8(PAGE_SIZE - 2)).toBe(0x44);
    expect(m.read8(PAGE_SIZE + 1)).toBe(0x11);
    expect(m.read32(PAGE_SIZE - 2)).toBe(0x11223344);
    expect(m.allocatedPages).toBe(2);
  });

  it('rejects an access to a hole with a typed error naming the address', () => {
    const m = new PhysicalMemory([{ base: 0x8000_0000, size: 0x1000 }]);
    expect(() => m.read32(0x1000)).toThrow(PhysicalAddressError);
    expect(() => m.write8(0x8000_1000, 1)).toThrow(/0x80001000/);
  });

  it('agrees with a byte-map model over random writes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * PAGE_SIZE - 4 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(1, 2, 4))),
        (ops) => {
          const m = new PhysicalMemory([{ base: 0, size: 4 * PAGE_SIZE }]);
          const model = new Uint8Array(4 * PAGE_SIZE);
          for (const [a, v, size] of ops) {
            if (size === 1) m.write8(a, v & 0xff);
            else if (size === 2) m.write16(a, v & 0xffff);
            else m.write32(a, v);
            for (let i = 0; i < size; i++) model[a + i] = (v >>> (8 * i)) & 0xff;
          }
          for (let a = 0; a < 3 * PAGE_SIZE; a += 7) {
            const want = (model[a] | (model[a + 1] << 8) | (model[a + 2] << 16) | (model[a + 3] << 24)) >>> 0;
            if (m.read32(a) !== want) return false;
          }
          return true;
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});
