/** AArch32 short-descriptor stage 1 (G5.4), walked through a real p2m, with S1PTW faults. */
import { describe, expect, it } from 'vitest';
import { S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { SCTLR, stage1Regime } from '../../src/mmu/stage1-regime';
import { describeAttributes } from '../../src/mmu/memory-attributes';
import { faultOf, makeMachine } from './helpers';

const TTB = 0x8000_0000; // 16 KiB L1 table (N = 0)
const L2T = 0x8000_4000;
const RAM_IPA = 0x8000_0000;
const PA_OFFSET = 0x1_0000_0000;

function machine(extra: Partial<Parameters<typeof stage1Regime>[0]> = {}) {
  const m = makeMachine();
  m.p2m.map(RAM_IPA, RAM_IPA + PA_OFFSET, 0x0800_0000, S2_NORMAL_RW); // 128 MiB of guest RAM
  // L1[1]: section VA 0x0010_0000 -> IPA 0x8100_0000, AP=11, TEX=001 C=1 B=1 (WB-WA), domain 0.
  m.writeIpa32(TTB + 1 * 4, 0x8100_1c0e);
  // L1[2]: page table at L2T, domain 1.
  m.writeIpa32(TTB + 2 * 4, L2T | 0x21);
  // L2[3]: small page VA 0x0020_3000 -> IPA 0x8200_0000, AP=01 (PL1 only), TEX=000 C=1 B=1 (WB).
  m.writeIpa32(L2T + 3 * 4, 0x8200_001e);
  // L2[16..31]: large page VA 0x0021_0000 -> IPA 0x8300_0000, AP=11, XN (bit 15).
  for (let i = 16; i < 32; i++) m.writeIpa32(L2T + i * 4, 0x8300_8031);
  // L1[16..31]: supersection VA 0x0100_0000 -> IPA 0x8500_0000, AP=11, PXN (bits[1:0]=0b11).
  for (let i = 16; i < 32; i++) m.writeIpa32(TTB + i * 4, 0x8504_0c03);
  m.translator.setStage1(
    stage1Regime({ format: 'short', sctlr: SCTLR.M | SCTLR.C | SCTLR.I, ttbr0Lo: TTB | 0x59, dacr: 0b01_01, contextidr: 7, ...extra }),
  );
  return m;
}

describe('short-descriptor stage 1 through stage 2', () => {
  it('section: VA -> IPA -> PA with Normal Write-Back attributes', () => {
    const m = machine();
    const t = m.translator.translate(0x0012_3456, 'read', 1);
    expect(t.ipa).toBe(0x8102_3456);
    expect(t.pa).toBe(0x8102_3456 + PA_OFFSET);
    expect(t.cacheable).toBe(true);
    expect(describeAttributes(t.attrs.code)).toBe('Normal inner wb outer wb inner-shareable');
  });

  it('small page with AP=01: PL1 may write, PL0 gets a level 2 Permission fault', () => {
    const m = machine();
    expect(m.translator.translate(0x0020_3abc, 'write', 1).ipa).toBe(0x8200_0abc);
    expect(faultOf(() => m.translator.translate(0x0020_3abc, 'read', 0))).toMatchObject({ kind: 'permission', stage: 1, level: 2 });
  });

  it('large page (64 KiB) with XN: reads pass, fetches fault', () => {
    const m = machine();
    expect(m.translator.translate(0x0021_f00c, 'read', 0).ipa).toBe(0x8300_f00c);
    expect(faultOf(() => m.translator.translate(0x0021_0000, 'fetch', 0))).toMatchObject({ kind: 'permission', level: 2 });
  });

  it('supersection (16 MiB) with PXN: EL0 may fetch, EL1 may not', () => {
    const m = machine();
    expect(m.translator.translate(0x01ab_cdef, 'fetch', 0).ipa).toBe(0x85ab_cdef);
    expect(faultOf(() => m.translator.translate(0x01ab_cdef, 'fetch', 1))).toMatchObject({ kind: 'permission', level: 1 });
  });

  it('Translation faults: level 1 for an empty L1 entry, level 2 for an empty L2 entry', () => {
    const m = machine();
    expect(faultOf(() => m.translator.translate(0x0030_0000, 'read', 1))).toMatchObject({ kind: 'translation', stage: 1, level: 1 });
    expect(faultOf(() => m.translator.translate(0x0020_4000, 'read', 1))).toMatchObject({ kind: 'translation', stage: 1, level: 2 });
  });

  it('DACR: No access gives a Domain fault, Manager skips the AP check (checked on TLB hits too)', () => {
    const m = machine();
    m.translator.translate(0x0020_3000, 'read', 1); // fill the TLB
    m.translator.setStage1({ ...m.translator.stage1, dacr: 0b00_01 });
    expect(faultOf(() => m.translator.translate(0x0020_3000, 'read', 1))).toMatchObject({ kind: 'domain', level: 2, domain: 1 });
    m.translator.setStage1({ ...m.translator.stage1, dacr: 0b11_01 });
    expect(m.translator.translate(0x0020_3000, 'write', 0).ipa).toBe(0x8200_0000);
  });

  it('SCTLR.AFE=1: AP[0]=0 is an Access flag fault', () => {
    const m = machine({ sctlr: SCTLR.M | SCTLR.AFE });
    m.writeIpa32(TTB + 3 * 4, 0x8400_080e); // AP=10: AP[0] (AF) = 0
    expect(faultOf(() => m.translator.translate(0x0030_0000, 'read', 1))).toMatchObject({ kind: 'access-flag', level: 1 });
  });

  it('TTBCR.N=1 sends the upper half to TTBR1; PD1 disables it', () => {
    const m = machine({ tcrLo: 1, ttbr1Lo: 0x8001_0000 });
    m.writeIpa32(0x8001_0000 + 0x800 * 4, 0x8600_0c02); // VA 0x8000_0000 section
    expect(m.translator.translate(0x8000_0010, 'read', 1).ipa).toBe(0x8600_0010);
    expect(m.translator.translate(0x0012_0000, 'read', 1).ipa).toBe(0x8102_0000); // TTBR0 still
    m.translator.setStage1({ ...m.translator.stage1, tcrLo: 1 | (1 << 5) });
    m.translator.tlbMaintenance('TLBIALL', 0, 0);
    expect(faultOf(() => m.translator.translate(0x8000_0010, 'read', 1))).toMatchObject({ kind: 'translation', level: 1 });
  });

  it('TEX remap (SCTLR.TRE) with Linux-style PRRR/NMRR values', () => {
    const m = machine({ sctlr: SCTLR.M | SCTLR.C | SCTLR.TRE, prrr: 0xff0a_81a8, nmrr: 0x40e0_40e0 });
    m.writeIpa32(TTB + 4 * 4, 0x8700_1c0e | (1 << 16)); // n = TEX[0]:C:B = 0b111, S=1 -> Normal WB-WA inner shareable
    m.writeIpa32(TTB + 5 * 4, 0x8710_0c02); // n = 0 -> Strongly-ordered
    m.writeIpa32(TTB + 6 * 4, 0x8720_0c06); // n = 1 (B) -> Normal NC
    expect(describeAttributes(m.translator.translate(0x0040_0000, 'read', 1).attrs.code)).toBe('Normal inner wb outer wb inner-shareable');
    expect(describeAttributes(m.translator.translate(0x0050_0000, 'read', 1).attrs.code)).toBe('Device-nGnRnE');
    expect(describeAttributes(m.translator.translate(0x0060_0000, 'read', 1).attrs.code)).toBe('Normal inner nc outer nc outer-shareable');
  });

  it('a stage 2 fault on the L2 table read is reported with S1PTW and the table IPA', () => {
    const m = machine();
    m.writeIpa32(TTB + 7 * 4, 0x0800_0001); // page table at IPA 0x0800_0000: not mapped in stage 2
    const f = faultOf(() => m.translator.translate(0x0070_1000, 'write', 1));
    expect(f).toMatchObject({ kind: 'translation', stage: 2, s1ptw: true, ipa: 0x0800_0000 + 4, access: 'write', va: 0x0070_1000 });
  });

  it('walks read descriptors through the callback, cacheable per TTBR0 IRGN/RGN and SCTLR.C', () => {
    const m = machine();
    m.translator.translate(0x0012_0000, 'read', 1);
    expect(m.descriptorReads.at(-1)).toEqual({ pa: TTB + 4 + PA_OFFSET, cacheable: true });
    const n = machine({ sctlr: SCTLR.M });
    n.translator.translate(0x0012_0000, 'read', 1);
    expect(n.descriptorReads.at(-1)?.cacheable).toBe(false);
  });
});
