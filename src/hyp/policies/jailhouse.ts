/**
 * Jailhouse (arm): the first S/W op flushes the cell's memory by address and sets TVM; on trapped
 * SCTLR writes it flushes only when the caches go from on to off, and stops trapping once the
 * caches are on.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function jailhouse(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'jailhouse',
    claimsSafety: true,
    summary: 'first S/W op flushes the cell by VA; later only caches on->off flushes',
    resetHcr: () => HCR.TSW,
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.flushGuestMemory('mapped');
      host.hcr |= HCR.TVM;
    },
    onCacheToggle(host, wasOn, nowOn) {
      if (wasOn && !nowOn) host.flushGuestMemory('mapped');
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
  };
}
