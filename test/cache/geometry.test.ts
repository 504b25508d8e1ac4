import { describe, expect, it } from 'vitest';
import { CacheGeometry, type CacheSystemConfig } from '../../src/cache/geometry';
import { CACHE_PRESETS, cachePreset } from '../../src/cache/presets';
import { CacheAccessError, CacheConfigError } from '../../src/cache/errors';

// Field extraction written from the register layouts in the Arm ARM (DDI 0487, D17):
// CLIDR_EL1: Ctype<n> [3n-1:3n-3], LoUIS [23:21], LoC [26:24], LoUU [29:27], ICB [31:30] (AArch32 view).
const clidrFields = (v: number) => ({
  ctype: [1, 2, 3, 4, 5, 6, 7].map((n) => (v >>> (3 * (n - 1))) & 7),
  louis: (v >>> 21) & 7,
  loc: (v >>> 24) & 7,
  louu: (v >>> 27) & 7,
  icb: (v >>> 30) & 3,
});
// CCSIDR_EL1 (32-bit form): [31:28] flags, NumSets [27:13], Associativity [12:3], LineSize [2:0].
const ccsidrFields = (v: number) => ({
  flags: v >>> 28,
  sets: ((v >>> 13) & 0x7fff) + 1,
  ways: ((v >>> 3) & 0x3ff) + 1,
  lineBytes: 1 << ((v & 7) + 4),
});
// CTR_EL0: [31] RES1, DIC [29], IDC [28], CWG [27:24], ERG [23:20], DminLine [19:16], L1Ip [15:14], IminLine [3:0].
const ctrFields = (v: number) => ({
  res1: v >>> 31,
  dic: (v >>> 29) & 1,
  idc: (v >>> 28) & 1,
  cwgBytes: 4 << ((v >>> 24) & 15),
  ergBytes: 4 << ((v >>> 20) & 15),
  dminBytes: 4 << ((v >>> 16) & 15),
  l1ip: (v >>> 14) & 3,
  iminBytes: 4 << (v & 15),
  res0: v & 0x3ff0,
});
const csselr = (level: number, instruction: boolean) => ((level - 1) << 1) | (instruction ? 1 : 0);

describe('cubietruck geometry (Cortex-A7 TRM values)', () => {
  const g = new CacheGeometry(cachePreset('cubietruck'));

  it('reports CLIDR 0x0A200023: split L1, unified L2, LoUIS 1, LoC 2, LoUU 1', () => {
    const v = g.clidr(0);
    expect(v).toBe(0x0a200023);
    expect(clidrFields(v)).toEqual({ ctype: [3, 4, 0, 0, 0, 0, 0], louis: 1, loc: 2, louu: 1, icb: 0 });
    expect(g.clidr(1)).toBe(v);
  });

  it('reports CCSIDR per CSSELR: L1D 32 KB 4-way 64 B, L1I 32 KB 2-way 32 B, L2 256 KB 8-way 64 B', () => {
    const l1d = g.ccsidr(0, csselr(1, false));
    const l1i = g.ccsidr(0, csselr(1, true));
    const l2 = g.ccsidr(1, csselr(2, false));
    expect(ccsidrFields(l1d)).toEqual({ flags: 0b0111, sets: 128, ways: 4, lineBytes: 64 });
    expect(ccsidrFields(l1i)).toEqual({ flags: 0b0010, sets: 512, ways: 2, lineBytes: 32 });
    expect(ccsidrFields(l2)).toEqual({ flags: 0b0111, sets: 512, ways: 8, lineBytes: 64 });
    // The complete encodings the Cortex-A7 TRM lists for these sizes.
    expect([l1d, l1i, l2]).toEqual([0x700fe01a, 0x203fe009, 0x703fe03a]);
  });

  it('reads 0 for a CSSELR that selects no cache (L2 instruction, L3)', () => {
    expect(g.ccsidr(0, csselr(2, true))).toBe(0);
    expect(g.ccsidr(0, csselr(3, false))).toBe(0);
    expect(g.ccsidr(0, 0xe)).toBe(0);
  });

  it('reports CTR 0x84448003: 32 B I-lines, 64 B D-lines, VIPT L1I, 64 B CWG/ERG', () => {
    const v = g.ctr(0);
    expect(v).toBe(0x84448003);
    expect(ctrFields(v)).toEqual({ res1: 1, dic: 0, idc: 0, cwgBytes: 64, ergBytes: 64, dminBytes: 64, l1ip: 0b10, iminBytes: 32, res0: 0 });
  });

  it('derives the S/W operand shifts the Arm ARM defines (A, L, S)', () => {
    const l1 = g.dataLevel(1)!;
    const l2 = g.dataLevel(2)!;
    expect([l1.wayBits, l1.lineShift, l1.setBits]).toEqual([2, 6, 7]);
    expect([l2.wayBits, l2.lineShift, l2.setBits]).toEqual([3, 6, 9]);
  });

  it('rejects a CPU that does not exist with a typed error', () => {
    expect(() => g.clidr(2)).toThrow(CacheAccessError);
    expect(() => g.ccsidr(-1, 0)).toThrow(/CPU -1 does not exist/);
  });
});

describe('server geometry', () => {
  const g = new CacheGeometry(cachePreset('server'));

  it('hides the system-level cache from CLIDR/CCSIDR while keeping it in the data path', () => {
    const f = clidrFields(g.clidr(3));
    expect(f.ctype).toEqual([3, 4, 0, 0, 0, 0, 0]);
    expect([f.louis, f.loc, f.louu]).toEqual([1, 2, 1]);
    expect(g.ccsidr(0, csselr(3, false))).toBe(0);
    expect(g.dataLevels.map((l) => [l.level, l.sharing, l.setWay])).toEqual([
      [1, 'cpu', true],
      [2, 'cluster', true],
      [3, 'system', false],
    ]);
    expect(g.clusters).toBe(2);
    expect(g.cpus).toBe(4);
  });

  it('reports CCSIDR and CTR (PIPT, 64 B lines) and DCZID (64 B blocks)', () => {
    expect(ccsidrFields(g.ccsidr(2, csselr(1, false)))).toEqual({ flags: 7, sets: 256, ways: 4, lineBytes: 64 });
    expect(ccsidrFields(g.ccsidr(2, csselr(2, false)))).toEqual({ flags: 7, sets: 1024, ways: 8, lineBytes: 64 });
    expect(ctrFields(g.ctr(0))).toMatchObject({ res1: 1, l1ip: 0b11, iminBytes: 64, dminBytes: 64, cwgBytes: 64 });
    expect(g.ctr(0)).toBe(0x8444c004);
    // DCZID_EL0: DZP [4] = 0, BS [3:0] = log2(words) = 4 for 64 bytes.
    expect(g.dczid(0)).toBe(4);
  });
});

describe('QEMU presets, field by field', () => {
  it('qemu-cortex-a7 keeps QEMU\'s inconsistent IminLine (32 B) next to a 64 B L1I', () => {
    const g = new CacheGeometry(cachePreset('qemu-cortex-a7'));
    expect(ctrFields(g.ctr(0))).toMatchObject({ iminBytes: 32, l1ip: 0b10, dminBytes: 64 });
    expect(ccsidrFields(g.ccsidr(0, csselr(1, true))).lineBytes).toBe(64);
  });

  it('qemu L2 of 2304 sets (not a power of two) gets S = 12 set bits', () => {
    const g = new CacheGeometry(cachePreset('qemu-cortex-a15'));
    const l2 = g.dataLevel(2)!;
    expect(ccsidrFields(g.ccsidr(0, csselr(2, false)))).toEqual({ flags: 7, sets: 2304, ways: 16, lineBytes: 64 });
    expect([l2.wayBits, l2.setBits, l2.lineShift]).toEqual([4, 12, 6]);
  });
});

describe('configuration validation', () => {
  const base: CacheSystemConfig = {
    name: 't',
    clusterOfCpu: [0],
    levels: [{ level: 1, kind: 'unified', lineBytes: 64, ways: 2, sets: 4, sharing: 'cpu' }],
    louis: 1,
    loc: 1,
    louu: 1,
  };
  const bad: [string, Partial<CacheSystemConfig>, RegExp][] = [
    ['no CPUs', { clusterOfCpu: [] }, /at least one CPU/],
    ['line size not a power of two', { levels: [{ ...base.levels[0], lineBytes: 48 }] }, /lineBytes 48/],
    ['too many ways', { levels: [{ ...base.levels[0], ways: 1025 }] }, /ways 1025/],
    ['too many sets', { levels: [{ ...base.levels[0], sets: 40000 }] }, /sets 40000/],
    ['inclusive', { levels: [{ ...base.levels[0], inclusive: true }] }, /inclusive/],
    ['LoC beyond the hierarchy', { loc: 3 }, /loc 3/],
    [
      'mixed line sizes',
      { levels: [base.levels[0], { level: 2, kind: 'unified', lineBytes: 128, ways: 2, sets: 4, sharing: 'system' }] },
      /one line size/,
    ],
    [
      'a private level beyond a shared one',
      {
        levels: [
          { ...base.levels[0], sharing: 'system' },
          { level: 2, kind: 'unified', lineBytes: 64, ways: 2, sets: 4, sharing: 'cpu' },
        ],
      },
      /more narrowly/,
    ],
    [
      'a visible level beyond an invisible one',
      {
        levels: [
          { ...base.levels[0], setWay: false },
          { level: 2, kind: 'unified', lineBytes: 64, ways: 2, sets: 4, sharing: 'system' },
        ],
      },
      /beyond set\/way|reachable by set\/way/,
    ],
    ['a gap in the levels', { levels: [base.levels[0], { level: 3, kind: 'unified', lineBytes: 64, ways: 2, sets: 4, sharing: 'system' }] }, /contiguous/],
    ['DC ZVA block too small', { zvaBlockBytes: 2 }, /zvaBlockBytes/],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what} with a CacheConfigError naming the problem`, () => {
      expect(() => new CacheGeometry({ ...base, ...patch })).toThrow(CacheConfigError);
      expect(() => new CacheGeometry({ ...base, ...patch })).toThrow(message);
    });
  }

  it('accepts every preset', () => {
    for (const name of Object.keys(CACHE_PRESETS)) expect(() => new CacheGeometry(cachePreset(name))).not.toThrow();
    expect(() => cachePreset('cray-1')).toThrow(/no such preset/);
  });
});
