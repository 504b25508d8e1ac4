/**
 * From ELF symbol table entries to image symbols and code/data regions.
 *
 * Arm ELF conventions (AAELF32 "Symbol values" and "Mapping symbols"; AAELF64 "Mapping
 * symbols"): an EM_ARM STT_FUNC symbol with bit 0 set names Thumb code at value & ~1; the local
 * symbols $a, $t, $d (EM_ARM) and $x, $d (EM_AARCH64), optionally followed by ".anything", mark
 * where A32, T32, A64 code or literal data starts. They mark regions and are not listed.
 */
import { SymbolBinding, SymbolType } from './elf-constants';
import type { ElfSymbolEntry } from './elf-file';
import type { ImageSymbol, Isa, IsaRegion, RegionKind, SymbolKind } from './loaded-image';

export type Machine = 'arm' | 'aarch64';

/** An allocated section (or segment, when there are no sections) after placement. */
export interface PlacedRange {
  /** Section index whose mapping symbols apply; -1 for a segment. */
  readonly sectionIndex: number;
  readonly start: number;
  readonly size: number;
  readonly executable: boolean;
}

interface MappingMark {
  readonly sectionIndex: number;
  readonly address: number;
  readonly kind: RegionKind;
}

const MAPPING_NAME = /^\$([atdx])(\..*)?$/;

/** The region kind a mapping symbol announces, or undefined when `name` is not one for `machine`. */
export function mappingSymbolKind(name: string, machine: Machine): RegionKind | undefined {
  const m = MAPPING_NAME.exec(name);
  if (m === null) return undefined;
  switch (m[1]) {
    case 'd':
      return 'data';
    case 'a':
      return machine === 'arm' ? 'a32' : undefined;
    case 't':
      return machine === 'arm' ? 't32' : undefined;
    default:
      return machine === 'aarch64' ? 'a64' : undefined;
  }
}

export function defaultIsa(machine: Machine): Isa {
  return machine === 'arm' ? 'a32' : 'a64';
}

export interface SymbolSet {
  readonly symbols: ImageSymbol[];
  readonly regions: IsaRegion[];
}

/**
 * Build symbols and regions. `addressOf` gives the final address of an entry's value (section
 * base + value for ET_REL, the value itself for executables) or undefined for entries that are
 * not placed in memory (undefined, common, or in a non-allocated section).
 */
export function buildSymbols(
  machine: Machine,
  entries: readonly ElfSymbolEntry[],
  ranges: readonly PlacedRange[],
  addressOf: (entry: ElfSymbolEntry) => number | undefined,
): SymbolSet {
  const marks: MappingMark[] = [];
  const pending: { entry: ElfSymbolEntry; address: number; thumb: boolean }[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.name === '' || e.type === SymbolType.Section || e.type === SymbolType.File) continue;
    const address = addressOf(e);
    if (address === undefined || !Number.isFinite(address)) continue; // not placed, or not representable
    const mark = mappingSymbolKind(e.name, machine);
    if (mark !== undefined && e.binding === SymbolBinding.Local) {
      marks.push({ sectionIndex: e.shndx, address, kind: mark });
      continue;
    }
    const thumb = machine === 'arm' && e.type === SymbolType.Func && (address & 1) === 1;
    const finalAddress = thumb ? address - 1 : address;
    // .symtab and .dynsym often repeat the same definition.
    const key = `${e.name}@${finalAddress}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pending.push({ entry: e, address: finalAddress, thumb });
  }
  const regions = buildRegions(machine, ranges, marks);
  const fallback = defaultIsa(machine);
  const symbols = pending.map(({ entry, address, thumb }): ImageSymbol => {
    let isa: Isa = fallback;
    if (thumb) isa = 't32';
    else {
      const k = kindIn(regions, address);
      if (k !== undefined && k !== 'data') isa = k;
    }
    const kind: SymbolKind = entry.type === SymbolType.Func ? 'function' : entry.type === SymbolType.Object ? 'object' : 'other';
    const size = Number.isFinite(entry.size) && entry.size >= 0 ? entry.size : 0;
    return { name: entry.name, address, size, isa, kind, global: entry.binding !== SymbolBinding.Local };
  });
  symbols.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { symbols, regions };
}

function buildRegions(machine: Machine, ranges: readonly PlacedRange[], marks: readonly MappingMark[]): IsaRegion[] {
  const out: IsaRegion[] = [];
  const sorted = ranges.filter((r) => r.size > 0).sort((a, b) => a.start - b.start);
  const allMarks = [...marks].sort((a, b) => a.address - b.address);
  const bySection = new Map<number, MappingMark[]>();
  for (const m of allMarks) {
    const list = bySection.get(m.sectionIndex);
    if (list === undefined) bySection.set(m.sectionIndex, [m]);
    else list.push(m);
  }
  let floor = -Infinity;
  for (const r of sorted) {
    const start = Math.max(r.start, floor);
    const end = r.start + r.size;
    if (start >= end) continue; // overlaps an earlier range entirely
    floor = end;
    const candidates = r.sectionIndex < 0 ? allMarks : (bySection.get(r.sectionIndex) ?? []);
    const inRange = candidates.filter((m) => m.address >= start && m.address < end);
    let kind: RegionKind = r.executable ? defaultIsa(machine) : 'data';
    let at = start;
    for (const m of inRange) {
      if (m.address > at) out.push({ start: at, end: m.address, kind });
      at = m.address;
      kind = m.kind;
    }
    out.push({ start: at, end, kind });
  }
  // Join neighbours of the same kind.
  const joined: IsaRegion[] = [];
  for (const r of out) {
    const last = joined[joined.length - 1];
    if (last !== undefined && last.end === r.start && last.kind === r.kind) joined[joined.length - 1] = { start: last.start, end: r.end, kind: r.kind };
    else joined.push(r);
  }
  return joined;
}

/** Binary search in sorted, non-overlapping regions. */
export function kindIn(regions: readonly IsaRegion[], address: number): RegionKind | undefined {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (address < regions[mid].start) hi = mid - 1;
    else if (address >= regions[mid].end) lo = mid + 1;
    else return regions[mid].kind;
  }
  return undefined;
}
