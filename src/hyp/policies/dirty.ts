/**
 * Ours: flush only what the guest *wrote* since the last flush. Writes are tracked by stage-2
 * write protection (a permission fault on the first write to each page) or, with the `dbm` option,
 * with no faults at all through the stage-2 dirty state of FEAT_HAFDBS (DBM with S2AP read-only:
 * the hardware sets the write permission in the genuine descriptor). Clean pages need no flush
 * before a caches-off read, and a page written while caches were off is tracked too, so the
 * off->on flush still invalidates stale lines.
 *
 * The `tid2` option also sets HCR.TID2 and shows the guest a minimal cache geometry (one level,
 * one set, one way), so the guest's S/W loop issues one operation instead of thousands of traps.
 */
import { HCR } from '../../exec/el2-gate';
import type { CacheIdentification } from '../../exec/system-port';
import type { PolicyHost, PolicyOptions, SetWayPolicy } from '../policy';

/** CLIDR: Ctype1 = 0b010 (data cache only), LoUIS = 1, LoC = 1, LoUU = 1 (D17 "CLIDR_EL1"). */
const MINIMAL_CLIDR = (1 << 27) | (1 << 24) | (1 << 21) | 0b010;
/** CCSIDR: NumSets-1 = 0, Associativity-1 = 0, LineSize = log2(64) - 4 = 2 (D17 "CCSIDR_EL1"). */
const MINIMAL_CCSIDR = 2;

export const MINIMAL_CACHE_ID: CacheIdentification = {
  clidr: () => MINIMAL_CLIDR,
  ccsidr: (csselr) => (csselr === 0 ? MINIMAL_CCSIDR : 0),
  // CTR: format 0b100 in [31:29], DminLine = IminLine = log2(64/4) = 4 (D17 "CTR_EL0").
  ctr: () => (0b100 << 29) | (4 << 16) | 4,
};

export function dirty(options: PolicyOptions): SetWayPolicy {
  const mode = options.has('dbm') ? 'dbm' : 'fault';
  const tid2 = options.has('tid2');
  const flushWritten = (host: PolicyHost) => {
    host.flushGuestMemory('dirty');
    host.startDirtyTracking(mode);
  };
  return {
    name: 'dirty',
    claimsSafety: true,
    stage2HardwareDirty: mode === 'dbm',
    summary: `flush only pages written since the last flush (${mode === 'dbm' ? 'stage-2 DBM, no faults' : 'stage-2 write protection'})`,
    resetHcr: () => HCR.TSW | (tid2 ? HCR.TID2 : 0),
    onVcpuReset: (host) => host.startDirtyTracking(mode),
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      flushWritten(host);
      host.hcr |= HCR.TVM;
    },
    // setway's own policy: it looks at SCTLR writes only (a TTBR write with caches on leaves TVM set).
    onCacheToggle(host, wasOn, nowOn, register) {
      if (register !== 'SCTLR') return;
      if (wasOn !== nowOn) flushWritten(host);
      if (nowOn) host.hcr &= ~HCR.TVM;
    },
    onStage2Fault(host, ipa, write, kind) {
      return mode === 'fault' && kind === 'permission' && write && host.markPageDirty(ipa);
    },
    virtualCacheId: () => (tid2 ? MINIMAL_CACHE_ID : undefined),
  };
}
