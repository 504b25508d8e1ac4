/**
 * XZ branch/call/jump converters for Arm code (xz-file-format §5.3.2), decode direction.
 * The encoder turned PC-relative branch offsets into absolute targets so that repeated calls
 * compress better; decoding turns them back. `position` is the uncompressed offset of `data[0]`
 * within the block plus the filter's start offset: the converter restarts at every block.
 */
import { XzFilter } from './xz-stream';

/** A32 BL: cond=0b1110 (AL), bits[27:24]=0b1011, imm24 word offset from PC = address + 8. */
export function decodeBcjArm(data: Uint8Array, position: number): void {
  for (let i = 0; i + 4 <= data.length; i += 4) {
    if (data[i + 3] !== 0xeb) continue;
    const target = ((data[i + 2] << 16) | (data[i + 1] << 8) | data[i]) << 2;
    const offset = (target - (position + i + 8)) >>> 2;
    data[i] = offset & 0xff;
    data[i + 1] = (offset >>> 8) & 0xff;
    data[i + 2] = (offset >>> 16) & 0xff;
  }
}

/**
 * T32 BL (the pre-Thumb-2 pair: first halfword 0b11110 imm11-high, second 0b11111 imm11-low),
 * PC = address + 4, halfword offsets; the converter steps over a pair it has rewritten.
 */
export function decodeBcjArmThumb(data: Uint8Array, position: number): void {
  for (let i = 0; i + 4 <= data.length; i += 2) {
    if ((data[i + 1] & 0xf8) !== 0xf0 || (data[i + 3] & 0xf8) !== 0xf8) continue;
    const target = (((data[i + 1] & 7) << 19) | (data[i] << 11) | ((data[i + 3] & 7) << 8) | data[i + 2]) << 1;
    const offset = (target - (position + i + 4)) >>> 1;
    data[i + 1] = 0xf0 | ((offset >>> 19) & 7);
    data[i] = (offset >>> 11) & 0xff;
    data[i + 3] = 0xf8 | ((offset >>> 8) & 7);
    data[i + 2] = offset & 0xff;
    i += 2;
  }
}

/** The converters implemented here, by XZ filter ID. */
export const BCJ_DECODERS: ReadonlyMap<number, (data: Uint8Array, position: number) => void> = new Map([
  [XzFilter.Arm, decodeBcjArm],
  [XzFilter.ArmThumb, decodeBcjArmThumb],
]);

/** §5.3.2: BCJ properties are empty or a 32-bit little-endian start offset. */
export function bcjStartOffset(properties: Uint8Array): number | undefined {
  if (properties.length === 0) return 0;
  if (properties.length !== 4) return undefined;
  return (properties[0] | (properties[1] << 8) | (properties[2] << 16) | (properties[3] << 24)) >>> 0;
}
