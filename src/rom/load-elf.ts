/**
 * Load an ELF file into a LoadedImage: executables by their PT_LOAD segments, relocatable
 * objects (llvm-mc -filetype=obj) by laying out their SHF_ALLOC sections and applying relocations.
 */
import { ElfMachine, ElfType, SectionFlag, SectionIndex, SectionType, SegmentFlag, SegmentType, SymbolType } from './elf-constants';
import { ElfError, hex } from './elf-error';
import { parseElf, type ElfFile, type ElfSymbolEntry, type SectionHeader } from './elf-file';
import { relocationLayouts } from './elf-layouts';
import { buildSymbols, defaultIsa, type Machine, type PlacedRange } from './image-symbols';
import { LoadedImage, type ImageSegment, type Isa } from './loaded-image';
import { aarch64RelocationNames, applyAArch64Relocation } from './relocations-aarch64';
import { applyArmRelocation, armRelocationNames } from './relocations-arm';
import type { RelocationSite } from './relocation-site';

export interface ElfLoadOptions {
  /** ET_REL only: address of the first allocated section (default 0). */
  readonly loadAddress?: number;
  /** ET_REL only: symbol whose address becomes the entry point (default `_start` if defined, else the first executable section). */
  readonly entrySymbol?: string;
  /** Executables: place segments at p_paddr ('physical', the default) or p_vaddr ('virtual'). */
  readonly placeBy?: 'physical' | 'virtual';
  /** Largest memory image accepted, in bytes (default 256 MiB): a guard against hostile p_memsz/sh_size. */
  readonly maxImageBytes?: number;
}

const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;

export function loadElf(bytes: Uint8Array, options: ElfLoadOptions = {}): LoadedImage {
  const file = parseElf(bytes);
  return file.header.e_type === ElfType.Rel ? loadRelocatable(file, options) : loadExecutable(file, options);
}

function machineOf(file: ElfFile): Machine {
  return file.header.e_machine === ElfMachine.Arm ? 'arm' : 'aarch64';
}

function symbolEntries(file: ElfFile): ElfSymbolEntry[] {
  return [...(file.symtab?.symbols ?? []), ...(file.dynsym?.symbols ?? [])];
}

function entryIsa(machine: Machine, entry: number, image: { kindAt(a: number): string | undefined }): Isa {
  if (machine === 'aarch64') return 'a64';
  // AAELF32: bit 0 of e_entry set means the entry point is Thumb code.
  if ((entry & 1) === 1 || image.kindAt(entry) === 't32') return 't32';
  return 'a32';
}

function loadExecutable(file: ElfFile, options: ElfLoadOptions): LoadedImage {
  const machine = machineOf(file);
  const limit = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const byVirtual = options.placeBy === 'virtual';
  const segments: ImageSegment[] = [];
  let total = 0;
  for (const p of file.programHeaders) {
    if (p.p_type !== SegmentType.Load || p.p_memsz === 0) continue;
    const what = `program header ${p.index}`;
    if (p.p_filesz > p.p_memsz) {
      throw new ElfError(`${what}: file size ${hex(p.p_filesz)} exceeds memory size ${hex(p.p_memsz)}`, 'p_filesz', p.fileOffset);
    }
    if (p.p_offset + p.p_filesz > file.bytes.length) {
      throw new ElfError(`${what}: segment (${hex(p.p_filesz)} bytes at ${hex(p.p_offset)}) runs past end of file (${file.bytes.length} bytes)`, 'p_offset', p.fileOffset);
    }
    total += p.p_memsz;
    if (total > limit) throw new ElfError(`${what}: image exceeds ${limit} bytes of memory`, 'p_memsz', p.fileOffset);
    const contents = new Uint8Array(p.p_memsz);
    contents.set(file.bytes.subarray(p.p_offset, p.p_offset + p.p_filesz));
    segments.push({
      address: byVirtual ? p.p_vaddr : p.p_paddr,
      virtualAddress: p.p_vaddr,
      bytes: contents,
      flags: { read: (p.p_flags & SegmentFlag.R) !== 0, write: (p.p_flags & SegmentFlag.W) !== 0, execute: (p.p_flags & SegmentFlag.X) !== 0 },
      name: `PT_LOAD[${p.index}]`,
    });
  }
  checkNoOverlap(file, segments);

  // Regions come from allocated sections when the file has them, else from the segments.
  const ranges: PlacedRange[] = file.sections.some((s) => (s.sh_flags & SectionFlag.Alloc) !== 0)
    ? file.sections
        .filter((s) => (s.sh_flags & SectionFlag.Alloc) !== 0)
        .map((s) => ({ sectionIndex: s.index, start: s.sh_addr, size: s.sh_size, executable: (s.sh_flags & SectionFlag.ExecInstr) !== 0 }))
    : segments.map((s) => ({ sectionIndex: -1, start: s.virtualAddress, size: s.bytes.length, executable: s.flags.execute }));
  const { symbols, regions } = buildSymbols(machine, symbolEntries(file), ranges, (e) =>
    e.shndx === SectionIndex.Undef || e.shndx === SectionIndex.Common ? undefined : e.value,
  );
  const format = file.header.e_type === ElfType.Exec ? 'elf-exec' : 'elf-dyn';
  const probe = new LoadedImage(format, defaultIsa(machine), 0, [], [], regions);
  const rawEntry = file.header.e_entry;
  const isa = entryIsa(machine, rawEntry, probe);
  const entry = machine === 'arm' && (rawEntry & 1) === 1 ? rawEntry - 1 : rawEntry;
  return new LoadedImage(format, isa, entry, segments, symbols, regions);
}

function checkNoOverlap(file: ElfFile, segments: readonly ImageSegment[]): void {
  const order = segments.map((s, i) => ({ s, i })).sort((a, b) => a.s.address - b.s.address);
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1].s;
    const cur = order[k].s;
    if (cur.address < prev.address + prev.bytes.length) {
      const index = Number(cur.name.slice(8, -1));
      const ph = file.programHeaders[index];
      throw new ElfError(
        `overlapping PT_LOAD segments: ${cur.name} at ${hex(cur.address)} starts inside ${prev.name} (${hex(prev.address)}..${hex(prev.address + prev.bytes.length)})`,
        'p_paddr',
        ph?.fileOffset ?? -1,
      );
    }
  }
}

interface PlacedSection {
  readonly section: SectionHeader;
  readonly address: number;
  readonly bytes: Uint8Array;
}

function loadRelocatable(file: ElfFile, options: ElfLoadOptions): LoadedImage {
  const machine = machineOf(file);
  const limit = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const base = options.loadAddress ?? 0;
  if (!Number.isSafeInteger(base) || base < 0) throw new ElfError(`load address ${base} is not a non-negative integer`, 'loadAddress', -1);

  // Lay out SHF_ALLOC sections in section order, each at its alignment.
  const placed = new Map<number, PlacedSection>();
  let cursor = base;
  for (const s of file.sections) {
    if ((s.sh_flags & SectionFlag.Alloc) === 0 || s.sh_type === SectionType.Null) continue;
    const align = s.sh_addralign === 0 ? 1 : s.sh_addralign;
    if (align > 2 ** 30 || (align & (align - 1)) !== 0) {
      throw new ElfError(`section ${s.index} (${s.name}): alignment ${align} is not a power of two`, 'sh_addralign', s.fileOffset);
    }
    cursor = Math.ceil(cursor / align) * align;
    if (cursor - base + s.sh_size > limit) throw new ElfError(`section ${s.index} (${s.name}): image exceeds ${limit} bytes of memory`, 'sh_size', s.fileOffset);
    const contents = new Uint8Array(s.sh_size);
    if (s.sh_type !== SectionType.NoBits) contents.set(file.bytes.subarray(s.sh_offset, s.sh_offset + s.sh_size));
    placed.set(s.index, { section: s, address: cursor, bytes: contents });
    cursor += s.sh_size;
  }

  const entries = file.symtab?.symbols ?? [];
  const addressOf = (e: ElfSymbolEntry): number | undefined => {
    if (e.shndx === SectionIndex.Abs) return e.value;
    const p = placed.get(e.shndx);
    return p === undefined ? undefined : p.address + e.value;
  };
  applyRelocations(file, machine, placed, entries, addressOf);

  const segments: ImageSegment[] = [...placed.values()]
    .filter((p) => p.bytes.length > 0)
    .map((p) => ({
      address: p.address,
      virtualAddress: p.address,
      bytes: p.bytes,
      flags: { read: true, write: (p.section.sh_flags & SectionFlag.Write) !== 0, execute: (p.section.sh_flags & SectionFlag.ExecInstr) !== 0 },
      name: p.section.name,
    }));
  const ranges: PlacedRange[] = [...placed.values()].map((p) => ({
    sectionIndex: p.section.index,
    start: p.address,
    size: p.bytes.length,
    executable: (p.section.sh_flags & SectionFlag.ExecInstr) !== 0,
  }));
  const { symbols, regions } = buildSymbols(machine, entries, ranges, addressOf);
  const probe = new LoadedImage('elf-rel', defaultIsa(machine), 0, [], symbols, regions);

  let entry: number;
  let isa: Isa;
  const wanted = options.entrySymbol ?? (probe.lookupSymbol('_start') !== undefined ? '_start' : undefined);
  if (wanted !== undefined) {
    const s = probe.findSymbol(wanted);
    entry = s.address;
    isa = s.isa;
  } else {
    const firstCode = [...placed.values()].find((p) => (p.section.sh_flags & SectionFlag.ExecInstr) !== 0);
    entry = firstCode?.address ?? base;
    isa = entryIsa(machine, entry, probe);
  }
  return new LoadedImage('elf-rel', isa, entry, segments, symbols, regions);
}

function applyRelocations(
  file: ElfFile,
  machine: Machine,
  placed: ReadonlyMap<number, PlacedSection>,
  entries: readonly ElfSymbolEntry[],
  addressOf: (e: ElfSymbolEntry) => number | undefined,
): void {
  const width = file.header.width;
  for (const rs of file.sections) {
    if (rs.sh_type !== SectionType.Rel && rs.sh_type !== SectionType.Rela) continue;
    const target = placed.get(rs.sh_info);
    if (target === undefined) continue; // relocations for debug or other non-loaded sections
    const isRela = rs.sh_type === SectionType.Rela;
    const layout = isRela ? relocationLayouts[width].rela : relocationLayouts[width].rel;
    if (rs.sh_entsize !== layout.size) {
      throw new ElfError(`section ${rs.index} (${rs.name}): relocation entry size ${rs.sh_entsize}, expected ${layout.size}`, 'sh_entsize', rs.fileOffset);
    }
    if (file.symtab === undefined || rs.sh_link !== file.symtab.section.index) {
      throw new ElfError(`section ${rs.index} (${rs.name}): sh_link ${rs.sh_link} is not the symbol table`, 'sh_link', rs.fileOffset);
    }
    const count = Math.floor(rs.sh_size / layout.size);
    for (let i = 0; i < count; i++) {
      const entryOffset = rs.sh_offset + i * layout.size;
      const r = layout.read(file.bytes, entryOffset, `${rs.name} entry ${i}`);
      const where = `section ${target.section.name || target.section.index} at offset ${hex(r.r_offset)}`;
      let symbol = 0;
      let thumb = 0;
      let symbolName = '(none)';
      if (r.r_info_sym !== 0) {
        const e = entries[r.r_info_sym];
        if (e === undefined) {
          throw new ElfError(`${rs.name} entry ${i}: symbol index ${r.r_info_sym} out of range (${entries.length} symbols)`, 'r_info', entryOffset);
        }
        symbolName = e.name || `section symbol ${e.shndx}`;
        const address = addressOf(e);
        if (address === undefined) {
          const why = e.shndx === SectionIndex.Undef ? 'undefined symbol' : 'symbol in a section that is not loaded';
          throw new ElfError(`${why} "${symbolName}" referenced from ${where}`, 'r_info', entryOffset);
        }
        if (!Number.isFinite(address)) {
          throw new ElfError(`symbol "${symbolName}" referenced from ${where} has a value beyond 2^53`, 'st_value', e.fileOffset);
        }
        thumb = machine === 'arm' && e.type === SymbolType.Func && (address & 1) === 1 ? 1 : 0;
        symbol = address - thumb;
      }
      const site: RelocationSite = {
        bytes: target.bytes,
        offset: r.r_offset,
        place: target.address + r.r_offset,
        symbol,
        thumb,
        symbolName,
        explicitAddend: isRela ? r.r_addend : undefined,
        where,
        entryOffset,
      };
      if (machine === 'arm') applyArmRelocation(r.r_info_type, site);
      else applyAArch64Relocation(r.r_info_type, site);
    }
  }
}

/** Human-readable relocation type name, e.g. relocationName('arm', 28) === 'R_ARM_CALL'. */
export function relocationName(machine: Machine, type: number): string {
  return (machine === 'arm' ? armRelocationNames[type] : aarch64RelocationNames[type]) ?? `type ${type}`;
}
