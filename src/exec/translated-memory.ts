/**
 * A vCPU's view of memory through the whole system: stage 1 and stage 2 (the Translator), then
 * the caches for Normal Write-Back memory or physical memory for everything else. Non-cacheable
 * accesses do not snoop: that is how a guest with its caches off misses dirty lines (D7.5, and
 * the "mismatched memory attributes" rules in B2.16).
 *
 * Instruction fetches read the point of coherency directly (an instruction cache that fills from
 * memory and is never dirty); code is loaded by the host, so this only differs from hardware for
 * guests that write code through a data cache without cleaning it, which the architecture does
 * not promise to work anyway (D7.5.4), except where the PoU lies before every data cache
 * (`fetchAddress`).
 *
 * Data accesses first look in the vCPU's SoftTlb (soft-tlb.ts): a VA page the full path has
 * already translated, checked and classified (cacheable, or plain RAM) goes straight to the
 * caches or to the host page. Everything else (a first access, a fault, a device, an access that
 * crosses a page) takes the full path, which refills the table. Both paths make the same calls
 * into the caches and the observer, and count the same Translator TLB hits.
 */
import type { CacheSystem } from '../cache/cache-system';
import type { PhysicalMemory } from '../mmu/physical-memory';
import type { Translator } from '../mmu/translator';
import { codePageTableOf, type CodePageSource, type CodePageTable, type HostCodePage } from './code-page';
import type { GuestMemory } from './guest-memory';
import type { MemoryObserver } from './memory-observer';
import { InlineDataAccess, type InlineDataAccessSource } from './inline-data-access';
import { SoftTlb, SoftTlbFlag } from './soft-tlb';

const CACHEABLE = SoftTlbFlag.Cacheable;
const COUNTS_TLB_HIT = SoftTlbFlag.CountsTlbHit;

/**
 * Devices on the physical bus, for accesses that do not go through a hypervisor. They claim whole
 * 4 KiB pages: the fast path remembers a page as RAM after finding its first and last byte unclaimed.
 * A claimed address is the device's whatever the stage-1 attributes say (a cacheable mapping of a
 * device does not make its registers memory: on a VM the same access faults at stage 2 and
 * reaches the device model), except reads the device serves as memory: a flash bank in
 * read-array mode, which a VM maps read-only at stage 2 (QEMU's "romd").
 */
export interface DirectDevices {
  claims(pa: number): boolean;
  /** A read of claimed `pa` is a read of memory (the host mirror), not of the device. */
  readsAsMemory?(pa: number): boolean;
  read(pa: number, size: 1 | 2 | 4): number;
  write(pa: number, size: 1 | 2 | 4, value: number): void;
}

export class TranslatedMemory implements GuestMemory, CodePageSource, InlineDataAccessSource {
  /** Exception level of the running code (0 or 1); set by the machine from the executor's state. */
  currentEl: () => 0 | 1 = () => 1;
  /** The data-access fast table; flushed by the translator and its TLB. */
  readonly soft: SoftTlb;
  /** What compiled blocks read to make L1 hits without a call (inline-data-access.ts). */
  readonly inlineAccess: InlineDataAccess;
  /** Use the fast table (false: every access takes the full path; for tests comparing the two). */
  private fast = true;
  private pcpuValue = 0;
  private observerValue: MemoryObserver | null = null;
  private devicesValue: DirectDevices | null = null;

  constructor(
    readonly translator: Translator,
    readonly caches: CacheSystem,
    readonly memory: PhysicalMemory,
  ) {
    this.codePages = codePageTableOf(memory);
    this.soft = new SoftTlb(caches.lineBytes);
    translator.addListener(this.soft);
    this.inlineAccess = new InlineDataAccess(this.soft, translator, caches, () => this.currentEl());
    this.inlineAccess.enabled = true;
  }

  private readonly codePages: CodePageTable;

  /** The physical CPU whose caches this vCPU uses now; the scheduler changes it on migration. */
  get pcpu(): number {
    return this.pcpuValue;
  }

  set pcpu(p: number) {
    this.pcpuValue = p;
    this.inlineAccess.usePcpu(p);
  }

  /** Sees every data load and store (a lockstep comparison); null on ordinary runs. Compiled blocks then make their calls. */
  get observer(): MemoryObserver | null {
    return this.observerValue;
  }

  set observer(o: MemoryObserver | null) {
    this.observerValue = o;
    this.inlineAccess.enabled = this.fast && o === null;
  }

  /**
   * Devices reached without a hypervisor: with stage 2 off (bare metal), an access to an address
   * the devices claim goes to them directly, cacheable or not. Under stage 2 device pages are
   * unmapped (or read-only) and fault to EL2 before this is consulted.
   */
  get devices(): DirectDevices | null {
    return this.devicesValue;
  }

  set devices(d: DirectDevices | null) {
    this.devicesValue = d;
    this.soft.flush();
  }

  /** Whether data accesses use the fast table (on by default). Off, every access takes the full path. */
  get fastPath(): boolean {
    return this.fast;
  }

  set fastPath(on: boolean) {
    this.fast = on;
    this.inlineAccess.enabled = on && this.observerValue === null;
    this.soft.flush();
  }

  read8(va: number): number {
    return this.read(va, 1);
  }

  read16(va: number): number {
    if ((va & 0xfff) > 0xffe) return this.read8(va) | (this.read8(va + 1) << 8);
    return this.read(va, 2);
  }

  read32(va: number): number {
    // An access that crosses a page is two translations (either half may fault).
    if ((va & 0xfff) > 0xffc) return (this.read16(va) | (this.read16(va + 2) << 16)) >>> 0;
    return this.read(va, 4);
  }

  /** A read of `size` bytes within one page. */
  private read(va: number, size: 1 | 2 | 4): number {
    const slot = this.hit(va, 0);
    if (slot < 0) return this.readSlow(va, size);
    const soft = this.soft;
    const off = va & 0xfff;
    const pa = soft.paPage[slot] + off;
    let v: number;
    if ((soft.flags[slot] & CACHEABLE) !== 0) v = this.caches.read(this.pcpuValue, pa, size);
    else {
      const p = soft.hostPage[slot];
      if (size === 1) v = p[off];
      else if (size === 2) v = p[off] | (p[off + 1] << 8);
      else v = (p[off] | (p[off + 1] << 8) | (p[off + 2] << 16) | (p[off + 3] << 24)) >>> 0;
    }
    if (this.observerValue !== null) v = this.observerValue.load(va, pa, size, v);
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

  /** A write of `size` bytes within one page. */
  private write(va: number, size: 1 | 2 | 4, value: number): void {
    const slot = this.hit(va, 1);
    if (slot < 0) {
      this.writeSlow(va, size, value);
      return;
    }
    const soft = this.soft;
    const off = va & 0xfff;
    const pa = soft.paPage[slot] + off;
    if (this.observerValue !== null) this.observerValue.store(va, pa, size, value);
    if ((soft.flags[slot] & CACHEABLE) !== 0) {
      this.caches.write(this.pcpuValue, pa, size, value);
      return;
    }
    const p = soft.hostPage[slot];
    p[off] = value;
    if (size >= 2) p[off + 1] = value >>> 8;
    if (size === 4) {
      p[off + 2] = value >>> 16;
      p[off + 3] = value >>> 24;
    }
  }

  /**
   * The fast-table slot remembering `va`'s page for an access of this kind (`write` 0 or 1) at the
   * current EL, with the Translator TLB hit the full path would count; -1 when there is none.
   */
  private hit(va: number, write: number): number {
    const vpn = (va - (va & 0xfff)) / 4096;
    const slot = SoftTlb.slot(vpn, this.currentEl(), write);
    const soft = this.soft;
    if (soft.tags[slot] !== vpn) return -1;
    if ((soft.flags[slot] & COUNTS_TLB_HIT) !== 0) this.translator.hits++;
    return slot;
  }

  // ---- the full path: translation, devices, then the same access, and a refill of the fast table ----

  /** A read of `size` bytes within one page. */
  private readSlow(va: number, size: 1 | 2 | 4): number {
    const el = this.currentEl();
    const t = this.translator.translate(va, 'read', el);
    const pa = t.pa;
    const cacheable = t.cacheable;
    const device = this.isDevice(pa);
    if (device && this.devicesValue!.readsAsMemory?.(pa) !== true) return this.devicesValue!.read(pa, size);
    let v: number;
    if (cacheable) v = this.caches.read(this.pcpuValue, pa, size);
    else v = size === 1 ? this.memory.read8(pa) : size === 2 ? this.memory.read16(pa) : this.memory.read32(pa);
    // A device's memory-like reads last only as long as its mode: never remembered.
    if (!device) this.refill(va, pa, el, 0, cacheable);
    if (this.observerValue !== null) v = this.observerValue.load(va, pa, size, v >>> 0);
    return v;
  }

  private writeSlow(va: number, size: 1 | 2 | 4, value: number): void {
    const el = this.currentEl();
    const t = this.translator.translate(va, 'write', el);
    const pa = t.pa;
    if (this.isDevice(pa)) {
      this.devicesValue!.write(pa, size, value);
    } else if (t.cacheable) {
      if (this.observerValue !== null) this.observerValue.store(va, pa, size, value);
      this.caches.write(this.pcpuValue, pa, size, value);
      this.refill(va, pa, el, 1, true);
    } else {
      if (this.observerValue !== null) this.observerValue.store(va, pa, size, value);
      if (size === 1) this.memory.write8(pa, value);
      else if (size === 2) this.memory.write16(pa, value);
      else this.memory.write32(pa, value);
      this.refill(va, pa, el, 1, false);
    }
  }

  /**
   * Remember the translation just made for `va`: a later access to the page at the same EL for
   * the same kind needs no walk and no checks (the translator and TLB flush it when that changes).
   * Non-cacheable pages are remembered only once their host page exists (a page never written
   * reads as zero without one); no page a device claims is remembered.
   */
  private refill(va: number, pa: number, el: number, write: number, cacheable: boolean): void {
    if (!this.fast) return;
    const off = va & 0xfff;
    const vpn = (va - off) / 4096;
    const paPage = pa - off;
    const flags = (cacheable ? CACHEABLE : 0) | (this.translator.stage1On ? COUNTS_TLB_HIT : 0);
    if (this.isDevice(paPage) || this.isDevice(paPage + 0xfff)) return;
    let host: Uint8Array | null = null;
    if (!cacheable) {
      const page = this.memory.allocatedPage(paPage / 4096);
      if (page === undefined) return;
      host = page;
    }
    this.soft.fill(SoftTlb.slot(vpn, el, write), vpn, paPage, flags, host);
  }

  /** An access that goes to a device directly (bare metal: no stage 2 to fault). */
  private isDevice(pa: number): boolean {
    return this.devicesValue !== null && this.devicesValue.claims(pa);
  }

  fetch16(va: number): number {
    return this.memory.read16(this.fetchAddress(va));
  }

  fetch32(va: number): number {
    if ((va & 0xfff) > 0xffc) return (this.fetch16(va) | (this.fetch16(va + 2) << 16)) >>> 0;
    return this.memory.read32(this.fetchAddress(va));
  }

  /** The host code page for a fetch at `va`: the same translation (and faults) as `fetch32`. */
  codePage(va: number): HostCodePage | null {
    return this.codePages.get(Math.floor(this.fetchAddress(va) / 4096));
  }

  /**
   * The physical address of a fetch at `va`. Where fetches see the data caches (LoUU = LoUIS = 0)
   * an I-cacheable fetch (inner Write-Back or Write-Through) first has the caches put the page's
   * newest data in memory, which is what fetches read here (CacheSystem.prepareFetch).
   */
  private fetchAddress(va: number): number {
    const t = this.translator.translate(va, 'fetch', this.currentEl());
    if (this.caches.fetchSeesDataCaches && t.attrs.innerCacheable !== 'nc') this.caches.prepareFetch(this.pcpuValue, t.pa);
    return t.pa;
  }

  /** Physical address a data access to `va` would use (for maintenance by VA). */
  physicalAddress(va: number): number {
    return this.translator.translate(va, 'read', this.currentEl()).pa;
  }
}
