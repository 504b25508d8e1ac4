/** Issue 15's "same seeds" (test/platform/uboot-chain-rows.ts): xen, kvm and dirty boot on the other seeds where passthrough reads stale data. */
import { describeChainRows, LOSING_SEEDS } from './uboot-chain-rows';

describeChainRows('xen, kvm, dirty on the other losing seeds', { policies: ['xen', 'kvm', 'dirty'], seeds: LOSING_SEEDS.slice(1) });
