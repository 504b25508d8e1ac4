/** Issue 15's chain rows (test/platform/uboot-chain-rows.ts): passthrough, xen, kvm, dirty. */
import { expect, it } from 'vitest';
import { HCR } from '../../src/exec/el2-gate';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies';
import { CHAIN_POLICY_GROUPS, describeChainRows } from './uboot-chain-rows';

it('the chain files cover every policy (and variant) that traps S/W ops', () => {
  const trapping = [...POLICY_NAMES, 'kvm:fwb', 'dirty:dbm', 'dirty:tid2'].filter((name) => {
    const p = makePolicy(name);
    return ((p.resetHcr(false) | p.resetHcr(true)) & HCR.TSW) !== 0;
  });
  expect(Object.values(CHAIN_POLICY_GROUPS).flat().sort()).toEqual(trapping.sort());
});

describeChainRows('passthrough, xen, kvm, dirty', { passthrough: true, policies: CHAIN_POLICY_GROUPS.a });
