/** A scenario over many seeds, policies and migration modes, summarised per (policy, migration). */
import { formatMigrationMode, type MigrationMode } from '../hyp/scheduler';
import { runBootHandoff, type BootHandoffOptions } from './boot-handoff';

export interface SweepOptions extends Omit<BootHandoffOptions, 'policy' | 'migration' | 'seed'> {
  readonly policies: readonly string[];
  readonly migrations: readonly MigrationMode[];
  /** Seeds 1..seeds for every (policy, migration) pair. */
  readonly seeds: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SweepRow {
  readonly policy: string;
  readonly migration: string;
  readonly runs: number;
  /** Runs that lost at least one line, and their seeds (the first few). */
  readonly losingRuns: number;
  readonly losingSeeds: readonly number[];
  readonly maxLinesLost: number;
  readonly meanTraps: number;
  readonly meanLinesByAddress: number;
  readonly meanSimulatedUs: number;
}

export function sweep(options: SweepOptions): SweepRow[] {
  const rows: SweepRow[] = [];
  const total = options.policies.length * options.migrations.length * options.seeds;
  let done = 0;
  for (const policy of options.policies) {
    for (const migration of options.migrations) {
      const losing: number[] = [];
      let maxLost = 0;
      let traps = 0;
      let lines = 0;
      let sim = 0;
      for (let seed = 1; seed <= options.seeds; seed++) {
        const r = runBootHandoff({ ...options, policy, migration, seed });
        if (r.linesLost > 0) losing.push(seed);
        maxLost = Math.max(maxLost, r.linesLost);
        traps += r.traps;
        lines += r.linesByAddress;
        sim += r.simulatedUs;
        options.onProgress?.(++done, total);
      }
      const n = options.seeds;
      rows.push({
        policy,
        migration: formatMigrationMode(migration),
        runs: n,
        losingRuns: losing.length,
        losingSeeds: losing.slice(0, 8),
        maxLinesLost: maxLost,
        meanTraps: traps / n,
        meanLinesByAddress: lines / n,
        meanSimulatedUs: sim / n,
      });
    }
  }
  return rows;
}
