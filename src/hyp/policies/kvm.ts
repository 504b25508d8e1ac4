/**
 * KVM/arm since 2015 (kvm_set_way_flush / kvm_toggle_cache): TSW always, TVM from vCPU reset.
 * A S/W op while TVM is clear cleans and invalidates every mapped stage-2 page by address, then
 * sets TVM; a trapped VM-register write that turns the caches on or off flushes again; once the
 * caches are on, TVM is cleared. There is no access tracking: every flush visits the whole VM.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function kvm(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'kvm',
    claimsSafety: true,
    summary: 'first S/W op and every cache toggle: clean+invalidate all mapped pages by VA',
    models: 'KVM/arm Linux 3.19-6.2 (mmu.c kvm_set_way_flush, kvm_toggle_cache)',
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
