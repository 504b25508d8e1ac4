/**
 * What the loaders produce: segments to copy into memory, an entry point, and symbols with the
 * instruction set of the code they name.
 */
import { ElfError } from './elf-error';
import { kindIn } from './image-symbols';

export type Isa = 'a32' | 't32' | 'a64';
/** What a stretch of an image holds, from the Arm ELF mapping symbols ($a, $t, $x, $d). */
export type RegionKind = Isa | 'data';

export interface SegmentFlags {
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
}

export interface ImageSegment {
  /** Where the bytes go: the physical load address (p_paddr) for ELF executables. */
  readonly address: number;
  /** The address the code was linked to run at (p_vaddr); equals `address` for ET_REL and raw images. */
  readonly virtualAddress: number;
  /** Contents, zero-filled up to the memory size (p_memsz, or SHT_NOBITS sections). */
  readonly bytes: Uint8Array;
  readonly flags: SegmentFlags;
  /** Section name for ET_REL images, 'PT_LOAD[n]' for executables, 'raw' for raw images. */
  readonly name: string;
}

export type SymbolKind = 'function' | 'object' | 'other';

export interface ImageSymbol {
  readonly name: string;
  /** Address of the first byte; for Thumb functions the ELF value with bit 0 cleared. */
  readonly address: number;
  readonly size: number;
  /** Instruction set of the code at `address` (for data symbols, the image's default). */
  readonly isa: Isa;
  readonly kind: SymbolKind;
  readonly global: boolean;
}

/** A half-open address range [start, end) and what it holds. */
export interface IsaRegion {
  readonly start: number;
  readonly end: number;
  readonly kind: RegionKind;
}

export type ImageFormat = 'elf-exec' | 'elf-dyn' | 'elf-rel' | 'raw';

export class LoadedImage {
  private readonly byName = new Map<string, ImageSymbol>();

  constructor(
    readonly format: ImageFormat,
    /** Instruction set at the entry point. */
    readonly isa: Isa,
    readonly entry: number,
    readonly segments: readonly ImageSegment[],
    /** Ordinary symbols, without mapping symbols, section or file symbols, sorted by address. */
    readonly symbols: readonly ImageSymbol[],
    /** Code/data regions from mapping symbols, sorted and non-overlapping. */
    readonly regions: readonly IsaRegion[],
  ) {
    for (const s of symbols) {
      const seen = this.byName.get(s.name);
      // A global definition wins over a local one of the same name; otherwise the first.
      if (seen === undefined || (!seen.global && s.global)) this.byName.set(s.name, s);
    }
  }

  /** The symbol named `name`; throws ElfError listing close names when there is none. */
  findSymbol(name: string): ImageSymbol {
    const s = this.byName.get(name);
    if (s !== undefined) return s;
    const close = closeNames(name, [...this.byName.keys()]);
    const hint = close.length > 0 ? `; close names: ${close.join(', ')}` : '';
    throw new ElfError(`symbol "${name}" not found${hint}`, 'symbol', -1);
  }

  lookupSymbol(name: string): ImageSymbol | undefined {
    return this.byName.get(name);
  }

  /** The symbol whose [address, address + size) holds `address` (a function or object), if any. */
  symbolAt(address: number): ImageSymbol | undefined {
    let best: ImageSymbol | undefined;
    for (const s of this.symbols) {
      if (s.address > address) break;
      if (address < s.address + Math.max(s.size, 1) && (best === undefined || s.size < best.size)) best = s;
    }
    return best;
  }

  /** What the image holds at `address`, by mapping symbols; undefined outside every region. */
  kindAt(address: number): RegionKind | undefined {
    return kindIn(this.regions, address);
  }
}

/**
 * Copy every segment into memory through `write` (PhysicalMemory.writeBytes fits:
 * `loadInto(image, (a, b) => memory.writeBytes(a, b))`).
 */
export function loadInto(image: LoadedImage, write: (address: number, bytes: Uint8Array) => void): void {
  for (const s of image.segments) {
    if (s.bytes.length > 0) write(s.address, s.bytes);
  }
}

/** Up to five names within a small edit distance of `wanted`, or containing it, closest first. */
export function closeNames(wanted: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: [number, string][] = [];
  const lower = wanted.toLowerCase();
  for (const n of names) {
    if (Math.abs(n.length - wanted.length) > limit && !n.toLowerCase().includes(lower)) continue;
    const d = n.toLowerCase().includes(lower) ? 0.5 : editDistance(lower, n.toLowerCase(), limit);
    if (d <= limit) scored.push([d, n]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return scored.slice(0, 5).map((s) => s[1]);
}

/** Levenshtein distance, giving up (returning limit + 1) once every path exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
