/**
 * Bitmask immediates of the logical-immediate and bitfield instructions, as 32-bit halves
 * (Arm ARM J1 shared pseudocode `DecodeBitMasks`, and `MoveWidePreferred` for the MOV alias).
 */

/** Result of DecodeBitMasks: wmask and tmask as halves. `null` from the decoder means reserved. */
export interface BitMasks {
  readonly wmaskLo: number;
  readonly wmaskHi: number;
  readonly tmaskLo: number;
  readonly tmaskHi: number;
}

function ones(n: number): number {
  return n >= 32 ? 0xffffffff : (2 ** n - 1) >>> 0;
}

/** Rotate an element of `esize` <= 32 bits right by r. */
function rorSmall(elem: number, r: number, esize: number): number {
  if (r === 0) return elem >>> 0;
  const m = ones(esize);
  return (((elem >>> r) | (elem << (esize - r))) & m) >>> 0;
}

/** Replicate an element of `esize` <= 32 bits across 32 bits. */
function replicate32(elem: number, esize: number): number {
  let v = elem >>> 0;
  for (let e = esize; e < 32; e *= 2) v = (v | (v << e)) >>> 0;
  return v;
}

/**
 * DecodeBitMasks(immN, imms, immr, immediate, M). Returns null for a reserved encoding (which the
 * instruction then treats as UNDEFINED / unallocated). For M = 32 the high halves are 0.
 */
export function decodeBitMasks(immN: number, imms: number, immr: number, immediate: boolean, datasize: 32 | 64): BitMasks | null {
  // len = HighestSetBit(immN:NOT(imms))
  const combined = ((immN & 1) << 6) | (~imms & 0x3f);
  if (combined === 0) return null;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return null;
  const esize = 1 << len;
  if (esize > datasize) return null;
  const levels = esize - 1;
  if (immediate && (imms & levels) === levels) return null;
  const s = imms & levels;
  const r = immr & levels;
  const d = (s - r) & levels;
  let wLo: number;
  let wHi: number;
  let tLo: number;
  let tHi: number;
  if (esize === 64) {
    // welem = Ones(S+1) rotated right by R, in 64 bits.
    let eLo = ones(Math.min(s + 1, 32));
    let eHi = s + 1 > 32 ? ones(s + 1 - 32) : 0;
    if (r !== 0) {
      // 64-bit rotate right of (eHi:eLo) by r.
      if (r >= 32) {
        [eLo, eHi] = [eHi, eLo];
      }
      const k = r & 31;
      if (k !== 0) {
        const nLo = ((eLo >>> k) | (eHi << (32 - k))) >>> 0;
        const nHi = ((eHi >>> k) | (eLo << (32 - k))) >>> 0;
        eLo = nLo;
        eHi = nHi;
      }
    }
    wLo = eLo >>> 0;
    wHi = eHi >>> 0;
    tLo = ones(Math.min(d + 1, 32));
    tHi = d + 1 > 32 ? ones(d + 1 - 32) : 0;
  } else {
    wLo = wHi = replicate32(rorSmall(ones(s + 1), r, esize), esize);
    tLo = tHi = replicate32(ones(d + 1), esize);
  }
  if (datasize === 32) {
    wHi = 0;
    tHi = 0;
  }
  return { wmaskLo: wLo, wmaskHi: wHi, tmaskLo: tLo, tmaskHi: tHi };
}

/** MoveWidePreferred(sf, immN, imms, immr): true when MOVZ/MOVN would encode the ORR-immediate value (no MOV alias for ORR). */
export function moveWidePreferred(sf: number, immN: number, imms: number, immr: number): boolean {
  const width = sf ? 64 : 32;
  // The element size must equal the register size.
  if (sf === 1 && immN !== 1) return false;
  if (sf === 0 && (immN !== 0 || (imms & 0x20) !== 0)) return false;
  // MOVZ: at most 16 ones, all inside one 16-bit aligned field.
  if (imms < 16) return (-immr & 15) <= 15 - imms;
  // MOVN: at most 16 zeros, likewise.
  if (imms >= width - 15) return (immr & 15) <= imms - (width - 15);
  return false;
}
