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
import { LO_VALID } from '../mmu/stage2-descriptor';
import type { Tlb } from '../mmu/tlb';
import type { PhysicalMemory } from '../mmu/physical-memory';
import type { FlushResult, FlushScope, PolicyHost } from './policy';
import { cleanInvalidateRangeToPoC, linesInRange, totalWriteBacks } from '../cache/range-maintenance';
import { flushPcpuBySetWay } from './set-way-sweep';
import type { Vcpu } from './vcpu';
import type { Vm } from './vm';

export interface MachineServices {
  readonly caches: CacheSystem;
  readonly memory: PhysicalMemory;
  readonly tlb: Tlb;
  readonly pcpuCount: number;
  readonly vms: readonly Vm[];
}

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

  flushGuestMemory(scope: FlushScope, batchPages = Infinity): FlushResult {
    const ranges = this.rangesIn(scope);
    const before = totalWriteBacks(this.machine.caches);
    let pages = 0;
    let lines = 0;
    let batch = 0;
    for (const [start, size] of ranges) {
      // Chunks end at preemption points, so one large contiguous range is still preemptible.
      for (let pa = start; pa < start + size; ) {
        const chunk = Math.min(start + size - pa, (batchPages - batch) * PAGE_SIZE);
        const n = chunk / PAGE_SIZE;
        lines += this.cleanInvalidateRange(pa, chunk);
        pages += n;
        batch += n;
        pa += chunk;
        this.cost.el2Work(n * this.cost.model.p2mPageWalked);
        if (batch >= batchPages) {
          // A preemption point: the non-preemptible stretch of EL2 work ends here.
          this.cost.endEl2Run();
          batch = 0;
        }
      }
    }
    this.cost.pagesFlushed += pages;
    this.cost.p2mPagesWalked += pages;
    this.cost.lineWriteBacks += totalWriteBacks(this.machine.caches) - before;
    this.trace(`flush ${scope}: ${pages} pages, ${lines} lines by address`);
    return { pages, lines };
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

  /** Host-physical ranges (pa, bytes) a flush of `scope` visits, merged where contiguous. */
  private rangesIn(scope: FlushScope): [number, number][] {
    const vm = this.vm;
    const out: [number, number][] = [];
    const add = (pa: number, size: number) => {
      const last = out[out.length - 1];
      if (last !== undefined && last[0] + last[1] === pa) last[1] += size;
      else out.push([pa, size]);
    };
    if (scope === 'dirty' && vm.dirtyTracking === 'fault') {
      for (const ipa of [...vm.dirtyPages].sort((a, b) => a - b)) add(vm.ipaToPa(ipa), PAGE_SIZE);
      return out;
    }
    vm.p2m.forEachMapped((_ipa, pa, size, attrs, valid) => {
      if (scope === 'valid' && !valid) return;
      // DBM dirty state: write permission given back by the hardware since tracking started.
      if (scope === 'dirty' && !(attrs.dbm && (attrs.s2ap & 2) !== 0)) return;
      add(pa, size);
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
