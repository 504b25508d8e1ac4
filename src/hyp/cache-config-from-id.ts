/**
 * The cache hierarchy a guest is told about, built as hardware: a CacheSystemConfig whose CLIDR,
 * CCSIDR and CTR read exactly as a policy's fabricated cache ID registers (HCR.TID2). Bare metal
 * built from it is the machine the guest believes it runs on: a guest that sizes its S/W loop
 * from those registers empties that machine's caches with the operations it issues, where on the
 * pCPU's real geometry its few operations would leave most lines dirty, and every value it reads
 * from the ID registers is the one it read under the policy.
 */
import type { CacheKind, CacheLevelConfig, CacheSharing, CacheSystemConfig } from '../cache/geometry';
import type { CacheIdentification } from '../exec/system-port';

/** Caches of one CLIDR Ctype<n> (D17 "CLIDR_EL1": 0b001 I, 0b010 D, 0b011 separate I and D, 0b100 unified). */
const CACHES_OF_CTYPE: Readonly<Record<number, readonly CacheKind[]>> = {
  0b001: ['instruction'],
  0b010: ['data'],
  0b011: ['data', 'instruction'],
  0b100: ['unified'],
};

/** The CCSIDR (32-bit format, no FEAT_CCIDX) of one cache as a level of a configuration (D17 "CCSIDR_EL1"). */
function levelFromCcsidr(level: number, kind: CacheKind, ccsidr: number, sharing: CacheSharing): CacheLevelConfig {
  return {
    level,
    kind,
    lineBytes: 1 << ((ccsidr & 7) + 4),
    ways: ((ccsidr >>> 3) & 0x3ff) + 1,
    sets: ((ccsidr >>> 13) & 0x7fff) + 1,
    sharing,
    ccsidrFlags: ccsidr >>> 28,
  };
}

/**
 * Hardware whose ID registers are `id`'s: the levels CLIDR lists with the geometry CCSIDR gives
 * each, CTR's fields as they are, and from `hardware` what the registers do not say (CPUs and
 * clusters, who shares a level, the DC ZVA block size). Caches beyond the Point of Coherency that
 * set/way cannot reach are left out: nothing in `id` places them.
 */
export function cachesShownBy(id: CacheIdentification, hardware: CacheSystemConfig, name: string): CacheSystemConfig {
  const clidr = id.clidr();
  const levels: CacheLevelConfig[] = [];
  for (let n = 1; n <= 7; n++) {
    const kinds = CACHES_OF_CTYPE[(clidr >>> (3 * (n - 1))) & 7] ?? [];
    // A level the real hardware shares keeps its sharing; a level it lacks is the cluster's.
    const real = hardware.levels.find((l) => l.level === n && l.kind !== 'instruction');
    const sharing: CacheSharing = n === 1 ? 'cpu' : (real?.sharing ?? 'cluster');
    for (const kind of kinds) levels.push(levelFromCcsidr(n, kind, id.ccsidr(((n - 1) << 1) | (kind === 'instruction' ? 1 : 0)), sharing));
  }
  const ctr = id.ctr();
  return {
    name,
    clusterOfCpu: hardware.clusterOfCpu,
    levels,
    louis: (clidr >>> 21) & 7,
    loc: (clidr >>> 24) & 7,
    louu: (clidr >>> 27) & 7,
    icb: clidr >>> 30,
    // CTR_EL0 (D17): IminLine [3:0], L1Ip [15:14], DminLine [19:16], ERG [23:20], CWG [27:24], IDC [28], DIC [29].
    ctr: {
      iminLine: ctr & 0xf,
      l1ip: (ctr >>> 14) & 3,
      dminLine: (ctr >>> 16) & 0xf,
      erg: (ctr >>> 20) & 0xf,
      cwg: (ctr >>> 24) & 0xf,
      idc: (ctr >>> 28) & 1,
      dic: (ctr >>> 29) & 1,
    },
    zvaBlockBytes: hardware.zvaBlockBytes,
  };
}
