/** Issue 14's policy rows (test/platform/linux-policy-rows.ts): kvm, kvm-6.3, kvm-2013, jailhouse. */
import { expect, it } from 'vitest';
import { setWayTrappingPolicies } from './set-way-trapping';
import { describeLinuxPolicyRows, LINUX_POLICY_GROUPS } from './linux-policy-rows';

it('the rows, with xen\'s in boot-linux.test.ts, cover every policy (and variant) that traps S/W ops', () => {
  const trapping = setWayTrappingPolicies();
  expect(['xen', ...Object.values(LINUX_POLICY_GROUPS).flat()].sort()).toEqual(trapping.sort());
});

describeLinuxPolicyRows(LINUX_POLICY_GROUPS.a);
