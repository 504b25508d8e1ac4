/**
 * Host physical memory: the floor of the system and the truth at the Point of Coherency.
 * Caches sit in front of it; non-cacheable accesses and dirty write-backs land here.
 *
 * RAM is sparse: a 4 KiB page is allocated on its first write, and reading a page never written
 * reads zero, so a 16 GiB guest that touches 64 MiB costs about 64 MiB. Addresses are plain
 * numbers (exact up to 2^53; physical addresses here are at most 52 bits).
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;

export interface RamRegion {
  readonly base: number;
  readonly size: number;
}

/** An access to a physical address that no RAM region covers (a bus error on real hardware). */
export class PhysicalAddressError extends Error {
  constructor(
    readonly address: number,
    readonly size: number,
  ) {
    super(`physical address 0x${address.toString(16)} (${size} bytes) is not backed by RAM`);
    this.name = 'PhysicalAddressError';
  }
}

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

export class PhysicalMemory {
  readonly regions: readonly RamRegion[];
  private readonly pages = new Map<number, Uint8Array>();
  // One-entry lookaside for the page touched last: most accesses hit the same page again.
  private lastPageNumber = -1;
  private lastPage: Uint8Array = ZERO_PAGE;
  private lastPageAllocated = false;

  constructor(regions: readonly RamRegion[] = [{ base: 0, size: 2 ** 32 }]) {
    for (const r of regions) {
      if (r.base % PAGE_SIZE !== 0 || r.size % PAGE_SIZE !== 0 || r.size <= 0) {
        throw new RangeError(`RAM region 0x${r.base.toString(16)}+0x${r.size.toString(16)} is not page aligned`);
      }
    }
    this.regions = [...regions].sort((a, b) => a.base - b.base);
  }

  /** Number of 4 KiB pages actually allocated (written at least once). */
  get allocatedPages(): number {
    return this.pages.size;
  }

  isRam(address: number, size = 1): boolean {
    for (const r of this.regions) {
      if (address >= r.base && address + size <= r.base + r.size) return true;
    }
    return false;
  }

  read8(pa: number): number {
    return this.pageForRead(pa)[pa & PAGE_MASK];
  }

  read16(pa: number): number {
    const off = pa & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      const p = this.pageForRead(pa);
      return p[off] | (p[off + 1] << 8);
    }
    return this.read8(pa) | (this.read8(pa + 1) << 8);
  }

  read32(pa: number): number {
    const off = pa & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      const p = this.pageForRead(pa);
      return (p[off] | (p[off + 1] << 8) | (p[off + 2] << 16) | (p[off + 3] << 24)) >>> 0;
    }
    return (this.read16(pa) | (this.read16(pa + 2) << 16)) >>> 0;
  }

  write8(pa: number, value: number): void {
    this.pageForWrite(pa)[pa & PAGE_MASK] = value;
  }

  write16(pa: number, value: number): void {
    const off = pa & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      const p = this.pageForWrite(pa);
      p[off] = value;
      p[off + 1] = value >>> 8;
      return;
    }
    this.write8(pa, value);
    this.write8(pa + 1, value >>> 8);
  }

  write32(pa: number, value: number): void {
    const off = pa & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      const p = this.pageForWrite(pa);
      p[off] = value;
      p[off + 1] = value >>> 8;
      p[off + 2] = value >>> 16;
      p[off + 3] = value >>> 24;
      return;
    }
    this.write16(pa, value & 0xffff);
    this.write16(pa + 2, value >>> 16);
  }

  /** Copy `length` bytes starting at `pa` into `out` (from `outOffset`). */
  readBytes(pa: number, out: Uint8Array, outOffset = 0, length = out.length - outOffset): void {
    let done = 0;
    while (done < length) {
      const a = pa + done;
      const off = a & PAGE_MASK;
      const n = Math.min(length - done, PAGE_SIZE - off);
      out.set(this.pageForRead(a).subarray(off, off + n), outOffset + done);
      done += n;
    }
  }

  writeBytes(pa: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = pa + done;
      const off = a & PAGE_MASK;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      this.pageForWrite(a).set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  /**
   * The host bytes of page `ppn` (pa >> 12) if it has been allocated, else undefined. The array
   * is the page itself for its whole life: executors read code straight from it.
   */
  allocatedPage(ppn: number): Uint8Array | undefined {
    return this.pages.get(ppn);
  }

  /** Page numbers (pa >> 12) of every allocated page, ascending. */
  allocatedPageNumbers(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  private pageForRead(pa: number): Uint8Array {
    const pn = Math.floor(pa / PAGE_SIZE);
    if (pn === this.lastPageNumber) return this.lastPage;
    const page = this.pages.get(pn);
    if (page === undefined) {
      this.checkRam(pa);
      // Not cached in the lookaside: a later write must allocate.
      return ZERO_PAGE;
    }
    this.lastPageNumber = pn;
    this.lastPage = page;
    this.lastPageAllocated = true;
    return page;
  }

  private pageForWrite(pa: number): Uint8Array {
    const pn = Math.floor(pa / PAGE_SIZE);
    if (pn === this.lastPageNumber && this.lastPageAllocated) return this.lastPage;
    let page = this.pages.get(pn);
    if (page === undefined) {
      this.checkRam(pa);
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(pn, page);
    }
    this.lastPageNumber = pn;
    this.lastPage = page;
    this.lastPageAllocated = true;
    return page;
  }

  private checkRam(pa: number): void {
    if (!this.isRam(pa)) throw new PhysicalAddressError(pa, 1);
  }
}
