/** Issue 14's policy rows (test/platform/linux-policy-rows.ts): misconfig, dirty, dirty:dbm. */
import { describeLinuxPolicyRows, LINUX_POLICY_GROUPS } from './linux-policy-rows';

describeLinuxPolicyRows(LINUX_POLICY_GROUPS.b);
