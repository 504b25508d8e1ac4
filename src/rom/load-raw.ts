/** Load a raw binary: the caller says where it goes, where execution starts and in which instruction set. */
import { ElfError, hex } from './elf-error';
import { LoadedImage, type Isa } from './loaded-image';

export interface RawLoadOptions {
  /** Address of the first byte. */
  readonly address: number;
  /** Offset of the entry point from `address` (default 0). */
  readonly entryOffset?: number;
  readonly isa: Isa;
}

export function loadRaw(bytes: Uint8Array, options: RawLoadOptions): LoadedImage {
  const { address, isa } = options;
  const entryOffset = options.entryOffset ?? 0;
  if (!Number.isSafeInteger(address) || address < 0) throw new ElfError(`raw image address ${address} is not a non-negative integer`, 'address', -1);
  if (!Number.isSafeInteger(entryOffset) || entryOffset < 0 || (entryOffset >= bytes.length && entryOffset !== 0)) {
    throw new ElfError(`raw image entry offset ${entryOffset} is outside the ${bytes.length}-byte image`, 'entryOffset', -1);
  }
  const alignment = isa === 't32' ? 2 : 4;
  if ((address + entryOffset) % alignment !== 0) {
    throw new ElfError(`raw image entry ${hex(address + entryOffset)} is not ${alignment}-byte aligned for ${isa}`, 'entryOffset', -1);
  }
  const segment = { address, virtualAddress: address, bytes: bytes.slice(), flags: { read: true, write: true, execute: true }, name: 'raw' };
  const regions = bytes.length > 0 ? [{ start: address, end: address + bytes.length, kind: isa }] : [];
  return new LoadedImage('raw', isa, address + entryOffset, [segment], [], regions);
}
