/**
 * `setway merge FILES...`: the shards of one sweep (`setway sweep --shard K/N`, run anywhere) into
 * the report one machine gives for the whole sweep; `--json` prints the same JSON as
 * `setway sweep --json` would.
 */
import { parseCommandArgs } from '../args';
import { EXIT } from '../exit-codes';
import { renderSweepReport, sweepJson } from '../format/sweep-report';
import { mergeShardFiles, sweepSpace } from '../sweep-shard-file';
import { summarisePolicies, sweepRows } from '../../scenarios/sweep';
import type { Command } from './command';

const USAGE =
  'usage: setway merge SHARD.json... [--json]\n\n' +
  "Combines the N files of 'setway sweep ... --shard K/N' (K = 1..N, each once, all of one sweep\n" +
  'configuration) into the report of the whole sweep, as one machine running it prints it; with --json,\n' +
  "the JSON 'setway sweep ... --json' prints.\n";

export const mergeCommand: Command = {
  run(args) {
    const { values: v, positionals, help } = parseCommandArgs('merge', args, { json: { type: 'boolean' } });
    if (help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const { config, records, seconds, count } = mergeShardFiles(positionals);
    const rows = sweepRows(sweepSpace(config), records);
    const summary = summarisePolicies(rows);
    process.stdout.write(v.json ? sweepJson(config, rows, summary) : renderSweepReport(config, rows, summary, `in ${count} shards (${seconds.toFixed(1)} s of sweeping in all)`));
    return EXIT.ok;
  },
};
