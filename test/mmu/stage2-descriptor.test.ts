/**
 * Stage 2 descriptor and register layouts against hand-computed vectors. Each vector changes one
 * field from a base descriptor and names the Arm ARM (DDI 0487) place that defines the field.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeStage2Attributes,
  leafHi,
  leafLo,
  makeVtcr,
  makeVttbr,
  S2_NORMAL_RW,
  type Stage2Attributes,
  tableHi,
  tableLo,
  vmidOf,
  vtcrFromAArch32,
} from '../../src/mmu/stage2-descriptor';

const base: Stage2Attributes = { memAttr: 0, s2ap: 0, sh: 0, af: false, xn: false, dbm: false };
const PRESENT = 0x0080_0000; // software bit 55 (D8.3: bits [58:55] reserved for software use)

describe('stage 2 leaf descriptor fields (D8.3 "Stage 2 Block and Page descriptor" attribute fields)', () => {
  const cases: [string, number, Partial<Stage2Attributes>, number, number][] = [
    // name, level, field change, expected lo, expected hi
    ['page at level 3: bits[1:0] = 0b11, OA[47:12]', 3, {}, 0x3456_7003, 0x0000_0012 | PRESENT],
    ['block at level 2: bits[1:0] = 0b01', 2, {}, 0x3456_7001, 0x0000_0012 | PRESENT],
    ['MemAttr[3:0] = 0b0101 in bits [5:2] (D8.6 stage 2 MemAttr)', 3, { memAttr: 0b0101 }, 0x3456_7017, 0x12 | PRESENT],
    ['MemAttr[3:0] = 0b1111', 3, { memAttr: 0b1111 }, 0x3456_703f, 0x12 | PRESENT],
    ['S2AP = 0b01 read-only in bits [7:6] (D8.4 stage 2 data access permissions)', 3, { s2ap: 0b01 }, 0x3456_7043, 0x12 | PRESENT],
    ['S2AP = 0b10 write-only', 3, { s2ap: 0b10 }, 0x3456_7083, 0x12 | PRESENT],
    ['SH = 0b10 Outer Shareable in bits [9:8]', 3, { sh: 0b10 }, 0x3456_7203, 0x12 | PRESENT],
    ['SH = 0b11 Inner Shareable', 3, { sh: 0b11 }, 0x3456_7303, 0x12 | PRESENT],
    ['AF in bit 10 (D8.5 the Access flag)', 3, { af: true }, 0x3456_7403, 0x12 | PRESENT],
    ['XN[1] in bit 54 (D8.4 stage 2 execute-never)', 3, { xn: true }, 0x3456_7003, 0x0040_0012 | PRESENT],
    ['DBM in bit 51 (D8.5 dirty state, FEAT_HAFDBS)', 3, { dbm: true }, 0x3456_7003, 0x0008_0012 | PRESENT],
    ['Contiguous in bit 52 (D8.3 the Contiguous bit)', 3, { contiguous: true }, 0x3456_7003, 0x0010_0012 | PRESENT],
  ];
  for (const [name, level, change, lo, hi] of cases) {
    it(name, () => {
      const attrs = { ...base, ...change };
      const pa = 0x12_3456_7000;
      expect(leafLo(pa, level, attrs) >>> 0).toBe(lo >>> 0);
      expect(leafHi(pa, attrs) >>> 0).toBe(hi >>> 0);
      const back = decodeStage2Attributes(lo, hi);
      expect({ ...back, contiguous: !!back.contiguous }).toEqual({ ...attrs, contiguous: !!attrs.contiguous });
    });
  }

  it('Normal read/write Inner Shareable page, all fields together', () => {
    expect(leafLo(0x12_3456_7000, 3, S2_NORMAL_RW) >>> 0).toBe(0x3456_77ff);
  });

  it('table descriptor: bits[1:0] = 0b11, next-level table address [47:12] (D8.3 "Table descriptor")', () => {
    expect(tableLo(0xab_cdef_1000)).toBe(0xcdef_1003);
    expect(tableHi(0xab_cdef_1000)).toBe(0xab | PRESENT);
    expect(tableLo(0x1000, false)).toBe(0x1002);
  });
});

describe('VTTBR_EL2 and VTCR_EL2 (D17 register descriptions)', () => {
  it('VTTBR_EL2: BADDR in [47:1], VMID in [55:48]', () => {
    expect(makeVttbr(0x8_0000_0000, 5)).toEqual({ lo: 0, hi: 0x0005_0008 });
    expect(vmidOf(0x0005_0008)).toBe(5);
  });

  it('VTCR_EL2 for a 40-bit IPA from level 1: T0SZ=24, SL0=01, IRGN0=ORGN0=01, SH0=11, TG0=00, PS=101, RES1 bit 31', () => {
    // 0x18 | 0x40 | 0x100 | 0x400 | 0x3000 | 0x50000 | 0x80000000
    expect(makeVtcr({ ipaBits: 40, startLevel: 1 })).toBe(0x8005_3558);
  });

  it('VTCR_EL2.HA is bit 21 and HD bit 22', () => {
    expect(makeVtcr({ ipaBits: 40, startLevel: 1, ha: true, hd: true }) ^ makeVtcr({ ipaBits: 40, startLevel: 1 })).toBe(0x0060_0000);
  });

  it('AArch32 VTCR (G8): signed T0SZ=-8 (0b1000, S=1) is a 40-bit IPA, SL0=01', () => {
    const v = vtcrFromAArch32(0x0000_0058); // T0SZ=0b1000, S=1, SL0=01
    expect(v & 0x3f).toBe(24);
    expect((v >>> 6) & 3).toBe(1);
    expect((v >>> 16) & 7).toBe(0b010); // 40-bit output
  });
});
