/**
 * The cache geometry a guest would compute from CLIDR and CCSIDR (D17 "CLIDR_EL1",
 * "CCSIDR_EL1"): what traces need to print `level=1 set=12 way=3` for a S/W operand.
 */
import { CacheSystem } from '../cache/cache-system';
import { cachePreset } from '../cache/presets';
import type { CacheLevelGeometry } from '../exec/syndrome/format';
import { PhysicalMemory } from '../mmu/physical-memory';
import type { CacheIdentification } from '../exec/system-port';

export function geometryFromIdRegisters(id: Pick<CacheIdentification, 'clidr' | 'ccsidr'>): CacheLevelGeometry[] {
  const clidr = id.clidr();
  const out: CacheLevelGeometry[] = [];
  for (let level = 1; level <= 7; level++) {
    const ctype = (clidr >>> (3 * (level - 1))) & 7;
    if (ctype === 0) break;
    if (ctype < 2) {
      out.push({ lineLog2: 0, ways: 0, sets: 0 });
      continue;
    }
    const ccsidr = id.ccsidr((level - 1) << 1);
    out.push({ lineLog2: (ccsidr & 7) + 4, ways: ((ccsidr >>> 3) & 0x3ff) + 1, sets: ((ccsidr >>> 13) & 0x7fff) + 1 });
  }
  return out;
}

/** The geometry `cpu` of a cache system reports through its ID registers. */
export function geometryOfCaches(caches: CacheSystem, cpu: number): CacheLevelGeometry[] {
  return geometryFromIdRegisters({ clidr: () => caches.clidr(cpu), ccsidr: (csselr) => caches.ccsidr(cpu, csselr) });
}

/** A cache system of a preset, built only to read its ID registers (one page of memory behind it). */
export function presetCaches(preset: string): CacheSystem {
  return new CacheSystem(cachePreset(preset), new PhysicalMemory([{ base: 0, size: 4096 }]));
}
