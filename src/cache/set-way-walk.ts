/**
 * The set/way operands a guest's "flush the whole data cache" loop computes, in the order it issues
 * them, from nothing but the CLIDR and CCSIDR values it reads: the algorithm of the Arm ARM's
 * example for cleaning/invalidating the data caches by set/way (DDI 0487, D7.5 cache maintenance
 * examples), the same one Linux v7_flush_dcache_all and U-Boot __asm_dcache_all follow:
 *
 *   for level = 1 .. LoC (or LoUIS):
 *     skip unless CLIDR.Ctype<level> >= 2 (data or unified present)
 *     CSSELR = (level - 1) << 1; read CCSIDR
 *     L = LineSize + 4; maxWay = Associativity; wayShift = clz32(maxWay); maxSet = NumSets
 *     for every way from maxWay down to 0 and every set from maxSet down to 0:
 *       operand = way << wayShift | set << L | (level - 1) << 1
 *
 * The Arm ARM example runs ways in the outer loop; Linux v7 runs sets in the outer loop.
 */

export type FlushLimit = 'loc' | 'louis' | 'louu';
export type FlushOrder = 'way-outer' | 'set-outer';

/**
 * Call `visit(operand)` for every S/W operand of a whole-cache flush up to `limit`, as a guest
 * computes them. Returns the number of operands. No allocation per operand.
 */
export function forEachFlushOperand(
  clidr: number,
  ccsidrOf: (csselr: number) => number,
  visit: (operand: number) => void,
  limit: FlushLimit = 'loc',
  order: FlushOrder = 'way-outer',
): number {
  // CLIDR: LoUIS [23:21], LoC [26:24], LoUU [29:27] (D17 "CLIDR_EL1").
  const shift = limit === 'loc' ? 24 : limit === 'louis' ? 21 : 27;
  const levels = (clidr >>> shift) & 7;
  let count = 0;
  for (let level = 1; level <= levels; level++) {
    const ctype = (clidr >>> (3 * (level - 1))) & 7;
    if (ctype < 2) continue;
    const levelBits = (level - 1) << 1;
    const ccsidr = ccsidrOf(levelBits);
    // CCSIDR: LineSize [2:0], Associativity [12:3], NumSets [27:13] (D17 "CCSIDR_EL1").
    const lineShift = (ccsidr & 7) + 4;
    const maxWay = (ccsidr >>> 3) & 0x3ff;
    const maxSet = (ccsidr >>> 13) & 0x7fff;
    // clz32(0) = 32 for a direct-mapped cache: its only way is 0, and 0 shifted is 0.
    const wayShift = Math.clz32(maxWay);
    const wayField = (way: number): number => (wayShift >= 32 ? 0 : way << wayShift);
    if (order === 'way-outer') {
      for (let way = maxWay; way >= 0; way--) {
        const w = wayField(way) | levelBits;
        for (let set = maxSet; set >= 0; set--) {
          visit((w | (set << lineShift)) >>> 0);
          count++;
        }
      }
    } else {
      for (let set = maxSet; set >= 0; set--) {
        const s = (set << lineShift) | levelBits;
        for (let way = maxWay; way >= 0; way--) {
          visit((wayField(way) | s) >>> 0);
          count++;
        }
      }
    }
  }
  return count;
}
