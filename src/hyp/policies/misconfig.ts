/**
 * The x86 "misconfigured EPT entry" technique carried over: on the first S/W op, mark every p2m
 * leaf invalid (keeping its contents) so the next access to each page faults; the fault handler
 * cleans and invalidates that page by address and restores the entry. Nothing is flushed up
 * front; pages never touched again are never flushed (nobody can observe them).
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function misconfig(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'misconfig',
    claimsSafety: true,
    summary: 'first S/W op invalidates every p2m leaf; each page is flushed on its next access',
    resetHcr: () => HCR.TSW,
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.invalidateP2mLeaves();
      host.hcr |= HCR.TVM;
    },
    // setway's own policy: it looks at SCTLR writes only (a TTBR write with caches on leaves TVM set).
    onCacheToggle(host, wasOn, nowOn, register) {
      if (register !== 'SCTLR') return;
      if (wasOn !== nowOn) host.invalidateP2mLeaves();
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
    onStage2Fault(host, ipa, _write, kind) {
      if (kind !== 'translation' || !host.restoreP2mLeaf(ipa)) return false;
      host.flushGuestPage(ipa);
      return true;
    },
  };
}
