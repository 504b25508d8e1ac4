/** Issue 15's chain rows (test/platform/uboot-chain-rows.ts): kvm-6.3, jailhouse, misconfig. */
import { CHAIN_POLICY_GROUPS, describeChainRows } from './uboot-chain-rows';

describeChainRows('kvm-6.3, jailhouse, misconfig', { policies: CHAIN_POLICY_GROUPS.b });
