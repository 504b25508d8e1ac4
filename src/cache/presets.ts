/**
 * Named cache configurations. Each reproduces the identification registers of a real CPU or of
 * what QEMU's `virt` machine reports; test/cache/geometry.test.ts checks every value field by field.
 */
import type { CacheSystemConfig } from './geometry';
import { CacheConfigError } from './errors';

/**
 * Cubietruck (Allwinner A20): 2 x Cortex-A7 in one cluster. Cortex-A7 TRM (DDI 0464) values:
 * L1D 32 KB 4-way 64-byte lines (CCSIDR 0x700FE01A), L1I 32 KB 2-way 32-byte lines (0x203FE009),
 * L2 256 KB 8-way 64-byte lines shared (0x703FE03A), CLIDR 0x0A200023, CTR 0x84448003 (VIPT L1I).
 */
const cubietruck: CacheSystemConfig = {
  name: 'cubietruck',
  clusterOfCpu: [0, 0],
  levels: [
    { level: 1, kind: 'data', lineBytes: 64, ways: 4, sets: 128, sharing: 'cpu' },
    { level: 1, kind: 'instruction', lineBytes: 32, ways: 2, sets: 512, sharing: 'cpu' },
    { level: 2, kind: 'unified', lineBytes: 64, ways: 8, sets: 512, sharing: 'cluster' },
  ],
  louis: 1,
  loc: 2,
  louu: 1,
  ctr: { l1ip: 0b10 },
};

/**
 * An AArch64 server: 4 CPUs in two clusters, private 64 KB L1D/L1I, a 512 KB L2 per cluster and a
 * 2 MB system-level cache shared by all, beyond LoC: not in CLIDR, not reached by set/way, but
 * cleaned by maintenance by address to the Point of Coherency.
 */
const server: CacheSystemConfig = {
  name: 'server',
  clusterOfCpu: [0, 0, 1, 1],
  levels: [
    { level: 1, kind: 'data', lineBytes: 64, ways: 4, sets: 256, sharing: 'cpu' },
    { level: 1, kind: 'instruction', lineBytes: 64, ways: 4, sets: 256, sharing: 'cpu' },
    { level: 2, kind: 'unified', lineBytes: 64, ways: 8, sets: 1024, sharing: 'cluster' },
    { level: 3, kind: 'unified', lineBytes: 64, ways: 16, sets: 2048, sharing: 'system', setWay: false },
  ],
  louis: 1,
  loc: 2,
  louu: 1,
  ctr: { l1ip: 0b11 },
  zvaBlockBytes: 64,
};

/*
 * QEMU presets: the values QEMU 7.2 reports for `-M virt -cpu <cpu>`, read by a bare-metal program
 * (test/cache/qemu-id-registers.test.ts records them and re-reads them from QEMU when it is
 * installed). QEMU gives the A7 the A15's cache sizes: L1D/L1I 32 KB 2-way 64-byte lines and a
 * 16-way L2 of 2304 sets (CCSIDR 0x711FE07A), and its A7 CTR says 32-byte I-lines (IminLine 3)
 * although its L1I CCSIDR says 64: both are reproduced as QEMU reports them.
 */
const qemuA15Levels: CacheSystemConfig['levels'] = [
  { level: 1, kind: 'data', lineBytes: 64, ways: 2, sets: 256, sharing: 'cpu' },
  { level: 1, kind: 'instruction', lineBytes: 64, ways: 2, sets: 256, sharing: 'cpu' },
  { level: 2, kind: 'unified', lineBytes: 64, ways: 16, sets: 2304, sharing: 'cluster' },
];

const qemuCortexA7: CacheSystemConfig = {
  name: 'qemu-cortex-a7',
  clusterOfCpu: [0, 0],
  levels: qemuA15Levels,
  louis: 1,
  loc: 2,
  louu: 1,
  ctr: { l1ip: 0b10, iminLine: 3 },
};

const qemuCortexA15: CacheSystemConfig = {
  name: 'qemu-cortex-a15',
  clusterOfCpu: [0, 0],
  levels: qemuA15Levels,
  louis: 1,
  loc: 2,
  louu: 1,
  ctr: { l1ip: 0b11 },
};

const qemuCortexA53: CacheSystemConfig = {
  name: 'qemu-cortex-a53',
  clusterOfCpu: [0, 0, 0, 0],
  levels: [
    { level: 1, kind: 'data', lineBytes: 64, ways: 4, sets: 128, sharing: 'cpu' },
    { level: 1, kind: 'instruction', lineBytes: 64, ways: 2, sets: 256, sharing: 'cpu' },
    { level: 2, kind: 'unified', lineBytes: 64, ways: 16, sets: 1024, sharing: 'cluster' },
  ],
  louis: 1,
  loc: 2,
  louu: 1,
  ctr: { l1ip: 0b10 },
  zvaBlockBytes: 64,
};

export const CACHE_PRESETS = {
  cubietruck,
  server,
  'qemu-cortex-a7': qemuCortexA7,
  'qemu-cortex-a15': qemuCortexA15,
  'qemu-cortex-a53': qemuCortexA53,
} as const satisfies Record<string, CacheSystemConfig>;

export type CachePresetName = keyof typeof CACHE_PRESETS;

export function isCachePresetName(name: string): name is CachePresetName {
  return Object.prototype.hasOwnProperty.call(CACHE_PRESETS, name);
}

/** The configuration of a named preset; a typed error lists the known names. */
export function cachePreset(name: string): CacheSystemConfig {
  if (!isCachePresetName(name)) {
    throw new CacheConfigError(name, `no such preset (known: ${Object.keys(CACHE_PRESETS).join(', ')})`);
  }
  return CACHE_PRESETS[name];
}
