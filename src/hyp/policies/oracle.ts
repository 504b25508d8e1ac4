/**
 * The oracle: what a hypervisor with perfect knowledge of where each line sits would do, so that
 * the guest sees exactly what it sees on bare metal under any migration schedule.
 *
 * Definition. On bare metal a S/W operation (level, set, way) acts on one line of the cache its
 * PE reaches at that level. Under a hypervisor the data of that line may sit in another pCPU's
 * cache, where the vCPU ran before. At each trapped S/W operation the oracle (1) carries the
 * operation out on the current pCPU, DC ISW as clean+invalidate (with HCR_EL2.VM an invalidate by
 * set/way must not discard, D17 "HCR_EL2.SWIO"/"VM"), and (2) cleans and invalidates by address
 * exactly the VM's lines at that level and set in the caches this pCPU's S/W operations cannot
 * reach: the lines the schedule stranded. Clean lines are invalidated too: a guest's invalidate
 * must drop stale clean copies (a guest that writes memory with caches off relies on it). Cache
 * toggles need nothing (bare metal does nothing then), so TVM stays clear.
 *
 * What its figures mean. Each trapped op costs what it costs on bare metal plus one clean by
 * address per stranded line. It is a reference cost, not a proven minimum: a stranded line the
 * guest never reads again needs no maintenance, and knowing which needs the future.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function oracle(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'oracle',
    claimsSafety: true,
    summary: 'reference: do each S/W op here and clean by address only the lines migrations stranded elsewhere (needs omniscience)',
    resetHcr: () => HCR.TSW,
    onSetWay(host, op, operand) {
      host.setWayOnPcpu(op === 'isw' ? 'cisw' : op, operand);
      host.flushStrandedLines(operand);
    },
    onCacheToggle: () => {},
  };
}
