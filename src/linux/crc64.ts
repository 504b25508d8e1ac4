/**
 * CRC-64 as used by XZ (xz-file-format §3.4 and §6: ECMA-182 polynomial, reflected 0xC96C5795D7870F42,
 * initial value and final XOR all ones), kept as two 32-bit halves to avoid BigInt.
 */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}

/** CRC-64 of bytes[start, end) as its 8 little-endian bytes, the order XZ stores it in. */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = start; i < end; i++) {
    const idx = (lo ^ bytes[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx];
    hi = (hi >>> 8) ^ TABLE_HI[idx];
  }
  hi = ~hi >>> 0;
  lo = ~lo >>> 0;
  return Uint8Array.of(lo, lo >>> 8, lo >>> 16, lo >>> 24, hi, hi >>> 8, hi >>> 16, hi >>> 24);
}
