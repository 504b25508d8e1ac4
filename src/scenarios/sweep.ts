/**
 * A scenario over many seeds, policies and migration modes: the boot-handoff ROM, or any function
 * of a user's image under the harness. Each run is judged against bare metal (lostData); rows
 * summarise each (policy, migration) pair and `summarisePolicies` pools every schedule a policy
 * was tried under, with a 95% confidence interval on the fraction of schedules that lose data.
 */
import { formatMigrationMode, type MigrationMode } from '../hyp/scheduler';
import type { LoadedImage } from '../rom/loaded-image';
import { BareMetalRuns } from './lockstep/bare-metal-runs';
import { lostData } from './lockstep/verdict';
import { runBootHandoff, type BootHandoffOptions } from './boot-handoff';
import { wilsonInterval } from './confidence-interval';
import { runFunction } from './function-harness';
import type { ScenarioResult } from './result';

/** A function of a loaded image, run under the boot-handoff harness (src/scenarios/function-harness.ts). */
export interface SweepFunction {
  readonly image: LoadedImage;
  /** Address of the function (link address). */
  readonly entry: number;
  readonly thumb?: boolean;
}

export interface SweepOptions extends Omit<BootHandoffOptions, 'policy' | 'migration' | 'seed'> {
  readonly policies: readonly string[];
  readonly migrations: readonly MigrationMode[];
  /** How many seeds for every (policy, migration) pair: firstSeed .. firstSeed + seeds - 1. */
  readonly seeds: number;
  /** First seed (default 1). */
  readonly firstSeed?: number;
  /** Sweep this function under the harness instead of the boot-handoff ROM (`isa` then comes from the image). */
  readonly function?: SweepFunction;
  readonly onProgress?: (done: number, total: number) => void;
  /** Every run's result, as it completes. */
  readonly onRun?: (result: ScenarioResult) => void;
}

/** How many of the runs lost data, with the 95% Wilson interval on that fraction. */
export interface LosingFraction {
  readonly runs: number;
  /** Runs that lost data (lostData: stale reads, destroyed data or diverged control flow). */
  readonly losingRuns: number;
  readonly losingFraction: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

export interface SweepRow extends LosingFraction {
  readonly policy: string;
  readonly migration: string;
  /** Seeds of the first few losing runs. */
  readonly losingSeeds: readonly number[];
  /** The largest `dataLost` (stale reads + lines destroyed) of any run. */
  readonly maxDataLost: number;
  /** Migrations the policy let happen, per run: 0 means the row tested nothing (pin under adversarial). */
  readonly meanMigrations: number;
  readonly meanTraps: number;
  readonly meanLinesByAddress: number;
  readonly meanSimulatedUs: number;
}

/** A losing schedule: enough to replay the run. */
export interface LosingSchedule {
  readonly migration: string;
  readonly seed: number;
}

/** One policy over every schedule it was tried under (all migrations and seeds pooled). */
export interface PolicySummary extends LosingFraction {
  readonly policy: string;
  /** The first few losing schedules, in row order. */
  readonly losingSeeds: readonly LosingSchedule[];
}

/** Losing seeds kept per row, and losing schedules per policy. */
const KEEP_SEEDS = 8;

/** `count` mean slice lengths spaced evenly in log from `low` to `high`, rounded to two significant digits. */
export function logSpacedSlices(low: number, high: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const x = count === 1 ? low : low * (high / low) ** (i / (count - 1));
    const scale = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
    const rounded = Math.round(x / scale) * scale;
    if (!out.includes(rounded)) out.push(rounded);
  }
  return out;
}

/**
 * The default schedules: random migration with mean slices log-spaced over 50..50,000 guest
 * instructions (from several migrations per S/W loop to one or none per run), plus adversarial.
 */
export const DEFAULT_SWEEP_MIGRATIONS: readonly MigrationMode[] = [
  ...logSpacedSlices(50, 50_000, 7).map((n): MigrationMode => ({ kind: 'random', meanInstructions: n })),
  { kind: 'adversarial', instructions: 16 },
];

function losingFraction(losingRuns: number, runs: number): LosingFraction {
  const { low, high } = wilsonInterval(losingRuns, runs);
  return { runs, losingRuns, losingFraction: runs === 0 ? 0 : losingRuns / runs, ciLow: low, ciHigh: high };
}

/**
 * The schedules of slice `index` (1-based) of `count`: every count-th from index - 1, so each
 * slice gets a share of every policy and migration (their costs differ by 10x and more).
 */
export function shardIndices(total: number, index: number, count: number): number[] {
  const out: number[] = [];
  for (let i = index - 1; i < total; i += count) out.push(i);
  return out;
}

/** One schedule of a sweep: its place in row order (policy, then migration, then seed) and what it runs. */
export interface SweepSchedule {
  readonly index: number;
  readonly policy: string;
  readonly migration: MigrationMode;
  readonly seed: number;
}

/** What a sweep is over: the schedule space, without the guest. */
export type SweepSpace = Pick<SweepOptions, 'policies' | 'migrations' | 'seeds' | 'firstSeed'>;

/** Every schedule of the sweep, in row order: schedule i is the same run whoever runs it. */
export function sweepSchedules(space: SweepSpace): SweepSchedule[] {
  const first = space.firstSeed ?? 1;
  const out: SweepSchedule[] = [];
  for (const policy of space.policies) {
    for (const migration of space.migrations) {
      for (let seed = first; seed < first + space.seeds; seed++) out.push({ index: out.length, policy, migration, seed });
    }
  }
  return out;
}

/** What the rows need of one run: small enough to travel from a worker or sit in a shard file. */
export interface SweepRunRecord {
  /** The schedule's index (sweepSchedules). */
  readonly index: number;
  /** lostData of the run's verdict. */
  readonly lost: boolean;
  readonly dataLost: number;
  readonly migrations: number;
  readonly traps: number;
  readonly linesByAddress: number;
  readonly simulatedUs: number;
}

export function sweepRunRecord(index: number, r: ScenarioResult): SweepRunRecord {
  return { index, lost: lostData(r), dataLost: r.dataLost, migrations: r.migrations, traps: r.traps, linesByAddress: r.linesByAddress, simulatedUs: r.simulatedUs };
}

/** Run one schedule of the sweep (bare metal from `options.bareMetal` when given). */
export function runSweepSchedule(options: SweepOptions, schedule: SweepSchedule): ScenarioResult {
  const { policy, migration, seed } = schedule;
  const fn = options.function;
  if (fn === undefined) return runBootHandoff({ ...options, policy, migration, seed });
  return runFunction({
    image: fn.image,
    entry: fn.entry,
    thumb: fn.thumb,
    preset: options.preset,
    policy,
    migration,
    seed,
    bufferBytes: options.bufferBytes,
    budget: options.budget,
    takeExceptions: options.takeExceptions,
    guestRamBytes: options.guestRamBytes,
    p2mMaxLeafBytes: options.p2mMaxLeafBytes,
    bareMetal: options.bareMetal,
  });
}

/**
 * The rows from one record per schedule (in any order). Sums run in seed order whoever ran the
 * schedules, so in-process, parallel and merged sweeps give the same floating-point means.
 */
export function sweepRows(space: SweepSpace, records: Iterable<SweepRunRecord>): SweepRow[] {
  const schedules = sweepSchedules(space);
  const byIndex: (SweepRunRecord | undefined)[] = new Array(schedules.length);
  for (const r of records) byIndex[r.index] = r;
  const rows: SweepRow[] = [];
  const n = space.seeds;
  for (let pair = 0; pair < space.policies.length * space.migrations.length; pair++) {
    const start = pair * n;
    const losing: number[] = [];
    let maxLost = 0;
    let migrations = 0;
    let traps = 0;
    let lines = 0;
    let sim = 0;
    for (let i = start; i < start + n; i++) {
      const r = byIndex[i];
      if (r === undefined) throw new Error(`sweep: no result for schedule ${i} of ${schedules.length}`);
      if (r.lost) losing.push(schedules[i].seed);
      maxLost = Math.max(maxLost, r.dataLost);
      migrations += r.migrations;
      traps += r.traps;
      lines += r.linesByAddress;
      sim += r.simulatedUs;
    }
    rows.push({
      policy: space.policies[Math.floor(pair / space.migrations.length)],
      migration: formatMigrationMode(space.migrations[pair % space.migrations.length]),
      ...losingFraction(losing.length, n),
      losingSeeds: losing.slice(0, KEEP_SEEDS),
      maxDataLost: maxLost,
      meanMigrations: n === 0 ? 0 : migrations / n,
      meanTraps: n === 0 ? 0 : traps / n,
      meanLinesByAddress: n === 0 ? 0 : lines / n,
      meanSimulatedUs: n === 0 ? 0 : sim / n,
    });
  }
  return rows;
}

/** Every schedule in this thread, in row order (sweepOnCores in src/scenarios/sweep-parallel.ts uses every core). */
export function sweep(sweepOptions: SweepOptions): SweepRow[] {
  // Bare metal is one run for every policy, schedule and seed of this guest: record it once.
  const options = { ...sweepOptions, bareMetal: sweepOptions.bareMetal ?? new BareMetalRuns() };
  const schedules = sweepSchedules(options);
  const records: SweepRunRecord[] = [];
  for (const s of schedules) {
    const r = runSweepSchedule(options, s);
    records.push(sweepRunRecord(s.index, r));
    options.onRun?.(r);
    options.onProgress?.(records.length, schedules.length);
  }
  return sweepRows(options, records);
}

/** Pool each policy's rows: every schedule (migration, seed) it ran under counts once. */
export function summarisePolicies(rows: readonly SweepRow[]): PolicySummary[] {
  const byPolicy = new Map<string, SweepRow[]>();
  for (const r of rows) byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
  return [...byPolicy].map(([policy, mine]) => {
    const runs = mine.reduce((a, r) => a + r.runs, 0);
    const losingRuns = mine.reduce((a, r) => a + r.losingRuns, 0);
    const losingSeeds = mine.flatMap((r) => r.losingSeeds.map((seed) => ({ migration: r.migration, seed }))).slice(0, KEEP_SEEDS);
    return { policy, ...losingFraction(losingRuns, runs), losingSeeds };
  });
}
