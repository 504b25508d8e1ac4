/**
 * The lower bound, not implementable in a hypervisor: on the first S/W op and on every cache
 * toggle, clean and invalidate exactly the dirty lines that hold this VM's memory, wherever they
 * are. Every other policy's cost is compared with this one.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function oracle(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'oracle',
    summary: 'lower bound: clean exactly the dirty lines the guest owns (needs omniscience)',
    resetHcr: () => HCR.TSW,
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.flushGuestDirtyLines();
      host.hcr |= HCR.TVM;
    },
    onCacheToggle(host, wasOn, nowOn) {
      if (wasOn !== nowOn) host.flushGuestDirtyLines();
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
  };
}
