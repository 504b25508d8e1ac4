/**
 * `setway sweep`: the boot-handoff ROM, or a function of the user's image, over many schedules
 * (seeds x migration modes) under many policies. Reports, per (policy, migration) and per policy
 * pooled, the fraction of schedules that lost data with a 95% confidence interval, and how to
 * replay a losing one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { addressFlag, intFlag, parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { parseShard, shardFileJson } from '../sweep-shard-file';
import { makePolicy, POLICY_NAMES } from '../../hyp/policies';
import { formatMigrationMode, parseMigrationMode, type MigrationMode } from '../../hyp/scheduler';
import { cachePreset } from '../../cache/presets';
import { loadGuestImage } from '../../scenarios/load-image';
import type { ScenarioResult } from '../../scenarios/result';
import { DEFAULT_SWEEP_MIGRATIONS, shardIndices, summarisePolicies, sweepRows, sweepSchedules, type SweepFunction } from '../../scenarios/sweep';
import { defaultJobs, runSweepSchedulesOnCores } from '../../scenarios/sweep-parallel';
import { renderSweepReport, sweepJson, type SweepConfig } from '../format/sweep-report';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { sweepPage } from '../sweep-page-input';
import { verdictLines } from './run';
import type { Command } from './command';
import { defaultPreset } from '../../scenarios/default-preset';

/**
 * Seeds per (policy, migration) by default: 9 policies x 8 migrations x 20 seeds = 1,440 runs of
 * the A32 ROM with a 16 KiB buffer, measured at 31-34 s with --jobs 1 on the 2-core
 * machines here; 160 schedules per policy put the 95% upper bound of a policy that never loses at 2.3%.
 * The A64 ROM is slower per run (about 5x on the server preset).
 */
export const DEFAULT_SWEEP_SEEDS = 20;
const DEFAULT_BUFFER_KIB = 16;

const OPTIONS = {
  symbol: { type: 'string' },
  load: { type: 'string' },
  isa: { type: 'string' },
  'system-map': { type: 'string' },
  preset: { type: 'string' },
  policies: { type: 'string' },
  migrate: { type: 'string' },
  seeds: { type: 'string' },
  seed: { type: 'string' },
  'buffer-kib': { type: 'string' },
  jobs: { type: 'string' },
  'no-cache': { type: 'boolean' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
} as const;

const USAGE =
  'usage: setway sweep [<image> --symbol NAME [--load ADDR] [--isa a32|t32|a64] [--system-map FILE] [--no-cache]]\n' +
  '                    [--isa a32|a64] [--preset NAME] [--policies all|p1,p2] [--migrate m1,m2]\n' +
  '                    [--seeds N | --seed S] [--buffer-kib N] [--jobs N] [--shard K/N] [--json]\n' +
  '                    [--html FILE]\n\n' +
  'Runs the boot-handoff ROM (or, with an image, the function NAME under the boot-handoff harness, as\n' +
  "'setway run' does) for seeds 1..N under every (policy, migration) pair, judges every run against bare\n" +
  'metal, and reports per pair and per policy (all its schedules pooled) the fraction of runs that lost\n' +
  'data with a 95% Wilson confidence interval, and a command line replaying a losing schedule.\n' +
  `--seed S runs seed S alone (and prints its verdict when only one run results).\n` +
  '--jobs N runs schedules on N threads (default: one per core; 1 runs them all in this thread); the\n' +
  'results and their order do not depend on it. --shard K/N runs the K-th of N slices of the schedules\n' +
  "and writes them as JSON; 'setway merge' combines the N files into the report of the whole sweep.\n" +
  '--html FILE also writes the sweep as one self-contained page: the losing fraction per policy and\n' +
  'migration mode as a heat map, and every losing seed kept with the command line replaying it.\n\n' +
  `Defaults: all policies; --migrate ${DEFAULT_SWEEP_MIGRATIONS.map(formatMigrationMode).join(',')}\n` +
  `(random slices log-spaced over 50..50,000 instructions, and adversarial); ${DEFAULT_SWEEP_SEEDS} seeds;\n` +
  `${DEFAULT_BUFFER_KIB} KiB buffer. migration modes: never, every:N, after-sw:K, random[:N], adversarial[:N]\n`;

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

/** A comma-separated flag value: no empty items. */
function listFlag(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new CliError(`sweep: --${flag} wants a comma-separated list without empty items, not '${text}'`, EXIT.usage);
  return items;
}

/** Run `check` and turn whatever it throws into a one-line usage error naming the flag. */
function validated<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new CliError(`sweep: --${flag}: ${(error as Error).message}`, EXIT.usage);
  }
}

export const sweepCommand: Command = {
  async run(args) {
    const { values: v, positionals, help } = parseCommandArgs('sweep', args, OPTIONS);
    if (help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new CliError(`sweep: give at most one image, not ${positionals.length} (see 'setway sweep --help')`, EXIT.usage);
    const imagePath = positionals[0] as string | undefined;
    const symbol = v.symbol as string | undefined;
    if (imagePath !== undefined && symbol === undefined) throw new CliError('sweep: an image needs --symbol NAME (the function to sweep)', EXIT.usage);
    if (imagePath === undefined) {
      for (const flag of ['symbol', 'load', 'system-map'] as const) {
        if (v[flag] !== undefined) throw new CliError(`sweep: --${flag} needs an image (setway sweep <image> --symbol NAME)`, EXIT.usage);
      }
    }
    const isaText = v.isa as string | undefined;
    const isas = imagePath === undefined ? ['a32', 'a64'] : ['a32', 't32', 'a64'];
    if (isaText !== undefined && !isas.includes(isaText)) throw new CliError(`sweep: --isa must be ${isas.join(', ')}${imagePath === undefined ? ' for the ROM' : ''}`, EXIT.usage);
    const presetName = v.preset as string | undefined;
    if (presetName !== undefined) validated('preset', () => cachePreset(presetName));
    const policyText = (v.policies as string | undefined) ?? 'all';
    const policies = policyText === 'all' ? [...POLICY_NAMES] : listFlag('policies', policyText);
    for (const p of policies) validated('policies', () => makePolicy(p)); // before the long run
    const migrateText = v.migrate as string | undefined;
    const migrations: readonly MigrationMode[] =
      migrateText === undefined ? DEFAULT_SWEEP_MIGRATIONS : listFlag('migrate', migrateText).map((m) => validated('migrate', () => parseMigrationMode(m)));
    if (v.seed !== undefined && v.seeds !== undefined) throw new CliError('sweep: give --seeds N (seeds 1..N) or --seed S (seed S alone), not both', EXIT.usage);
    const firstSeed = intFlag('sweep', 'seed', v.seed as string | undefined, 1);
    const seeds = v.seed !== undefined ? 1 : intFlag('sweep', 'seeds', v.seeds as string | undefined, DEFAULT_SWEEP_SEEDS);
    if (seeds < 1) throw new CliError('sweep: --seeds must be at least 1', EXIT.usage);
    const bufferKib = intFlag('sweep', 'buffer-kib', v['buffer-kib'] as string | undefined, DEFAULT_BUFFER_KIB);
    if (imagePath === undefined && bufferKib < 1) throw new CliError('sweep: --buffer-kib must be at least 1 for the boot-handoff ROM', EXIT.usage);
    const load = addressFlag('sweep', 'load', v.load as string | undefined);
    const jobs = intFlag('sweep', 'jobs', v.jobs as string | undefined, defaultJobs());
    if (jobs < 1) throw new CliError('sweep: --jobs must be at least 1 (1 runs every schedule in this thread)', EXIT.usage);
    const shard = v.shard === undefined ? undefined : parseShard('sweep', v.shard as string);
    if (shard !== undefined && v.html !== undefined) throw new CliError('sweep: --html draws a whole sweep, not a shard: run without --shard', EXIT.usage);
    const html = v.html === undefined ? null : openHtmlFile('sweep', v.html as string);

    let fn: SweepFunction | undefined;
    if (imagePath !== undefined && symbol !== undefined) {
      const image = await loadGuestImage(imagePath, { load, isa: isaText as 'a32' | 't32' | 'a64' | undefined, systemMap: v['system-map'] as string | undefined, cache: v['no-cache'] !== true });
      const sym = image.findSymbol(symbol);
      fn = { image, entry: sym.address, thumb: sym.isa === 't32' };
    }
    const romIsa = (isaText ?? 'a32') as 'a32' | 'a64';
    const isa = fn === undefined ? romIsa : fn.image.isa === 'a64' ? 'a64' : 'a32';
    const preset = presetName ?? defaultPreset(isa);
    const scenario = fn === undefined ? 'boot-handoff' : 'function';

    const config: SweepConfig = {
      scenario,
      ...(fn === undefined
        ? { rom: { isa: romIsa } }
        : {
            image: {
              path: imagePath ?? '',
              sha256: createHash('sha256').update(readFileSync(imagePath ?? '')).digest('hex'),
              symbol: symbol ?? '',
              isa: fn.image.isa,
              loadFlag: v.load as string | undefined,
              isaFlag: isaText,
              systemMapFlag: v['system-map'] as string | undefined,
            },
          }),
      isaFlag: isaText,
      preset,
      presetFlag: presetName,
      bufferKib,
      policies,
      migrations: migrations.map(formatMigrationMode),
      seeds,
      firstSeed,
    };
    const all = sweepSchedules({ policies, migrations, seeds, firstSeed });
    const only = shard === undefined ? undefined : shardIndices(all.length, shard.index, shard.count);
    const t0 = performance.now();
    const runs: ScenarioResult[] = [];
    const records = await runSweepSchedulesOnCores({
      isa: fn === undefined ? romIsa : undefined,
      preset: presetName,
      policies,
      migrations,
      seeds,
      firstSeed,
      function: fn,
      bufferBytes: bufferKib * 1024,
      guestRamBytes: fn === undefined ? 16 * 2 ** 20 : undefined,
      jobs,
      only,
      onProgress: process.stderr.isTTY && !v.json ? progressBar : undefined,
      onRun: (r) => {
        if (runs.length < 2) runs.push(r);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (shard !== undefined) {
      process.stdout.write(shardFileJson(config, shard, all.length, seconds, records));
      return EXIT.ok;
    }
    const rows = sweepRows({ policies, migrations, seeds, firstSeed }, records);
    const summary = summarisePolicies(rows);
    if (html !== null) writeHtmlFile(html, sweepPage(config, rows, summary, ['setway', 'sweep', ...args].join(' ')));
    if (v.json) {
      process.stdout.write(sweepJson(config, rows, summary));
      return EXIT.ok;
    }
    process.stdout.write(renderSweepReport(config, rows, summary, `in ${seconds.toFixed(1)} s`));
    if (all.length === 1 && runs.length === 1) process.stdout.write(`\nThe run: ${runs[0].instructions.toLocaleString('en-US')} instructions, ${runs[0].migrations} migrations\n${verdictLines(runs[0])}`);
    return EXIT.ok;
  },
};
