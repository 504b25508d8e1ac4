/**
 * Clean and invalidate every data cache level of one physical CPU by set/way, up to LoC, the way
 * the Arm ARM's example loop does it (D7.5.9; CLIDR, CSSELR, CCSIDR): what KVM did in 2013 on
 * every pCPU a vCPU returned to, and what the hypervisor does in its own context.
 */
import type { CacheSystem } from '../cache/cache-system';

/**
 * Every S/W operand a full clean of `pcpu`'s data caches issues, in loop order: to LoC, to LoUIS,
 * or over levels 1 to `limit` when it is a number.
 */
export function setWayOperands(caches: CacheSystem, pcpu: number, limit: 'loc' | 'louis' | number = 'loc'): number[] {
  const clidr = caches.clidr(pcpu);
  // CLIDR: Ctype<n> at [3n-1:3n-3], LoUIS [23:21], LoC [26:24] (D17 "CLIDR_EL1").
  const last = typeof limit === 'number' ? limit : limit === 'louis' ? (clidr >>> 21) & 7 : (clidr >>> 24) & 7;
  const out: number[] = [];
  for (let level = 1; level <= last; level++) {
    const ctype = (clidr >>> (3 * (level - 1))) & 7;
    if (ctype < 2) continue; // no data or unified cache at this level
    // CCSIDR (32-bit form): LineSize [2:0] = log2(bytes)-4, Associativity [12:3], NumSets [27:13].
    const ccsidr = caches.ccsidr(pcpu, (level - 1) << 1);
    const lineShift = (ccsidr & 7) + 4;
    const maxWay = (ccsidr >>> 3) & 0x3ff;
    const maxSet = (ccsidr >>> 13) & 0x7fff;
    const wayShift = Math.clz32(maxWay); // way field starts at bit 32 - ceil(log2(ways))
    for (let way = maxWay; way >= 0; way--) {
      for (let set = maxSet; set >= 0; set--) {
        out.push(((maxWay === 0 ? 0 : way << wayShift) | (set << lineShift) | ((level - 1) << 1)) >>> 0);
      }
    }
  }
  return out;
}

export function flushPcpuBySetWay(caches: CacheSystem, pcpu: number): number {
  const operands = setWayOperands(caches, pcpu);
  for (const op of operands) caches.setWay(pcpu, 'cisw', op);
  return operands.length;
}
