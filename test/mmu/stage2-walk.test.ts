/** The stage 2 walker on tables written by hand (not by the p2m), fault by fault. */
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { makeVtcr, makeVttbr } from '../../src/mmu/stage2-descriptor';
import { walkStage2 } from '../../src/mmu/stage2-walk';

const ROOT = 0x10_0000; // 8 KiB aligned: room for 2 concatenated tables
const L2 = 0x20_0000;
const L3 = 0x20_1000;

function put(mem: PhysicalMemory, pa: number, lo: number, hi = 0): void {
  mem.write32(pa, lo >>> 0);
  mem.write32(pa + 4, hi >>> 0);
}

function setup(vtcrOpts: Partial<Parameters<typeof makeVtcr>[0]> = {}) {
  const mem = new PhysicalMemory([{ base: 0, size: 2 ** 34 }]);
  const vtcr = { lo: makeVtcr({ ipaBits: 40, startLevel: 1, ...vtcrOpts }), hi: 0 };
  const vttbr = makeVttbr(ROOT, 3);
  // Root (level 1, 1024 entries over two pages). Entry 1023 lives in the second page.
  put(mem, ROOT + 1023 * 8, 0xc000_0000 | 0x7c1, 0x2); // 1 GiB block: OA 0x2_C000_0000, AF, SH=11, S2AP=11, MemAttr=0000
  put(mem, ROOT + 1 * 8, L2 | 3); // IPA 0x4000_0000: table
  put(mem, L2 + 0 * 8, L3 | 3); // IPA 0x4000_0000..0x401f_ffff: table
  put(mem, L2 + 1 * 8, 0x8020_0000 | 0x4fd); // IPA 0x4020_0000: 2 MiB block, AF, S2AP=11, MemAttr=1111
  put(mem, L3 + 5 * 8, 0x9000_5000 | 0x4ff); // IPA 0x4000_5000: page, AF, S2AP=11, MemAttr=1111
  return { mem, vtcr, vttbr };
}

describe('walkStage2 (D8.2 translation table walk, 4 KB granule)', () => {
  it('reads a 1 GiB block in the second concatenated root table', () => {
    const { mem, vtcr, vttbr } = setup();
    const w = walkStage2(mem, vttbr, vtcr, 1023 * 2 ** 30 + 0x1234, 'read');
    expect(w.fault).toBeNull();
    expect(w.level).toBe(1);
    expect(w.pa).toBe(0x2_c000_1234);
    expect(w.blockSize).toBe(2 ** 30);
  });

  it('walks table, table, page', () => {
    const { mem, vtcr, vttbr } = setup();
    const w = walkStage2(mem, vttbr, vtcr, 0x4000_5abc, 'write');
    expect([w.fault, w.level, w.pa, w.memAttr, w.s2ap]).toEqual([null, 3, 0x9000_5abc, 0xf, 3]);
  });

  it('a 2 MiB block at level 2', () => {
    const { mem, vtcr, vttbr } = setup();
    const w = walkStage2(mem, vttbr, vtcr, 0x4031_0008, 'fetch');
    expect([w.fault, w.level, w.pa]).toEqual([null, 2, 0x8031_0008]);
  });

  it('translation faults report the level of the invalid entry', () => {
    const { mem, vtcr, vttbr } = setup();
    expect([walkStage2(mem, vttbr, vtcr, 0x8000_0000, 'read').fault, walkStage2(mem, vttbr, vtcr, 0x8000_0000, 'read').level]).toEqual(['translation', 1]);
    expect(walkStage2(mem, vttbr, vtcr, 0x4060_0000, 'read').level).toBe(2);
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_6000, 'read').level).toBe(3);
  });

  it('an IPA beyond T0SZ is a level 0 Translation fault', () => {
    const { mem, vtcr, vttbr } = setup();
    const w = walkStage2(mem, vttbr, vtcr, 2 ** 40, 'read');
    expect([w.fault, w.level]).toEqual(['translation', 0]);
  });

  it('an inconsistent VTCR_EL2 (40-bit IPA from level 2 needs 64 tables) faults at level 0', () => {
    const { mem, vttbr } = setup();
    const bad = { lo: makeVtcr({ ipaBits: 40, startLevel: 2 }), hi: 0 };
    expect([walkStage2(mem, vttbr, bad, 0x1000, 'read').fault, walkStage2(mem, vttbr, bad, 0x1000, 'read').level]).toEqual(['translation', 0]);
  });

  it('level 3 with bits[1:0] = 0b01 is reserved: Translation fault at level 3', () => {
    const { mem, vtcr, vttbr } = setup();
    put(mem, L3 + 6 * 8, 0x9000_6000 | 0x4fd);
    expect([walkStage2(mem, vttbr, vtcr, 0x4000_6000, 'read').fault, walkStage2(mem, vttbr, vtcr, 0x4000_6000, 'read').level]).toEqual(['translation', 3]);
  });

  it('a block at level 0 does not exist with the 4 KB granule', () => {
    const mem = new PhysicalMemory([{ base: 0, size: 2 ** 34 }]);
    const vtcr = { lo: makeVtcr({ ipaBits: 48, startLevel: 0 }), hi: 0 };
    put(mem, ROOT, 0x4fd);
    const w = walkStage2(mem, makeVttbr(ROOT, 1), vtcr, 0x1000, 'read');
    expect([w.fault, w.level]).toEqual(['translation', 0]);
  });

  it('Address size faults: output beyond VTCR_EL2.PS at the leaf level, a next table beyond it at the table level', () => {
    const { mem, vttbr } = setup();
    const ps32 = { lo: makeVtcr({ ipaBits: 40, startLevel: 1, paBits: 32 }), hi: 0 };
    let w = walkStage2(mem, vttbr, ps32, 1023 * 2 ** 30, 'read'); // OA 0x2_C000_0000 > 4 GiB
    expect([w.fault, w.level]).toEqual(['address-size', 1]);
    put(mem, ROOT + 2 * 8, 0x1000 | 3, 0x1); // next table at 0x1_0000_1000
    w = walkStage2(mem, vttbr, ps32, 2 * 2 ** 30, 'read');
    expect([w.fault, w.level]).toEqual(['address-size', 1]);
    w = walkStage2(mem, makeVttbr(0x1_0000_0000, 1), ps32, 0, 'read');
    expect([w.fault, w.level]).toEqual(['address-size', 0]);
  });

  it('AF = 0: Access flag fault, or with VTCR_EL2.HA the walk sets AF in memory', () => {
    const { mem, vtcr, vttbr } = setup();
    put(mem, L3 + 7 * 8, 0x9000_7000 | 0x0ff);
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_7000, 'read').fault).toBe('access-flag');
    const ha = { lo: makeVtcr({ ipaBits: 40, startLevel: 1, ha: true }), hi: 0 };
    const w = walkStage2(mem, vttbr, ha, 0x4000_7000, 'read');
    expect([w.fault, w.updatedDescriptor]).toEqual([null, true]);
    expect(mem.read32(L3 + 7 * 8) & 0x400).toBe(0x400);
  });

  it('S2AP and XN: Permission faults at the leaf level', () => {
    const { mem, vtcr, vttbr } = setup();
    put(mem, L3 + 8 * 8, 0x9000_8000 | 0x47f); // S2AP=01 read-only
    put(mem, L3 + 9 * 8, 0x9000_9000 | 0x4bf); // S2AP=10 write-only
    put(mem, L3 + 10 * 8, 0x9000_a000 | 0x4ff, 0x0040_0000); // XN
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_8000, 'read').fault).toBeNull();
    expect([walkStage2(mem, vttbr, vtcr, 0x4000_8000, 'write').fault, walkStage2(mem, vttbr, vtcr, 0x4000_8000, 'write').level]).toEqual(['permission', 3]);
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_9000, 'read').fault).toBe('permission');
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_9000, 'write').fault).toBeNull();
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_a000, 'fetch').fault).toBe('permission');
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_a000, 'read').fault).toBeNull();
  });

  it('DBM with HA+HD: a write to a write-protected page sets S2AP[1]; without HD it faults', () => {
    const { mem, vtcr, vttbr } = setup();
    put(mem, L3 + 11 * 8, 0x9000_b000 | 0x47f, 0x0008_0000); // read-only + DBM
    expect(walkStage2(mem, vttbr, vtcr, 0x4000_b000, 'write').fault).toBe('permission');
    const hd = { lo: makeVtcr({ ipaBits: 40, startLevel: 1, ha: true, hd: true }), hi: 0 };
    const w = walkStage2(mem, vttbr, hd, 0x4000_b000, 'write');
    expect([w.fault, w.s2ap]).toEqual([null, 3]);
    expect((mem.read32(L3 + 11 * 8) >>> 6) & 3).toBe(3);
  });

  it('32-bit IPA from level 2 uses 4 concatenated tables', () => {
    const mem = new PhysicalMemory([{ base: 0, size: 2 ** 34 }]);
    const vtcr = { lo: makeVtcr({ ipaBits: 32, startLevel: 2 }), hi: 0 };
    const root = 0x40_0000; // 16 KiB aligned
    put(mem, root + 2047 * 8, 0x1_2340_0000 % 2 ** 32 | 0x4fd, 0x1);
    const w = walkStage2(mem, makeVttbr(root, 1), vtcr, 0xffe0_0010, 'read');
    expect([w.fault, w.level, w.pa]).toEqual([null, 2, 0x1_2340_0010]);
  });
});
