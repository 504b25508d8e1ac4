/**
 * Words for a decoder row (A32 or T32) with its fixed bits honoured: the pattern's `0`/`1` bits,
 * its (0) bits (`x`) zero and its (1) bits (`X`) one (Arm ARM F1 "Fixed values in AArch32
 * instruction encodings"), every other bit from `noise`. Filling (0)/(1) bits at random makes
 * almost every word of rows such as REV, CLZ, SEL or SDIV UNPREDICTABLE.
 */
import type { CompiledPattern } from '../../src/decode/bit-pattern';

export function honouredWord(p: CompiledPattern, noise: number): number {
  const width = p.width === 16 ? 0xffff : 0xffffffff;
  const sbz = p.fields.x?.mask ?? 0;
  const sbo = p.fields.X?.mask ?? 0;
  return (p.value | (noise & ~p.mask & ~sbz & width) | sbo) >>> 0;
}
