/**
 * Load a Linux kernel as the ROM loader's LoadedImage: an ARM zImage (decompressed here), a raw
 * Image, or an ELF vmlinux (handed to src/rom). The Image is placed at its link address (`_text`);
 * symbols come from System.map when one is given and real, else from the Image's own kallsyms.
 */
import { loadElf } from '../rom/load-elf';
import { LoadedImage, type ImageSymbol, type SymbolKind } from '../rom/loaded-image';
import { LinuxKernelError } from './errors';
import { readKallsyms, type KallsymsLayout, type KallsymsSymbol } from './kallsyms';
import { findLinkAddress } from './link-address';
import { parseSystemMap } from './system-map';
import { unpackKernelCached, type UnpackedKernel } from './unpacked-kernel-cache';
import { readZImageHeader, type ZImageCompression } from './zimage';

export interface LinuxLoadOptions {
  /** Text of a System.map; a stub (as distributions ship) is noted and kallsyms used instead. */
  readonly systemMap?: string;
  /** Link address of Image offset 0, overriding what `_text` or the code say. */
  readonly textAddress?: number;
  /**
   * Keep a zImage's unpacked Image, kallsyms and link address in the user cache directory, by the
   * zImage's sha256 (src/linux/unpacked-kernel-cache.ts). The CLI does, unless --no-cache.
   */
  readonly cache?: boolean;
}

export interface LinuxKernelInfo {
  readonly container: 'zImage' | 'Image' | 'elf';
  readonly compression?: ZImageCompression;
  /** XZ filter chain of a zImage payload, e.g. ['BCJ ARM', 'LZMA2']. */
  readonly filters?: readonly string[];
  /** Where the payload sits in the zImage file. */
  readonly payloadOffset?: number;
  readonly imageBytes: number;
  readonly symbolSource: 'system-map' | 'kallsyms' | 'elf';
  /** Why a System.map that was given was not used. */
  readonly systemMapIgnored?: string;
  readonly textAddress: number;
  readonly textAddressSource: 'option' | 'symbol _text' | 'branch targets' | 'elf';
  readonly kallsyms?: KallsymsLayout;
}

/** A LoadedImage that also says how the kernel was unpacked and where its symbols came from. */
export class LinuxKernelImage extends LoadedImage {
  constructor(image: Pick<LoadedImage, 'format' | 'isa' | 'entry' | 'segments' | 'symbols' | 'regions'>, readonly linux: LinuxKernelInfo) {
    super(image.format, image.isa, image.entry, image.segments, image.symbols, image.regions);
  }
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
/** arm64 Image header: "ARM\x64" at offset 0x38 (Documentation/arch/arm64/booting.rst). */
const ARM64_MAGIC_AT = 0x38;
const ARM64_MAGIC = [0x41, 0x52, 0x4d, 0x64];

export async function loadLinuxKernel(bytes: Uint8Array, options: LinuxLoadOptions = {}): Promise<LinuxKernelImage> {
  if (startsWith(bytes, 0, ELF_MAGIC)) {
    const elf = loadElf(bytes);
    const text = elf.lookupSymbol('_text');
    return new LinuxKernelImage(elf, {
      container: 'elf',
      imageBytes: elf.segments.reduce((n, s) => n + s.bytes.length, 0),
      symbolSource: 'elf',
      textAddress: text?.address ?? elf.entry,
      textAddressSource: 'elf',
    });
  }
  if (startsWith(bytes, ARM64_MAGIC_AT, ARM64_MAGIC)) throw new LinuxKernelError('arm64 kernel Images are not supported: the Linux loader handles 32-bit Arm kernels');

  let image = bytes;
  let unpacked: Partial<LinuxKernelInfo> = { container: 'Image' };
  // A zImage comes with its kallsyms and link address read (from the cache when there is an entry).
  let known: UnpackedKernel | undefined;
  if (readZImageHeader(bytes) !== undefined) {
    known = await unpackKernelCached(bytes, { cache: options.cache === true });
    const z = known.unpacked;
    image = z.image;
    unpacked = { container: 'zImage', compression: z.compression, filters: z.filters, payloadOffset: z.payloadOffset };
  }

  let systemMapIgnored: string | undefined;
  let mapSymbols: readonly KallsymsSymbol[] | undefined;
  if (options.systemMap !== undefined) {
    const map = parseSystemMap(options.systemMap);
    if (map.kind === 'stub') systemMapIgnored = map.reason;
    else mapSymbols = map.symbols;
  }

  // kallsyms is read even with a real System.map, to check that the map belongs to this kernel.
  let kallsyms: ReturnType<typeof readKallsyms> | undefined;
  let kallsymsProblem: unknown;
  try {
    if (known?.kallsyms instanceof Error) throw known.kallsyms;
    kallsyms = known?.kallsyms ?? readKallsyms(image);
  } catch (e) {
    kallsymsProblem = e;
  }
  if (mapSymbols === undefined && kallsyms === undefined) {
    const why = kallsymsProblem instanceof Error ? kallsymsProblem.message : String(kallsymsProblem);
    const what = unpacked.container === 'zImage' ? 'the decompressed zImage' : 'these bytes (not ELF, not a zImage)';
    throw new LinuxKernelError(`no symbols for ${what}: ${systemMapIgnored ?? 'no System.map given'}, and kallsyms: ${why}`);
  }
  if (mapSymbols !== undefined && kallsyms !== undefined) checkMapMatches(mapSymbols, kallsyms.symbols);

  const symbols = mapSymbols ?? kallsyms!.symbols;
  let textAddress: number;
  let textAddressSource: LinuxKernelInfo['textAddressSource'];
  if (options.textAddress !== undefined) {
    textAddress = options.textAddress >>> 0;
    textAddressSource = 'option';
  } else {
    const fromKallsyms = known !== undefined && mapSymbols === undefined ? known.link : undefined;
    if (fromKallsyms instanceof Error) throw fromKallsyms;
    const link = fromKallsyms ?? findLinkAddress(image, symbols);
    textAddress = link.address;
    textAddressSource = link.source;
  }

  // A decompressed Image is ours; raw input bytes are the caller's, so they are copied.
  const segmentBytes = image === bytes ? bytes.slice() : image;
  const segment = { address: textAddress, virtualAddress: textAddress, bytes: segmentBytes, flags: { read: true, write: true, execute: true }, name: 'Image' };
  const regions = image.length > 0 ? [{ start: textAddress, end: textAddress + image.length, kind: 'a32' as const }] : [];
  // Not a LoadedImage first: each indexes its symbols by name (45,000 in Debian's kernel).
  const loaded = { format: 'raw', isa: 'a32', entry: textAddress, segments: [segment], symbols: toImageSymbols(symbols), regions } as const;
  return new LinuxKernelImage(loaded, {
    ...unpacked,
    container: unpacked.container ?? 'Image',
    imageBytes: image.length,
    symbolSource: mapSymbols !== undefined ? 'system-map' : 'kallsyms',
    systemMapIgnored,
    textAddress,
    textAddressSource,
    kallsyms: kallsyms?.layout,
  });
}

function startsWith(bytes: Uint8Array, at: number, pattern: readonly number[]): boolean {
  return at + pattern.length <= bytes.length && pattern.every((b, i) => bytes[at + i] === b);
}

/** A real System.map of another build would silently misplace every routine: refuse it. */
function checkMapMatches(map: readonly KallsymsSymbol[], kallsyms: readonly KallsymsSymbol[]): void {
  const byName = new Map(map.map((s) => [s.name, s.address]));
  let compared = 0;
  let differing = 0;
  let example = '';
  for (const s of kallsyms) {
    if (s.type !== 'T' || compared >= 200) continue;
    const address = byName.get(s.name);
    if (address === undefined) continue;
    compared++;
    if (address !== s.address) {
      differing++;
      if (example === '') example = `${s.name} is 0x${address.toString(16)} in System.map but 0x${s.address.toString(16)} in kallsyms`;
    }
  }
  if (compared > 0 && differing * 10 > compared) {
    throw new LinuxKernelError(`System.map does not belong to this kernel: ${differing} of ${compared} global functions differ (${example})`);
  }
}

const FUNCTION_TYPES = new Set(['T', 't', 'W', 'w']);
const OBJECT_TYPES = new Set(['D', 'd', 'B', 'b', 'R', 'r', 'G', 'g', 'S', 's', 'V', 'v']);

/** nm types to the loader's symbols; sizes run to the next higher address (kallsyms has none). */
export function toImageSymbols(symbols: readonly KallsymsSymbol[]): ImageSymbol[] {
  const sorted = [...symbols].sort((a, b) => a.address - b.address);
  const out: ImageSymbol[] = [];
  let next = 0;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i];
    if (next <= i) {
      next = i + 1;
      while (next < sorted.length && sorted[next].address === s.address) next++;
    }
    const size = next < sorted.length ? sorted[next].address - s.address : 0;
    const kind: SymbolKind = FUNCTION_TYPES.has(s.type) ? 'function' : OBJECT_TYPES.has(s.type) ? 'object' : 'other';
    out.push({ name: s.name, address: s.address, size, isa: 'a32', kind, global: s.type !== s.type.toLowerCase() });
  }
  return out;
}
