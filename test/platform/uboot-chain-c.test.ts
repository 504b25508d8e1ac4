/** Issue 15's chain rows (test/platform/uboot-chain-rows.ts): oracle, dirty:dbm, dirty:tid2, kvm-2013. */
import { CHAIN_POLICY_GROUPS, describeChainRows } from './uboot-chain-rows';

describeChainRows('oracle, dirty:dbm, dirty:tid2, kvm-2013', { policies: CHAIN_POLICY_GROUPS.c });
