/**
 * The timeline recorder's parts: CacheSystem.countDirtyLines against the cache's own list of dirty
 * lines, and windows that merge when full keep every count (sums, last values, maxima).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CacheSystem } from '../../src/cache/cache-system';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { SeededRandom } from '../../src/hyp/scheduler';
import { loadElf } from '../../src/rom';
import { runFunction } from '../../src/scenarios/function-harness';
import { romPath } from '../../src/scenarios/rom-images';
import { TimelineRecorder, type TimelineData } from '../../src/report/timeline-recorder';

describe('CacheSystem.countDirtyLines', () => {
  it('counts, cache by cache, the dirty lines dirtyLines() lists in the range', () => {
    const base = 0x4000_0000;
    const size = 4 * 2 ** 20;
    const memory = new PhysicalMemory([{ base, size }]);
    const caches = new CacheSystem('cubietruck', memory, { seed: 7 });
    const random = new SeededRandom(11);
    const out = new Float64Array(caches.caches.length);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3000; i++) {
        const pa = base + random.below(size / 4) * 4;
        if (random.below(3) === 0) caches.read(random.below(2), pa, 4);
        else caches.write(random.below(2), pa, 4, i);
      }
      if (round === 3) caches.cleanInvalidateAllToPoC();
      const low = base + random.below(2 ** 20);
      const high = low + random.below(3 * 2 ** 20);
      caches.countDirtyLines(low, high, out);
      const expected = caches.caches.map((c) => [...caches.dirtyLines((pa) => pa >= low && pa < high)].filter((d) => d.cache === c.name).length);
      expect([...out], `round ${round}`).toEqual(expected);
      if (round !== 3) expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
  });
});

describe('TimelineRecorder windows', () => {
  const image = loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });
  const record = (recorder: TimelineRecorder) => {
    const result = runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy: 'xen', bufferBytes: 32 * 1024, migration: { kind: 'random', meanInstructions: 2000 }, trace: recorder });
    return { result, timeline: recorder.finish() };
  };
  const fine = record(new TimelineRecorder());
  const coarse = record(new TimelineRecorder({ window: 64, maxWindows: 8 }));
  const total = (columns: readonly { counts: readonly number[] }[]) => columns.map((c) => c.counts.reduce((a, b) => a + b, 0));

  it('merge neighbours when full: at most maxWindows, the window doubled each time, ending at the last instruction', () => {
    expect(coarse.result).toMatchObject({ instructions: fine.result.instructions, traps: fine.result.traps, migrations: fine.result.migrations });
    const c: TimelineData = coarse.timeline;
    expect(c.ends.length).toBeLessThanOrEqual(8);
    expect(c.ends.length).toBeGreaterThan(2);
    expect(Math.log2(c.windowInstructions / 64) % 1).toBe(0);
    expect(c.windowInstructions).toBeGreaterThan(64);
    expect(c.ends.at(-1)).toBe(fine.result.instructions);
    expect(fine.timeline.ends.at(-1)).toBe(fine.result.instructions);
    expect(fine.timeline.ends.length).toBeGreaterThan(c.ends.length);
  });

  it('keep sums, last values and maxima across merges', () => {
    const f = fine.timeline;
    const c = coarse.timeline;
    expect(total(c.setWayByLevel)).toEqual(total(f.setWayByLevel));
    expect(total(c.trapsByClass)).toEqual(total(f.trapsByClass));
    expect(c.migrationsPerWindow.reduce((a, b) => a + b, 0)).toBe(fine.result.migrations);
    expect(c.migrations).toEqual(f.migrations);
    expect(c.el2Us.reduce((a, b) => a + b, 0)).toBeCloseTo(f.el2Us.reduce((a, b) => a + b, 0), 6);
    expect(Math.max(...c.el2LongestUs)).toBe(Math.max(...f.el2LongestUs));
    // Values sampled at window ends: the last window of both ends at the same instruction.
    expect(c.dirtyLines.map((s) => s.counts.at(-1))).toEqual(f.dirtyLines.map((s) => s.counts.at(-1)));
    expect(c.pcpuOf.map((s) => s.pcpus.at(-1))).toEqual(f.pcpuOf.map((s) => s.pcpus.at(-1)));
  });
});

describe('TimelineRecorder dirty-line samples', () => {
  it('count the dirty lines at the end of every window with a migration, as a scan of the caches then does', () => {
    // The scan is sampled (at most once per a quarter of the caches' slots in instructions), but a
    // window in which the vCPU moved is always scanned: the report says what it left behind.
    const image = loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });
    const truthAt = new Map<number, Map<string, number>>();
    class Checking extends TimelineRecorder {
      override ran(machine: Parameters<TimelineRecorder['ran']>[0], vcpu: Parameters<TimelineRecorder['ran']>[1]): void {
        super.ran(machine, vcpu);
        const out = new Float64Array(machine.caches.caches.length);
        const vm = machine.vms[0];
        machine.caches.countDirtyLines(vm.ramPa, vm.ramPa + vm.ramBytes, out);
        truthAt.set(machine.cost.guestInstructions, new Map(machine.caches.caches.map((c, i) => [c.name, out[i]])));
      }
    }
    const recorder = new Checking();
    runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy: 'passthrough', bufferBytes: 32 * 1024, migration: { kind: 'random', meanInstructions: 3000 }, trace: recorder });
    const t = recorder.finish();
    const moved = t.migrationsPerWindow.flatMap((moves, w) => (moves > 0 ? [w] : []));
    expect(moved.length).toBeGreaterThan(2);
    for (const w of moved) {
      const truth = truthAt.get(t.ends[w])!;
      expect(t.dirtyLines.map((s) => s.counts[w]), `window ${w}`).toEqual(t.dirtyLines.map((s) => truth.get(s.cache)));
    }
    expect(t.dirtyLines.some((s) => moved.some((w) => s.counts[w] > 0))).toBe(true);
  });
});
