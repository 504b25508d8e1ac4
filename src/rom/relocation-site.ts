/**
 * One relocation being applied: where it lands, what it refers to, and little-endian access to
 * the bytes it patches. Shared by the Arm and AArch64 relocation tables.
 */
import { ElfError, hex } from './elf-error';

export interface RelocationSite {
  /** Contents of the section being patched. */
  readonly bytes: Uint8Array;
  /** r_offset: where in `bytes` the patched field starts. */
  readonly offset: number;
  /** P: the address of the patched field after layout. */
  readonly place: number;
  /** S: the symbol's address (Thumb bit cleared). */
  readonly symbol: number;
  /** T: 1 when the symbol is a Thumb function (AAELF32 "Relocation codes"), else 0. */
  readonly thumb: number;
  /** Symbol name for messages. */
  readonly symbolName: string;
  /** A from RELA, or undefined for REL (the addend lives in the patched field). */
  readonly explicitAddend: number | undefined;
  /** Section name and offset, for messages. */
  readonly where: string;
  /** File offset of the relocation entry, for ElfError.offset. */
  readonly entryOffset: number;
}

export function relocationError(site: RelocationSite, message: string): ElfError {
  return new ElfError(`${message} (relocation against "${site.symbolName}" in ${site.where})`, 'r_info', site.entryOffset);
}

function ensure(site: RelocationSite, width: number): void {
  if (site.offset < 0 || site.offset + width > site.bytes.length) {
    throw new ElfError(
      `relocation at ${hex(site.offset)} (${width} bytes) runs past the end of its ${site.bytes.length}-byte section (${site.where})`,
      'r_offset',
      site.entryOffset,
    );
  }
}

export function read16(site: RelocationSite, at = 0): number {
  ensure(site, at + 2);
  const b = site.bytes;
  const o = site.offset + at;
  return b[o] | (b[o + 1] << 8);
}

export function write16(site: RelocationSite, value: number, at = 0): void {
  ensure(site, at + 2);
  const b = site.bytes;
  const o = site.offset + at;
  b[o] = value & 0xff;
  b[o + 1] = (value >>> 8) & 0xff;
}

export function read32(site: RelocationSite, at = 0): number {
  ensure(site, at + 4);
  const b = site.bytes;
  const o = site.offset + at;
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export function write32(site: RelocationSite, value: number, at = 0): void {
  ensure(site, at + 4);
  const b = site.bytes;
  const o = site.offset + at;
  b[o] = value & 0xff;
  b[o + 1] = (value >>> 8) & 0xff;
  b[o + 2] = (value >>> 16) & 0xff;
  b[o + 3] = (value >>> 24) & 0xff;
}

/** Sign-extend the low `bits` bits of `value`. */
export function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return bits >= 32 ? value | 0 : ((value << shift) >> shift);
}

/** Fail unless `lo <= value < hi` and `value` is a multiple of `align`. */
export function checkRange(site: RelocationSite, name: string, value: number, lo: number, hi: number, align = 1): void {
  if (value < lo || value >= hi) {
    throw relocationError(site, `${name}: value ${hex(value)} out of range [${hex(lo)}, ${hex(hi)})`);
  }
  if (align > 1 && ((value % align) + align) % align !== 0) {
    throw relocationError(site, `${name}: value ${hex(value)} is not a multiple of ${align}`);
  }
}
