/**
 * What a debugger reads of a vCPU's memory: the guest's virtual addresses through its stage 1 and
 * the VM's stage 2, and for Normal Write-Back memory the data the vCPU's caches would give it
 * (CacheSystem.peek: the nearest copy on its pCPU's path, a dirty copy anywhere, else memory);
 * Non-cacheable accesses read memory, as the vCPU's own do (they snoop nothing).
 *
 * None of it changes the machine: the walk runs in a translator of its own, with a TLB of its own,
 * stage 1 descriptors read with CacheSystem.peek, stage 2 access/dirty flag updates dropped, no
 * observer and no counter. The vCPU's TLB is not consulted, so a stale entry the guest forgot to
 * invalidate is not what the debugger sees: it sees what the tables say now.
 */
import type { CacheSystem } from '../cache/cache-system';
import type { Vcpu } from '../hyp/vcpu';
import { MemoryAbort } from '../mmu/fault';
import { PhysicalAddressError, type PhysicalMemory } from '../mmu/physical-memory';
import { Tlb } from '../mmu/tlb';
import { Translator } from '../mmu/translator';

export interface ViewedAddress {
  readonly ipa: number;
  readonly pa: number;
  readonly cacheable: boolean;
}

/** A VM's RAM as its hypervisor's memory map has it (not the p2m). */
export interface GuestRam {
  containsIpa(ipa: number): boolean;
  ipaToPa(ipa: number): number;
}

export class GuestView {
  /**
   * `ramOf`: the RAM of a vCPU's VM whose stage 2 is filled on demand (KVM): RAM the guest has
   * not touched yet is absent from stage 2 but is the guest's, and a debugger reads it through
   * the hypervisor's memory map, as QEMU's gdbstub does under KVM.
   */
  constructor(
    private readonly caches: CacheSystem,
    private readonly memory: PhysicalMemory,
    private readonly ramOf?: (vcpu: Vcpu) => GuestRam | undefined,
  ) {}

  /** Where a data read of `va` by `vcpu` goes now, or the fault's description. */
  translate(vcpu: Vcpu, va: number): ViewedAddress | string {
    const pcpu = vcpu.port.pcpu;
    const caches = this.caches;
    const memory = this.memory;
    // Stage 2 walks may set access/dirty flags in the p2m (VTCR_EL2.HA/HD): a debugger's read must not.
    const readOnly = { read32: (pa: number) => memory.read32(pa), write32: () => {} };
    const walker = new Translator(readOnly, new Tlb(), (pa, cacheable) => (cacheable ? caches.peek(pcpu, pa, 4) : memory.read32(pa)));
    const own = vcpu.port.translator;
    walker.setStage2(own.stage2);
    walker.setStage1(own.stage1);
    try {
      const t = walker.translate(va, 'read', vcpu.port.currentEl());
      return { ipa: t.ipa, pa: t.pa, cacheable: t.cacheable };
    } catch (e) {
      const ram = vcpu.populate !== null ? this.ramOf?.(vcpu) : undefined;
      if (e instanceof MemoryAbort && e.fault.stage === 2 && e.fault.kind === 'translation' && ram !== undefined) return this.throughMemoryMap(vcpu, va, ram);
      if (e instanceof MemoryAbort) return e.message;
      if (e instanceof PhysicalAddressError) return e.message;
      throw e;
    }
  }

  /**
   * Stage 1 of the vCPU, then the VM's memory map for every IPA (its tables' and the data's).
   * Stage 2 would only add attributes: RAM is Normal Write-Back there (which keeps stage 1's), or
   * forced Write-Back with FEAT_S2FWB.
   */
  private throughMemoryMap(vcpu: Vcpu, va: number, ram: GuestRam): ViewedAddress | string {
    const pcpu = vcpu.port.pcpu;
    const caches = this.caches;
    const memory = this.memory;
    const toPa = (ipa: number): number => {
      if (!ram.containsIpa(ipa)) throw new MemoryAbort({ kind: 'translation', stage: 2, level: 0, access: 'read', va, ipa, s1ptw: true });
      return ram.ipaToPa(ipa);
    };
    const readOnly = { read32: () => 0, write32: () => {} };
    const walker = new Translator(readOnly, new Tlb(), (ipa, cacheable) => (cacheable ? caches.peek(pcpu, toPa(ipa), 4) : memory.read32(toPa(ipa))));
    const own = vcpu.port.translator;
    walker.setStage2({ ...own.stage2, enabled: false });
    walker.setStage1(own.stage1);
    try {
      const t = walker.translate(va, 'read', vcpu.port.currentEl());
      const pa = toPa(t.pa);
      return { ipa: t.pa, pa, cacheable: t.cacheable || own.stage2.fwb };
    } catch (e) {
      if (e instanceof MemoryAbort || e instanceof PhysicalAddressError) return e.message;
      throw e;
    }
  }

  /**
   * Up to `length` bytes from `va` as the vCPU would read them, as a latin1 string; shorter when a
   * page faults, is not RAM or belongs to a device (a device read could change the device).
   */
  read(vcpu: Vcpu, va: number, length: number): string {
    let out = '';
    const end = va + length;
    // A translation holds for a whole 4 KiB page, the smallest stage 1 and stage 2 granule.
    for (let a = va; a < end; ) {
      const where = this.translate(vcpu, a);
      if (typeof where === 'string') break;
      const pageEnd = Math.min(end, (Math.floor(a / 4096) + 1) * 4096);
      for (let pa = where.pa; a < pageEnd; a++, pa++) {
        if (vcpu.port.devices?.claims(pa) || !this.memory.isRam(pa)) return out;
        out += String.fromCharCode(where.cacheable ? this.caches.peek(vcpu.port.pcpu, pa, 1) : this.memory.read8(pa));
      }
    }
    return out;
  }
}
