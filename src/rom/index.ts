/** The ROM loader: ELF32/ELF64 (EM_ARM, EM_AARCH64) executables and relocatable objects, and raw binaries. */
export { ElfError } from './elf-error';
export { parseElf, type ElfFile, type ElfHeader, type ProgramHeader, type SectionHeader, type ElfSymbolEntry } from './elf-file';
export { loadElf, relocationName, type ElfLoadOptions } from './load-elf';
export { loadRaw, type RawLoadOptions } from './load-raw';
export {
  LoadedImage,
  loadInto,
  type ImageFormat,
  type ImageSegment,
  type ImageSymbol,
  type Isa,
  type IsaRegion,
  type RegionKind,
  type SegmentFlags,
  type SymbolKind,
} from './loaded-image';
