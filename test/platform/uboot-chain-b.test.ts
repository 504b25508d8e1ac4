/** Issue 15's chain rows (test/platform/uboot-chain-rows.ts): kvm-6.3, jailhouse, misconfig, kvm:fwb. */
import { CHAIN_POLICY_GROUPS, describeChainRows } from './uboot-chain-rows';

describeChainRows('kvm-6.3, jailhouse, misconfig, kvm:fwb', { policies: CHAIN_POLICY_GROUPS.b });
