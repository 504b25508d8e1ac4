/**
 * A set/way policy: what a hypervisor does about a guest's cache maintenance by set/way.
 *
 * Every policy implements the same few hooks (Xen's p2m_set_way_flush/p2m_toggle_cache and KVM's
 * kvm_set_way_flush/kvm_toggle_cache are the same two hooks with different bodies). The machine
 * calls the hooks and never asks which policy it runs; a new policy is one file and one line in
 * the registry (src/hyp/policies/index.ts).
 */
import type { SetWayOp } from '../exec/system-port';
import type { CacheIdentification } from '../exec/system-port';
import type { CostMeter } from './cost-model';

/** Which guest pages a by-address flush visits. */
export type FlushScope =
  /** Every page mapped in the p2m (KVM's stage2_flush_vm). */
  | 'mapped'
  /** Pages whose p2m entries are valid, i.e. touched since the roots were last invalidated (Xen 4.12+). */
  | 'valid'
  /** Pages written since the last flush, from stage-2 write protection or the DBM dirty state. */
  | 'dirty';

export interface FlushResult {
  readonly pages: number;
  readonly lines: number;
}

/** What a policy can see of and do to the vCPU, its VM and the machine. Implemented by src/hyp/machine. */
export interface PolicyHost {
  readonly vcpuId: number;
  /** Physical CPU the vCPU runs on now. */
  readonly pcpu: number;
  readonly pcpuCount: number;
  /** The vCPU's HCR_EL2 (read and write). */
  hcr: number;
  /** Guest stage 1 and data caches both enabled (SCTLR.M and SCTLR.C, or the _EL1 forms). */
  readonly guestCachesOn: boolean;
  /** A set/way operation ran (trapped or not) within the last few thousand guest instructions. */
  readonly setWayLoopActive: boolean;
  readonly cost: CostMeter;

  /** Run a set/way operation on the physical CPU the vCPU is on (what the hardware would do untrapped). */
  setWayOnPcpu(op: SetWayOp, operand: number): void;
  /** Clean and invalidate to PoC, by address, every page of the VM in `scope`; batches of `batchPages` are preemption points. */
  flushGuestMemory(scope: FlushScope, batchPages?: number): FlushResult;
  /** Clean and invalidate one page by address (4 KiB, IPA). */
  flushGuestPage(ipa: number): FlushResult;
  /** Clean and invalidate exactly the dirty lines that hold this VM's memory (not implementable in a real hypervisor). */
  flushGuestDirtyLines(): FlushResult;
  /**
   * Clean and invalidate by address the VM's lines that a S/W operand run here would have reached
   * had the vCPU never moved: lines at the operand's level and set in caches this pCPU's S/W ops
   * cannot reach (the oracle; needs knowledge no hypervisor has).
   */
  flushStrandedLines(operand: number): FlushResult;
  /** Clean and invalidate every cache level of a physical CPU by set/way (kvm-2013's flush on migration). */
  flushPcpuBySetWay(pcpu: number): void;

  /** Xen: clear the valid bit of every root entry of the p2m, keeping the entries. */
  invalidateP2mRoots(): void;
  /** Xen: re-validate one level on the path to `ipa`; false if nothing was invalid there. */
  revalidateP2m(ipa: number): boolean;
  /** Misconfigure: clear the valid bit of every leaf (keeping its contents). */
  invalidateP2mLeaves(): void;
  /** Misconfigure: set the valid bit of the leaf that maps `ipa`; false if it was not invalid. */
  restoreP2mLeaf(ipa: number): boolean;
  /**
   * Dirty tracking: 'fault' removes stage-2 write permission from every mapped page, so the first
   * write to each faults; 'dbm' sets DBM with S2AP read-only, so hardware (FEAT_HAFDBS) marks the
   * descriptor writable on the first write and no fault is taken.
   */
  startDirtyTracking(mode: 'fault' | 'dbm'): void;
  /** Dirty tracking: a stage-2 permission fault on a write; record the page dirty and make it writable. */
  markPageDirty(ipa: number): boolean;

  trace(message: string): void;
}

export interface SetWayPolicy {
  readonly name: string;
  /** One line: what the policy does (shown by `setway policies` and the demo). */
  readonly summary: string;
  /**
   * The policy claims the guest sees what it sees on bare metal under every migration schedule
   * (the property tests hold it to that: test/hyp/verdict.property.test.ts).
   */
  readonly claimsSafety?: boolean;
  /** Run the guest with HCR.VM clear (no stage 2): the experiment that shows why SWIO exists. */
  readonly withoutStage2?: boolean;
  /** Stage-2 features the policy needs of the p2m (VTCR_EL2.HA/HD for FEAT_HAFDBS dirty state). */
  readonly stage2HardwareDirty?: boolean;
  /** HCR_EL2 bits the policy sets at vCPU reset (VM is always added by the machine). */
  resetHcr(): number;
  /** The vCPU was reset (before its first instruction). */
  onVcpuReset?(host: PolicyHost): void;
  /** A trapped DC ISW/CSW/CISW or DCISW/DCCSW/DCCISW (HCR.TSW). */
  onSetWay(host: PolicyHost, op: SetWayOp, operand: number): void;
  /** A trapped VM-register write (HCR.TVM) that changed whether the guest's caches are on. */
  onCacheToggle(host: PolicyHost, wasOn: boolean, nowOn: boolean): void;
  /** A stage-2 fault. Return true if the policy handled it (the access is retried). */
  onStage2Fault?(host: PolicyHost, ipa: number, write: boolean, kind: 'translation' | 'permission' | 'access-flag'): boolean;
  /** The vCPU is about to run on `pcpu` (after a migration, or first run). */
  beforeRun?(host: PolicyHost, pcpu: number): void;
  /** The scheduler asks before moving the vCPU. */
  mayMigrate?(host: PolicyHost): boolean;
  /** Cache ID values shown to the guest when the policy sets HCR.TID2. */
  virtualCacheId?(host: PolicyHost): CacheIdentification | undefined;
}

/** Options a user can pass to a policy by name, e.g. `passthrough:swio` or `dirty:dbm,tid2`. */
export type PolicyOptions = ReadonlySet<string>;
