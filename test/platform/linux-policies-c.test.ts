/** Issue 14's policy rows (test/platform/linux-policy-rows.ts): dirty:tid2, oracle, kvm:fwb. */
import { describeLinuxPolicyRows, LINUX_POLICY_GROUPS } from './linux-policy-rows';

describeLinuxPolicyRows(LINUX_POLICY_GROUPS.c);
