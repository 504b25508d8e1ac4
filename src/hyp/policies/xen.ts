/**
 * Xen 4.12 and later (xen/arch/arm/mmu/p2m.c p2m_set_way_flush, p2m_toggle_cache, p2m_flush_vm,
 * p2m_cache_flush_range; vcpreg.c and arm64/vsysreg.c TVM_REG handlers): TSW always. The first
 * S/W op with TVM clear sets TVM and requests a flush that runs before returning to the guest.
 * The flush walks from the lowest mapped IPA to the highest, stepping by the order p2m_get_entry
 * reports: a leaf whose own valid bit is set (the leaf's bit only) and that maps RAM is flushed
 * page by page; any other leaf, and each empty block of a hole (the lookup stops at the first
 * empty level and the walk moves to that block's end), is stepped over whole. A preemption check
 * comes whenever its counter reaches 512: +10 per page flushed, +1 per entry stepped over, so
 * about every 52 pages (src/hyp/preemption.ts, src/hyp/p2m-holes.ts). Afterwards every root entry is invalidated again and
 * stage-2 translation faults re-validate the tables lazily, one level per fault. A write of any
 * VM register (TVM) looks at the caches: on<->off flushes, caches on clears TVM. The roots are
 * already invalidated when the domain is built (p2m_domain_creation_finished), so even the first
 * flush visits only what the guest touched since it started (with 4 KiB leaves, also every page
 * of a 2 MiB region never touched, whose leaves were never invalidated).
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';
import { XEN_PREEMPTION } from '../preemption';

export function xen(_options: PolicyOptions): SetWayPolicy {
  const flush = (host: Parameters<SetWayPolicy['onSetWay']>[0]) => {
    host.flushGuestMemory('valid', XEN_PREEMPTION);
    host.invalidateP2mRoots();
  };
  return {
    name: 'xen',
    claimsSafety: true,
    summary: 'first S/W op and cache toggles (any VM-register write): flush pages touched since the last flush (p2m leaf valid bits)',
    models: 'Xen 4.12+ (arch/arm p2m.c, vcpreg.c, arm64/vsysreg.c)',
    resetHcr: () => HCR.TSW,
    onVcpuReset: (host) => host.invalidateP2mRoots(),
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.hcr |= HCR.TVM;
      flush(host);
    },
    onCacheToggle(host, wasOn, nowOn) {
      if (wasOn !== nowOn) flush(host);
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
    onStage2Fault(host, ipa, _write, kind) {
      return kind === 'translation' && host.revalidateP2m(ipa);
    },
  };
}
