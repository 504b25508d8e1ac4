/**
 * Cache model throughput: cacheable accesses per second on the L1-hit and the miss paths, and the
 * time of one full set/way flush (every level to LoC, every set and way, as a guest loop computes
 * the operands from CLIDR/CCSIDR) of the cubietruck preset with its caches full of dirty data.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CacheSystem } from '../src/cache/cache-system';
import { forEachFlushOperand } from '../src/cache/set-way-walk';
import { PhysicalMemory } from '../src/mmu/physical-memory';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

const RAM = { base: 0x4000_0000, size: 0x1000_0000 };

function fresh(): CacheSystem {
  return new CacheSystem('cubietruck', new PhysicalMemory([RAM]));
}

/** Best of `rounds` timings of `body`, in milliseconds. */
function bestOf(rounds: number, body: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    body();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export function benchCache(): BenchResult[] {
  const results: BenchResult[] = [];
  let sink = 0;

  // L1 hits: 16 KiB working set in a 32 KiB L1D.
  {
    const cs = fresh();
    const n = 2_000_000;
    for (let a = 0; a < 16384; a += 4) cs.write(0, RAM.base + a, 4, a);
    const readMs = bestOf(3, () => {
      for (let i = 0; i < n; i++) sink ^= cs.read(0, RAM.base + ((i * 4) & 16383), 4);
    });
    const writeMs = bestOf(3, () => {
      for (let i = 0; i < n; i++) cs.write(0, RAM.base + ((i * 4) & 16383), 4, i);
    });
    results.push({ name: 'cache: L1-hit reads', value: Math.round(n / (readMs / 1000)), unit: 'accesses/s' });
    results.push({ name: 'cache: L1-hit writes', value: Math.round(n / (writeMs / 1000)), unit: 'accesses/s' });
  }

  // Misses: one access per 64-byte line over 64 MiB, so L1 and L2 miss every time (clean victims).
  {
    const cs = fresh();
    const n = 200_000;
    let base = 0;
    const readMs = bestOf(3, () => {
      for (let i = 0; i < n; i++) sink ^= cs.read(0, RAM.base + ((base + i * 64) % 0x400_0000), 4);
      base += n * 64;
    });
    results.push({ name: 'cache: miss reads (L1+L2 miss, from memory)', value: Math.round(n / (readMs / 1000)), unit: 'accesses/s' });
    // Write misses: every fill also evicts a dirty victim into L2, which evicts one to memory.
    const writeMs = bestOf(3, () => {
      for (let i = 0; i < n; i++) cs.write(0, RAM.base + ((base + i * 64) % 0x400_0000), 4, i);
      base += n * 64;
    });
    results.push({ name: 'cache: miss writes (dirty victims written back)', value: Math.round(n / (writeMs / 1000)), unit: 'accesses/s' });
  }

  // Full S/W flush (DC CISW to LoC) of cubietruck with every L1 and L2 line dirty.
  {
    const cs = fresh();
    const clidr = cs.clidr(0);
    const ccsidrOf = (sel: number): number => cs.ccsidr(0, sel);
    const flush = (operand: number): void => void cs.setWay(0, 'cisw', operand);
    let dirtyMs = Infinity;
    for (let round = 0; round < 5; round++) {
      // 512 KiB of writes: L1 (32 KiB) and L2 (256 KiB) end up full of dirty lines.
      for (let a = 0; a < 0x8_0000; a += 64) cs.write(0, RAM.base + round * 0x10_0000 + a, 4, a);
      const t0 = performance.now();
      forEachFlushOperand(clidr, ccsidrOf, flush);
      dirtyMs = Math.min(dirtyMs, performance.now() - t0);
    }
    const emptyMs = bestOf(5, () => forEachFlushOperand(clidr, ccsidrOf, flush));
    results.push({ name: 'cache: full S/W flush of cubietruck, all lines dirty (4608 DC CISW)', value: Number(dirtyMs.toFixed(3)), unit: 'ms' });
    results.push({ name: 'cache: full S/W flush of cubietruck, caches empty (4608 DC CISW)', value: Number(emptyMs.toFixed(3)), unit: 'ms' });
  }

  if (sink === 0.5) results.push({ name: 'unreachable', value: sink, unit: '' });
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of benchCache()) console.log(`${r.name}: ${r.value} ${r.unit}`);
}
