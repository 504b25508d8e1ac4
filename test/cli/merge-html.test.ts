/**
 * `setway merge --html`: the shards of a sweep merged draw the page one machine draws for the whole
 * sweep (the same heat map, losing seeds and replay lines); only the command line differs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LosingRow, SweepHeatMap } from '../../src/report/sweep-page';
import { expectUnwritableHtmlRefused } from '../report/bar-chart-checks';
import { dataOfPage } from '../report/demo-report-run';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function setway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** passthrough loses under both modes, kvm under neither: the page lists losing seeds. */
const SMALL = ['--policies', 'passthrough,kvm', '--migrate', 'random:200,adversarial:16', '--seeds', '3', '--buffer-kib', '4', '--jobs', '1'];

/** The page with its one command line (the settings' `command`) blanked. */
const withoutCommandLine = (page: string) => page.replace(/<dt>command<\/dt><dd><code>[^<]*<\/code><\/dd>/, '<dt>command</dt><dd><code></code></dd>');

describe('setway merge --html', () => {
  it('the shards 1/2 and 2/2 merged give the page of the sweep run whole, the same chart data, only the command line differs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setway-merge-html-'));
    const wholePath = join(dir, 'whole.html');
    const whole = setway('sweep', ...SMALL, '--json', '--html', wholePath);
    expect(whole.code, whole.err).toBe(0);
    const shards = [1, 2].map((k) => {
      const r = setway('sweep', ...SMALL, '--shard', `${k}/2`);
      expect(r.code, r.err).toBe(0);
      const file = join(dir, `shard-${k}.json`);
      writeFileSync(file, r.out);
      return file;
    });
    const mergedPath = join(dir, 'merged.html');
    const merged = setway('merge', shards[1], shards[0], '--json', '--html', mergedPath);
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toBe(whole.out);

    const wholePage = readFileSync(wholePath, 'utf8');
    const mergedPage = readFileSync(mergedPath, 'utf8');
    const data = dataOfPage<{ heatMap: SweepHeatMap; losing: LosingRow[] }>(mergedPage);
    expect(data).toEqual(dataOfPage(wholePage));
    // Something to compare: a cell per (policy, migration), and passthrough's losing seeds with their replay lines.
    expect(data.heatMap.cells).toHaveLength(4);
    expect(data.losing.map((l) => l.policy)).toContain('passthrough');
    expect(data.losing.every((l) => l.seeds.every((s) => s.command.startsWith('setway sweep --buffer-kib 4 --policies passthrough')))).toBe(true);
    expect(mergedPage).toContain(`<code>setway merge ${shards[1]} ${shards[0]} --json --html ${mergedPath}</code>`);
    expect(withoutCommandLine(mergedPage)).toBe(withoutCommandLine(wholePage));
  }, 300_000);

  it('a page that cannot be written is a usage error; a bad shard leaves no page behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setway-merge-html-'));
    const shard = join(dir, 'shard-1.json');
    writeFileSync(shard, setway('sweep', '--policies', 'kvm', '--migrate', 'never', '--seeds', '1', '--buffer-kib', '4', '--shard', '1/1').out);
    expectUnwritableHtmlRefused('merge', shard);
    const notShard = join(dir, 'not-a-shard.json');
    writeFileSync(notShard, '{}');
    const page = join(dir, 'never.html');
    const none = setway('merge', notShard, '--html', page);
    expect(none.code).toBe(3);
    expect(existsSync(page)).toBe(false);
  }, 120_000);
});
