/**
 * KVM/arm since 2015 (kvm_set_way_flush / kvm_toggle_cache): TSW always, TVM from vCPU reset.
 * A S/W op while TVM is clear cleans and invalidates every mapped stage-2 page by address, then
 * sets TVM; a trapped VM-register write that turns the caches on or off flushes again; once the
 * caches are on, TVM is cleared. There is no access tracking: every flush visits every page
 * mapped, and stage 2 is filled on demand (user_mem_abort: a block is mapped, and cleaned to the
 * PoC, when the guest first touches it), so that is every page the guest has touched.
 *
 * The flush (stage2_flush_vm -> stage2_flush_memslot) holds mmu_lock, and since Linux 5.8
 * ("Release kvm->mmu_lock in loop to prevent starvation"; later stage2_apply_range_resched with
 * stage2_range_addr_end) may drop it between two chunks of IPA space the size one level-1 entry
 * maps, 1 GiB with 4 KiB pages: the longest non-preemptible stretch is one chunk's pages, not
 * the VM's (src/hyp/preemption.ts KVM_STAGE2_CHUNKS). Linux 3.19-5.7 held the lock for the
 * whole flush.
 *
 * `kvm:fwb`, on a CPU with FEAT_S2FWB (kvm_emulate.h vcpu_reset_hcr, sys_regs.c access_dcsw,
 * pgtable.c stage-2 MemAttr): HCR_EL2.FWB instead of TVM, RAM mapped "Normal Write-Back whatever
 * stage 1 says" (MemAttr 0b0110), and trapped S/W ops are ignored: a guest with its caches off
 * still reads and writes through the coherent caches, so there is nothing to flush. Hardware with
 * FEAT_S2FWB reports CLIDR_EL1.{LoUU, LoUIS} = {0, 0}: no data cache level needs cleaning for
 * instruction fetches to see data writes (Arm ARM D8, rule IRRDBK; DDI 0487F.b D5-2635). The
 * policy's machine is its preset so changed: a guest's caches-off writes, which FWB makes
 * cacheable, reach its instruction fetches with no cleaning, as U-Boot's relocation (caches off,
 * then a jump to the copy) and the zImage decompressor's (caches off, then only ICIALLU) need.
 */
import type { CacheSystemConfig } from '../../cache/geometry';
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';
import { KVM_STAGE2_CHUNKS } from '../preemption';

export function kvm(options: PolicyOptions): SetWayPolicy {
  if (options.has('fwb')) return kvmFwb();
  return {
    name: 'kvm',
    claimsSafety: true,
    summary: 'first S/W op and every cache toggle: clean+invalidate all mapped pages by VA',
    models: 'KVM/arm Linux 5.8-6.2 (mmu.c kvm_set_way_flush, kvm_toggle_cache, stage2_apply_range_resched; 3.19-5.7 the same without yielding)',
    populate: 'on-demand',
    resetHcr: () => HCR.TSW | HCR.TVM,
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.flushGuestMemory('mapped', KVM_STAGE2_CHUNKS);
      host.hcr |= HCR.TVM;
    },
    onCacheToggle(host, wasOn, nowOn) {
      if (wasOn !== nowOn) host.flushGuestMemory('mapped', KVM_STAGE2_CHUNKS);
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
  };
}

function kvmFwb(): SetWayPolicy {
  return {
    name: 'kvm',
    claimsSafety: true,
    summary: 'FEAT_S2FWB: RAM forced Write-Back at stage 2 (guest caches-off accesses stay coherent), S/W ops trapped and ignored, no TVM',
    models: 'KVM/arm64 Linux 4.17+ on FEAT_S2FWB hardware (vcpu_reset_hcr, access_dcsw)',
    stage2ForcedWriteBack: true,
    machineCaches: withS2fwb,
    populate: 'on-demand',
    resetHcr: () => HCR.TSW,
    onSetWay: () => {},
    onCacheToggle: () => {},
  };
}

/** `preset` as FEAT_S2FWB hardware reports it: the Points of Unification before every data cache. */
function withS2fwb(preset: CacheSystemConfig): CacheSystemConfig {
  return { ...preset, name: `${preset.name} with FEAT_S2FWB`, louis: 0, louu: 0 };
}
