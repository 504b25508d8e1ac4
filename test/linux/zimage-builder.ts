/** Wrap a compressed payload the way an ARM zImage does: header words, decompressor, payload, size word. */
import { xorshift } from './kallsyms-builder';

export interface ZImageParts {
  readonly file: Uint8Array;
  readonly payloadAt: number;
}

export function wrapZImage(payload: Uint8Array, imageSize: number, options: { bigEndian?: boolean; appended?: number } = {}): ZImageParts {
  const next = xorshift(payload.length);
  const decompressorBytes = 0x800;
  const payloadAt = decompressorBytes;
  const dataBytes = 0x100;
  const size = payloadAt + payload.length + 4 + dataBytes;
  const file = new Uint8Array(size + (options.appended ?? 0));
  const view = new DataView(file.buffer);
  for (let at = 0; at < 0x24; at += 4) view.setUint32(at, 0xe1a00000, true); // mov r0, r0
  view.setUint32(0x24, 0x016f2818, true);
  view.setUint32(0x28, 0, true);
  view.setUint32(0x2c, size, true);
  view.setUint32(0x30, options.bigEndian ? 0x01020304 : 0x04030201, true);
  for (let at = 0x40; at < decompressorBytes; at += 4) view.setUint32(at, next(), true);
  // Decoys: the XZ magic as the decompressor's own constant, once with a valid header CRC32.
  file.set([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 0x100);
  file.set([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36], 0x200);
  file.set(payload, payloadAt);
  view.setUint32(payloadAt + payload.length, imageSize, true); // inflated size, little-endian
  for (let at = payloadAt + payload.length + 4; at < file.length; at++) file[at] = next() & 0xff;
  return { file, payloadAt };
}
