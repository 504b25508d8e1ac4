/**
 * Fast instruction fetch: the host words of the physical page an instruction lives in, so an
 * executor can translate once per block and then read instruction words straight from the page.
 *
 * The page's words are the same bytes `PhysicalMemory.read32` returns (the Point of Coherency,
 * which is what instruction fetches read here), and the executors compare every word they run
 * against the word their decoded record was made from, so self-modifying code and remapping are
 * still seen at the next instruction, exactly as with a fetch per instruction.
 */
import type { PhysicalMemory } from '../mmu/physical-memory';

/** One physical page of code as host words (little-endian, as instruction fetches read them). */
export class HostCodePage {
  /** Executor-owned decoded records for this page (one array per instruction set), made lazily. */
  a32: unknown = null;
  a64: unknown = null;

  constructor(
    /** Physical page number (pa / 4096). */
    readonly ppn: number,
    readonly words: Uint32Array,
  ) {}
}

/** A GuestMemory that can hand out code pages (TranslatedMemory does; FlatMemory need not). */
export interface CodePageSource {
  /**
   * The code page for an instruction fetch at `va` (translation and permission checks exactly as
   * `fetch32`, throwing the same MemoryAbort), or null when the page has no host words yet (never
   * written: it reads as zeros) and the caller must fetch word by word.
   */
  codePage(va: number): HostCodePage | null;
}

export function codePageSourceOf(memory: object): CodePageSource | null {
  return typeof (memory as Partial<CodePageSource>).codePage === 'function' ? (memory as CodePageSource) : null;
}

/** Little-endian host: a Uint32Array over the page's bytes reads words as `read32` does. */
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The allocated host page backing `ppn`, or null. PhysicalMemory has no public accessor for its
 * pages, so this reads its private page map; if that shape ever changes this returns null and the
 * executors fall back to a fetch per instruction (test/fast-path checks the fast path stays in effect).
 * TODO(lead): a public `PhysicalMemory.allocatedPage(ppn)` would replace this.
 */
export function hostPageOf(memory: PhysicalMemory, ppn: number): Uint8Array | null {
  if (!HOST_LITTLE_ENDIAN) return null;
  const page = memory.allocatedPage(ppn);
  return page !== undefined && page.byteOffset % 4 === 0 ? page : null;
}

/** Code pages of one PhysicalMemory, one HostCodePage object per page for the memory's lifetime. */
export class CodePageTable {
  private readonly pages = new Map<number, HostCodePage>();

  constructor(private readonly memory: PhysicalMemory) {}

  /** The code page for physical page `ppn`, or null while it is unallocated (reads as zeros). */
  get(ppn: number): HostCodePage | null {
    const known = this.pages.get(ppn);
    if (known !== undefined) return known;
    const bytes = hostPageOf(this.memory, ppn);
    if (bytes === null) return null;
    const page = new HostCodePage(ppn, new Uint32Array(bytes.buffer, bytes.byteOffset, 1024));
    this.pages.set(ppn, page);
    return page;
  }
}

const tables = new WeakMap<PhysicalMemory, CodePageTable>();

/** The shared code page table of `memory` (decoded records are shared by every vCPU on it). */
export function codePageTableOf(memory: PhysicalMemory): CodePageTable {
  let t = tables.get(memory);
  if (t === undefined) {
    t = new CodePageTable(memory);
    tables.set(memory, t);
  }
  return t;
}
