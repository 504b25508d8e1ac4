/**
 * The hypervisor services a policy calls: flushes by address over the p2m, p2m valid-bit games,
 * dirty tracking, and running S/W ops on the current pCPU. Every action is done the way a
 * hypervisor would do it (walking the genuine stage-2 tables, writing real descriptors,
 * invalidating the TLB by VMID afterwards) and is charged to the cost meter.
 */
import type { CacheSystem } from '../cache/cache-system';
import type { SetWayOp } from '../exec/system-port';
import type { TranslatedMemory } from '../exec/translated-memory';
import { PAGE_SIZE } from '../mmu/physical-memory';
import { LO_VALID, type Stage2Attributes } from '../mmu/stage2-descriptor';
import type { Tlb } from '../mmu/tlb';
import type { PhysicalMemory } from '../mmu/physical-memory';
import type { FlushResult, FlushScope, PolicyHost, PreemptionCount } from './policy';
import { cleanInvalidateRangeToPoC, linesInRange, totalWriteBacks } from '../cache/range-maintenance';
import { flushPcpuBySetWay, setWayOperands } from './set-way-sweep';
import { lookupsAcrossHole } from './p2m-holes';
import { preemptionPoints } from './preemption';
import type { Vcpu } from './vcpu';
import type { Vm } from './vm';

export interface MachineServices {
  readonly caches: CacheSystem;
  readonly memory: PhysicalMemory;
  readonly tlb: Tlb;
  readonly pcpuCount: number;
  readonly vms: readonly Vm[];
}

/** A run of pages a flush cleans, or of p2m entries it steps over (counted, not listed). */
type FlushRun = { readonly flush: true; readonly ipa: number; readonly pa: number; size: number } | { readonly flush: false; entries: number };

export class VcpuPolicyHost implements PolicyHost {
  constructor(
    private readonly vcpu: Vcpu,
    private readonly vm: Vm,
    private readonly port: TranslatedMemory,
    private readonly machine: MachineServices,
  ) {}

  get vcpuId(): number {
    return this.vcpu.id;
  }
  get pcpu(): number {
    return this.vcpu.pcpu;
  }
  get pcpuCount(): number {
    return this.machine.pcpuCount;
  }
  get hcr(): number {
    return this.vcpu.hcrValue;
  }
  set hcr(value: number) {
    this.vcpu.setHcr(value);
  }
  get guestCachesOn(): boolean {
    return this.vcpu.guestCachesOn;
  }
  get setWayLoopActive(): boolean {
    return this.vcpu.setWayLoopActive;
  }
  get cost() {
    return this.vcpu.cost;
  }

  setWayOnPcpu(op: SetWayOp, operand: number): void {
    this.cost.el2Work(this.cost.model.setWayOp);
    this.machine.caches.setWay(this.port.pcpu, op, operand);
  }

  flushGuestMemory(scope: FlushScope, preemption: number | PreemptionCount = Infinity): FlushResult {
    const points = preemptionPoints(preemption);
    const model = this.cost.model;
    const before = totalWriteBacks(this.machine.caches);
    let pages = 0;
    let lines = 0;
    let skipped = 0;
    let counter = 0;
    // End of the IPA chunk the walk is in (KVM yields between chunks); -1 before the first page.
    let chunkEnd = -1;
    const preemptionPoint = () => {
      this.cost.endEl2Run();
      counter = 0;
    };
    const flush = (ipa: number, pa: number, size: number) => {
      for (let offset = 0; offset < size; ) {
        // The hypervisor's checks come before each page: a preemption point ends the EL2 stretch.
        if (counter >= points.limit) preemptionPoint();
        const at = ipa + offset;
        if (at >= chunkEnd) {
          if (chunkEnd >= 0) preemptionPoint();
          chunkEnd = (Math.floor(at / points.chunkBytes) + 1) * points.chunkBytes;
        }
        const untilCheck = Math.max(1, Math.ceil((points.limit - counter) / points.page));
        const n = Math.min((size - offset) / PAGE_SIZE, untilCheck, (chunkEnd - at) / PAGE_SIZE);
        lines += this.cleanInvalidateRange(pa + offset, n * PAGE_SIZE);
        this.cost.el2Work(n * model.p2mPageWalked);
        pages += n;
        counter += n * points.page;
        offset += n * PAGE_SIZE;
      }
    };
    // Entries the walk steps over (leaves the scope passes, holes) still cost a p2m lookup each.
    const stepOver = (entries: number) => {
      for (let left = entries; left > 0; ) {
        if (counter >= points.limit) preemptionPoint();
        const n = Math.min(left, Math.max(1, Math.ceil((points.limit - counter) / points.skipped)));
        counter += n * points.skipped;
        this.cost.el2Work(n * model.p2mPageWalked);
        skipped += n;
        left -= n;
      }
    };
    for (const run of this.flushRuns(scope)) {
      if (run.flush) flush(run.ipa, run.pa, run.size);
      else stepOver(run.entries);
    }
    this.cost.pagesFlushed += pages;
    this.cost.p2mPagesWalked += pages + skipped;
    this.cost.lineWriteBacks += totalWriteBacks(this.machine.caches) - before;
    this.trace(`flush ${scope}: ${pages} pages, ${lines} lines by address, ${skipped} entries stepped over`);
    return { pages, lines };
  }

  /**
   * RAM populated on demand (KVM's user_mem_abort): map the block of `vm.populateBytes` around
   * `ipa` with `attrs`; `clean` (KVM without FEAT_S2FWB) cleans it to the PoC first
   * (clean_dcache_guest_page), so the guest never sees stale lines of memory it had not touched.
   * False if `ipa` is not RAM or is mapped already (the fault is someone else's).
   */
  populate(ipa: number, attrs: Stage2Attributes, clean: boolean): boolean {
    const vm = this.vm;
    const bytes = vm.populateBytes;
    if (bytes === null || !vm.containsIpa(ipa) || vm.p2m.lookup(ipa) !== null) return false;
    const base = Math.max(vm.ramIpa, Math.floor(ipa / bytes) * bytes);
    const size = Math.min(base + bytes, vm.ramIpa + vm.ramBytes) - base;
    if (clean) {
      const before = totalWriteBacks(this.machine.caches);
      this.cleanInvalidateRange(vm.ipaToPa(base), size);
      this.cost.lineWriteBacks += totalWriteBacks(this.machine.caches) - before;
    }
    vm.p2m.map(base, vm.ipaToPa(base), size, attrs);
    this.cost.p2mPagesWalked += size / PAGE_SIZE;
    this.trace(`populate IPA 0x${base.toString(16)}: ${size / PAGE_SIZE} pages mapped`);
    return true;
  }

  flushGuestPage(ipa: number): FlushResult {
    const leaf = this.vm.p2m.lookup(ipa);
    if (leaf === null) return { pages: 0, lines: 0 };
    const before = totalWriteBacks(this.machine.caches);
    const lines = this.cleanInvalidateRange(leaf.pa, leaf.size);
    this.cost.pagesFlushed += leaf.size / PAGE_SIZE;
    this.cost.lineWriteBacks += totalWriteBacks(this.machine.caches) - before;
    return { pages: leaf.size / PAGE_SIZE, lines };
  }

  flushGuestDirtyLines(): FlushResult {
    const caches = this.machine.caches;
    const mine = [...caches.dirtyLines((pa) => this.vm.ownsPa(pa))];
    for (const line of mine) caches.cleanInvalidateLineToPoC(line.pa);
    this.cost.linesByAddress += mine.length;
    this.cost.lineWriteBacks += mine.length;
    this.cost.el2Work(mine.length * (this.cost.model.lineByAddress + this.cost.model.lineWriteBack));
    this.trace(`flush exactly ${mine.length} dirty lines`);
    return { pages: 0, lines: mine.length };
  }

  flushStrandedLines(operand: number): FlushResult {
    const caches = this.machine.caches;
    const lines = caches.linesStrandedAtSet(this.port.pcpu, operand, (pa) => this.vm.ownsPa(pa));
    if (lines.length === 0) return { pages: 0, lines: 0 };
    const before = totalWriteBacks(caches);
    for (const pa of lines) caches.cleanInvalidateLineToPoC(pa);
    this.cost.linesByAddress += lines.length;
    this.cost.lineWriteBacks += totalWriteBacks(caches) - before;
    this.cost.el2Work(lines.length * this.cost.model.lineByAddress);
    return { pages: 0, lines: lines.length };
  }

  setWayOnPcpuLevels(op: SetWayOp, lastLevel: number | 'loc'): void {
    const caches = this.machine.caches;
    const pcpu = this.port.pcpu;
    const operands = setWayOperands(caches, pcpu, lastLevel);
    for (const operand of operands) caches.setWay(pcpu, op, operand);
    this.cost.el2Work(operands.length * this.cost.model.setWayOp);
  }

  flushPcpuBySetWay(pcpu: number): void {
    flushPcpuBySetWay(this.machine.caches, pcpu);
    this.cost.fullCpuFlushes++;
    this.cost.el2Work(this.cost.model.fullCpuFlush);
  }

  invalidateP2mRoots(): void {
    this.vm.p2m.invalidateRootEntries();
    this.invalidateTlb();
  }

  revalidateP2m(ipa: number): boolean {
    const changed = this.vm.p2m.revalidate(ipa);
    if (changed) this.invalidateTlbIpa(ipa);
    return changed;
  }

  invalidateP2mLeaves(): void {
    // Clear bit 0 of every leaf descriptor, keeping the rest (the entry is "misconfigured").
    const leaves: number[] = [];
    this.vm.p2m.forEachMapped((ipa, _pa, _size, _attrs, valid) => {
      if (valid) leaves.push(ipa);
    });
    const mem = this.machine.memory;
    for (const ipa of leaves) {
      const leaf = this.vm.p2m.lookup(ipa);
      if (leaf === null) continue;
      mem.write32(leaf.descriptorPa, (mem.read32(leaf.descriptorPa) & ~LO_VALID) >>> 0);
    }
    this.cost.p2mPagesWalked += leaves.length;
    this.invalidateTlb();
  }

  restoreP2mLeaf(ipa: number): boolean {
    return this.revalidateP2m(ipa);
  }

  startDirtyTracking(mode: 'fault' | 'dbm'): void {
    const vm = this.vm;
    vm.dirtyTracking = mode;
    vm.dirtyPages.clear();
    if (mode === 'dbm') vm.p2m.clearDirty(vm.ramIpa, vm.ramBytes);
    // Hardware dirty state is per leaf, so DBM needs pages up front; with faults, markPageDirty
    // splits only the blocks the guest writes to (as KVM does), keeping setup independent of size.
    vm.p2m.writeProtect(vm.ramIpa, vm.ramBytes, { splitToPages: mode === 'dbm' });
    this.invalidateTlb();
  }

  markPageDirty(ipa: number): boolean {
    const vm = this.vm;
    if (vm.dirtyTracking !== 'fault' || !vm.containsIpa(ipa)) return false;
    const page = vm.pageOf(ipa);
    const leaf = vm.p2m.lookup(page);
    if (leaf === null || (leaf.attrs.s2ap & 2) !== 0) return false;
    vm.dirtyPages.add(page);
    vm.p2m.protect(page, PAGE_SIZE, { ...leaf.attrs, s2ap: leaf.attrs.s2ap | 2 });
    this.invalidateTlbIpa(page);
    return true;
  }

  trace(message: string): void {
    this.vcpu.traceAction(message);
  }

  /**
   * What a flush of `scope` does, in IPA order: runs of pages it flushes (contiguous leaves
   * merged) and runs of p2m entries it steps over (counted, not listed, so a flush of a mostly
   * empty VM with 4 KiB leaves allocates little). 'dirty' with fault tracking is the list of pages
   * written, nothing stepped over. 'valid' walks as Xen's p2m_cache_flush_range: from the lowest
   * mapping to the highest, one lookup per leaf and one per empty block of a hole.
   */
  private flushRuns(scope: FlushScope): FlushRun[] {
    const vm = this.vm;
    const out: FlushRun[] = [];
    const flush = (ipa: number, pa: number, size: number) => {
      const last = out[out.length - 1];
      if (last?.flush && last.ipa + last.size === ipa && last.pa + last.size === pa) last.size += size;
      else out.push({ flush: true, ipa, pa, size });
    };
    const stepOver = (entries: number) => {
      const last = out[out.length - 1];
      if (last !== undefined && !last.flush) last.entries += entries;
      else if (entries > 0) out.push({ flush: false, entries });
    };
    if (scope === 'dirty' && vm.dirtyTracking === 'fault') {
      for (const ipa of [...vm.dirtyPages].sort((a, b) => a - b)) flush(ipa, vm.ipaToPa(ipa), PAGE_SIZE);
      return out;
    }
    const startLevel = vm.p2m.geometry.startLevel;
    let mappedEnd = -1;
    vm.p2m.forEachMapped((ipa, pa, size, attrs, _pathValid, leafValid) => {
      let flushed: boolean;
      if (scope === 'valid') {
        // Xen (p2m_cache_flush_range): RAM whose leaf has its valid bit set, whatever the tables
        // above say: leaves under a table not re-entered since the roots were invalidated keep
        // their old bit and are flushed again. An empty entry on the way is one lookup too.
        if (mappedEnd >= 0 && ipa > mappedEnd) stepOver(lookupsAcrossHole(mappedEnd, ipa, startLevel));
        mappedEnd = ipa + size;
        flushed = leafValid && vm.ownsPa(pa);
      }
      // DBM dirty state: write permission given back by the hardware since tracking started.
      else if (scope === 'dirty') flushed = attrs.dbm && (attrs.s2ap & 2) !== 0;
      else flushed = true;
      if (flushed) flush(ipa, pa, size);
      else stepOver(1);
    });
    return out;
  }

  /** Clean and invalidate [pa, pa+size) to PoC as DC CIVAC per line would; returns the line count. */
  private cleanInvalidateRange(pa: number, size: number): number {
    const caches = this.machine.caches;
    const lines = linesInRange(caches, pa, size);
    cleanInvalidateRangeToPoC(caches, pa, size);
    this.cost.linesByAddress += lines;
    this.cost.el2Work(lines * this.cost.model.lineByAddress);
    return lines;
  }

  private invalidateTlb(): void {
    this.machine.tlb.invalidateVmid(this.vm.vmid);
    this.cost.tlbInvalidations++;
    this.cost.el2Work(this.cost.model.tlbInvalidateVmid);
  }

  private invalidateTlbIpa(ipa: number): void {
    this.machine.tlb.invalidateIpa(this.vm.vmid, ipa);
  }
}
