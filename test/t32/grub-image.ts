/**
 * GRUB 2.06's Thumb-2 cache code, fetched at test time: Debian bookworm's grub-efi-arm-bin
 * (armhf) package, downloaded with `apt-get download` (after `dpkg --add-architecture armhf` and
 * `apt-get update` if armhf is not configured) and unpacked with dpkg-deb. Its
 * /usr/lib/grub/arm-efi/kernel.img is a relocatable ELF with symbols; grub-core/kern/arm/
 * cache_armv7.S's set/way routine (`clean_invalidate_dcache`, a local label) is found as the
 * target of grub_arm_disable_caches_mmu_armv7's BL, decoded with our own T32 decoder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeT32 } from '../../src/decode/t32';
import { T32Op } from '../../src/decode/t32/instruction';
import { parseElf } from '../oracles/elf';

export const GRUB_PACKAGE = 'grub-efi-arm-bin:armhf';
const CACHE = join(tmpdir(), 'setway-grub-efi-arm-bin');
const KERNEL_IMG = join(CACHE, 'x', 'usr', 'lib', 'grub', 'arm-efi', 'kernel.img');

function run(cmd: string, args: string[], cwd?: string): string | null {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? null : `${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 300)}`;
}

/** kernel.img's bytes, or why they could not be fetched. */
export function fetchGrubKernelImg(): Uint8Array | string {
  if (!existsSync(KERNEL_IMG)) {
    mkdirSync(CACHE, { recursive: true });
    const arches = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
    if (arches.status !== 0) return 'dpkg is not available';
    if (!arches.stdout.split('\n').includes('armhf')) {
      const why = run('dpkg', ['--add-architecture', 'armhf']) ?? run('apt-get', ['update']);
      if (why !== null) return why;
    }
    const why = run('apt-get', ['download', GRUB_PACKAGE], CACHE);
    if (why !== null) return why;
    const deb = readdirSync(CACHE).find((f) => f.startsWith('grub-efi-arm-bin_') && f.endsWith('.deb'));
    if (deb === undefined) return 'apt-get download left no .deb';
    const unpack = run('dpkg-deb', ['-x', deb, 'x'], CACHE);
    if (unpack !== null) return unpack;
  }
  return new Uint8Array(readFileSync(KERNEL_IMG));
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
