/**
 * KVM/arm64 since Linux 6.3 ("KVM: arm64: Normalize cache configuration": sys_regs.c reset_clidr,
 * get_ccsidr): as `kvm` (kvm_set_way_flush on the first S/W op with TVM clear, kvm_toggle_cache
 * after any VM-register write), and the cache ID registers are trapped (HCR.TID2; TID4 on CPUs
 * with FEAT_EVT, which setway's presets lack) and fabricated, so the guest's view does not depend
 * on the pCPU it runs on: CLIDR shows one level, instruction and data caches separate (CTR.IDC
 * and DIC clear on these cores), LoC = LoUU = LoUIS = 1; CCSIDR shows one set and one way with
 * the CTR line size. A full S/W loop is one operation per level that LoC reaches: one trap.
 */
import { HCR } from '../../exec/el2-gate';
import type { CacheIdentification } from '../../exec/system-port';
import type { PolicyOptions, SetWayPolicy } from '../policy';
import { MINIMAL_CACHE_ID } from './dirty';
import { kvm } from './kvm';

/** CLIDR: Ctype1 = 0b011 (separate I and D), LoUIS = 1 [23:21], LoC = 1 [26:24], LoUU = 1 [29:27] (D17 "CLIDR_EL1"). */
const KVM_63_CLIDR = (1 << 27) | (1 << 24) | (1 << 21) | 0b011;
/** CCSIDR for both L1 caches: NumSets-1 = 0, Associativity-1 = 0, LineSize = log2(64) - 4 (D17 "CCSIDR_EL1"). */
const ONE_LINE_CCSIDR = 2;

export const KVM_63_CACHE_ID: CacheIdentification = {
  clidr: () => KVM_63_CLIDR,
  // CSSELR.Level = 0 (L1), InD either: the data or the instruction cache.
  ccsidr: (csselr) => (csselr >>> 1 === 0 ? ONE_LINE_CCSIDR : 0),
  // CTR: 64-byte lines, IDC = DIC = 0, as the minimal geometry's (D17 "CTR_EL0").
  ctr: MINIMAL_CACHE_ID.ctr,
};

export function kvm63(options: PolicyOptions): SetWayPolicy {
  const base = kvm(options);
  return {
    ...base,
    name: 'kvm-6.3',
    summary: 'kvm, and the cache ID registers trapped and fabricated (1 set, 1 way, one level): one S/W trap per flush',
    models: 'KVM/arm64 Linux 6.3+ (sys_regs.c reset_clidr, get_ccsidr; mmu.c kvm_set_way_flush)',
    resetHcr: (aarch64) => base.resetHcr(aarch64) | HCR.TID2,
    virtualCacheId: () => KVM_63_CACHE_ID,
  };
}
