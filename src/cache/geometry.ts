/**
 * Cache geometry from configuration, and the identification registers a guest reads to learn it:
 * CLIDR, CCSIDR (selected by CSSELR), CTR and DCZID (Arm ARM DDI 0487, D7.5 cache support; D17
 * "CLIDR_EL1", "CCSIDR_EL1", "CSSELR_EL1", "CTR_EL0", "DCZID_EL0"). A guest that computes set/way
 * operands from these values computes exactly the operands `decodeSetWay` understands.
 *
 * Every CPU in a configuration has the same hierarchy (no big.LITTLE); clusters only decide which
 * CPUs share a 'cluster' cache.
 */
import { CacheAccessError, CacheConfigError } from './errors';

export type CacheKind = 'data' | 'instruction' | 'unified';
/** Who shares one instance of the cache: each PE has its own, a cluster shares one, or the whole system. */
export type CacheSharing = 'cpu' | 'cluster' | 'system';

export interface CacheLevelConfig {
  /** Cache level, 1..7 (the CLIDR Ctype<n> / CSSELR.Level numbering). */
  readonly level: number;
  readonly kind: CacheKind;
  /** Line size in bytes: a power of two, 16..2048 (CCSIDR.LineSize is 3 bits of log2(bytes) - 4). */
  readonly lineBytes: number;
  /** 1..1024 (CCSIDR.Associativity is 10 bits of ways - 1). */
  readonly ways: number;
  /** 1..32768 (CCSIDR.NumSets is 15 bits of sets - 1); need not be a power of two. */
  readonly sets: number;
  readonly sharing: CacheSharing;
  /**
   * Inclusive of the levels above. Only `false` is modelled: every level is non-inclusive and
   * receives the dirty victims of the level above (see cache-system.ts).
   */
  readonly inclusive?: boolean;
  /**
   * Reachable by set/way and described in CLIDR/CCSIDR (default true). `false` makes a
   * system-level cache beyond LoC: invisible to the guest, untouched by DC ISW/CSW/CISW, but
   * cleaned and invalidated by maintenance by address to the Point of Coherency.
   */
  readonly setWay?: boolean;
  /**
   * CCSIDR bits [31:28]. ARMv7 and early DDI 0487 issues define them as WT, WB, RA, WA; later
   * issues leave them IMPLEMENTATION DEFINED. Default 0b0111 for data/unified, 0b0010 for
   * instruction caches, which is what Cortex-A7/A15/A53 report.
   */
  readonly ccsidrFlags?: number;
}

/** Raw CTR field values that override the ones derived from the levels (D17 "CTR_EL0"). */
export interface CtrFields {
  /** IminLine [3:0]: log2(words) of the smallest instruction cache line. */
  readonly iminLine?: number;
  /** DminLine [19:16]: log2(words) of the smallest data/unified cache line. */
  readonly dminLine?: number;
  /** L1Ip [15:14]: 0b01 AIVIVT (AArch32 only), 0b10 VIPT, 0b11 PIPT. */
  readonly l1ip?: number;
  /** ERG [23:20]: log2(words) of the exclusives reservation granule. */
  readonly erg?: number;
  /** CWG [27:24]: log2(words) of the cache writeback granule. */
  readonly cwg?: number;
  /** IDC [28]: clean to PoU not required for instruction-to-data coherence. */
  readonly idc?: number;
  /** DIC [29]: instruction invalidation to PoU not required. */
  readonly dic?: number;
}

export interface CacheSystemConfig {
  readonly name: string;
  /** Cluster number of each CPU; its length is the number of CPUs. */
  readonly clusterOfCpu: readonly number[];
  readonly levels: readonly CacheLevelConfig[];
  /** CLIDR.LoUIS, LoC, LoUU (levels, 0..7). */
  readonly louis: number;
  readonly loc: number;
  readonly louu: number;
  /** CLIDR ICB (inner cache boundary), 0 = not disclosed. AArch32 CLIDR holds bits [1:0] at [31:30]. */
  readonly icb?: number;
  readonly ctr?: CtrFields;
  /** DC ZVA block size in bytes (DCZID_EL0.BS = log2(bytes / 4)); default 64. */
  readonly zvaBlockBytes?: number;
}

/** One cache of the hierarchy as every CPU sees it, with the derived set/way operand shifts. */
export interface CacheLevelGeometry {
  readonly level: number;
  readonly kind: CacheKind;
  readonly lineBytes: number;
  readonly ways: number;
  readonly sets: number;
  readonly sharing: CacheSharing;
  readonly setWay: boolean;
  readonly ccsidrFlags: number;
  /** L = log2(line bytes): the set field starts here (D7.5, set/way operand). */
  readonly lineShift: number;
  /** A = ceil(log2(ways)): the way field is bits [31:32-A]. */
  readonly wayBits: number;
  /** S = ceil(log2(sets)): the set field is bits [L+S-1:L]. */
  readonly setBits: number;
}

const SHARING_ORDER: Record<CacheSharing, number> = { cpu: 0, cluster: 1, system: 2 };

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** ceil(log2(n)) for n >= 1. */
export function ceilLog2(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

function isIntIn(n: unknown, lo: number, hi: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi;
}

export class CacheGeometry {
  readonly name: string;
  readonly cpus: number;
  readonly clusterOfCpu: readonly number[];
  readonly clusters: number;
  /** Every level, ordered by level then kind (data/unified before instruction). */
  readonly levels: readonly CacheLevelGeometry[];
  /** The data/unified levels, ordered by level: the path of every data access. */
  readonly dataLevels: readonly CacheLevelGeometry[];
  /** Line size shared by all data/unified levels. */
  readonly lineBytes: number;
  readonly louis: number;
  readonly loc: number;
  readonly louu: number;
  readonly icb: number;
  readonly zvaBlockBytes: number;
  private readonly ctrValue: number;
  private readonly clidrValue: number;

  constructor(config: CacheSystemConfig) {
    const fail = (detail: string): never => {
      throw new CacheConfigError(String(config?.name ?? '?'), detail);
    };
    this.name = config.name;
    const clusters = config.clusterOfCpu;
    if (!Array.isArray(clusters) || clusters.length === 0) fail('clusterOfCpu must list at least one CPU');
    clusters.forEach((c, cpu) => {
      if (!isIntIn(c, 0, 255)) fail(`CPU ${cpu} has cluster ${String(c)}, expected an integer 0..255`);
    });
    this.cpus = clusters.length;
    this.clusterOfCpu = [...clusters];
    this.clusters = Math.max(...clusters) + 1;

    const levels: CacheLevelGeometry[] = [];
    for (const [i, l] of config.levels.entries()) {
      const where = `level entry ${i} (L${String(l.level)} ${String(l.kind)})`;
      if (!isIntIn(l.level, 1, 7)) fail(`${where}: level must be 1..7`);
      if (l.kind !== 'data' && l.kind !== 'instruction' && l.kind !== 'unified') fail(`${where}: unknown kind`);
      if (!isPowerOfTwo(l.lineBytes) || l.lineBytes < 16 || l.lineBytes > 2048) {
        fail(`${where}: lineBytes ${l.lineBytes} must be a power of two, 16..2048 (CCSIDR.LineSize)`);
      }
      if (!isIntIn(l.ways, 1, 1024)) fail(`${where}: ways ${l.ways} must be 1..1024 (CCSIDR.Associativity)`);
      if (!isIntIn(l.sets, 1, 32768)) fail(`${where}: sets ${l.sets} must be 1..32768 (CCSIDR.NumSets)`);
      if (l.sharing !== 'cpu' && l.sharing !== 'cluster' && l.sharing !== 'system') fail(`${where}: unknown sharing`);
      if (l.inclusive === true) fail(`${where}: inclusive caches are not modelled (every level is non-inclusive)`);
      const setWay = l.setWay ?? true;
      // The S/W operand is 32 bits: Way [31:32-A] must sit above Set [L+S-1:L] (D7.5).
      if (setWay && ceilLog2(l.ways) + Math.log2(l.lineBytes) + ceilLog2(l.sets) > 32) {
        fail(`${where}: A + L + S exceeds 32, so its set/way operand fields would overlap`);
      }
      if (!setWay && l.kind === 'instruction') fail(`${where}: only data/unified caches can be beyond set/way`);
      const flags = l.ccsidrFlags ?? (l.kind === 'instruction' ? 0b0010 : 0b0111);
      if (!isIntIn(flags, 0, 15)) fail(`${where}: ccsidrFlags must be 0..15`);
      levels.push({
        level: l.level,
        kind: l.kind,
        lineBytes: l.lineBytes,
        ways: l.ways,
        sets: l.sets,
        sharing: l.sharing,
        setWay,
        ccsidrFlags: flags,
        lineShift: Math.log2(l.lineBytes),
        wayBits: ceilLog2(l.ways),
        setBits: ceilLog2(l.sets),
      });
    }
    levels.sort((a, b) => a.level - b.level || Number(a.kind === 'instruction') - Number(b.kind === 'instruction'));
    this.levels = levels;

    // One data-or-unified and at most one instruction cache per level; unified excludes split.
    for (let n = 1; n <= 7; n++) {
      const at = levels.filter((l) => l.level === n);
      const kinds = at.map((l) => l.kind);
      if (new Set(kinds).size !== kinds.length) fail(`L${n} has two caches of the same kind`);
      if (kinds.includes('unified') && kinds.length > 1) fail(`L${n} is unified and also split`);
    }
    const dataLevels = levels.filter((l) => l.kind !== 'instruction');
    if (dataLevels.length === 0) fail('no data or unified cache');
    if (dataLevels[0].level !== 1) fail('the first data/unified cache must be at level 1');
    for (let i = 1; i < dataLevels.length; i++) {
      const prev = dataLevels[i - 1];
      const cur = dataLevels[i];
      if (cur.level !== prev.level + 1) fail(`data/unified levels must be contiguous (L${prev.level} then L${cur.level})`);
      if (cur.lineBytes !== prev.lineBytes) fail('all data/unified caches must share one line size');
      if (SHARING_ORDER[cur.sharing] < SHARING_ORDER[prev.sharing]) {
        fail(`L${cur.level} is shared more narrowly ('${cur.sharing}') than L${prev.level} ('${prev.sharing}')`);
      }
      if (prev.setWay === false && cur.setWay) fail(`L${cur.level} is reachable by set/way but L${prev.level} is not`);
    }
    for (const l of levels) {
      if (l.setWay) continue;
      // Caches invisible to S/W must be outermost: nothing visible may sit at or beyond their level.
      if (levels.some((o) => o.setWay && o.level >= l.level)) fail(`L${l.level} is beyond set/way but a visible cache is at or beyond it`);
    }
    this.dataLevels = dataLevels;
    this.lineBytes = dataLevels[0].lineBytes;

    const visibleLevels = levels.filter((l) => l.setWay);
    const maxVisible = visibleLevels.reduce((m, l) => Math.max(m, l.level), 0);
    for (const [field, v] of [
      ['louis', config.louis],
      ['loc', config.loc],
      ['louu', config.louu],
    ] as const) {
      if (!isIntIn(v, 0, maxVisible)) fail(`${field} ${String(v)} must be 0..${maxVisible} (the outermost level in CLIDR)`);
    }
    this.louis = config.louis;
    this.loc = config.loc;
    this.louu = config.louu;
    this.icb = config.icb ?? 0;
    if (!isIntIn(this.icb, 0, 7)) fail('icb must be 0..7');
    this.zvaBlockBytes = config.zvaBlockBytes ?? 64;
    if (!isPowerOfTwo(this.zvaBlockBytes) || this.zvaBlockBytes < 4 || this.zvaBlockBytes > 2048) {
      fail(`zvaBlockBytes ${this.zvaBlockBytes} must be a power of two, 4..2048 (DCZID_EL0.BS)`);
    }

    // CLIDR (D17 "CLIDR_EL1"): Ctype<n> at [3n-1:3n-3], LoUIS [23:21], LoC [26:24], LoUU [29:27],
    // ICB [31:30] in the AArch32 view (AArch64 ICB is [32:30]).
    let clidr = 0;
    for (let n = 1; n <= 7; n++) {
      const at = visibleLevels.filter((l) => l.level === n);
      const hasI = at.some((l) => l.kind === 'instruction');
      const hasD = at.some((l) => l.kind === 'data');
      const ctype = at.some((l) => l.kind === 'unified') ? 0b100 : hasI && hasD ? 0b011 : hasD ? 0b010 : hasI ? 0b001 : 0;
      clidr |= ctype << (3 * (n - 1));
    }
    clidr |= (this.louis << 21) | (this.loc << 24) | (this.louu << 27) | ((this.icb & 3) << 30);
    this.clidrValue = clidr >>> 0;

    // CTR (D17 "CTR_EL0"): bit 31 RES1 (the ARMv7 format field 0b100 in AArch32), DIC [29], IDC [28],
    // CWG [27:24], ERG [23:20], DminLine [19:16], L1Ip [15:14], IminLine [3:0].
    const wordsLog2 = (bytes: number): number => Math.log2(bytes / 4);
    const iLines = levels.filter((l) => l.kind !== 'data' && l.setWay).map((l) => l.lineBytes);
    const dLines = dataLevels.filter((l) => l.setWay).map((l) => l.lineBytes);
    const o = config.ctr ?? {};
    const imin = o.iminLine ?? (iLines.length ? wordsLog2(Math.min(...iLines)) : wordsLog2(this.lineBytes));
    const dmin = o.dminLine ?? wordsLog2(Math.min(...(dLines.length ? dLines : [this.lineBytes])));
    const cwg = o.cwg ?? wordsLog2(Math.max(...dataLevels.map((l) => l.lineBytes)));
    const erg = o.erg ?? 4;
    const l1ip = o.l1ip ?? 0b11;
    const idc = o.idc ?? 0;
    const dic = o.dic ?? 0;
    for (const [field, v, max] of [
      ['iminLine', imin, 15],
      ['dminLine', dmin, 15],
      ['cwg', cwg, 15],
      ['erg', erg, 15],
      ['l1ip', l1ip, 3],
      ['idc', idc, 1],
      ['dic', dic, 1],
    ] as const) {
      if (!isIntIn(v, 0, max)) fail(`CTR field ${field} ${String(v)} must be 0..${max}`);
    }
    this.ctrValue = ((1 << 31) | (dic << 29) | (idc << 28) | (cwg << 24) | (erg << 20) | (dmin << 16) | (l1ip << 14) | imin) >>> 0;
  }

  /** CLIDR / CLIDR_EL1 bits [31:0] as CPU `cpu` reports it. */
  clidr(cpu: number): number {
    this.checkCpu(cpu);
    return this.clidrValue;
  }

  /** CLIDR_EL1 bits [63:32]: ICB bit 2 lands in bit 32 (D17 "CLIDR_EL1"). */
  clidrHigh(cpu: number): number {
    this.checkCpu(cpu);
    return this.icb >>> 2;
  }

  /**
   * CCSIDR / CCSIDR_EL1 (32-bit format, without FEAT_CCIDX) for the cache `csselr` selects:
   * CSSELR.Level [3:1] = level - 1, CSSELR.InD [0] = 1 for the instruction cache. Returns 0 for a
   * cache that does not exist (the Arm ARM makes that read CONSTRAINED UNPREDICTABLE; QEMU reads 0).
   * Layout (D17 "CCSIDR_EL1"): NumSets [27:13] = sets - 1, Associativity [12:3] = ways - 1,
   * LineSize [2:0] = log2(bytes) - 4.
   */
  ccsidr(cpu: number, csselr: number): number {
    this.checkCpu(cpu);
    const level = ((csselr >>> 1) & 7) + 1;
    const wantInstruction = (csselr & 1) === 1;
    const l = this.levels.find((c) => c.setWay && c.level === level && (c.kind === 'instruction') === wantInstruction);
    if (l === undefined) return 0;
    return ((l.ccsidrFlags << 28) | ((l.sets - 1) << 13) | ((l.ways - 1) << 3) | (l.lineShift - 4)) >>> 0;
  }

  /** CTR / CTR_EL0. */
  ctr(cpu: number): number {
    this.checkCpu(cpu);
    return this.ctrValue;
  }

  /** DCZID_EL0: DZP [4] = 0 (DC ZVA permitted), BS [3:0] = log2(block bytes / 4). */
  dczid(cpu: number): number {
    this.checkCpu(cpu);
    return Math.log2(this.zvaBlockBytes / 4);
  }

  /** The data/unified cache at `level` (1-based), or undefined. */
  dataLevel(level: number): CacheLevelGeometry | undefined {
    return this.dataLevels.find((l) => l.level === level);
  }

  checkCpu(cpu: number): void {
    if (!isIntIn(cpu, 0, this.cpus - 1)) {
      throw new CacheAccessError(`cache system '${this.name}': CPU ${String(cpu)} does not exist (CPUs 0..${this.cpus - 1})`);
    }
  }
}
