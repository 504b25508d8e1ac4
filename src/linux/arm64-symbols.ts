/**
 * Names the code of an arm64 Image from its own kallsyms. Two facts place the symbols:
 *  - the Image header's first or second word is `b primary_entry` (`b stext` before 5.8;
 *    Documentation/arch/arm64/booting.rst: code0/code1), which gives primary_entry's offset in
 *    the file, so every symbol's file offset (kallsyms counts from its lowest symbol, _stext,
 *    which is not the start of the file);
 *  - the link address of the file's start: the kallsyms base when the Image carries it, else
 *    (a relocatable Image ships the base as 0 and fills it in at boot) KIMAGE_VADDR, whose low
 *    32 bits are 0x0800_0000 on 6.x kernels with any VA size (MODULES_END: the modules area's
 *    128 MiB above the start of the kernel's half; no KASLR without a seed in the DTB).
 * PCs are compared by their low 32 bits (KernelSymbolizer), with the MMU on or off.
 */
import { KallsymsError } from './errors';
import { readKallsyms, type Kallsyms } from './kallsyms';
import { KernelSymbolizer } from './kernel-symbolizer';

/** Low 32 bits of KIMAGE_VADDR on Linux 6.x (0xffff_8000_0800_0000 with 48-bit VAs). */
export const ARM64_KIMAGE_LOW = 0x0800_0000;

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** The file offset a `B` at `at` jumps to, or undefined if the word is not B (C6.2.26). */
function branchTarget(image: Uint8Array, at: number): number | undefined {
  const word = u32(image, at);
  if (word >>> 26 !== 0b000101) return undefined;
  return at + (((word & 0x3ff_ffff) << 6) >> 4);
}

/** A symbolizer for an arm64 Image loaded at `physicalAddress`, or undefined when it cannot be placed. */
export function arm64Symbolizer(image: Uint8Array, physicalAddress: number, kallsyms?: Kallsyms): KernelSymbolizer | undefined {
  let k = kallsyms;
  try {
    k ??= readKallsyms(image);
  } catch (e) {
    // An Image without a table it can read boots unnamed; any other error is a bug to show.
    if (e instanceof KallsymsError) return undefined;
    throw e;
  }
  const entry = k.symbols.find((s) => s.name === 'primary_entry') ?? k.symbols.find((s) => s.name === 'stext');
  const target = branchTarget(image, 0) ?? branchTarget(image, 4);
  if (entry === undefined || target === undefined || target < 0 || target >= image.length) return undefined;
  // Low 32 bits of the link address of file offset 0.
  const fileStart = k.layout.relocatedAtBoot ? ARM64_KIMAGE_LOW : (entry.address - target) >>> 0;
  const toLink = (address: number) => (fileStart + target + (address - entry.address)) >>> 0;
  const symbols = k.symbols.map((s) => ({ ...s, address: toLink(s.address) }));
  return new KernelSymbolizer(symbols, fileStart, physicalAddress, image.length);
}
