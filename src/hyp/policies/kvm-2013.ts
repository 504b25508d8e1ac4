/**
 * KVM/arm as first merged (2013): trap S/W ops, run them on the current physical CPU (DC ISW
 * upgraded to clean+invalidate so a guest cannot discard another's data), and remember that every
 * other pCPU needs a full cache flush before this vCPU runs there again. Lines the guest dirtied
 * on the pCPU it just left stay there until it returns: the weakness that led KVM to flush by
 * address instead (2014-15).
 *
 * Stage 2 is filled on demand, as in every KVM/arm: guest RAM is the VMM's anonymous memory, and
 * user_mem_abort maps it when the guest first touches it (3.9: one page per fault, with only the
 * instruction cache made coherent; stage-2 huge pages from 3.11; the dcache cleaned to the PoC at
 * fault-in for a guest with its caches off from 3.14, coherent_cache_guest_page). setway's
 * on-demand mode maps a 2 MiB block and cleans it, which is the 3.14-3.18 behaviour; the S/W ops
 * never flush by address here, so only the stage-2 fault count depends on the choice.
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
    populate: 'on-demand',
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
