/**
 * What `setway sweep` and `setway merge` print: the configuration of a sweep as the command line
 * gave it (enough to name the guest and to print replay lines), its rows and per-policy pools.
 */
import type { LosingFraction, PolicySummary, SweepRow } from '../../scenarios/sweep';
import { renderTable } from './table';

/** A sweep as its command line described it: equal configurations give equal results. */
export interface SweepConfig {
  readonly scenario: 'boot-handoff' | 'function';
  /** The ROM's instruction set, or the function's image as given. */
  readonly rom?: { readonly isa: 'a32' | 'a64' };
  readonly image?: {
    readonly path: string;
    /** sha256 of the file: shards of two different files with one name are not one sweep. */
    readonly sha256: string;
    readonly symbol: string;
    readonly isa: string;
    /** The flags as typed, for replay lines. */
    readonly loadFlag?: string;
    readonly isaFlag?: string;
    readonly systemMapFlag?: string;
  };
  readonly isaFlag?: string;
  readonly preset: string;
  readonly presetFlag?: string;
  readonly bufferKib: number;
  readonly policies: readonly string[];
  /** formatMigrationMode of each mode. */
  readonly migrations: readonly string[];
  readonly seeds: number;
  readonly firstSeed: number;
}

/** Quote one shell word if it needs it. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const fraction = (r: LosingFraction): string => `${r.losingFraction.toFixed(3)} [${r.ciLow.toFixed(3)}, ${r.ciHigh.toFixed(3)}]`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** How to replay one schedule: `run` takes a schedule for an image; `demo` cannot, so the ROM replays through `sweep --seed`. */
export function replayLine(c: SweepConfig, policy: string, migration: string, seed: number): string {
  const common = [...(c.presetFlag === undefined ? [] : ['--preset', c.presetFlag]), '--buffer-kib', String(c.bufferKib)];
  const image = c.image;
  const words =
    image === undefined
      ? ['setway', 'sweep', ...(c.isaFlag === undefined ? [] : ['--isa', c.isaFlag]), ...common, '--policies', policy, '--migrate', migration, '--seed', String(seed)]
      : [
          'setway', 'run', image.path, '--symbol', image.symbol,
          ...(image.loadFlag === undefined ? [] : ['--load', image.loadFlag]),
          ...(image.isaFlag === undefined ? [] : ['--isa', image.isaFlag]),
          ...(image.systemMapFlag === undefined ? [] : ['--system-map', image.systemMapFlag]),
          ...common, '--policy', policy, '--migrate', migration, '--seed', String(seed),
        ];
  return words.map(sh).join(' ');
}

/** The text report; `timing` completes the first line ("in 12.3 s"). */
export function renderSweepReport(c: SweepConfig, rows: readonly SweepRow[], summary: readonly PolicySummary[], timing: string): string {
  const out: string[] = [];
  const total = rows.reduce((a, r) => a + r.runs, 0);
  const what = c.image === undefined ? `boot-handoff ROM (${c.rom?.isa})` : `${c.image.path} ${c.image.symbol} (${c.image.isa})`;
  const seedText = c.seeds === 1 ? `seed ${c.firstSeed}` : `seeds ${c.firstSeed}..${c.firstSeed + c.seeds - 1}`;
  out.push(
    `setway sweep: ${what} on ${c.preset}, ${c.bufferKib} KiB buffer; ${plural(c.policies.length, 'policy', 'policies')} x ` +
      `${plural(c.migrations.length, 'migration mode')} x ${seedText} = ${plural(total, 'run')} ${timing}\n\n`,
  );
  out.push(
    renderTable(rows, [
      { header: 'policy', value: (r) => r.policy },
      { header: 'migration', value: (r) => r.migration },
      { header: 'runs', value: (r) => r.runs },
      { header: 'losing', value: (r) => r.losingRuns },
      { header: 'losing fraction [95% CI]', value: fraction },
      { header: 'max data lost', value: (r) => r.maxDataLost },
      { header: 'first losing seeds', value: (r) => r.losingSeeds.join(' ') || '-' },
      { header: 'mean migrations', value: (r) => Math.round(r.meanMigrations) },
      { header: 'mean traps', value: (r) => Math.round(r.meanTraps) },
      { header: 'mean sim us', value: (r) => Math.round(r.meanSimulatedUs) },
    ]),
  );
  out.push(`\nPer policy, all ${c.migrations.length * c.seeds} schedules pooled (95% Wilson interval on the fraction of schedules that lose data):\n\n`);
  out.push(
    renderTable(summary, [
      { header: 'policy', value: (s: PolicySummary) => s.policy },
      { header: 'runs', value: (s) => s.runs },
      { header: 'losing', value: (s) => s.losingRuns },
      { header: 'losing fraction [95% CI]', value: fraction },
      { header: 'first losing schedules (migration/seed)', value: (s) => s.losingSeeds.slice(0, 4).map((l) => `${l.migration}/${l.seed}`).join(' ') || '-' },
    ]),
  );
  const unmoved = rows.filter((r) => r.meanMigrations === 0);
  if (unmoved.length > 0) {
    out.push(
      `\nNo run was migrated in: ${unmoved.map((r) => `${r.policy} ${r.migration}`).join(', ')}; ` +
        'those runs count as schedules but tested no migration (the mode never fired, or the policy refused it).\n',
    );
  }
  const losers = summary.filter((s) => s.losingSeeds.length > 0);
  if (losers.length > 0) {
    out.push('\nReplay a losing schedule:\n');
    for (const s of losers) out.push(`  ${replayLine(c, s.policy, s.losingSeeds[0].migration, s.losingSeeds[0].seed)}\n`);
  }
  return out.join('');
}

/** What `--json` prints for a whole sweep (one machine, or shards merged). */
export function sweepJson(c: SweepConfig, rows: readonly SweepRow[], summary: readonly PolicySummary[]): string {
  return `${JSON.stringify({ scenario: c.scenario, seeds: c.seeds, rows, policies: summary }, null, 2)}\n`;
}
