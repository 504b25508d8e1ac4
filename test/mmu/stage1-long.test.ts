/** Long-descriptor stage 1: AArch32 LPAE (G5.5) and AArch64 4 KB granule (D8), through a real p2m. */
import { describe, expect, it } from 'vitest';
import { describeAttributes } from '../../src/mmu/memory-attributes';
import { S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { TranslationConfigError } from '../../src/mmu/stage2-geometry';
import { SCTLR, stage1Regime } from '../../src/mmu/stage1-regime';
import { faultOf, makeMachine } from './helpers';

const PA_OFFSET = 0x1_0000_0000;
const AF = 1 << 10;
const SH_IS = 3 << 8;
const BLOCK = 0b01;
const TABLE = 0b11;
const PAGE = 0b11;

function guest() {
  const m = makeMachine();
  m.p2m.map(0x4000_0000, 0x4000_0000 + PA_OFFSET, 0x8000_0000, S2_NORMAL_RW); // IPA 1..3 GiB
  return m;
}

describe('AArch32 LPAE (TTBCR.EAE = 1)', () => {
  const T1 = 0x8000_0000; // level 1, 4 entries (T0SZ = 0)
  const T2 = 0x8000_1000;
  const T3 = 0x8000_2000;
  function lpae(tcrExtra = 0) {
    const m = guest();
    m.writeIpa64(T1 + 1 * 8, T2 | TABLE); // VA 0x4000_0000 GiB
    m.writeIpa64(T2 + 0 * 8, 0x9000_0000 | AF | SH_IS | (1 << 6) | (1 << 2) | BLOCK); // 2 MiB, EL0 RW, AttrIndx 1
    m.writeIpa64(T2 + 1 * 8, T3 | TABLE);
    m.writeIpa64(T3 + 5 * 8, 0x9123_4000 | AF | PAGE, 1 << 22); // AttrIndx 0 (Device), XN
    m.writeIpa64(T3 + 6 * 8, 0x9123_5000 | PAGE); // AF = 0
    m.writeIpa64(T2 + 2 * 8, T3 | TABLE, 2 << 29); // APTable = 10: no writes below
    m.translator.setStage1(
      stage1Regime({ format: 'lpae', sctlr: SCTLR.M | SCTLR.C | SCTLR.I, ttbr0Lo: T1, ttbr0Hi: 5 << 16, tcrLo: (1 << 31) | (1 << 8) | (1 << 10) | tcrExtra, mairLo: 0x0000_ff00 }),
    );
    return m;
  }

  it('2 MiB block with MAIR0 attribute 1 (Normal WB)', () => {
    const m = lpae();
    const t = m.translator.translate(0x4001_2345, 'write', 0);
    expect([t.ipa, t.pa, t.cacheable]).toEqual([0x9001_2345, 0x9001_2345 + PA_OFFSET, true]);
    expect(m.translator.currentAsid).toBe(5);
  });

  it('4 KiB page with MAIR0 attribute 0 (Device) and XN', () => {
    const m = lpae();
    const t = m.translator.translate(0x4020_5008, 'read', 1);
    expect([t.ipa, describeAttributes(t.attrs.code)]).toEqual([0x9123_4008, 'Device-nGnRnE']);
    expect(faultOf(() => m.translator.translate(0x4020_5008, 'fetch', 1))).toMatchObject({ kind: 'permission', stage: 1, level: 3 });
  });

  it('AF = 0 is an Access flag fault; an empty entry a Translation fault at its level', () => {
    const m = lpae();
    expect(faultOf(() => m.translator.translate(0x4020_6000, 'read', 1))).toMatchObject({ kind: 'access-flag', level: 3 });
    expect(faultOf(() => m.translator.translate(0x4020_7000, 'read', 1))).toMatchObject({ kind: 'translation', level: 3 });
    expect(faultOf(() => m.translator.translate(0x0000_1000, 'read', 1))).toMatchObject({ kind: 'translation', level: 1 });
  });

  it('APTable = 10 removes write permission below the table', () => {
    const m = lpae();
    expect(m.translator.translate(0x4040_5000, 'read', 1).ipa).toBe(0x9123_4000);
    expect(faultOf(() => m.translator.translate(0x4040_5000, 'write', 1))).toMatchObject({ kind: 'permission', level: 3 });
  });

  it('T0SZ = T1SZ = 1: TTBR1 for the upper 2 GiB; EPD1 faults at level 1', () => {
    const m = lpae(1 | (1 << 16));
    m.translator.setStage1({ ...m.translator.stage1, ttbr1Lo: 0x8000_3000 });
    m.writeIpa64(0x8000_3000 + 1 * 8, 0x4000_0000 | AF | BLOCK); // VA 0xC000_0000 (input 0x4000_0000)
    expect(m.translator.translate(0xc000_1000, 'read', 1).ipa).toBe(0x4000_1000);
    m.translator.setStage1({ ...m.translator.stage1, tcrLo: m.translator.stage1.tcrLo | (1 << 23) });
    expect(faultOf(() => m.translator.translate(0xc000_1000, 'read', 1))).toMatchObject({ kind: 'translation', level: 1 });
  });

  it('a stage 2 fault reading the level 3 table reports S1PTW', () => {
    const m = lpae();
    m.writeIpa64(T2 + 3 * 8, 0x1000_0000 | TABLE); // table at IPA 0x1000_0000: unmapped in stage 2
    expect(faultOf(() => m.translator.translate(0x4060_1000, 'fetch', 1))).toMatchObject({
      kind: 'translation',
      stage: 2,
      s1ptw: true,
      ipa: 0x1000_0008,
      access: 'fetch',
    });
  });
});

describe('AArch64 EL1&0, 4 KB granule', () => {
  const TTB0 = 0x8000_0000;
  const TTB1 = 0x8000_8000;
  // T0SZ = T1SZ = 25 (39-bit, start at level 1), TG0 = 4K, TG1 = 4K (0b10), IRGN/ORGN WB, IPS = 48 bits.
  const TCR_LO = 25 | (1 << 8) | (1 << 10) | (3 << 12) | (25 << 16) | (1 << 24) | (1 << 26) | (3 << 28) | (0b10 << 30);
  function a64() {
    const m = guest();
    m.writeIpa64(TTB0 + 1 * 8, 0x4000_0000 | AF | SH_IS | BLOCK); // 1 GiB VA 0x4000_0000 -> IPA 0x4000_0000, EL1 RW, MAIR attr 0
    m.writeIpa64(TTB0 + 2 * 8, 0x8000_1000 | TABLE);
    m.writeIpa64(0x8000_1000, 0x8000_2000 | TABLE);
    m.writeIpa64(0x8000_2000, 0x5000_0000 | AF | (1 << 6) | (1 << 11) | PAGE); // VA 0x8000_0000: EL0 RW, nG
    m.writeIpa64(0x8000_2000 + 8, 0x5000_1000 | AF | (1 << 11) | PAGE); // VA 0x8000_1000: EL1 only, nG
    m.writeIpa64(TTB1 + 511 * 8, 0x8000_9000 | TABLE);
    m.writeIpa64(0x8000_9000 + 511 * 8, 0x8000_a000 | TABLE);
    m.writeIpa64(0x8000_a000 + 511 * 8, 0x6000_0000 | AF | PAGE, 1 << 22); // VA -4096: UXN
    m.translator.setStage1(
      stage1Regime({ format: 'a64', sctlr: SCTLR.M | SCTLR.C | SCTLR.I, ttbr0Lo: TTB0, ttbr0Hi: 5 << 16, ttbr1Lo: TTB1, tcrLo: TCR_LO >>> 0, tcrHi: 0b101, mairLo: 0xff }),
    );
    return m;
  }

  it('TTBR0: a 1 GiB block', () => {
    const m = a64();
    const t = m.translator.translate(0x7654_3210, 'read', 1);
    expect([t.ipa, t.pa, t.cacheable]).toEqual([0x7654_3210, 0x7654_3210 + PA_OFFSET, true]);
  });

  it('TTBR1: negative VAs walk the upper tables', () => {
    const m = a64();
    expect(m.translator.translate(-4096 + 0x10, 'read', 1).ipa).toBe(0x6000_0010);
    expect(faultOf(() => m.translator.translate(-4096, 'fetch', 0))).toMatchObject({ kind: 'permission', level: 3 });
  });

  it('VAs outside both ranges are level 0 Translation faults', () => {
    const m = a64();
    expect(faultOf(() => m.translator.translate(2 ** 39, 'read', 1))).toMatchObject({ kind: 'translation', stage: 1, level: 0 });
    expect(faultOf(() => m.translator.translate(-(2 ** 39) - 4096, 'read', 1))).toMatchObject({ kind: 'translation', level: 0 });
  });

  it('AP: EL0 cannot touch an EL1-only page; EL1 cannot execute an EL0-writable page', () => {
    const m = a64();
    expect(faultOf(() => m.translator.translate(0x8000_1000, 'read', 0))).toMatchObject({ kind: 'permission', level: 3 });
    expect(m.translator.translate(0x8000_0000, 'write', 0).ipa).toBe(0x5000_0000);
    expect(m.translator.translate(0x8000_0000, 'fetch', 0).ipa).toBe(0x5000_0000);
    expect(faultOf(() => m.translator.translate(0x8000_0000, 'fetch', 1))).toMatchObject({ kind: 'permission', level: 3 });
  });

  it('non-global entries are tagged by ASID; TLBI VAE1 removes one', () => {
    const m = a64();
    expect(m.translator.translate(0x8000_0000, 'read', 1).ipa).toBe(0x5000_0000);
    // The guest rewrites the PTE without TLBI: ASID 5 still sees the cached translation...
    m.writeIpa64(0x8000_2000, 0x5000_7000 | AF | (1 << 6) | (1 << 11) | PAGE);
    expect(m.translator.translate(0x8000_0000, 'read', 1).ipa).toBe(0x5000_0000);
    // ...another ASID walks afresh...
    m.translator.setStage1({ ...m.translator.stage1, ttbr0Hi: 9 << 16 });
    expect(m.translator.translate(0x8000_0000, 'read', 1).ipa).toBe(0x5000_7000);
    // ...and TLBI VAE1 (ASID 5, VA page 0x80000 in bits [43:0]) makes ASID 5 see it too.
    m.translator.setStage1({ ...m.translator.stage1, ttbr0Hi: 5 << 16 });
    m.translator.tlbMaintenance('VAE1', 0x8_0000, 5 << 16);
    expect(m.translator.translate(0x8000_0000, 'read', 1).ipa).toBe(0x5000_7000);
  });

  it('TLBI VAAE1 with a TTBR1 address (VA bit 55 set in the operand) invalidates the upper entry', () => {
    const m = a64();
    m.translator.translate(-4096, 'read', 1);
    m.writeIpa64(0x8000_a000 + 511 * 8, 0x6000_3000 | AF | PAGE);
    expect(m.translator.translate(-4096, 'read', 1).ipa).toBe(0x6000_0000);
    const page = 2 ** 44 - 1; // VA[55:12] of 0xFFFF_FFFF_FFFF_F000
    m.translator.tlbMaintenance('VAAE1', page % 2 ** 32, Math.floor(page / 2 ** 32));
    expect(m.translator.translate(-4096, 'read', 1).ipa).toBe(0x6000_3000);
  });

  it('TCR_EL1.IPS = 32 bits: an output address above 4 GiB is an Address size fault', () => {
    const m = a64();
    m.writeIpa64(TTB0 + 3 * 8, 0x4000_0000 | AF | BLOCK, 1); // OA 0x1_4000_0000
    m.translator.setStage1({ ...m.translator.stage1, tcrHi: 0 });
    expect(faultOf(() => m.translator.translate(0xc000_0000, 'read', 1))).toMatchObject({ kind: 'address-size', stage: 1, level: 1 });
  });

  it('a stage 2 fault on a table read reports S1PTW with the table IPA', () => {
    const m = a64();
    m.writeIpa64(TTB0 + 0 * 8, 0x2000_0000 | TABLE); // next table at IPA 0x2000_0000: not mapped
    expect(faultOf(() => m.translator.translate(0x1234, 'write', 0))).toMatchObject({ kind: 'translation', stage: 2, level: 1, s1ptw: true, ipa: 0x2000_0000 });
  });

  it('a stage 2 fault on the final IPA has S1PTW clear', () => {
    const m = a64();
    m.writeIpa64(TTB0 + 3 * 8, 0x0000_0000 | AF | BLOCK); // IPA 0: not mapped
    expect(faultOf(() => m.translator.translate(0xc000_0040, 'read', 1))).toMatchObject({ stage: 2, s1ptw: false, ipa: 0x40, va: 0xc000_0040 });
  });

  it('64 KiB granule is refused with a typed error', () => {
    const m = a64();
    m.translator.setStage1({ ...m.translator.stage1, tcrLo: (TCR_LO & ~(3 << 14)) | (1 << 14) });
    expect(() => m.translator.translate(0x1000, 'read', 1)).toThrow(TranslationConfigError);
  });
});
