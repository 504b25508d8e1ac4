/**
 * KVM/arm as first merged (2013): trap S/W ops, run them on the current physical CPU (DC ISW
 * upgraded to clean+invalidate so a guest cannot discard another's data), and remember that every
 * other pCPU needs a full cache flush before this vCPU runs there again. Lines the guest dirtied
 * on the pCPU it just left stay there until it returns: the weakness that led KVM to flush by
 * address instead (2014-15).
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function kvm2013(_options: PolicyOptions): SetWayPolicy {
  // Per vCPU: pCPUs that must be flushed before the vCPU next runs on them.
  const pending = new Map<number, Set<number>>();
  return {
    name: 'kvm-2013',
    summary: 'trap, run locally (ISW as CISW), flush other pCPUs when the vCPU next runs there',
    models: 'KVM/arm Linux 3.9-3.18 (S/W run on the pCPU, other pCPUs flushed on migration)',
    resetHcr: () => HCR.TSW,
    onSetWay(host, op, operand) {
      host.setWayOnPcpu(op === 'isw' ? 'cisw' : op, operand);
      const set = new Set<number>();
      for (let p = 0; p < host.pcpuCount; p++) if (p !== host.pcpu) set.add(p);
      pending.set(host.vcpuId, set);
    },
    onCacheToggle: () => {},
    beforeRun(host, pcpu) {
      const set = pending.get(host.vcpuId);
      if (set?.delete(pcpu)) {
        host.trace(`flush all caches of pCPU ${pcpu} before vCPU ${host.vcpuId} runs there`);
        host.flushPcpuBySetWay(pcpu);
      }
    },
  };
}
