/**
 * The CRC32 and CRC32C steps of FEAT_CRC32 (Arm ARM C6.2 "CRC32B, CRC32H, CRC32W, CRC32X",
 * "CRC32CB, CRC32CH, CRC32CW, CRC32CX"). The pseudocode bit-reverses the accumulator and the
 * value, divides by the polynomial and bit-reverses the remainder, with no initial or final
 * inversion: that is the reflected (LSB-first) CRC, one table lookup per byte of the value.
 */
import { rbit32 } from './arith64';

/** CRC32 polynomial (C6.2 "CRC32B": 0x04C11DB7) and CRC32C (Castagnoli, 0x1EDC6F41). */
const CRC32_POLYNOMIAL = 0x04c11db7;
const CRC32C_POLYNOMIAL = 0x1edc6f41;

/** Remainder of each byte value, LSB first, under the bit-reversed polynomial. */
function reflectedTable(polynomial: number): Uint32Array {
  const reflected = rbit32(polynomial);
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let r = byte;
    for (let bit = 0; bit < 8; bit++) r = (r >>> 1) ^ (r & 1 ? reflected : 0);
    table[byte] = r >>> 0;
  }
  return table;
}

export const CRC32_TABLE = reflectedTable(CRC32_POLYNOMIAL);
export const CRC32C_TABLE = reflectedTable(CRC32C_POLYNOMIAL);

/** Fold `bytes` (1..4) bytes of `value`, lowest first, into the accumulator. */
function foldWord(table: Uint32Array, acc: number, value: number, bytes: number): number {
  for (let k = 0; k < bytes; k++) {
    acc = table[(acc ^ value) & 0xff] ^ (acc >>> 8);
    value >>>= 8;
  }
  return acc;
}

/**
 * One CRC32{C}{B,H,W,X} step: the accumulator (Wn) updated with the low 2^size bytes of the value
 * (Xm as halves lo/hi; hi only for size 3), as an unsigned 32-bit result.
 */
export function crc32Step(table: Uint32Array, acc: number, lo: number, hi: number, size: number): number {
  if (size < 3) return foldWord(table, acc, lo, 1 << size) >>> 0;
  return foldWord(table, foldWord(table, acc, lo, 4), hi, 4) >>> 0;
}
