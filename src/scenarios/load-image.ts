/**
 * Any guest image a user hands us: an ELF (vmlinux, U-Boot, a .o from llvm-mc), a Linux ARM
 * zImage or raw Image (symbols from kallsyms or a System.map), or a raw binary with a load
 * address and instruction set.
 */
import { readFileSync, statSync } from 'node:fs';
import { loadElf, loadRaw } from '../rom';
import type { LoadedImage } from '../rom/loaded-image';
import { ElfError } from '../rom';
import { loadLinuxKernel, readZImageHeader } from '../linux';
import { ImageError, ImageOptionError } from './image-error';

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

/** Node reads no file above 2 GiB into one buffer; no guest image of setway's comes near it. */
const MAX_IMAGE_BYTES = 2 ** 31 - 1;

/**
 * The bytes of a regular, non-empty file of at most 2 GiB, or an ImageError saying why not
 * (a device such as /dev/zero would never end; an empty image would run zeros).
 */
export function readImageFile(path: string, what = 'image'): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ImageError(`${what} ${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size === 0) throw new ImageError(`${what} ${path} is empty`);
  if (size > MAX_IMAGE_BYTES) throw new ImageError(`${what} ${path} is ${size} bytes, larger than any guest RAM setway loads an image into (2 GiB)`);
  return new Uint8Array(readFileSync(path));
}

/** An ELF or kernel knows its own instruction set; a different --isa would be silently ignored. */
function checkIsa(path: string, image: LoadedImage, isa: ImageOptions['isa']): LoadedImage {
  if (isa !== undefined && isa !== image.isa) throw new ImageOptionError(`--isa ${isa} contradicts ${path}, an ${image.isa.toUpperCase()} image`);
  return image;
}

export async function loadGuestImage(path: string, options: ImageOptions = {}): Promise<LoadedImage> {
  const bytes = readImageFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 4 && view.getUint32(0, true) === ELF_MAGIC) {
    if (options.systemMap !== undefined) throw new ImageOptionError(`--system-map is for a zImage or raw kernel Image; ${path} is an ELF file with its own symbols`);
    return checkIsa(path, loadElf(bytes, options.load === undefined ? {} : { loadAddress: options.load }), options.isa);
  }
  const isKernel = readZImageHeader(bytes) !== undefined || options.systemMap !== undefined;
  if (isKernel) {
    const systemMap = options.systemMap === undefined ? {} : { systemMap: new TextDecoder().decode(readImageFile(options.systemMap, 'System.map')) };
    return checkIsa(path, await loadLinuxKernel(bytes, { cache: options.cache, ...systemMap }), options.isa);
  }
  if (bytes.length >= 0x40 && view.getUint32(0x38, true) === ARM64_IMAGE_MAGIC && options.load === undefined) {
    throw new ElfError(`${path}: an arm64 kernel Image; give --load ADDR and --isa a64 to run it as a raw binary`, 'magic', 0x38);
  }
  if (options.load === undefined || options.isa === undefined) {
    throw new ElfError(`${path}: not an ELF file or ARM zImage; a raw binary needs --load ADDR and --isa a32|t32|a64`, 'e_ident', 0);
  }
  return loadRaw(bytes, { address: options.load, isa: options.isa });
}
