/**
 * 64-bit register and descriptor values as two unsigned 32-bit halves, and the few conversions
 * between a halves pair and a JS number (exact for values below 2^53: every address here).
 */

export const TWO_POW_32 = 4294967296;

/** A 64-bit value as halves; `lo` and `hi` are unsigned 32-bit numbers. */
export interface Reg64 {
  readonly lo: number;
  readonly hi: number;
}

export function reg64(lo: number, hi = 0): Reg64 {
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** The halves of a non-negative integer below 2^53. */
export function reg64FromNumber(value: number): Reg64 {
  return { lo: value >>> 0, hi: Math.floor(value / TWO_POW_32) >>> 0 };
}

/** Bits [47:12] of a descriptor or register (an address field) as a number. */
export function addressBits47To12(lo: number, hi: number): number {
  return (hi & 0xffff) * TWO_POW_32 + ((lo & 0xfffff000) >>> 0);
}

/** Low 32 bits of a non-negative integer below 2^53. */
export function low32(value: number): number {
  return value >>> 0;
}

/** High bits (above bit 31) of a non-negative integer below 2^53. */
export function high32(value: number): number {
  return Math.floor(value / TWO_POW_32) >>> 0;
}

export function hex(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
