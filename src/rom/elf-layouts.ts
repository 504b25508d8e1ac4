/**
 * Fixed-layout ELF records (gABI "ELF Header", "Program Header", "Sections", "Symbol Table",
 * "Relocation"), little-endian, read with binary-parser.
 *
 * 64-bit fields are read as two 32-bit halves and joined into a plain number, so no BigInt leaks
 * out: sizes and offsets must be below 2^53 (an ElfError otherwise); addresses keep the project's
 * convention of a signed value (0xFFFF_xxxx_xxxx_xxxx is a small negative number).
 */
import { Parser } from 'binary-parser';
import { ElfError, hex } from './elf-error';

/**
 * u64: an unsigned size or offset. addr64: an address, signed. i64: a signed addend.
 * value64: a symbol value, which may be any constant: NaN when it is beyond +-2^53.
 */
type FieldKind = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'addr64' | 'i64' | 'value64';

interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
}

export interface RecordLayout<T> {
  /** Bytes the record occupies. */
  readonly size: number;
  /** Offset of a field inside the record, for error positions. */
  fieldOffset(name: keyof T & string): number;
  /** Read the record at `offset`; `what` names it in errors ("section header 7"). */
  read(bytes: Uint8Array, offset: number, what: string): T;
}

const TWO_32 = 2 ** 32;
const HI_LIMIT_UNSIGNED = 2 ** 21; // hi * 2^32 stays below 2^53

function defineLayout<T>(fields: readonly FieldSpec[]): RecordLayout<T> {
  let parser = new Parser().endianness('little');
  const offsets = new Map<string, number>();
  let size = 0;
  for (const f of fields) {
    offsets.set(f.name, size);
    switch (f.kind) {
      case 'u8':
        parser = parser.uint8(f.name);
        size += 1;
        break;
      case 'u16':
        parser = parser.uint16(f.name);
        size += 2;
        break;
      case 'u32':
        parser = parser.uint32(f.name);
        size += 4;
        break;
      case 'i32':
        parser = parser.int32(f.name);
        size += 4;
        break;
      default:
        parser = parser.uint32(`${f.name}_lo`).uint32(`${f.name}_hi`);
        size += 8;
    }
  }
  const recordSize = size;
  return {
    size: recordSize,
    fieldOffset(name) {
      return offsets.get(name) ?? 0;
    },
    read(bytes, offset, what) {
      if (offset < 0 || offset + recordSize > bytes.length) {
        throw new ElfError(`${what} runs past end of file (${recordSize} bytes at ${hex(offset)}, file is ${bytes.length} bytes)`, what, offset);
      }
      const raw = parser.parse(bytes.subarray(offset, offset + recordSize)) as Record<string, number>;
      const out: Record<string, number> = {};
      for (const f of fields) {
        if (f.kind === 'u8' || f.kind === 'u16' || f.kind === 'u32' || f.kind === 'i32') {
          out[f.name] = raw[f.name];
          continue;
        }
        const lo = raw[`${f.name}_lo`];
        const hi = raw[`${f.name}_hi`];
        const at = offset + (offsets.get(f.name) ?? 0);
        if (f.kind === 'u64') {
          if (hi >= HI_LIMIT_UNSIGNED) {
            throw new ElfError(`${what}: ${f.name} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`, f.name, at);
          }
          out[f.name] = hi * TWO_32 + lo;
        } else {
          // Signed: the value must lie within +-2^53.
          const signedHi = hi | 0;
          if (f.kind === 'value64') {
            out[f.name] = signedHi >= HI_LIMIT_UNSIGNED || signedHi < -HI_LIMIT_UNSIGNED ? NaN : signedHi * TWO_32 + lo;
            continue;
          }
          if (signedHi >= HI_LIMIT_UNSIGNED || signedHi < -HI_LIMIT_UNSIGNED) {
            throw new ElfError(`${what}: ${f.name} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is not representable`, f.name, at);
          }
          out[f.name] = signedHi * TWO_32 + lo;
        }
      }
      return out as T;
    },
  };
}

/** The ELF header after e_ident, with class-specific widths (gABI "ELF Header"). */
export interface FileHeaderRecord {
  e_type: number;
  e_machine: number;
  e_version: number;
  e_entry: number;
  e_phoff: number;
  e_shoff: number;
  e_flags: number;
  e_ehsize: number;
  e_phentsize: number;
  e_phnum: number;
  e_shentsize: number;
  e_shnum: number;
  e_shstrndx: number;
}

export interface ProgramHeaderRecord {
  p_type: number;
  p_flags: number;
  p_offset: number;
  p_vaddr: number;
  p_paddr: number;
  p_filesz: number;
  p_memsz: number;
  p_align: number;
}

export interface SectionHeaderRecord {
  sh_name: number;
  sh_type: number;
  sh_flags: number;
  sh_addr: number;
  sh_offset: number;
  sh_size: number;
  sh_link: number;
  sh_info: number;
  sh_addralign: number;
  sh_entsize: number;
}

export interface SymbolRecord {
  st_name: number;
  st_value: number;
  st_size: number;
  st_info: number;
  st_other: number;
  st_shndx: number;
}

/** r_info is split into symbol and type by the caller (ELF32: sym = info >> 8; ELF64: sym = info >> 32). */
export interface RelocationRecord {
  r_offset: number;
  r_info_sym: number;
  r_info_type: number;
  r_addend: number;
}

const u = (name: string, kind: FieldKind): FieldSpec => ({ name, kind });

const ident = [u('ei_0_3', 'u32'), u('ei_4_7', 'u32'), u('ei_8_11', 'u32'), u('ei_12_15', 'u32')];

export const fileHeader32 = defineLayout<FileHeaderRecord>([
  ...ident,
  u('e_type', 'u16'),
  u('e_machine', 'u16'),
  u('e_version', 'u32'),
  u('e_entry', 'u32'),
  u('e_phoff', 'u32'),
  u('e_shoff', 'u32'),
  u('e_flags', 'u32'),
  u('e_ehsize', 'u16'),
  u('e_phentsize', 'u16'),
  u('e_phnum', 'u16'),
  u('e_shentsize', 'u16'),
  u('e_shnum', 'u16'),
  u('e_shstrndx', 'u16'),
]);

export const fileHeader64 = defineLayout<FileHeaderRecord>([
  ...ident,
  u('e_type', 'u16'),
  u('e_machine', 'u16'),
  u('e_version', 'u32'),
  u('e_entry', 'addr64'),
  u('e_phoff', 'u64'),
  u('e_shoff', 'u64'),
  u('e_flags', 'u32'),
  u('e_ehsize', 'u16'),
  u('e_phentsize', 'u16'),
  u('e_phnum', 'u16'),
  u('e_shentsize', 'u16'),
  u('e_shnum', 'u16'),
  u('e_shstrndx', 'u16'),
]);

export const programHeader32 = defineLayout<ProgramHeaderRecord>([
  u('p_type', 'u32'),
  u('p_offset', 'u32'),
  u('p_vaddr', 'u32'),
  u('p_paddr', 'u32'),
  u('p_filesz', 'u32'),
  u('p_memsz', 'u32'),
  u('p_flags', 'u32'),
  u('p_align', 'u32'),
]);

export const programHeader64 = defineLayout<ProgramHeaderRecord>([
  u('p_type', 'u32'),
  u('p_flags', 'u32'),
  u('p_offset', 'u64'),
  u('p_vaddr', 'addr64'),
  u('p_paddr', 'addr64'),
  u('p_filesz', 'u64'),
  u('p_memsz', 'u64'),
  u('p_align', 'u64'),
]);

export const sectionHeader32 = defineLayout<SectionHeaderRecord>([
  u('sh_name', 'u32'),
  u('sh_type', 'u32'),
  u('sh_flags', 'u32'),
  u('sh_addr', 'u32'),
  u('sh_offset', 'u32'),
  u('sh_size', 'u32'),
  u('sh_link', 'u32'),
  u('sh_info', 'u32'),
  u('sh_addralign', 'u32'),
  u('sh_entsize', 'u32'),
]);

export const sectionHeader64 = defineLayout<SectionHeaderRecord>([
  u('sh_name', 'u32'),
  u('sh_type', 'u32'),
  u('sh_flags', 'u64'),
  u('sh_addr', 'addr64'),
  u('sh_offset', 'u64'),
  u('sh_size', 'u64'),
  u('sh_link', 'u32'),
  u('sh_info', 'u32'),
  u('sh_addralign', 'u64'),
  u('sh_entsize', 'u64'),
]);

export const symbol32 = defineLayout<SymbolRecord>([
  u('st_name', 'u32'),
  u('st_value', 'u32'),
  u('st_size', 'u32'),
  u('st_info', 'u8'),
  u('st_other', 'u8'),
  u('st_shndx', 'u16'),
]);

export const symbol64 = defineLayout<SymbolRecord>([
  u('st_name', 'u32'),
  u('st_info', 'u8'),
  u('st_other', 'u8'),
  u('st_shndx', 'u16'),
  u('st_value', 'value64'),
  u('st_size', 'value64'),
]);

/** ELF32 r_info: symbol in bits [31:8], type in bits [7:0]. Read as one u32 and split here. */
interface Rel32Raw {
  r_offset: number;
  r_info: number;
  r_addend: number;
}
const rel32Raw = defineLayout<Rel32Raw>([u('r_offset', 'u32'), u('r_info', 'u32')]);
const rela32Raw = defineLayout<Rel32Raw>([u('r_offset', 'u32'), u('r_info', 'u32'), u('r_addend', 'i32')]);

/** ELF64 r_info: symbol in bits [63:32] (r_info_sym), type in bits [31:0] (r_info_type). */
const rel64 = defineLayout<RelocationRecord>([u('r_offset', 'u64'), u('r_info_type', 'u32'), u('r_info_sym', 'u32')]);
const rela64 = defineLayout<RelocationRecord>([u('r_offset', 'u64'), u('r_info_type', 'u32'), u('r_info_sym', 'u32'), u('r_addend', 'i64')]);

export interface RelocationLayout {
  readonly size: number;
  read(bytes: Uint8Array, offset: number, what: string): RelocationRecord;
}

function split32(layout: RecordLayout<Rel32Raw>): RelocationLayout {
  return {
    size: layout.size,
    read(bytes, offset, what) {
      const r = layout.read(bytes, offset, what);
      return { r_offset: r.r_offset, r_info_sym: r.r_info >>> 8, r_info_type: r.r_info & 0xff, r_addend: r.r_addend ?? 0 };
    },
  };
}

function withZeroAddend(layout: RecordLayout<RelocationRecord>): RelocationLayout {
  return {
    size: layout.size,
    read(bytes, offset, what) {
      const r = layout.read(bytes, offset, what);
      return { ...r, r_addend: r.r_addend ?? 0 };
    },
  };
}

export const relocationLayouts = {
  32: { rel: split32(rel32Raw), rela: split32(rela32Raw) },
  64: { rel: withZeroAddend(rel64), rela: withZeroAddend(rela64) },
} as const;
