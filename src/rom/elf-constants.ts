/**
 * ELF constants the loader needs: the generic ABI (System V gABI, "ELF header", "Sections",
 * "Symbol Table", "Program Header") plus the Arm processor supplements (ELF for the Arm
 * Architecture, AAELF32; ELF for the Arm 64-bit Architecture, AAELF64).
 */

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"

/** e_ident[EI_CLASS]. */
export const ElfClass = { Elf32: 1, Elf64: 2 } as const;
/** e_ident[EI_DATA]. */
export const ElfData = { LittleEndian: 1, BigEndian: 2 } as const;
export const EV_CURRENT = 1;

/** e_type. */
export const ElfType = { Rel: 1, Exec: 2, Dyn: 3, Core: 4 } as const;

/** e_machine. */
export const ElfMachine = { Arm: 40, AArch64: 183 } as const;

/** sh_type. */
export const SectionType = {
  Null: 0,
  ProgBits: 1,
  SymTab: 2,
  StrTab: 3,
  Rela: 4,
  NoBits: 8,
  Rel: 9,
  DynSym: 11,
} as const;

/** sh_flags. */
export const SectionFlag = { Write: 0x1, Alloc: 0x2, ExecInstr: 0x4 } as const;

/** Reserved section indices (st_shndx, e_shstrndx). */
export const SectionIndex = { Undef: 0, LoReserve: 0xff00, Abs: 0xfff1, Common: 0xfff2, XIndex: 0xffff } as const;

/** p_type and p_flags. */
export const SegmentType = { Load: 1 } as const;
export const SegmentFlag = { X: 0x1, W: 0x2, R: 0x4 } as const;
/** e_phnum value meaning "the real count is in section header 0's sh_info". */
export const PN_XNUM = 0xffff;

/** ELFxx_ST_TYPE(st_info) and ELFxx_ST_BIND(st_info). */
export const SymbolType = { NoType: 0, Object: 1, Func: 2, Section: 3, File: 4, Common: 5, Tls: 6 } as const;
export const SymbolBinding = { Local: 0, Global: 1, Weak: 2 } as const;

/** Sizes of the fixed-layout records, by class. */
export const RecordSize = {
  ehdr: { 32: 52, 64: 64 },
  phdr: { 32: 32, 64: 56 },
  shdr: { 32: 40, 64: 64 },
  sym: { 32: 16, 64: 24 },
  rel: { 32: 8, 64: 16 },
  rela: { 32: 12, 64: 24 },
} as const;
