/**
 * Integer primitives of the Arm ARM pseudocode (F2 "Shift and rotate operations", "Integer
 * arithmetic", "Saturation"), allocation free: secondary results (carry out, overflow,
 * saturation, high word) are left in the exported `out` record.
 */
import { Shift } from '../../decode/a32/index';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const { LSL, LSR, ASR, ROR } = Shift;

export const out = { carry: 0, overflow: 0, saturated: false, hi: 0, lo: 0 };

/** Shift_C(value, type, amount, carry_in); `out.carry` gets the carry out. Amount 0 leaves both unchanged. */
export function shiftC(value: number, type: number, amount: number, carryIn: number): number {
  if (amount === 0) {
    out.carry = carryIn;
    return value >>> 0;
  }
  switch (type) {
    case LSL:
      if (amount >= 32) {
        out.carry = amount === 32 ? value & 1 : 0;
        return 0;
      }
      out.carry = (value >>> (32 - amount)) & 1;
      return (value << amount) >>> 0;
    case LSR:
      if (amount >= 32) {
        out.carry = amount === 32 ? value >>> 31 : 0;
        return 0;
      }
      out.carry = (value >>> (amount - 1)) & 1;
      return value >>> amount;
    case ASR:
      if (amount >= 32) {
        out.carry = value >>> 31;
        return (value >> 31) >>> 0;
      }
      out.carry = (value >> (amount - 1)) & 1;
      return (value >> amount) >>> 0;
    case ROR: {
      // ROR by a multiple of 32 leaves the value; the carry is its bit 31 (ROR_C).
      const a = amount & 31;
      const res = a === 0 ? value >>> 0 : ((value >>> a) | (value << (32 - a))) >>> 0;
      out.carry = res >>> 31;
      return res;
    }
    default:
      // RRX
      out.carry = value & 1;
      return ((carryIn << 31) | (value >>> 1)) >>> 0;
  }
}

/** AddWithCarry(x, y, carry_in): unsigned result; `out.carry`, `out.overflow`. */
export function addWithCarry(x: number, y: number, carryIn: number): number {
  const sum = (x >>> 0) + (y >>> 0) + carryIn;
  const res = sum >>> 0;
  out.carry = sum > 0xffffffff ? 1 : 0;
  out.overflow = (((x ^ res) & (y ^ res)) >>> 31) & 1;
  return res;
}

/** SignedSatQ(i, n): `out.saturated` tells whether it saturated. */
export function signedSat(i: number, n: number): number {
  const max = 2 ** (n - 1) - 1;
  const min = -(2 ** (n - 1));
  if (i > max) {
    out.saturated = true;
    return max;
  }
  if (i < min) {
    out.saturated = true;
    return min;
  }
  out.saturated = false;
  return i;
}

/** UnsignedSatQ(i, n). */
export function unsignedSat(i: number, n: number): number {
  const max = 2 ** n - 1;
  if (i > max) {
    out.saturated = true;
    return max;
  }
  if (i < 0) {
    out.saturated = true;
    return 0;
  }
  out.saturated = false;
  return i;
}

/** Unsigned 32x32 -> 64 multiply into out.hi/out.lo. */
export function multiplyU64(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const ll = aLo * bLo;
  const mid = aHi * bLo + aLo * bHi; // < 2^33, exact
  const low = ll + (mid % 65536) * 65536; // < 2^49
  out.lo = low >>> 0;
  out.hi = (aHi * bHi + Math.floor(mid / 65536) + Math.floor(low / 4294967296)) >>> 0;
}

/** Signed 32x32 -> 64 multiply into out.hi/out.lo. */
export function multiplyS64(a: number, b: number): void {
  multiplyU64(a, b);
  let hi = out.hi;
  if (a & 0x80000000) hi -= b >>> 0;
  if (b & 0x80000000) hi -= a >>> 0;
  out.hi = hi >>> 0;
}

/** (hi:lo) + (addHi:addLo), 64-bit wrap, into out.hi/out.lo. */
export function add64(hi: number, lo: number, addHi: number, addLo: number): void {
  const l = (lo >>> 0) + (addLo >>> 0);
  out.lo = l >>> 0;
  out.hi = ((hi >>> 0) + (addHi >>> 0) + (l > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (hi:lo) + a signed integer |s| < 2^53, into out.hi/out.lo. */
export function add64Signed(hi: number, lo: number, s: number): void {
  add64(hi, lo, Math.floor(s / 4294967296) >>> 0, s >>> 0);
}

/** Sign-extend the low `bits` bits. */
export function sext(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}
