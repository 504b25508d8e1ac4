/**
 * The first idea raised when the bug was discussed: let S/W ops pass through, but do not migrate
 * the vCPU while its caches are off or a S/W loop is in progress. TVM stays set so the hypervisor
 * sees every cache toggle. Whether a loop is in progress is taken from the S/W ops the machine saw
 * on the physical CPU (a real hypervisor would have to trap them to know). Lines dirtied on a pCPU
 * the vCPU left *before* the loop began are still lost: the policy cannot see them.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function pin(options: PolicyOptions): SetWayPolicy {
  return {
    name: 'pin',
    summary: 'S/W ops pass through; no migration while caches are off or a S/W loop runs',
    resetHcr: () => HCR.TVM | (options.has('swio') ? HCR.SWIO : 0),
    onSetWay: (host, op, operand) => host.setWayOnPcpu(op, operand),
    onCacheToggle: () => {},
    mayMigrate: (host) => host.guestCachesOn && !host.setWayLoopActive,
  };
}
