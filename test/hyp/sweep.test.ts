/** The sweep: rows per (policy, migration), pooled per policy with a Wilson interval, replayable seeds. */
import { describe, expect, it } from 'vitest';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { runFunction } from '../../src/scenarios/function-harness';
import { loadGuestImage } from '../../src/scenarios/load-image';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import type { ScenarioResult } from '../../src/scenarios/result';
import { DEFAULT_SWEEP_MIGRATIONS, logSpacedSlices, shardIndices, summarisePolicies, sweep, sweepRows } from '../../src/scenarios/sweep';
import { runSweepSchedulesOnCores, sweepOnCores } from '../../src/scenarios/sweep-parallel';
import { formatMigrationMode, type MigrationMode } from '../../src/hyp/scheduler';

const SMALL = { bufferBytes: 4 * 1024, guestRamBytes: 16 * 2 ** 20, preset: 'cubietruck' } as const;
const MID_RANDOM: MigrationMode = { kind: 'random', meanInstructions: 1600 };
const ADVERSARIAL: MigrationMode = { kind: 'adversarial', instructions: 16 };

describe('sweep', () => {
  it('default migrations: random slices log-spaced over 50..50,000, then adversarial', () => {
    expect(logSpacedSlices(50, 50_000, 7)).toEqual([50, 160, 500, 1600, 5000, 16000, 50000]);
    expect(DEFAULT_SWEEP_MIGRATIONS.map(formatMigrationMode)).toEqual([
      'random:50', 'random:160', 'random:500', 'random:1600', 'random:5000', 'random:16000', 'random:50000', 'adversarial:16',
    ]);
  });

  it('boot handoff on cubietruck: passthrough loses under a mid-size random slice, kvm never; seeds replay', () => {
    const results: ScenarioResult[] = [];
    const progress: number[] = [];
    const rows = sweep({
      ...SMALL,
      policies: ['passthrough', 'kvm'],
      migrations: [MID_RANDOM, ADVERSARIAL],
      seeds: 3,
      onRun: (r) => results.push(r),
      onProgress: (done, total) => {
        expect(total).toBe(12);
        progress.push(done);
      },
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rows.map((r) => `${r.policy} ${r.migration}`)).toEqual(['passthrough random:1600', 'passthrough adversarial:16', 'kvm random:1600', 'kvm adversarial:16']);
    const [ptRandom, , kvmRandom, kvmAdv] = rows;
    expect(ptRandom.losingRuns).toBeGreaterThan(0);
    expect(ptRandom.maxDataLost).toBeGreaterThan(0);
    expect(ptRandom.losingFraction).toBeCloseTo(ptRandom.losingRuns / 3, 12);
    expect(ptRandom.ciLow).toBeLessThanOrEqual(ptRandom.losingFraction);
    expect(ptRandom.ciHigh).toBeGreaterThanOrEqual(ptRandom.losingFraction);
    for (const r of [kvmRandom, kvmAdv]) {
      expect(r.losingRuns).toBe(0);
      expect(r.losingSeeds).toEqual([]);
      expect(r.maxDataLost).toBe(0);
      expect(r.ciLow).toBe(0);
      expect(r.ciHigh).toBeCloseTo(0.5615, 3); // Wilson upper bound for 0 of 3
      expect(r.meanTraps).toBeGreaterThan(1000); // kvm traps every S/W op
      expect(r.meanMigrations).toBeGreaterThan(0); // and it was moved: the zero means something
    }
    // Losing seeds are those whose verdict says so, and a seed run alone gives the same result.
    expect(results).toHaveLength(12);
    expect(ptRandom.losingSeeds).toEqual(results.slice(0, 3).filter(lostData).map((r) => r.seed));
    const seed = ptRandom.losingSeeds[0];
    const alone = runBootHandoff({ ...SMALL, policy: 'passthrough', migration: MID_RANDOM, seed });
    expect(lostData(alone)).toBe(true);
    expect(alone.dataLost).toBe(results[seed - 1].dataLost);
    expect(alone.migrations).toBe(results[seed - 1].migrations);

    const summary = summarisePolicies(rows);
    expect(summary.map((s) => s.policy)).toEqual(['passthrough', 'kvm']);
    const [pt, kvm] = summary;
    expect(pt.runs).toBe(6);
    expect(pt.losingRuns).toBe(rows[0].losingRuns + rows[1].losingRuns);
    expect(pt.losingSeeds[0]).toEqual({ migration: 'random:1600', seed });
    expect(kvm).toMatchObject({ runs: 6, losingRuns: 0, losingFraction: 0, ciLow: 0, losingSeeds: [] });
    expect(kvm.ciHigh).toBeCloseTo(0.3903, 3); // 0 of 6
  });

  it('a user function under the harness, from a seed other than 1', async () => {
    const image = await loadGuestImage('roms/build/a32-set-way.o', { load: 0x4100_0000 });
    const fn = { image, entry: image.findSymbol('flush_dcache_all').address };
    const results: ScenarioResult[] = [];
    const rows = sweep({ bufferBytes: 4 * 1024, policies: ['passthrough'], migrations: [{ kind: 'after-setway', k: 100 }], seeds: 2, firstSeed: 5, function: fn, onRun: (r) => results.push(r) });
    expect(results.map((r) => [r.scenario, r.seed])).toEqual([['function', 5], ['function', 6]]);
    expect(rows[0]).toMatchObject({ policy: 'passthrough', migration: 'after-sw:100', runs: 2, losingRuns: 2, losingSeeds: [5, 6] });
    const alone = runFunction({ ...fn, bufferBytes: 4 * 1024, policy: 'passthrough', migration: { kind: 'after-setway', k: 100 }, seed: 6 });
    expect(alone.dataLost).toBe(results[1].dataLost);
  });

  it('on two threads: the rows and onRun order of one thread; shards together are the whole sweep', async () => {
    const image = await loadGuestImage('roms/build/a32-set-way.o', { load: 0x4100_0000 });
    const fn = { image, entry: image.findSymbol('flush_dcache_all').address };
    const options = { bufferBytes: 4 * 1024, policies: ['passthrough', 'kvm'], migrations: [{ kind: 'after-setway', k: 100 } as const, MID_RANDOM], seeds: 3, function: fn };
    const inOrder = (results: ScenarioResult[]) => results.map((r) => `${r.policy} ${r.migration} ${r.seed} ${r.dataLost} ${r.traps}`);
    const one: ScenarioResult[] = [];
    const rows = sweep({ ...options, onRun: (r) => one.push(r) });
    const two: ScenarioResult[] = [];
    const progress: number[] = [];
    expect(await sweepOnCores({ ...options, jobs: 2, onRun: (r) => two.push(r), onProgress: (done) => progress.push(done) })).toEqual(rows);
    expect(inOrder(two)).toEqual(inOrder(one));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const shards = await Promise.all([1, 2, 3, 4, 5].map((k) => runSweepSchedulesOnCores({ ...options, jobs: 2, only: shardIndices(12, k, 5) })));
    expect(shards.map((s) => s.map((r) => r.index))).toEqual([[0, 5, 10], [1, 6, 11], [2, 7], [3, 8], [4, 9]]);
    expect(sweepRows(options, shards.flat().reverse())).toEqual(rows);
  });

  it('on two threads, the first failing schedule throws what it throws in one thread', async () => {
    const image = await loadGuestImage('roms/build/a32-set-way.o', { load: 0x4100_0000 });
    const options = { bufferBytes: 4 * 1024, policies: ['passthrough', 'kvm'], migrations: [MID_RANDOM], seeds: 2, function: { image, entry: image.findSymbol('flush_dcache_all').address }, budget: 5000 };
    let alone: Error | undefined;
    try {
      sweep(options);
    } catch (e) {
      alone = e as Error;
    }
    expect(alone?.name).toBe('BudgetExceeded');
    await expect(sweepOnCores({ ...options, jobs: 2 })).rejects.toMatchObject({ name: alone?.name, message: alone?.message });
  });
});
