/**
 * A vCPU's view of memory through the whole system: stage 1 and stage 2 (the Translator), then
 * the caches for Normal Write-Back memory or physical memory for everything else. Non-cacheable
 * accesses do not snoop: that is how a guest with its caches off misses dirty lines (D7.5, and
 * the "mismatched memory attributes" rules in B2.16).
 *
 * Instruction fetches read the point of coherency directly (an instruction cache that fills from
 * memory and is never dirty); code is loaded by the host, so this only differs from hardware for
 * guests that write code through a data cache without cleaning it, which the architecture does
 * not promise to work anyway (D7.5.4).
 */
import type { CacheSystem } from '../cache/cache-system';
import type { PhysicalMemory } from '../mmu/physical-memory';
import type { Translator } from '../mmu/translator';
import { codePageTableOf, type CodePageSource, type CodePageTable, type HostCodePage } from './code-page';
import type { GuestMemory } from './guest-memory';
import type { MemoryObserver } from './memory-observer';

/** Devices on the physical bus, for accesses that do not go through a hypervisor. */
export interface DirectDevices {
  claims(pa: number): boolean;
  read(pa: number, size: 1 | 2 | 4): number;
  write(pa: number, size: 1 | 2 | 4, value: number): void;
}

export class TranslatedMemory implements GuestMemory, CodePageSource {
  /** The physical CPU whose caches this vCPU uses now; the scheduler changes it on migration. */
  pcpu = 0;
  /** Exception level of the running code (0 or 1); set by the machine from the executor's state. */
  currentEl: () => 0 | 1 = () => 1;
  /** Sees every data load and store (a lockstep comparison); null on ordinary runs. */
  observer: MemoryObserver | null = null;
  /**
   * Devices reached without a hypervisor: with stage 2 off (bare metal), a non-cacheable access
   * to an address the devices claim goes to them directly. Under stage 2 device pages are
   * unmapped and fault to EL2 before this is consulted.
   */
  devices: DirectDevices | null = null;

  constructor(
    readonly translator: Translator,
    readonly caches: CacheSystem,
    readonly memory: PhysicalMemory,
  ) {
    this.codePages = codePageTableOf(memory);
  }

  private readonly codePages: CodePageTable;

  read8(va: number): number {
    const t = this.translator.translate(va, 'read', this.currentEl());
    if (!t.cacheable && this.isDevice(t.pa)) return this.devices!.read(t.pa, 1);
    const v = t.cacheable ? this.caches.read(this.pcpu, t.pa, 1) : this.memory.read8(t.pa);
    if (this.observer !== null) this.observer.load(va, t.pa, 1, v);
    return v;
  }

  read16(va: number): number {
    if ((va & 0xfff) > 0xffe) return this.read8(va) | (this.read8(va + 1) << 8);
    const t = this.translator.translate(va, 'read', this.currentEl());
    if (!t.cacheable && this.isDevice(t.pa)) return this.devices!.read(t.pa, 2);
    const v = t.cacheable ? this.caches.read(this.pcpu, t.pa, 2) : this.memory.read16(t.pa);
    if (this.observer !== null) this.observer.load(va, t.pa, 2, v);
    return v;
  }

  read32(va: number): number {
    // An access that crosses a page is two translations (either half may fault).
    if ((va & 0xfff) > 0xffc) return (this.read16(va) | (this.read16(va + 2) << 16)) >>> 0;
    const t = this.translator.translate(va, 'read', this.currentEl());
    if (!t.cacheable && this.isDevice(t.pa)) return this.devices!.read(t.pa, 4);
    const v = t.cacheable ? this.caches.read(this.pcpu, t.pa, 4) : this.memory.read32(t.pa);
    if (this.observer !== null) this.observer.load(va, t.pa, 4, v >>> 0);
    return v;
  }

  write8(va: number, value: number): void {
    this.write(va, 1, value & 0xff);
  }

  write16(va: number, value: number): void {
    if ((va & 0xfff) > 0xffe) {
      this.write8(va, value);
      this.write8(va + 1, value >>> 8);
      return;
    }
    this.write(va, 2, value & 0xffff);
  }

  write32(va: number, value: number): void {
    if ((va & 0xfff) > 0xffc) {
      this.write16(va, value & 0xffff);
      this.write16(va + 2, value >>> 16);
      return;
    }
    this.write(va, 4, value >>> 0);
  }

  private write(va: number, size: 1 | 2 | 4, value: number): void {
    const t = this.translator.translate(va, 'write', this.currentEl());
    if (t.cacheable) {
      if (this.observer !== null) this.observer.store(va, t.pa, size, value);
      this.caches.write(this.pcpu, t.pa, size, value);
    } else if (this.isDevice(t.pa)) {
      this.devices!.write(t.pa, size, value);
    } else {
      if (this.observer !== null) this.observer.store(va, t.pa, size, value);
      if (size === 1) this.memory.write8(t.pa, value);
      else if (size === 2) this.memory.write16(t.pa, value);
      else this.memory.write32(t.pa, value);
    }
  }

  /** A non-cacheable access that goes to a device directly (bare metal: no stage 2 to fault). */
  private isDevice(pa: number): boolean {
    return this.devices !== null && this.devices.claims(pa);
  }

  fetch16(va: number): number {
    return this.memory.read16(this.translator.translate(va, 'fetch', this.currentEl()).pa);
  }

  fetch32(va: number): number {
    if ((va & 0xfff) > 0xffc) return (this.fetch16(va) | (this.fetch16(va + 2) << 16)) >>> 0;
    return this.memory.read32(this.translator.translate(va, 'fetch', this.currentEl()).pa);
  }

  /** The host code page for a fetch at `va`: the same translation (and faults) as `fetch32`. */
  codePage(va: number): HostCodePage | null {
    const pa = this.translator.translate(va, 'fetch', this.currentEl()).pa;
    return this.codePages.get(Math.floor(pa / 4096));
  }

  /** Physical address a data access to `va` would use (for maintenance by VA). */
  physicalAddress(va: number): number {
    return this.translator.translate(va, 'read', this.currentEl()).pa;
  }
}
