/** The policies (and variants) whose guests' S/W ops trap to EL2 (HCR_EL2.TSW set at reset, caches on or off): the rows issues 14 and 15 ask for. */
import { HCR } from '../../src/exec/el2-gate';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies';

export function setWayTrappingPolicies(): string[] {
  return [...POLICY_NAMES, 'kvm:fwb', 'dirty:dbm', 'dirty:tid2'].filter((name) => {
    const p = makePolicy(name);
    return ((p.resetHcr(false) | p.resetHcr(true)) & HCR.TSW) !== 0;
  });
}
