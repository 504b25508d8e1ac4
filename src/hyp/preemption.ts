/**
 * Where a long flush by address lets the scheduler in, as the hypervisors do it:
 * - Xen's p2m_cache_flush_range keeps a work counter (+10 per page flushed, +1 per entry it steps
 *   over) and checks for pending softirqs whenever it reaches 512 (PreemptionCount);
 * - KVM's stage2_apply_range_resched walks stage 2 in IPA chunks (stage2_range_addr_end:
 *   kvm_granule_size(KVM_PGTABLE_MIN_BLOCK_LEVEL), what one level-1 entry maps, 1 GiB with 4 KiB
 *   pages) and may drop mmu_lock between two chunks (cond_resched_rwlock_write).
 * A preemption point ends a non-preemptible EL2 stretch in the cost meter: the latency the model
 * reports is the work between two of them.
 */
import type { PreemptionCount } from './policy';

/** What a flush checks: the counter's weights and limit, and the IPA chunk (Infinity: none). */
export interface PreemptionPoints {
  readonly page: number;
  readonly skipped: number;
  readonly limit: number;
  readonly chunkBytes: number;
}

/** A number N: a preemption point every N pages. */
export function preemptionPoints(preemption: number | PreemptionCount): PreemptionPoints {
  if (typeof preemption === 'number') return { page: 1, skipped: 0, limit: preemption, chunkBytes: Infinity };
  return { page: preemption.page, skipped: preemption.skipped, limit: preemption.limit, chunkBytes: preemption.chunkBytes ?? Infinity };
}

/** KVM/arm64 since Linux 5.8: no counter, a chance to yield between two 1 GiB chunks of IPA space. */
export const KVM_STAGE2_CHUNKS: PreemptionCount = { page: 0, skipped: 0, limit: Infinity, chunkBytes: 2 ** 30 };

/** Xen 4.12+ p2m_cache_flush_range: +10 per page flushed, +1 per entry stepped over, a check at 512. */
export const XEN_PREEMPTION: PreemptionCount = { page: 10, skipped: 1, limit: 512 };
