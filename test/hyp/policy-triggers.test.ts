/**
 * The policies as the real hypervisors behave (issue: policies as the hypervisors really are),
 * driven through the EL2 trap handler with hand-built syndromes on a real Machine:
 * - Xen (TVM_REG handlers -> p2m_toggle_cache) and KVM (access_vm_reg -> kvm_toggle_cache) look
 *   at the caches after a write of any TVM-trapped register: the first TTBR0 write with the
 *   caches on after a S/W op clears TVM. Jailhouse (arm/traps.c) and setway's own policies look
 *   at SCTLR only.
 * - Jailhouse clears TVM when SCTLR turns the caches on or off, flushing only on on->off; its
 *   arm64 port traps no S/W op.
 * - Xen's p2m_cache_flush_range checks for preemption when its counter reaches 512 (+10 per page
 *   flushed, +1 per entry stepped over): the longest EL2 stretch of a flush is about 52 pages.
 *   It steps by the order p2m_get_entry reports: a hole costs one lookup per empty block, at the
 *   level where the walk found the entry empty.
 * - KVM (since Linux 5.8, stage2_apply_range_resched) may yield mmu_lock between 1 GiB chunks of
 *   IPA space: its longest EL2 stretch is one chunk's pages.
 * - Xen's p2m_get_entry reports the leaf's own valid bit: with 4 KiB leaves, every page under a
 *   2 MiB table not re-entered since the roots were invalidated is flushed again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HCR, type TrappedVcpu } from '../../src/exec/el2-gate';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { DEFAULT_COST_MODEL } from '../../src/hyp/cost-model';
import type { VcpuPolicyHost } from '../../src/hyp/policy-host';
import { lookupsAcrossHole } from '../../src/hyp/p2m-holes';
import { loadElf } from '../../src/rom';
import { runFunction } from '../../src/scenarios/function-harness';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { romPath } from '../../src/scenarios/rom-images';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { SMALL } from './handoff-helpers';

class Regs implements TrappedVcpu {
  regs = new Uint32Array(31);
  readRegister = (n: number) => this.regs[n];
  readRegisterHigh = () => 0;
  writeRegister = (n: number, lo: number) => void (this.regs[n] = lo);
  skipInstruction = () => {};
  injectUndefined = () => {};
  injectDataAbort = () => {};
  halt = () => {};
}

/** HSR of an A32 MCR p15 (EC 0x03, CV=1, COND=AL), write, Rt = r0. */
const mcr = (opc1: number, crn: number, crm: number, opc2: number) =>
  ((0x03 << 26) | (1 << 25) | (1 << 24) | (0xe << 20) | (opc2 << 17) | (opc1 << 14) | (crn << 10) | (crm << 1)) >>> 0;
const DCCISW = mcr(0, 7, 14, 2);
const SCTLR = mcr(0, 1, 0, 0);
const TTBR0 = mcr(0, 2, 0, 0);

const MiB = 2 ** 20;

function vcpuUnder(policy: string, options: { guestRamBytes?: number; p2mMaxLeafBytes?: number; isa?: 'a32' | 'a64'; populate?: 'upfront' | 'on-demand' } = {}) {
  // RAM mapped up front unless asked: these guests make no access that would fault it in on demand (KVM).
  const machine = new Machine({ preset: 'cubietruck', isa: options.isa ?? 'a32', policy, guestRamBytes: options.guestRamBytes ?? 16 * MiB, p2mMaxLeafBytes: options.p2mMaxLeafBytes, populate: options.populate ?? 'upfront' });
  const vcpu = machine.vms[0].vcpus[0];
  const regs = new Regs();
  const write = (hsr: number, value: number) => {
    regs.regs[0] = value;
    vcpu.takeTrap(hsr, { far: 0, hpfar: 0 }, regs);
  };
  const sctlr = () => vcpu.sysregs.get(SysReg.SCTLR);
  return { machine, vcpu, write, cachesOn: () => write(SCTLR, (sctlr() | 0b101) >>> 0), cachesOff: () => write(SCTLR, (sctlr() & ~0b101) >>> 0) };
}

describe('what clears TVM after a S/W op with the caches on', () => {
  it.each([
    ['xen', 0],
    ['kvm', 0],
    ['jailhouse', HCR.TVM],
    ['dirty', HCR.TVM],
    ['misconfig', HCR.TVM],
  ])('%s: a TTBR0 write leaves TVM %s', (policy, tvmAfter) => {
    const { vcpu, write, cachesOn } = vcpuUnder(policy);
    cachesOn();
    write(DCCISW, 0x2);
    expect(vcpu.hcrValue & HCR.TVM, 'the S/W op sets TVM').toBe(HCR.TVM);
    const flushed = vcpu.cost.pagesFlushed;
    write(TTBR0, 0x4000_4000);
    expect(vcpu.sysregs.get(SysReg.TTBR0)).toBe(0x4000_4000);
    expect(vcpu.hcrValue & HCR.TVM).toBe(tvmAfter);
    // The caches stayed on: no flush either way.
    expect(vcpu.cost.pagesFlushed).toBe(flushed);
  });

  it('xen and kvm still flush when the write turns the caches off (SCTLR), and not on a TTBR0 write', () => {
    for (const policy of ['xen', 'kvm']) {
      const { vcpu, write, cachesOn, cachesOff } = vcpuUnder(policy);
      cachesOn();
      write(DCCISW, 0x2);
      const flushed = vcpu.cost.pagesFlushed;
      cachesOff();
      expect(vcpu.cost.pagesFlushed, policy).toBeGreaterThan(flushed);
      expect(vcpu.hcrValue & HCR.TVM, policy).toBe(HCR.TVM);
    }
  });
});

describe('jailhouse as its ports are', () => {
  it('A32: caches on->off flushes and clears TVM; off->on clears TVM without a flush', () => {
    const { vcpu, write, cachesOn, cachesOff } = vcpuUnder('jailhouse');
    cachesOn();
    write(DCCISW, 0x2); // flush, TVM set
    const afterSetWay = vcpu.cost.pagesFlushed;
    expect(afterSetWay).toBeGreaterThan(0);
    cachesOff();
    expect(vcpu.cost.pagesFlushed).toBe(2 * afterSetWay);
    expect(vcpu.hcrValue & HCR.TVM).toBe(0);
    write(DCCISW, 0x2); // caches off, TVM clear: flush again, TVM set
    const beforeOn = vcpu.cost.pagesFlushed;
    cachesOn();
    expect(vcpu.cost.pagesFlushed).toBe(beforeOn);
    expect(vcpu.hcrValue & HCR.TVM).toBe(0);
  });

  it('arm64: neither TSW nor TVM is set, as its arm64 port does', () => {
    const a64 = vcpuUnder('jailhouse', { isa: 'a64' });
    expect(a64.vcpu.hcrValue & (HCR.TSW | HCR.TVM)).toBe(0);
    const a32 = vcpuUnder('jailhouse');
    expect(a32.vcpu.hcrValue & HCR.TSW).toBe(HCR.TSW);
  });
});

describe('xen flush: preemption and the leaf valid bit', () => {
  const model = DEFAULT_COST_MODEL;
  const pageWork = model.p2mPageWalked + (4096 / 64) * model.lineByAddress;

  it('a 256 MiB guest flushed whole: the longest EL2 stretch is 52 pages of work (count +10 per page, check at 512)', () => {
    // 4 KiB leaves, none under a table re-entered since the domain was built: Xen flushes every page.
    const { vcpu, write } = vcpuUnder('xen', { guestRamBytes: 256 * MiB, p2mMaxLeafBytes: 4096 });
    write(DCCISW, 0x2);
    vcpu.cost.endEl2Run(); // the return to the guest closes the last stretch
    expect(vcpu.cost.pagesFlushed).toBe((256 * MiB) / 4096);
    const longest = vcpu.cost.longestEl2Cycles;
    expect(longest).toBeGreaterThanOrEqual(52 * pageWork);
    expect(longest).toBeLessThan(53 * pageWork + model.trapRoundTrip + model.tlbInvalidateVmid);
  });

  it('with 4 KiB leaves, pages under 2 MiB tables the guest never re-entered are flushed again; with 2 MiB leaves they are not', () => {
    const flushes = (leaf: number) => {
      const { machine, vcpu, write, cachesOn, cachesOff } = vcpuUnder('xen', { guestRamBytes: 64 * MiB, p2mMaxLeafBytes: leaf });
      cachesOn(); // a toggle: Xen flushes, and the caches-on write clears TVM
      const before = vcpu.cost.pagesFlushed;
      write(DCCISW, 0x2); // TVM clear: flush, then the roots are invalidated again
      const first = vcpu.cost.pagesFlushed - before;
      // The guest touches one page: stage-2 faults re-validate one level each (root, table, leaf).
      const ipa = machine.vms[0].ramIpa + 0x3000;
      let faults = 0;
      while (vcpu.policy.onStage2Fault?.(vcpu.host, ipa, false, 'translation')) faults++;
      cachesOff(); // a flush of what is valid now
      return { first, second: vcpu.cost.pagesFlushed - before - first, faults };
    };
    const small = flushes(4096);
    expect(small.first).toBe((64 * MiB) / 4096);
    // Only the touched 2 MiB table was re-entered: its 511 other leaves are invalid now, the
    // other 31 tables' leaves keep the valid bit they had and are flushed again.
    expect(small.second).toBe((64 * MiB) / 4096 - 511);
    const blocks = flushes(2 * MiB);
    // 2 MiB leaves sit in the re-entered table: only the touched one is valid.
    expect(blocks.second).toBe((2 * MiB) / 4096);
    expect(blocks.faults).toBeLessThan(small.faults);
  });
});

describe('xen flush: holes cost one lookup per empty block (p2m_get_entry order)', () => {
  it('by arithmetic: pages up to the table boundary, then whole 2 MiB and 1 GiB blocks, then pages', () => {
    const G = 2 ** 30;
    expect(lookupsAcrossHole(G + 4096, G + 8192, 1)).toBe(1);
    // 511 pages to the 2 MiB boundary, 29 blocks of 2 MiB, 2 pages.
    expect(lookupsAcrossHole(G + 4096, G + 60 * MiB + 8192, 1)).toBe(511 + 29 + 2);
    // From 1 GiB + 2 MiB to 3 GiB: 511 blocks of 2 MiB, then one of 1 GiB.
    expect(lookupsAcrossHole(G + 2 * MiB, 3 * G, 1)).toBe(511 + 1);
    expect(() => lookupsAcrossHole(G + 1, 2 * G, 1)).toThrow(RangeError);
  });

  it.each([
    // [4 KiB, 60 MiB + 8 KiB): 511 pages, 29 blocks of 2 MiB, 2 pages.
    [4096, 4096, 60 * MiB + 8192, 511 + 29 + 2],
    // [2 MiB, 62 MiB): 30 blocks of 2 MiB.
    [2 * MiB, 2 * MiB, 62 * MiB, 30],
  ])('a guest with a ballooned-out hole, %i-byte leaves, hole at +%i to +%i: %i lookups cross it', (leaf, start, end, lookups) => {
    const { machine, vcpu, write } = vcpuUnder('xen', { guestRamBytes: 64 * MiB, p2mMaxLeafBytes: leaf });
    const vm = machine.vms[0];
    // The guest gave RAM back (XENMEM_decrease_reservation): the range is unmapped, tables left empty freed.
    vm.p2m.unmap(vm.ramIpa + start, end - start);
    write(DCCISW, 0x2);
    expect(vcpu.cost.pagesFlushed).toBe((64 * MiB - (end - start)) / 4096);
    // Every page flushed and every lookup that stepped over the hole was one p2m walk.
    expect(vcpu.cost.p2mPagesWalked - vcpu.cost.pagesFlushed).toBe(lookups);
  });

  it('the lookups count towards preemption: 1,052 of them between two pages are cut at 512', () => {
    const { machine, vcpu, write } = vcpuUnder('xen', { guestRamBytes: 64 * MiB, p2mMaxLeafBytes: 4096 });
    const vm = machine.vms[0];
    // Only the first and the last page stay: 511 pages to the first 2 MiB boundary, 30 blocks, 511 pages.
    vm.p2m.unmap(vm.ramIpa + 4096, 64 * MiB - 8192);
    vcpu.cost.endEl2Run();
    write(DCCISW, 0x2);
    vcpu.cost.endEl2Run();
    expect(vcpu.cost.p2mPagesWalked - vcpu.cost.pagesFlushed).toBe(511 + 30 + 511);
    // One stretch of all 1,052 lookups would be over 31,000 cycles.
    const model = DEFAULT_COST_MODEL;
    const pageWork = model.p2mPageWalked + (4096 / 64) * model.lineByAddress;
    expect(vcpu.cost.longestEl2Cycles).toBeLessThan(513 * model.p2mPageWalked + pageWork + model.trapRoundTrip + model.setWayOp);
  });
});

describe('kvm flush: mmu_lock given up between 1 GiB chunks of IPA space (stage2_apply_range_resched)', () => {
  const model = DEFAULT_COST_MODEL;
  const pageWork = model.p2mPageWalked + (4096 / 64) * model.lineByAddress;
  const GiB = 2 ** 30;

  it('a 2.5 GiB guest mapped up front: the longest EL2 stretch is one 1 GiB chunk, not the whole VM', () => {
    const { vcpu, write, cachesOn } = vcpuUnder('kvm', { guestRamBytes: 2.5 * GiB });
    cachesOn(); // a toggle flush, and TVM cleared: the S/W op below flushes again
    vcpu.cost.endEl2Run();
    vcpu.cost.longestEl2Cycles = 0;
    const before = vcpu.cost.pagesFlushed;
    write(DCCISW, 0x2);
    vcpu.cost.endEl2Run();
    expect(vcpu.cost.pagesFlushed - before).toBe((2.5 * GiB) / 4096);
    const chunkPages = GiB / 4096;
    expect(vcpu.cost.longestEl2Cycles).toBeGreaterThanOrEqual(chunkPages * pageWork);
    expect(vcpu.cost.longestEl2Cycles).toBeLessThan(chunkPages * pageWork + model.trapRoundTrip + model.tlbInvalidateVmid + model.setWayOp);
  });

  it('on demand: two 2 MiB blocks either side of the 2 GiB IPA boundary are two stretches of 512 pages; both in one chunk, one of 1024', () => {
    const stretch = (ipas: number[]) => {
      const { machine, vcpu, write, cachesOn } = vcpuUnder('kvm', { guestRamBytes: 1.5 * GiB, populate: 'on-demand' });
      const host = vcpu.host as VcpuPolicyHost;
      for (const ipa of ipas) expect(host.populate(ipa, machine.ramAttributes(), true)).toBe(true);
      cachesOn();
      const before = vcpu.cost.pagesFlushed;
      vcpu.cost.endEl2Run();
      vcpu.cost.longestEl2Cycles = 0;
      write(DCCISW, 0x2);
      vcpu.cost.endEl2Run();
      return { pages: vcpu.cost.pagesFlushed - before, longest: vcpu.cost.longestEl2Cycles };
    };
    const across = stretch([2 * GiB - 2 * MiB, 2 * GiB]);
    const within = stretch([2 * GiB - 4 * MiB, 2 * GiB - 2 * MiB]);
    expect([across.pages, within.pages]).toEqual([1024, 1024]);
    expect(across.longest).toBeLessThan(513 * pageWork + model.trapRoundTrip);
    expect(within.longest).toBeGreaterThanOrEqual(1024 * pageWork);
  });
});

describe('kvm-6.3: the cache ID registers fabricated (reset_clidr, get_ccsidr)', () => {
  const flushDcacheAll = (policy: string, isa: 'a32' | 'a64') => {
    const rom = isa === 'a32' ? 'a32-set-way.o' : 'a64-set-way.o';
    const image = loadElf(new Uint8Array(readFileSync(romPath(rom))), { loadAddress: 0x4100_0000 });
    return runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy, preset: 'cubietruck', bufferBytes: 64 * 1024, migration: { kind: 'random', meanInstructions: 200 }, seed: 7 });
  };

  it.each(['a32', 'a64'] as const)('%s: the routine reads one level of one set and one way, makes one trapped S/W op, and loses nothing', (isa) => {
    const r = flushDcacheAll('kvm-6.3', isa);
    expect(r.setWayOps).toBe(1);
    expect(r.setWayOpsTrapped).toBe(1);
    expect(lostData(r)).toBe(false);
    // The same routine under kvm walks the real geometry, every op trapped.
    expect(flushDcacheAll('kvm', isa).setWayOpsTrapped).toBeGreaterThan(1000);
  });
});

describe('kvm:fwb: FEAT_S2FWB, stage 2 forcing Write-Back (measured, not assumed)', () => {
  it.each(['a32', 'a64'] as const)('%s boot handoff migrated half-way through the flush: traps every S/W op, cleans nothing, loses nothing where passthrough loses', (isa) => {
    const migration = { kind: 'after-setway' as const, k: 768 };
    const fwb = runBootHandoff({ ...SMALL, isa, preset: 'cubietruck', policy: 'kvm:fwb', migration });
    expect(fwb.setWayOpsTrapped).toBe(fwb.setWayOps);
    expect([fwb.linesByAddress, fwb.pagesFlushed]).toEqual([0, 0]);
    expect(lostData(fwb)).toBe(false);
    expect(fwb.staleReads).toBe(0);
    expect(lostData(runBootHandoff({ ...SMALL, isa, preset: 'cubietruck', policy: 'passthrough', migration }))).toBe(true);
  });
});

describe('kvm fills stage 2 on demand (user_mem_abort), and cleans what it maps (clean_dcache_guest_page)', () => {
  it.each(['a32', 'a64'] as const)('%s boot handoff: RAM mapped as the guest touches it, each flush visits only that; up front every page', (isa) => {
    const onDemand = runBootHandoff({ ...SMALL, isa, preset: 'cubietruck', policy: 'kvm', migration: { kind: 'after-setway', k: 768 } });
    const upfront = runBootHandoff({ ...SMALL, isa, preset: 'cubietruck', policy: 'kvm', populate: 'upfront', migration: { kind: 'after-setway', k: 768 } });
    expect([lostData(onDemand), lostData(upfront)]).toEqual([false, false]);
    // The guest touches one 2 MiB block (code, tables, buffer): one fault maps it.
    expect(onDemand.stage2Faults).toBeGreaterThanOrEqual(1);
    expect(upfront.stage2Faults).toBe(0);
    // Up front, each flush visits all 16 MiB of RAM; on demand, the touched block only.
    expect(upfront.pagesFlushed % ((16 * MiB) / 4096)).toBe(0);
    expect(onDemand.pagesFlushed * 8).toBe(upfront.pagesFlushed);
    // The mapped block is cleaned to the PoC once, at its fault.
    expect(onDemand.linesByAddress).toBe(onDemand.pagesFlushed * 64 + onDemand.stage2Faults * ((2 * MiB) / 64));
  });

  it('kvm-2013 fills stage 2 on demand too (user_mem_abort since 3.9), and loses the same lines as with RAM mapped up front', () => {
    const migration = { kind: 'after-setway' as const, k: 768 };
    const onDemand = runBootHandoff({ ...SMALL, isa: 'a32', preset: 'cubietruck', policy: 'kvm-2013', migration });
    const upfront = runBootHandoff({ ...SMALL, isa: 'a32', preset: 'cubietruck', policy: 'kvm-2013', populate: 'upfront', migration });
    expect([onDemand.stage2Faults > 0, upfront.stage2Faults]).toEqual([true, 0]);
    // Its S/W ops never clean by address: what it cleans is what it maps.
    expect(onDemand.pagesFlushed).toBe(0);
    expect(onDemand.linesByAddress).toBe(onDemand.stage2Faults * ((2 * MiB) / 64));
    expect(lostData(onDemand)).toBe(true);
    expect(onDemand.staleReads).toBe(upfront.staleReads);
  });

  it('jailhouse maps RAM up front: no stage-2 fault at all', () => {
    const r = runBootHandoff({ ...SMALL, isa: 'a32', preset: 'cubietruck', policy: 'jailhouse' });
    expect([r.stage2Faults, lostData(r)]).toEqual([0, false]);
  });
});
