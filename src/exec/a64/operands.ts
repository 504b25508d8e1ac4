/**
 * Operand helpers shared by the A64 handlers (Arm ARM J1 shared pseudocode: ConditionHolds,
 * AddWithCarry; C6.2 ShiftReg, ExtendReg). Results go to the register halves or to the
 * executor's operand scratch (opLo/opHi), so nothing is allocated per instruction.
 */
import type { A64Cpu } from './cpu';

const TWO32 = 4294967296;

/** The signed 64-bit value hi:lo as a number, or NaN when its magnitude is beyond 2^53 (not modelled). */
export function toAddress(lo: number, hi: number): number {
  const h = hi | 0;
  if (h >= 0x200000 || h < -0x200000) return NaN;
  return h * TWO32 + (lo >>> 0);
}

/** ConditionHolds (J1): cond<3:1> picks the test, cond<0> inverts (except 1111). */
export function condHolds(cpu: A64Cpu, cond: number): boolean {
  let r: boolean;
  switch (cond >>> 1) {
    case 0:
      r = cpu.z === 1;
      break;
    case 1:
      r = cpu.c === 1;
      break;
    case 2:
      r = cpu.n === 1;
      break;
    case 3:
      r = cpu.v === 1;
      break;
    case 4:
      r = cpu.c === 1 && cpu.z === 0;
      break;
    case 5:
      r = cpu.n === cpu.v;
      break;
    case 6:
      r = cpu.n === cpu.v && cpu.z === 0;
      break;
    default:
      return true;
  }
  return (cond & 1) === 1 ? !r : r;
}

/** AddWithCarry (J1) into register slot d, setting NZCV when asked. 32-bit ops zero the high half. */
export function addWithCarry(cpu: A64Cpu, aLo: number, aHi: number, bLo: number, bHi: number, carry: number, sf: number, setFlags: boolean, d: number): void {
  const l = aLo + bLo + carry;
  const rl = l >>> 0;
  if (sf) {
    const h = aHi + bHi + (l > 0xffffffff ? 1 : 0);
    const rh = h >>> 0;
    cpu.lo[d] = rl;
    cpu.hi[d] = rh;
    if (setFlags) {
      cpu.n = rh >>> 31;
      cpu.z = (rl | rh) === 0 ? 1 : 0;
      cpu.c = h > 0xffffffff ? 1 : 0;
      cpu.v = ((aHi ^ rh) & (bHi ^ rh)) >>> 31;
    }
  } else {
    cpu.lo[d] = rl;
    cpu.hi[d] = 0;
    if (setFlags) {
      cpu.n = rl >>> 31;
      cpu.z = rl === 0 ? 1 : 0;
      cpu.c = l > 0xffffffff ? 1 : 0;
      cpu.v = ((aLo ^ rl) & (bLo ^ rl)) >>> 31;
    }
  }
}

/** 64-bit rotate right of (l, h) by r (1..63) into opLo/opHi. */
export function rotateRight64(cpu: A64Cpu, l: number, h: number, r: number): void {
  if (r >= 32) {
    const t = l;
    l = h;
    h = t;
  }
  const s = r & 31;
  if (s !== 0) {
    const nl = (l >>> s) | (h << (32 - s));
    h = (h >>> s) | (l << (32 - s));
    l = nl;
  }
  cpu.opLo = l >>> 0;
  cpu.opHi = h >>> 0;
}

/** Shift register slot m by (type, amount) into opLo/opHi (C6.2 ShiftReg). */
export function shiftOperand(cpu: A64Cpu, m: number, type: number, amount: number, sf: number): void {
  let l = cpu.lo[m];
  if (!sf) {
    if (amount !== 0) {
      if (type === 0) l = l << amount;
      else if (type === 1) l = l >>> amount;
      else if (type === 2) l = (l | 0) >> amount;
      else l = (l >>> amount) | (l << (32 - amount));
    }
    cpu.opLo = l >>> 0;
    cpu.opHi = 0;
    return;
  }
  let h = cpu.hi[m];
  if (amount !== 0) {
    const s = amount & 31;
    if (type === 0) {
      if (amount >= 32) {
        h = l << s;
        l = 0;
      } else {
        h = (h << s) | (l >>> (32 - s));
        l = l << s;
      }
    } else if (type === 1) {
      if (amount >= 32) {
        l = h >>> s;
        h = 0;
      } else {
        l = (l >>> s) | (h << (32 - s));
        h = h >>> s;
      }
    } else if (type === 2) {
      if (amount >= 32) {
        l = (h | 0) >> s;
        h = (h | 0) >> 31;
      } else {
        l = (l >>> s) | (h << (32 - s));
        h = (h | 0) >> s;
      }
    } else {
      rotateRight64(cpu, l, h, amount);
      return;
    }
  }
  cpu.opLo = l >>> 0;
  cpu.opHi = h >>> 0;
}

/** Extend register slot m by option then shift left by amount (C6.2 ExtendReg) into opLo/opHi. */
export function extendOperand(cpu: A64Cpu, m: number, option: number, amount: number): void {
  let l = cpu.lo[m];
  let h = cpu.hi[m];
  switch (option) {
    case 0:
      l &= 0xff;
      h = 0;
      break;
    case 1:
      l &= 0xffff;
      h = 0;
      break;
    case 2:
      h = 0;
      break;
    case 3:
      break;
    case 4:
      l = (l << 24) >> 24;
      h = l >> 31;
      break;
    case 5:
      l = (l << 16) >> 16;
      h = l >> 31;
      break;
    case 6:
      h = (l | 0) >> 31;
      break;
  }
  if (amount !== 0) {
    h = (h << amount) | (l >>> (32 - amount));
    l = l << amount;
  }
  cpu.opLo = l >>> 0;
  cpu.opHi = h >>> 0;
}
