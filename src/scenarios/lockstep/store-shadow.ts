/**
 * The data of the guest's latest store to every byte it wrote: what a coherent memory would
 * return. Pages are copied from memory on their first store (copy-on-first-write), so the shadow
 * holds only pages the guest wrote; elsewhere memory still holds what was last put there.
 */
import type { PhysicalMemory } from '../../mmu/physical-memory';

const PAGE = 4096;

export class StoreShadow {
  /** Host page number -> the page's bytes as the guest's latest stores left them. */
  readonly pages = new Map<number, Uint8Array>();
  // The page of the last lookup: loads and stores cluster, a Map lookup each is the cost here.
  private lastPpn = -1;
  private lastPage: Uint8Array | undefined = undefined;

  constructor(private readonly memory: PhysicalMemory) {}

  store(pa: number, size: number, value: number): void {
    const page = this.writablePage(pa);
    let off = pa % PAGE;
    for (let i = 0; i < size; i++, off++) page[off] = (value >>> (8 * i)) & 0xff;
  }

  /** Value of the guest's latest store at `pa` (memory's value where it never stored). */
  latest(pa: number, size: number): number {
    const page = this.page(Math.floor(pa / PAGE));
    if (page === undefined || (pa % PAGE) + size > PAGE) return readMemory(this.memory, pa, size);
    let v = 0;
    const off = pa % PAGE;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | page[off + i];
    return v >>> 0;
  }

  private page(ppn: number): Uint8Array | undefined {
    if (ppn !== this.lastPpn) {
      this.lastPpn = ppn;
      this.lastPage = this.pages.get(ppn);
    }
    return this.lastPage;
  }

  private writablePage(pa: number): Uint8Array {
    const ppn = Math.floor(pa / PAGE);
    let page = this.page(ppn);
    if (page === undefined) {
      // First store to this page: until now memory held what the guest last "wrote" here.
      page = new Uint8Array(PAGE);
      this.memory.readBytes(ppn * PAGE, page);
      this.pages.set(ppn, page);
      this.lastPage = page;
    }
    return page;
  }
}

export function readMemory(memory: PhysicalMemory, pa: number, size: number): number {
  return size === 1 ? memory.read8(pa) : size === 2 ? memory.read16(pa) : memory.read32(pa) >>> 0;
}

export function writeMemory(memory: PhysicalMemory, pa: number, size: number, value: number): void {
  if (size === 1) memory.write8(pa, value);
  else if (size === 2) memory.write16(pa, value);
  else memory.write32(pa, value);
}
