/**
 * Xen 4.12 and later (p2m_set_way_flush / p2m_toggle_cache / p2m_flush_vm): TSW always. The first
 * S/W op with TVM clear sets TVM and requests a flush that runs before returning to the guest, in
 * preemptible batches. Only p2m entries still valid are flushed (touched since the last flush);
 * afterwards every root entry is invalidated again and stage-2 translation faults re-validate the
 * tables lazily, one level per fault. Cache toggles flush; caches on clears TVM. The roots are
 * already invalidated when the domain is built (Xen's p2m_domain_creation_finished), so even the
 * first flush visits only what the guest touched since it started.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

/** Pages per preemption point (Xen checks for softirqs every so many entries). */
const BATCH_PAGES = 512;

export function xen(_options: PolicyOptions): SetWayPolicy {
  const flush = (host: Parameters<SetWayPolicy['onSetWay']>[0]) => {
    host.flushGuestMemory('valid', BATCH_PAGES);
    host.invalidateP2mRoots();
  };
  return {
    name: 'xen',
    claimsSafety: true,
    summary: 'first S/W op and cache toggles: flush pages touched since the last flush (p2m valid bits)',
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
