/**
 * A parsed and checked ELF file: header, program headers, section headers with names, and the
 * symbol tables. Every count and offset read from the file is checked against the file's size
 * before anything is read with it, so malformed input ends in an ElfError, never in a hang or a
 * stray RangeError.
 */
import {
  ELF_MAGIC,
  ElfClass,
  ElfData,
  ElfMachine,
  ElfType,
  EV_CURRENT,
  PN_XNUM,
  RecordSize,
  SectionIndex,
  SectionType,
} from './elf-constants';
import { ElfError, hex } from './elf-error';
import {
  fileHeader32,
  fileHeader64,
  programHeader32,
  programHeader64,
  sectionHeader32,
  sectionHeader64,
  symbol32,
  symbol64,
  type FileHeaderRecord,
  type ProgramHeaderRecord,
  type RecordLayout,
  type SectionHeaderRecord,
} from './elf-layouts';

export type ElfWidth = 32 | 64;

export interface ElfHeader extends FileHeaderRecord {
  readonly width: ElfWidth;
}

export interface ProgramHeader extends ProgramHeaderRecord {
  readonly index: number;
  /** File offset of this program header entry. */
  readonly fileOffset: number;
}

export interface SectionHeader extends SectionHeaderRecord {
  readonly index: number;
  readonly name: string;
  /** File offset of this section header entry. */
  readonly fileOffset: number;
}

export interface ElfSymbolEntry {
  readonly index: number;
  readonly name: string;
  /** st_value; NaN for an ELF64 value beyond +-2^53 (a constant such as 1 << 60, never an address here). */
  readonly value: number;
  /** st_size; NaN when beyond 2^53. */
  readonly size: number;
  /** ELFxx_ST_TYPE(st_info). */
  readonly type: number;
  /** ELFxx_ST_BIND(st_info). */
  readonly binding: number;
  readonly shndx: number;
  /** File offset of the symbol table entry. */
  readonly fileOffset: number;
}

export interface SymbolTable {
  readonly section: SectionHeader;
  readonly symbols: readonly ElfSymbolEntry[];
}

export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  readonly sections: readonly SectionHeader[];
  /** SHT_SYMTAB, if present (one per file, gABI). */
  readonly symtab: SymbolTable | undefined;
  /** SHT_DYNSYM, if present. */
  readonly dynsym: SymbolTable | undefined;
}

const EI_CLASS = 4;
const EI_DATA = 5;
const EI_VERSION = 6;

export function parseElf(input: Uint8Array): ElfFile {
  const bytes = input;
  if (bytes.length < 16) {
    throw new ElfError(`truncated header: file is ${bytes.length} bytes, ELF identification needs 16`, 'e_ident', 0);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== ELF_MAGIC[i]) throw new ElfError('bad magic: not an ELF file', 'e_ident[EI_MAG]', i);
  }
  const cls = bytes[EI_CLASS];
  if (cls !== ElfClass.Elf32 && cls !== ElfClass.Elf64) {
    throw new ElfError(`bad class ${cls} (1 = ELF32, 2 = ELF64)`, 'e_ident[EI_CLASS]', EI_CLASS);
  }
  const data = bytes[EI_DATA];
  if (data !== ElfData.LittleEndian) {
    const what = data === ElfData.BigEndian ? 'big-endian files are not supported' : `bad data encoding ${data}`;
    throw new ElfError(what, 'e_ident[EI_DATA]', EI_DATA);
  }
  if (bytes[EI_VERSION] !== EV_CURRENT) {
    throw new ElfError(`bad ELF version ${bytes[EI_VERSION]}`, 'e_ident[EI_VERSION]', EI_VERSION);
  }
  const width: ElfWidth = cls === ElfClass.Elf32 ? 32 : 64;
  const ehdrSize = RecordSize.ehdr[width];
  if (bytes.length < ehdrSize) {
    throw new ElfError(`truncated header: file is ${bytes.length} bytes, the ELF${width} header needs ${ehdrSize}`, 'e_ehsize', 0);
  }
  const headerLayout = width === 32 ? fileHeader32 : fileHeader64;
  const header: ElfHeader = { ...headerLayout.read(bytes, 0, 'ELF header'), width };
  const at = (f: keyof FileHeaderRecord): number => headerLayout.fieldOffset(f);

  if (header.e_machine !== ElfMachine.Arm && header.e_machine !== ElfMachine.AArch64) {
    throw new ElfError(`unknown machine ${header.e_machine} (supported: 40 EM_ARM, 183 EM_AARCH64)`, 'e_machine', at('e_machine'));
  }
  if ((header.e_machine === ElfMachine.Arm) !== (width === 32)) {
    throw new ElfError(`machine ${header.e_machine} in an ELF${width} file is not supported`, 'e_machine', at('e_machine'));
  }
  if (header.e_type !== ElfType.Rel && header.e_type !== ElfType.Exec && header.e_type !== ElfType.Dyn) {
    throw new ElfError(`unsupported file type ${header.e_type} (supported: ET_REL, ET_EXEC, ET_DYN)`, 'e_type', at('e_type'));
  }

  const sections = readSections(bytes, header, at('e_shoff'));
  const programHeaders = readProgramHeaders(bytes, header, sections, at('e_phoff'));
  return {
    bytes,
    header,
    programHeaders,
    sections,
    symtab: readSymbolTable(bytes, width, sections, SectionType.SymTab),
    dynsym: readSymbolTable(bytes, width, sections, SectionType.DynSym),
  };
}

/** Check that `count` records of `entsize` bytes at `offset` lie inside the file. */
function checkTable(bytes: Uint8Array, offset: number, count: number, entsize: number, what: string, field: string, fieldAt: number): void {
  const end = offset + count * entsize;
  if (offset > bytes.length || end > bytes.length) {
    throw new ElfError(`${what} (${count} x ${entsize} bytes at ${hex(offset)}) runs past end of file (${bytes.length} bytes)`, field, fieldAt);
  }
}

function readSections(bytes: Uint8Array, header: ElfHeader, shoffAt: number): SectionHeader[] {
  const width = header.width;
  const layout: RecordLayout<SectionHeaderRecord> = width === 32 ? sectionHeader32 : sectionHeader64;
  if (header.e_shoff === 0) return [];
  if (header.e_shentsize !== layout.size) {
    throw new ElfError(`section header size ${header.e_shentsize}, expected ${layout.size}`, 'e_shentsize', shoffAt);
  }
  let count = header.e_shnum;
  let shstrndx = header.e_shstrndx;
  if (count === 0 || shstrndx === SectionIndex.XIndex) {
    // Extended numbering (gABI): the real values live in section header 0.
    const first = layout.read(bytes, header.e_shoff, 'section header 0');
    if (count === 0) count = first.sh_size;
    if (shstrndx === SectionIndex.XIndex) shstrndx = first.sh_link;
  }
  checkTable(bytes, header.e_shoff, count, layout.size, 'section header table', 'e_shoff', shoffAt);

  const raw: (SectionHeaderRecord & { fileOffset: number })[] = [];
  for (let i = 0; i < count; i++) {
    const offset = header.e_shoff + i * layout.size;
    const s = layout.read(bytes, offset, `section header ${i}`);
    if (s.sh_type !== SectionType.NoBits && s.sh_type !== SectionType.Null) {
      if (s.sh_offset + s.sh_size > bytes.length) {
        throw new ElfError(
          `section ${i} (${hex(s.sh_size)} bytes at ${hex(s.sh_offset)}) runs past end of file (${bytes.length} bytes)`,
          'sh_offset',
          offset + layout.fieldOffset('sh_offset'),
        );
      }
    }
    raw.push({ ...s, fileOffset: offset });
  }
  if (count > 0 && shstrndx !== SectionIndex.Undef && shstrndx >= count) {
    throw new ElfError(`section name string table index ${shstrndx} out of range (${count} sections)`, 'e_shstrndx', 0);
  }
  const names = shstrndx !== SectionIndex.Undef && count > 0 ? raw[shstrndx] : undefined;
  return raw.map((s, index) => ({
    ...s,
    index,
    name: names === undefined ? '' : readString(bytes, names, s.sh_name, `name of section ${index}`, s.fileOffset),
  }));
}

function readProgramHeaders(bytes: Uint8Array, header: ElfHeader, sections: readonly SectionHeader[], phoffAt: number): ProgramHeader[] {
  const layout = header.width === 32 ? programHeader32 : programHeader64;
  let count = header.e_phnum;
  if (count === PN_XNUM && sections.length > 0) count = sections[0].sh_info;
  if (count === 0) return [];
  if (header.e_phentsize !== layout.size) {
    throw new ElfError(`program header size ${header.e_phentsize}, expected ${layout.size}`, 'e_phentsize', phoffAt);
  }
  checkTable(bytes, header.e_phoff, count, layout.size, 'program header table', 'e_phoff', phoffAt);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < count; i++) {
    const offset = header.e_phoff + i * layout.size;
    const p = layout.read(bytes, offset, `program header ${i}`);
    out.push({ ...p, index: i, fileOffset: offset });
  }
  return out;
}

/** A NUL-terminated string at `index` inside string-table section `table`. */
export function readString(bytes: Uint8Array, table: SectionHeaderRecord, index: number, what: string, fieldAt: number): string {
  if (table.sh_type !== SectionType.StrTab) {
    throw new ElfError(`${what}: string table section has type ${table.sh_type}, not SHT_STRTAB`, 'sh_link', fieldAt);
  }
  if (index >= table.sh_size) {
    throw new ElfError(`${what}: string table index ${index} out of range (table is ${table.sh_size} bytes)`, 'st_name', fieldAt);
  }
  const start = table.sh_offset + index;
  const end = table.sh_offset + table.sh_size;
  let i = start;
  while (i < end && bytes[i] !== 0) i++;
  if (i === end) throw new ElfError(`${what}: string at index ${index} is not NUL-terminated`, 'st_name', fieldAt);
  let s = '';
  for (let k = start; k < i; k++) s += String.fromCharCode(bytes[k]);
  return s;
}

function readSymbolTable(bytes: Uint8Array, width: ElfWidth, sections: readonly SectionHeader[], type: number): SymbolTable | undefined {
  const section = sections.find((s) => s.sh_type === type);
  if (section === undefined) return undefined;
  const layout = width === 32 ? symbol32 : symbol64;
  const what = section.name || `section ${section.index}`;
  if (section.sh_entsize !== layout.size) {
    throw new ElfError(`${what}: symbol entry size ${section.sh_entsize}, expected ${layout.size}`, 'sh_entsize', section.fileOffset);
  }
  if (section.sh_link >= sections.length) {
    throw new ElfError(`${what}: string table index ${section.sh_link} out of range (${sections.length} sections)`, 'sh_link', section.fileOffset);
  }
  const strtab = sections[section.sh_link];
  const count = Math.floor(section.sh_size / layout.size);
  const symbols: ElfSymbolEntry[] = [];
  for (let i = 0; i < count; i++) {
    const offset = section.sh_offset + i * layout.size;
    const s = layout.read(bytes, offset, `${what} entry ${i}`);
    symbols.push({
      index: i,
      name: s.st_name === 0 ? '' : readString(bytes, strtab, s.st_name, `${what} entry ${i}`, offset),
      value: s.st_value,
      size: s.st_size,
      type: s.st_info & 0xf,
      binding: s.st_info >>> 4,
      shndx: s.st_shndx,
      fileOffset: offset,
    });
  }
  return { section, symbols };
}
