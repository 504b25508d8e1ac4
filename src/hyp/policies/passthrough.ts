/**
 * No set/way trapping at all: the guest's S/W ops run on whatever physical CPU the vCPU happens to
 * be on (what Xen did before 4.12 and Bao/seL4 do with pinned vCPUs). HCR.VM is set by the
 * machine, so an untrapped DC ISW is performed as a clean and invalidate (D7.5.9); the `swio`
 * option sets HCR.SWIO as well, and `novm` runs without stage 2 to show why SWIO/VM exist.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function passthrough(options: PolicyOptions): SetWayPolicy {
  return {
    name: 'passthrough',
    withoutStage2: options.has('novm'),
    summary: 'no trapping: S/W ops act on whichever pCPU the vCPU is on',
    models: 'any hypervisor that does not set HCR.TSW',
    resetHcr: () => (options.has('swio') ? HCR.SWIO : 0),
    onSetWay: (host, op, operand) => host.setWayOnPcpu(op, operand),
    onCacheToggle: () => {},
  };
}
