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
import type { CacheSystemConfig } from '../cache/geometry';
import type { CostMeter } from './cost-model';

/** Which guest pages a by-address flush visits. */
export type FlushScope =
  /** Every page mapped in the p2m (KVM's stage2_flush_vm). */
  | 'mapped'
  /**
   * RAM pages whose p2m leaf has its valid bit set (Xen 4.12+: touched since the roots were last
   * invalidated, plus leaves under tables not re-entered since, which keep their old bit).
   */
  | 'valid'
  /** Pages written since the last flush, from stage-2 write protection or the DBM dirty state. */
  | 'dirty';

/**
 * When a long flush lets the scheduler in: the work counter grows by `page` per page flushed and
 * `skipped` per entry the walk steps over (a hole, a non-RAM or invalid leaf), and reaching `limit`
 * before the next page is a preemption point (Xen's p2m_cache_flush_range: 10, 1, 512); with
 * `chunkBytes`, every boundary of that IPA alignment the walk crosses is one too (KVM's 1 GiB
 * chunks, src/hyp/preemption.ts). A number N means N pages per preemption point.
 */
export interface PreemptionCount {
  readonly page: number;
  readonly skipped: number;
  readonly limit: number;
  readonly chunkBytes?: number;
}

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
  /** Clean and invalidate to PoC, by address, every page of the VM in `scope`, with preemption points (default: none). */
  flushGuestMemory(scope: FlushScope, preemption?: number | PreemptionCount): FlushResult;
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
  /** Run `op` by set/way on every line of this pCPU's data caches, from level 1 to `lastLevel` ('loc': up to LoC). */
  setWayOnPcpuLevels(op: SetWayOp, lastLevel: number | 'loc'): void;

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
  /** The real hypervisor and version it models (e.g. 'Xen 4.12+'); absent for setway's own policies. */
  readonly models?: string;
  /**
   * The policy claims the guest sees what it sees on bare metal under every migration schedule
   * (the property tests hold it to that: test/hyp/verdict.property.test.ts).
   */
  readonly claimsSafety?: boolean;
  /** Only guests of these instruction sets are covered by the claim (default: all; Jailhouse's arm64 port traps nothing). */
  readonly safeIsas?: readonly ('a32' | 'a64')[];
  /** Run the guest with HCR.VM clear (no stage 2): the experiment that shows why SWIO exists. */
  readonly withoutStage2?: boolean;
  /**
   * HCR_EL2.FWB (FEAT_S2FWB) for the VM's life, RAM mapped with stage 2 MemAttr 0b0110 (Normal
   * Write-Back whatever stage 1 says) instead of 0b1111 (as stage 1 combined).
   */
  readonly stage2ForcedWriteBack?: boolean;
  /**
   * How the hypervisor fills stage 2 for guest RAM: 'upfront' (the default: every page mapped
   * when the VM is built, as Xen's toolstack does) or 'on-demand' (as KVM does: a block is mapped
   * when the guest first touches it, so a flush of "every mapped page" visits only what was
   * touched). MachineOptions.populate overrides it.
   */
  readonly populate?: 'upfront' | 'on-demand';
  /** Stage-2 features the policy needs of the p2m (VTCR_EL2.HA/HD for FEAT_HAFDBS dirty state). */
  readonly stage2HardwareDirty?: boolean;
  /** HCR_EL2 bits the policy sets at vCPU reset (VM is always added by the machine); `aarch64`: an AArch64 guest. */
  resetHcr(aarch64?: boolean): number;
  /** The vCPU was reset (before its first instruction). */
  onVcpuReset?(host: PolicyHost): void;
  /** A trapped DC ISW/CSW/CISW or DCISW/DCCSW/DCCISW (HCR.TSW). */
  onSetWay(host: PolicyHost, op: SetWayOp, operand: number): void;
  /**
   * After every trapped write of a VM register (HCR.TVM: SCTLR, TTBR0/1, TCR, MAIR, CONTEXTIDR...):
   * whether the guest's caches were on before it and are on after it, and the register's key
   * ('SCTLR', 'TTBR0', ...). Xen and KVM look at the caches after any of them; Jailhouse only
   * after SCTLR. The caches were turned on or off only when `wasOn !== nowOn`.
   */
  onCacheToggle(host: PolicyHost, wasOn: boolean, nowOn: boolean, register: string): void;
  /** A stage-2 fault. Return true if the policy handled it (the access is retried). */
  onStage2Fault?(host: PolicyHost, ipa: number, write: boolean, kind: 'translation' | 'permission' | 'access-flag'): boolean;
  /** The vCPU is about to run on `pcpu` (after a migration, or first run). */
  beforeRun?(host: PolicyHost, pcpu: number): void;
  /** The scheduler asks before moving the vCPU. */
  mayMigrate?(host: PolicyHost): boolean;
  /** Cache ID values shown to the guest when the policy sets HCR.TID2. */
  virtualCacheId?(): CacheIdentification | undefined;
  /**
   * The machine's caches instead of its preset's: hardware a policy needs (kvm:fwb: FEAT_S2FWB
   * hardware has no Point of Unification beyond L0), or bare metal's reference for a policy that
   * fabricates the cache ID registers (hardware built as the guest was told, bareMetalFor).
   */
  readonly machineCaches?: (preset: CacheSystemConfig) => CacheSystemConfig;
}

/** Options a user can pass to a policy by name, e.g. `passthrough:swio` or `dirty:dbm,tid2`. */
export type PolicyOptions = ReadonlySet<string>;

/** Whether `policy` claims a guest of `isa` always sees what it sees on bare metal. */
export function claimsSafetyFor(policy: SetWayPolicy, isa: 'a32' | 'a64'): boolean {
  return policy.claimsSafety === true && (policy.safeIsas?.includes(isa) ?? true);
}
