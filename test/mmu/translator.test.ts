/** The translator with stage 1 off, HCR_EL2.DC, stage 2 dirty tracking, TLB maintenance, and memory cost. */
import { describe, expect, it } from 'vitest';
import { describeAttributes } from '../../src/mmu/memory-attributes';
import { S2_DEVICE_RW, S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { stage2RegimeFor } from '../../src/mmu/stage2-regime';
import { SCTLR, stage1Regime } from '../../src/mmu/stage1-regime';
import { Tlb } from '../../src/mmu/tlb';
import { isBroadcastTlbOp, TlbMaintenanceError } from '../../src/mmu/tlb-maintenance';
import { faultOf, makeMachine } from './helpers';

const GiB = 2 ** 30;
const PA_OFFSET = 0x1_0000_0000;

function flat() {
  const m = makeMachine();
  m.p2m.map(0x4000_0000, 0x4000_0000 + PA_OFFSET, GiB, S2_NORMAL_RW);
  m.p2m.map(0x0900_0000, 0x0900_0000, 0x1000, S2_DEVICE_RW);
  return m;
}

describe('stage 1 off (D8.2 / G5: VA = IPA)', () => {
  it('data accesses are Device-nGnRnE whatever stage 2 says: not cacheable', () => {
    const m = flat();
    const t = m.translator.translate(0x4000_1234, 'write', 1);
    expect([t.ipa, t.pa, t.cacheable, describeAttributes(t.attrs.code)]).toEqual([0x4000_1234, 0x4000_1234 + PA_OFFSET, false, 'Device-nGnRnE']);
  });

  it('instruction fetches are Normal Write-Through with SCTLR.I, Non-cacheable without', () => {
    const m = flat();
    m.translator.setStage1(stage1Regime({ format: 'short', sctlr: SCTLR.I }));
    expect(describeAttributes(m.translator.translate(0x4000_0000, 'fetch', 1).attrs.code)).toBe('Normal inner wt outer wt outer-shareable');
    m.translator.setStage1(stage1Regime({ format: 'short', sctlr: 0 }));
    expect(describeAttributes(m.translator.translate(0x4000_0000, 'fetch', 1).attrs.code)).toBe('Normal inner nc outer nc outer-shareable');
  });

  it('HCR_EL2.DC = 1: Normal Non-shareable Write-Back, cacheable, even with SCTLR.M set', () => {
    const m = flat();
    m.translator.setStage1(stage1Regime({ format: 'a64', sctlr: SCTLR.M | SCTLR.C }));
    m.translator.setStage2(stage2RegimeFor(m.p2m, { dc: true }));
    const t = m.translator.translate(0x4000_0000, 'read', 1);
    expect([t.ipa, t.cacheable, describeAttributes(t.attrs.code)]).toEqual([0x4000_0000, true, 'Normal inner wb outer wb inner-shareable']);
    expect(describeAttributes(m.translator.translate(0x0900_0000, 'read', 1).attrs.code)).toBe('Device-nGnRnE');
  });

  it('an unmapped IPA is a stage 2 Translation fault with the IPA for HPFAR', () => {
    const m = flat();
    expect(faultOf(() => m.translator.translate(0x8000_0010, 'read', 1))).toMatchObject({ kind: 'translation', stage: 2, ipa: 0x8000_0010, s1ptw: false });
  });

  it('stage 2 off too: PA = VA', () => {
    const m = flat();
    m.translator.setStage2({ ...m.translator.stage2, enabled: false });
    expect(m.translator.translate(0x1234_5678, 'read', 1).pa).toBe(0x1234_5678);
    expect(faultOf(() => m.translator.translate(2 ** 48, 'read', 1))).toMatchObject({ kind: 'address-size', stage: 1, level: 0 });
  });
});

describe('stage 2 dirty tracking and access tracking as a hypervisor uses them', () => {
  it('with VTCR_EL2.HA/HD the first write after writeProtect marks the page dirty', () => {
    const m = makeMachine({ hardwareAccessFlag: true, hardwareDirty: true });
    m.p2m.map(0x4000_0000, 0x4000_0000, 0x20_0000, S2_NORMAL_RW);
    m.p2m.writeProtect(0x4000_0000, 0x20_0000);
    m.tlb.invalidateVmid(m.p2m.vmid);
    m.translator.translate(0x4000_3000, 'read', 1);
    expect(m.p2m.isDirty(0x4000_3000)).toBe(false);
    m.translator.translate(0x4000_3008, 'write', 1);
    expect([m.p2m.isDirty(0x4000_3000), m.p2m.isDirty(0x4000_4000)]).toEqual([true, false]);
    m.p2m.clearDirty(0x4000_0000, 0x20_0000);
    expect(m.p2m.isDirty(0x4000_3000)).toBe(false);
  });

  it('without HD a write to a write-protected page is a stage 2 Permission fault', () => {
    const m = makeMachine();
    m.p2m.map(0x4000_0000, 0x4000_0000, 0x1000, S2_NORMAL_RW);
    m.p2m.writeProtect(0x4000_0000, 0x1000);
    expect(faultOf(() => m.translator.translate(0x4000_0000, 'write', 1))).toMatchObject({ kind: 'permission', stage: 2, level: 3 });
  });

  it('Xen-style: after invalidateRootEntries the TLB still translates until the hypervisor invalidates it', () => {
    const m = flat();
    m.translator.translate(0x4000_0000, 'read', 1);
    m.p2m.invalidateRootEntries();
    expect(m.translator.translate(0x4000_0000, 'read', 1).pa).toBe(0x4000_0000 + PA_OFFSET); // stale, as on hardware
    m.translator.tlbMaintenance('VMALLS12E1IS', 0, 0);
    expect(faultOf(() => m.translator.translate(0x4000_0000, 'read', 1))).toMatchObject({ kind: 'translation', stage: 2, level: 1 });
    expect(m.p2m.revalidate(0x4000_0000)).toBe(true);
    expect(m.translator.translate(0x4000_0000, 'read', 1).pa).toBe(0x4000_0000 + PA_OFFSET);
  });
});

describe('TLB maintenance', () => {
  function mmuOn() {
    const m = flat();
    const TTB = 0x4000_0000;
    m.writeIpa32(TTB + 0x400 * 4, 0x4000_0c02 | (1 << 17)); // VA 0x4000_0000 section, nG
    m.writeIpa32(TTB + 0x401 * 4, 0x4010_0c02); // VA 0x4010_0000 section, global
    m.translator.setStage1(stage1Regime({ format: 'short', sctlr: SCTLR.M | SCTLR.C, ttbr0Lo: TTB, dacr: 1, contextidr: 3 }));
    return m;
  }

  it('hits after the first walk; TLBIALL, TLBIASID, TLBIMVA and TLBIIPAS2 force new walks', () => {
    const m = mmuOn();
    const tr = m.translator;
    tr.translate(0x4000_0000, 'read', 1);
    tr.translate(0x4000_0004, 'read', 1);
    expect([tr.walks, tr.hits]).toEqual([1, 1]);
    tr.tlbMaintenance('TLBIALL', 0, 0);
    tr.translate(0x4000_0000, 'read', 1);
    expect(tr.walks).toBe(2);
    tr.tlbMaintenance('TLBIASID', 4, 0); // another ASID: no effect
    tr.translate(0x4000_0000, 'read', 1);
    expect(tr.walks).toBe(2);
    tr.tlbMaintenance('TLBIASIDIS', 3, 0);
    tr.translate(0x4000_0000, 'read', 1);
    expect(tr.walks).toBe(3);
    // A 1 MiB section is cached per page; TLBIMVA of any page of it removes all of them.
    tr.translate(0x4010_8000, 'read', 1);
    tr.translate(0x4010_0000, 'read', 1);
    expect(tr.walks).toBe(5);
    tr.tlbMaintenance('TLBIMVA', 0x4010_8000 | 3, 0);
    tr.translate(0x4010_0000, 'read', 1);
    expect(tr.walks).toBe(6);
    // Stage 2 by IPA also drops the combined entries built on it.
    tr.tlbMaintenance('TLBIIPAS2', 0x4010_0000 / 4096, 0);
    tr.translate(0x4010_0000, 'read', 1);
    expect(tr.walks).toBe(7);
  });

  it('entries are per VMID, and a TLB can be shared or swapped', () => {
    const m = mmuOn();
    m.translator.translate(0x4000_0000, 'read', 1);
    m.tlb.invalidateVmid(m.p2m.vmid + 1);
    m.translator.translate(0x4000_0000, 'read', 1);
    expect(m.translator.walks).toBe(1);
    m.translator.setTlb(new Tlb());
    m.translator.translate(0x4000_0000, 'read', 1);
    expect(m.translator.walks).toBe(2);
  });

  it('names: broadcast forms are recognised, unknown ones raise a typed error', () => {
    expect(isBroadcastTlbOp('TLBIALLIS')).toBe(true);
    expect(isBroadcastTlbOp('VAE1OS')).toBe(true);
    expect(isBroadcastTlbOp('TLBIALL')).toBe(false);
    expect(() => flat().translator.tlbMaintenance('TLBIFOO', 0, 0)).toThrow(TlbMaintenanceError);
  });
});

describe('memory cost', () => {
  it('a 16 GiB guest with 64 MiB written spread over it allocates about 64 MiB', () => {
    const m = makeMachine();
    m.p2m.map(0x1_0000_0000, 0x4_0000_0000, 16 * GiB, S2_NORMAL_RW);
    const chunk = new Uint8Array(64 * 1024).fill(0xa5);
    for (let i = 0; i < 1024; i++) {
      const ipa = 0x1_0000_0000 + i * 16 * 2 ** 20 + 0x3000;
      const t = m.translator.translate(ipa, 'write', 1);
      m.mem.writeBytes(t.pa, chunk);
    }
    const dataPages = (64 * 2 ** 20) / 4096; // 1024 page-aligned chunks of 16 pages
    expect(m.mem.allocatedPages).toBeLessThanOrEqual(dataPages + m.p2m.tablePages);
    expect(m.mem.allocatedPages).toBeGreaterThanOrEqual(dataPages);
    expect(m.p2m.tablePages).toBeLessThanOrEqual(4);
  });
});
