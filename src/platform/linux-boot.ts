/**
 * Linux boot protocols on the virt board, as QEMU's `-kernel` implements them:
 * - A32 zImage (Documentation/arch/arm/booting.rst): loaded at RAM + 0x1_0000 (QEMU's
 *   KERNEL_LOAD_ADDR), entered in SVC mode with IRQs and FIQs masked, MMU and caches off,
 *   r0 = 0, r1 = 0xffffffff (no machine number: a device tree), r2 = the DTB's address. The
 *   decompressor runs in the guest.
 * - A32 Image (the zImage's payload, unpacked on the host): placed where the decompressor would
 *   put it, RAM + (link address - PAGE_OFFSET), and entered there the same way.
 * - arm64 Image (Documentation/arch/arm64/booting.rst): header text_offset at +8, image_size at
 *   +16 (0: an old kernel, text_offset 0x80000); loaded at a 2 MiB aligned base + text_offset,
 *   entered at EL1h with DAIF masked, x0 = the DTB's address, x1-x3 = 0.
 * The DTB goes 128 MiB into RAM (booting.rst's "safe location" above the decompressor's reach),
 * or in the top 2 MiB of a smaller RAM.
 */
import { LinuxKernelError } from '../linux/errors';
import { arm64Symbolizer } from '../linux/arm64-symbols';
import { KernelSymbolizer } from '../linux/kernel-symbolizer';
import { recoverKernelSymbols, type RecoveredSymbols } from '../linux/recover-symbols';
import { unpackKernelCached } from '../linux/unpacked-kernel-cache';
import { readZImageHeader } from '../linux/zimage';
import { VIRT_RAM_BASE } from './virt-memory-map';

export type KernelKind = 'zImage' | 'Image (A32)' | 'Image (arm64)';

export interface KernelPlacement {
  readonly kind: KernelKind;
  readonly isa: 'a32' | 'a64';
  /** Guest physical address the bytes go to, and the entry point. */
  readonly loadAddress: number;
  readonly entry: number;
  readonly bytes: Uint8Array;
  /** Names the kernel's code (kernels whose kallsyms could be read and placed), for traces. */
  readonly symbolizer?: KernelSymbolizer;
}

export interface PlaceKernelOptions {
  /** Boot a zImage's payload, unpacked on the host, instead of running its decompressor. */
  readonly unpack?: boolean;
  /** Link address of an A32 Image (its `_text`); by default read from the kernel's kallsyms. */
  readonly a32ImageLink?: number;
  /** Name the code of a zImage booted through its decompressor too (unpacks it on the host). */
  readonly symbols?: boolean;
  /** Keep the unpacked zImage and its symbols in the user cache directory (src/linux/unpacked-kernel-cache.ts). */
  readonly cache?: boolean;
}

const RAM = VIRT_RAM_BASE;
/** QEMU hw/arm/boot.c: a 32-bit kernel is loaded 64 KiB into RAM. */
const ZIMAGE_OFFSET = 0x1_0000;
/** The A32 kernel's virtual base for the Image's link address (CONFIG_PAGE_OFFSET 3G/1G split). */
const A32_PAGE_OFFSET = 0xc000_0000;
const ARM64_MAGIC = 0x644d_5241; // "ARM\x64" at +0x38

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/**
 * Where and how to load `bytes`: a zImage (run its decompressor, or with `unpack` unpack it on
 * the host and boot the Image), or an arm64 Image. An A32 Image is placed for its link address,
 * taken from `a32ImageLink` or else from its kallsyms (`_text`, or where its branches land).
 */
export async function placeKernel(bytes: Uint8Array, options: PlaceKernelOptions = {}): Promise<KernelPlacement> {
  if (bytes.length >= 0x40 && u32(bytes, 0x38) === ARM64_MAGIC) {
    const textOffset = u32(bytes, 8) + u32(bytes, 12) * 2 ** 32;
    const imageSize = u32(bytes, 16) + u32(bytes, 20) * 2 ** 32;
    const offset = imageSize === 0 ? 0x8_0000 : textOffset;
    if (offset % 4096 !== 0 || offset >= 2 ** 30) throw new LinuxKernelError(`arm64 Image header: text_offset 0x${offset.toString(16)} is not a page offset below 1 GiB`);
    return { kind: 'Image (arm64)', isa: 'a64', loadAddress: RAM + offset, entry: RAM + offset, bytes, symbolizer: arm64Symbolizer(bytes, RAM + offset) };
  }
  if (readZImageHeader(bytes) !== undefined) {
    if (!options.unpack && !options.symbols) return { kind: 'zImage', isa: 'a32', loadAddress: RAM + ZIMAGE_OFFSET, entry: RAM + ZIMAGE_OFFSET, bytes };
    const k = await unpackKernelCached(bytes, { cache: options.cache === true });
    const recovered = k.kallsyms instanceof Error ? k.kallsyms : k.link instanceof Error ? k.link : { ...k.kallsyms, text: k.link };
    const image = placeA32Image(k.unpacked.image, options.a32ImageLink, recovered);
    // The decompressor puts the Image where placeA32Image does; the zImage itself boots at its own address.
    return options.unpack ? image : { ...image, kind: 'zImage', loadAddress: RAM + ZIMAGE_OFFSET, entry: RAM + ZIMAGE_OFFSET, bytes };
  }
  if (options.a32ImageLink !== undefined) return placeA32Image(bytes, options.a32ImageLink);
  try {
    return placeA32Image(bytes, undefined);
  } catch (e) {
    throw new LinuxKernelError(`not a Linux kernel setway can boot: no zImage magic (0x016f2818 at +0x24), no arm64 Image magic ("ARM\\x64" at +0x38), and not an A32 Image with kallsyms (${(e as Error).message})`);
  }
}

/**
 * An A32 Image at RAM + (link address - PAGE_OFFSET), named by its kallsyms where they can be read
 * (`known`: already recovered, or the error recovering them gave).
 */
function placeA32Image(image: Uint8Array, link: number | undefined, known?: RecoveredSymbols | Error): KernelPlacement {
  let recovered: RecoveredSymbols | undefined;
  let why = '';
  try {
    if (known instanceof Error) throw known;
    recovered = known ?? recoverKernelSymbols(image);
  } catch (e) {
    why = (e as Error).message;
  }
  const linkAddress = link ?? recovered?.text.address;
  if (linkAddress === undefined) throw new LinuxKernelError(`cannot tell where this A32 Image is linked to run: ${why}; give its _text address (--image-link)`);
  const at = RAM + ((linkAddress - A32_PAGE_OFFSET) >>> 0);
  const symbolizer = recovered === undefined ? undefined : new KernelSymbolizer(recovered.symbols, linkAddress, at, image.length);
  return { kind: 'Image (A32)', isa: 'a32', loadAddress: at, entry: at, bytes: image, symbolizer };
}

/** Where the DTB goes for `ramBytes` of RAM (8-byte aligned, clear of the kernel). */
export function dtbAddress(ramBytes: number, dtbBytes: number): number {
  const mib = 2 ** 20;
  if (dtbBytes > 2 * mib) throw new LinuxKernelError(`device tree of ${dtbBytes} bytes is larger than the 2 MiB the boot protocols allow`);
  return ramBytes > 130 * mib ? RAM + 128 * mib : RAM + ramBytes - 2 * mib;
}
