/** Issue 15's chain rows (test/platform/uboot-chain-rows.ts): passthrough, xen, kvm, dirty. */
import { expect, it } from 'vitest';
import { setWayTrappingPolicies } from './set-way-trapping';
import { CHAIN_POLICY_GROUPS, describeChainRows } from './uboot-chain-rows';

it('the chain files cover every policy (and variant) that traps S/W ops', () => {
  const trapping = setWayTrappingPolicies();
  expect(Object.values(CHAIN_POLICY_GROUPS).flat().sort()).toEqual(trapping.sort());
});

describeChainRows('passthrough, xen, kvm, dirty', { passthrough: true, policies: CHAIN_POLICY_GROUPS.a });
