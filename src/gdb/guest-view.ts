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

export class GuestView {
  constructor(
    private readonly caches: CacheSystem,
    private readonly memory: PhysicalMemory,
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
      if (e instanceof MemoryAbort) return e.message;
      if (e instanceof PhysicalAddressError) return e.message;
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
