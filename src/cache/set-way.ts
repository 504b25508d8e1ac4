/**
 * The set/way operand of DC ISW/CSW/CISW (AArch32 DCISW/DCCSW/DCCISW), Arm ARM D7.5 and the
 * "DC CISW" instruction description: Way in bits [31:32-A], Set in bits [B-1:L], Level in bits
 * [3:1] (level - 1), bit 0 RES0; A = ceil(log2(ways)), L = log2(line bytes), S = ceil(log2(sets)),
 * B = L + S. Bits between the fields are ignored. A set, way or level beyond the cache is
 * CONSTRAINED UNPREDICTABLE; this model gives it no effect and counts it.
 */
import type { CacheLevelGeometry } from './geometry';

/** Operation a S/W instruction performs (same names as src/exec/system-port.ts SetWayOp). */
export type SetWayOperation = 'isw' | 'csw' | 'cisw';

/**
 * What one S/W operation did to the line it names:
 * - 'out-of-range': no cache at that level reachable by S/W, or set/way beyond it: no effect.
 * - 'no-line': the named line was invalid.
 * - 'clean': the line was valid and clean (CSW: nothing to do; ISW/CISW: invalidated).
 * - 'written-back': dirty data went to the next level (or memory); CISW also invalidated the line.
 * - 'discarded': ISW invalidated a dirty line without writing it back: the data is lost.
 */
export type SetWayEffect = 'out-of-range' | 'no-line' | 'clean' | 'written-back' | 'discarded';

export interface DecodedSetWay {
  /** Cache level named by bits [3:1], 1-based. */
  readonly level: number;
  readonly set: number;
  readonly way: number;
  /** False when the set or way lies beyond the cache's geometry. */
  readonly inRange: boolean;
}

/** Cache level (1-based) named by a S/W operand: bits [3:1] + 1. */
export function setWayLevel(operand: number): number {
  return ((operand >>> 1) & 7) + 1;
}

/** Way field: bits [31:32-A]; with one way (A = 0) there is no field and the way is 0. */
export function setWayWay(cache: CacheLevelGeometry, operand: number): number {
  // `x >>> 32` is `x` in JavaScript, so A = 0 needs its own case.
  return cache.wayBits === 0 ? 0 : operand >>> (32 - cache.wayBits);
}

/** Set field: bits [L+S-1:L]. */
export function setWaySet(cache: CacheLevelGeometry, operand: number): number {
  return (operand >>> cache.lineShift) & ((1 << cache.setBits) - 1);
}

/** Decode `operand` against the geometry of the cache at the level it names. */
export function decodeSetWay(cache: CacheLevelGeometry, operand: number): DecodedSetWay {
  const set = setWaySet(cache, operand);
  const way = setWayWay(cache, operand);
  return { level: setWayLevel(operand), set, way, inRange: set < cache.sets && way < cache.ways };
}

/** The operand that names (set, way) of `cache`, as a flush loop builds it. */
export function setWayOperand(cache: CacheLevelGeometry, set: number, way: number): number {
  const wayField = cache.wayBits === 0 ? 0 : way << (32 - cache.wayBits);
  return (wayField | (set << cache.lineShift) | ((cache.level - 1) << 1)) >>> 0;
}
