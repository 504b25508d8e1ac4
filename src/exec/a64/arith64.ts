/**
 * 64-bit integer arithmetic on 32-bit halves, without BigInt or allocation: each function leaves
 * its 64-bit result in `wide[0]` (low) and `wide[1]` (high). Used by the executor's hot path.
 */

/** Result of the last call: [low, high], unsigned. */
export const wide = new Uint32Array(2);

const TWO32 = 4294967296;

/** Unsigned 32 x 32 -> 64. */
export function mulU32(a: number, b: number): void {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  wide[0] = ((mid << 16) | (ll & 0xffff)) >>> 0;
  wide[1] = (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Low 64 bits of a 64 x 64 product. */
export function mulLow64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulU32(aLo, bLo);
  wide[1] = (wide[1] + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) >>> 0;
}

/** Signed 32 x 32 -> 64 (SMULL): the unsigned product minus the sign corrections. */
export function mulS32(a: number, b: number): void {
  mulU32(a >>> 0, b >>> 0);
  let hi = wide[1];
  if (a < 0 || a > 0x7fffffff) hi -= b >>> 0;
  if (b < 0 || b > 0x7fffffff) hi -= a >>> 0;
  wide[1] = hi >>> 0;
}

/** High 64 bits of the unsigned 128-bit product (UMULH). */
export function mulHighU64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulU32(aLo, bLo);
  const p0Hi = wide[1];
  mulU32(aLo, bHi);
  const p1Lo = wide[0];
  const p1Hi = wide[1];
  mulU32(aHi, bLo);
  const p2Lo = wide[0];
  const p2Hi = wide[1];
  mulU32(aHi, bHi);
  const p3Lo = wide[0];
  const p3Hi = wide[1];
  const w1 = p0Hi + p1Lo + p2Lo;
  const c1 = Math.floor(w1 / TWO32);
  const w2 = p3Lo + p1Hi + p2Hi + c1;
  const c2 = Math.floor(w2 / TWO32);
  wide[0] = w2 >>> 0;
  wide[1] = (p3Hi + c2) >>> 0;
}

/** High 64 bits of the signed 128-bit product (SMULH). */
export function mulHighS64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulHighU64(aLo, aHi, bLo, bHi);
  let lo = wide[0];
  let hi = wide[1];
  // Signed high = unsigned high - (a < 0 ? b : 0) - (b < 0 ? a : 0), modulo 2^64.
  if (aHi >>> 31) {
    const l = lo - (bLo >>> 0);
    hi = (hi - (bHi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  if (bHi >>> 31) {
    const l = lo - (aLo >>> 0);
    hi = (hi - (aHi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  wide[0] = lo;
  wide[1] = hi;
}

/** Unsigned 64 / 64 (UDIV); division by zero gives 0 (C6.2 "UDIV"). */
export function divU64(nLo: number, nHi: number, dLo: number, dHi: number): void {
  nLo >>>= 0;
  nHi >>>= 0;
  dLo >>>= 0;
  dHi >>>= 0;
  if (dLo === 0 && dHi === 0) {
    wide[0] = 0;
    wide[1] = 0;
    return;
  }
  // Both below 2^53: the double quotient's floor is exact (n/d = k - r/d with r/d >= 1/d cannot round up to k).
  if (nHi < 0x200000 && dHi < 0x200000) {
    const q = Math.floor((nHi * TWO32 + nLo) / (dHi * TWO32 + dLo));
    wide[0] = q >>> 0;
    wide[1] = Math.floor(q / TWO32) >>> 0;
    return;
  }
  // Restoring division, one quotient bit per step.
  let qLo = 0;
  let qHi = 0;
  let rLo = 0;
  let rHi = 0;
  for (let bit = 63; bit >= 0; bit--) {
    // r = (r << 1) | n<bit>
    rHi = ((rHi << 1) | (rLo >>> 31)) >>> 0;
    const nb = bit >= 32 ? (nHi >>> (bit - 32)) & 1 : (nLo >>> bit) & 1;
    rLo = ((rLo << 1) | nb) >>> 0;
    if (rHi > dHi || (rHi === dHi && rLo >= dLo)) {
      const l = rLo - dLo;
      rHi = (rHi - dHi - (l < 0 ? 1 : 0)) >>> 0;
      rLo = l >>> 0;
      if (bit >= 32) qHi |= 1 << (bit - 32);
      else qLo |= 1 << bit;
    }
  }
  wide[0] = qLo >>> 0;
  wide[1] = qHi >>> 0;
}

/** Signed 64 / 64 (SDIV), rounding towards zero; INT64_MIN / -1 wraps to INT64_MIN. */
export function divS64(nLo: number, nHi: number, dLo: number, dHi: number): void {
  const nNeg = nHi >>> 31 === 1;
  const dNeg = dHi >>> 31 === 1;
  if (nNeg) {
    negate64(nLo, nHi);
    nLo = wide[0];
    nHi = wide[1];
  }
  if (dNeg) {
    negate64(dLo, dHi);
    dLo = wide[0];
    dHi = wide[1];
  }
  divU64(nLo, nHi, dLo, dHi);
  if (nNeg !== dNeg) negate64(wide[0], wide[1]);
}

/** Two's complement negation of hi:lo. */
export function negate64(lo: number, hi: number): void {
  lo >>>= 0;
  if (lo === 0) {
    wide[0] = 0;
    wide[1] = -hi >>> 0;
  } else {
    wide[0] = -lo >>> 0;
    wide[1] = ~hi >>> 0;
  }
}

/** Reverse the bits of a 32-bit value. */
export function rbit32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

/** Byte-reverse a 32-bit value. */
export function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** Swap the bytes within each halfword. */
export function rev16x32(x: number): number {
  return (((x & 0xff00ff00) >>> 8) | ((x & 0x00ff00ff) << 8)) >>> 0;
}
