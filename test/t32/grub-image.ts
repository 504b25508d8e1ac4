/**
 * GRUB 2.06's Thumb-2 cache code, fetched at test time: Debian bookworm's grub-efi-arm-bin
 * (armhf) package, fetched by debian-armhf.ts. Its /usr/lib/grub/arm-efi/kernel.img is a
 * relocatable ELF with symbols; grub-core/kern/arm/cache_armv7.S's set/way routine
 * (`clean_invalidate_dcache`, a local label) is found as the target of
 * grub_arm_disable_caches_mmu_armv7's BL, decoded with our own T32 decoder.
 */
import { readFileSync } from 'node:fs';
import { decodeT32 } from '../../src/decode/t32';
import { T32Op } from '../../src/decode/t32/instruction';
import { parseElf } from '../oracles/elf';
import { fetchArmhfFile } from './debian-armhf';

export const GRUB_PACKAGE = 'grub-efi-arm-bin:armhf';

/** kernel.img's bytes, or why they could not be fetched. */
export function fetchGrubKernelImg(): Uint8Array | string {
  const file = fetchArmhfFile('grub-efi-arm-bin', 'usr/lib/grub/arm-efi/kernel.img');
  return typeof file === 'string' ? file : new Uint8Array(readFileSync(file.path));
}

export interface GrubSetWayRoutine {
  /** kernel.img's .text, to be loaded at any address (the routine is position independent). */
  readonly text: Uint8Array;
  /** Offset of clean_invalidate_dcache in .text (a T32 routine). */
  readonly offset: number;
  readonly version: string;
}

/** Locate clean_invalidate_dcache: the first BL of grub_arm_disable_caches_mmu_armv7. */
export function grubSetWayRoutine(kernelImg: Uint8Array): GrubSetWayRoutine {
  const elf = parseElf(kernelImg);
  const text = elf.section('.text').data;
  const start = elf.symbol('grub_arm_disable_caches_mmu_armv7').value & ~1;
  const hw = (at: number) => text[at] | (text[at + 1] << 8);
  for (let at = start; at < start + 0x40; ) {
    const insn = decodeT32(hw(at), hw(at + 2));
    if ((insn.op as number) === T32Op.Branch && insn.sub === 1) return { text, offset: at + 4 + insn.imm, version: '2.06' };
    at += insn.length;
  }
  throw new Error('grub_arm_disable_caches_mmu_armv7 has no BL in its first 64 bytes');
}
