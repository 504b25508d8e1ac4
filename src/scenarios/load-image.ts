/**
 * Any guest image a user hands us: an ELF (vmlinux, U-Boot, a .o from llvm-mc), a Linux ARM
 * zImage or raw Image (symbols from kallsyms or a System.map), or a raw binary with a load
 * address and instruction set.
 */
import { readFileSync } from 'node:fs';
import { loadElf, loadRaw } from '../rom';
import type { LoadedImage } from '../rom/loaded-image';
import { ElfError } from '../rom';
import { loadLinuxKernel, readZImageHeader } from '../linux';

export interface ImageOptions {
  /** Load address: where a raw binary or a relocatable object goes. */
  readonly load?: number;
  readonly isa?: 'a32' | 't32' | 'a64';
  readonly systemMap?: string;
  /** Keep an unpacked zImage in the user cache directory (LinuxLoadOptions.cache). */
  readonly cache?: boolean;
}

const ELF_MAGIC = 0x464c457f;
/** "ARM\x64" at offset 0x38 of an arm64 Image; the ARM zImage magic 0x016F2818 at 0x24. */
const ARM64_IMAGE_MAGIC = 0x644d5241;

export async function loadGuestImage(path: string, options: ImageOptions = {}): Promise<LoadedImage> {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 4 && view.getUint32(0, true) === ELF_MAGIC) {
    return loadElf(bytes, options.load === undefined ? {} : { loadAddress: options.load });
  }
  const isKernel = readZImageHeader(bytes) !== undefined || options.systemMap !== undefined;
  if (isKernel) {
    return loadLinuxKernel(bytes, { cache: options.cache, ...(options.systemMap === undefined ? {} : { systemMap: readFileSync(options.systemMap, 'utf8') }) });
  }
  if (bytes.length >= 0x40 && view.getUint32(0x38, true) === ARM64_IMAGE_MAGIC && options.load === undefined) {
    throw new ElfError(`${path}: an arm64 kernel Image; give --load ADDR and --isa a64 to run it as a raw binary`, 'magic', 0x38);
  }
  if (options.load === undefined || options.isa === undefined) {
    throw new ElfError(`${path}: not an ELF file or ARM zImage; a raw binary needs --load ADDR and --isa a32|t32|a64`, 'e_ident', 0);
  }
  return loadRaw(bytes, { address: options.load, isa: options.isa });
}
