/**
 * `setway merge FILES...`: the shards of one sweep (`setway sweep --shard K/N`, run anywhere) into
 * the report one machine gives for the whole sweep; `--json` prints the same JSON as
 * `setway sweep --json` would, `--html FILE` writes the page `setway sweep --html` would.
 */
import { parseCommandArgs } from '../args';
import { EXIT } from '../exit-codes';
import { renderSweepReport, sweepJson } from '../format/sweep-report';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { mergeShardFiles, sweepSpace } from '../sweep-shard-file';
import { sweepPage } from '../sweep-page-input';
import { summarisePolicies, sweepRows } from '../../scenarios/sweep';
import type { Command } from './command';

const USAGE =
  'usage: setway merge SHARD.json... [--json] [--html FILE]\n\n' +
  "Combines the N files of 'setway sweep ... --shard K/N' (K = 1..N, each once, all of one sweep\n" +
  'configuration) into the report of the whole sweep, as one machine running it prints it; with --json,\n' +
  "the JSON 'setway sweep ... --json' prints. --html FILE also writes the page 'setway sweep ... --html'\n" +
  'writes for the whole sweep (the heat map of losing fractions, every losing seed and its replay line).\n';

export const mergeCommand: Command = {
  run(args) {
    const { values: v, positionals, help } = parseCommandArgs('merge', args, { json: { type: 'boolean' }, html: { type: 'string' } });
    if (help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const { config, records, seconds, count } = mergeShardFiles(positionals);
    // Opened once the shards are known good: a bad shard leaves no empty page behind.
    const html = v.html === undefined ? null : openHtmlFile('merge', v.html as string);
    const rows = sweepRows(sweepSpace(config), records);
    const summary = summarisePolicies(rows);
    if (html !== null) writeHtmlFile(html, sweepPage(config, rows, summary, ['setway', 'merge', ...args].join(' ')));
    process.stdout.write(v.json ? sweepJson(config, rows, summary) : renderSweepReport(config, rows, summary, `in ${count} shards (${seconds.toFixed(1)} s of sweeping in all)`));
    return EXIT.ok;
  },
};
