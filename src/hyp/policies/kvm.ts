/**
 * KVM/arm since 2015 (kvm_set_way_flush / kvm_toggle_cache): TSW always, TVM from vCPU reset.
 * A S/W op while TVM is clear cleans and invalidates every mapped stage-2 page by address, then
 * sets TVM; a trapped VM-register write that turns the caches on or off flushes again; once the
 * caches are on, TVM is cleared. There is no access tracking: every flush visits every page
 * mapped, and stage 2 is filled on demand (user_mem_abort: a block is mapped, and cleaned to the
 * PoC, when the guest first touches it), so that is every page the guest has touched.
 *
 * `kvm:fwb`, on a CPU with FEAT_S2FWB (kvm_emulate.h vcpu_reset_hcr, sys_regs.c access_dcsw,
 * pgtable.c stage-2 MemAttr): HCR_EL2.FWB instead of TVM, RAM mapped "Normal Write-Back whatever
 * stage 1 says" (MemAttr 0b0110), and trapped S/W ops are ignored: a guest with its caches off
 * still reads and writes through the coherent caches, so there is nothing to flush.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function kvm(options: PolicyOptions): SetWayPolicy {
  if (options.has('fwb')) return kvmFwb();
  return {
    name: 'kvm',
    claimsSafety: true,
    summary: 'first S/W op and every cache toggle: clean+invalidate all mapped pages by VA',
    models: 'KVM/arm Linux 3.19-6.2 (mmu.c kvm_set_way_flush, kvm_toggle_cache)',
    populate: 'on-demand',
    resetHcr: () => HCR.TSW | HCR.TVM,
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.flushGuestMemory('mapped');
      host.hcr |= HCR.TVM;
    },
    onCacheToggle(host, wasOn, nowOn) {
      if (wasOn !== nowOn) host.flushGuestMemory('mapped');
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
    populate: 'on-demand',
    resetHcr: () => HCR.TSW,
    onSetWay: () => {},
    onCacheToggle: () => {},
  };
}
