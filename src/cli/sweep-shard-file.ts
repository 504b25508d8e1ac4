/**
 * A slice of a sweep run on one machine (`setway sweep --shard K/N`), as JSON for `setway merge`:
 * the sweep's configuration and one record per schedule of the slice. Shards of one configuration
 * merge into exactly the rows one machine gives for the whole sweep.
 */
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes';
import type { SweepConfig } from './format/sweep-report';
import { shardIndices, sweepSchedules, type SweepRunRecord } from '../scenarios/sweep';
import { parseMigrationMode } from '../hyp/scheduler';

export const SHARD_FORMAT = 'setway-sweep-shard/1';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export interface SweepShardFile {
  readonly format: typeof SHARD_FORMAT;
  /** "K/N". */
  readonly shard: string;
  readonly config: SweepConfig;
  /** Schedules in the whole sweep. */
  readonly schedules: number;
  /** Wall time of this slice. */
  readonly seconds: number;
  readonly runs: readonly SweepRunRecord[];
}

/** `--shard K/N`, 1 <= K <= N, or a usage error. */
export function parseShard(command: string, text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!(index >= 1 && index <= count && Number.isSafeInteger(count))) {
    throw new CliError(`${command}: --shard wants K/N with 1 <= K <= N (the K-th of N slices), not '${text}'`, EXIT.usage);
  }
  return { index, count };
}

/** The sweep space a configuration describes, for sweepSchedules and sweepRows. */
export function sweepSpace(c: SweepConfig) {
  return { policies: c.policies, migrations: c.migrations.map(parseMigrationMode), seeds: c.seeds, firstSeed: c.firstSeed };
}

export function shardFileJson(config: SweepConfig, shard: Shard, schedules: number, seconds: number, runs: readonly SweepRunRecord[]): string {
  const file: SweepShardFile = { format: SHARD_FORMAT, shard: `${shard.index}/${shard.count}`, config, schedules, seconds, runs };
  return `${JSON.stringify(file)}\n`;
}

/** One shard file, checked to hold exactly its slice of the configuration's schedules. */
export function readShardFile(path: string): SweepShardFile & Shard {
  const notShard = (why: string) => new CliError(`merge: ${path} is not a sweep shard (${why}); write one with 'setway sweep --shard K/N'`, EXIT.input);
  let file: SweepShardFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as SweepShardFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
    throw notShard(`not JSON: ${(error as Error).message}`);
  }
  if (file === null || typeof file !== 'object' || file.format !== SHARD_FORMAT) throw notShard(`no "format": "${SHARD_FORMAT}"`);
  const m = /^(\d+)\/(\d+)$/.exec(String(file.shard));
  if (m === null || typeof file.config !== 'object' || !Array.isArray(file.runs)) throw notShard('no shard, config or runs');
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  let expected: number[];
  try {
    expected = shardIndices(sweepSchedules(sweepSpace(file.config)).length, shard.index, shard.count);
  } catch (error) {
    throw notShard(`its configuration does not parse: ${(error as Error).message}`);
  }
  if (expected.length !== file.runs.length || file.runs.some((r, i) => r?.index !== expected[i])) {
    throw notShard(`shard ${file.shard} should hold ${expected.length} runs, schedules ${expected.slice(0, 3).join(', ')}..., and does not`);
  }
  return { ...file, ...shard };
}

/** The first field in which two configurations differ. */
function firstDifference(a: SweepConfig, b: SweepConfig): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof SweepConfig)[];
  return keys.find((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])) ?? 'order of fields';
}

/** Every shard of one configuration, each once: their records in schedule order, and the summed wall time. */
export function mergeShardFiles(paths: readonly string[]): { config: SweepConfig; records: SweepRunRecord[]; seconds: number; count: number } {
  if (paths.length === 0) throw new CliError("merge: give the shard files of one sweep (setway merge shard-1.json shard-2.json ...)", EXIT.usage);
  const files = paths.map((path) => ({ path, file: readShardFile(path) }));
  const first = files[0];
  const byIndex = new Map<number, string>();
  for (const { path, file } of files) {
    if (JSON.stringify(file.config) !== JSON.stringify(first.file.config)) {
      throw new CliError(`merge: ${path} and ${first.path} are shards of different sweeps (their '${firstDifference(first.file.config, file.config)}' differs)`, EXIT.usage);
    }
    if (file.count !== first.file.count) throw new CliError(`merge: ${first.path} is shard ${first.file.shard} but ${path} is shard ${file.shard}: one sweep is cut into one N`, EXIT.usage);
    const twice = byIndex.get(file.index);
    if (twice !== undefined) throw new CliError(`merge: shard ${file.shard} given twice (${twice}, ${path})`, EXIT.usage);
    byIndex.set(file.index, path);
  }
  const count = first.file.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) throw new CliError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing`, EXIT.usage);
  const records = files.flatMap(({ file }) => file.runs).sort((a, b) => a.index - b.index);
  return { config: first.file.config, records, seconds: files.reduce((a, { file }) => a + (Number(file.seconds) || 0), 0), count };
}
