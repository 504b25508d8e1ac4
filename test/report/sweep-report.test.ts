/**
 * `setway sweep --html`: the heat map's cells are the sweep's JSON rows, every losing seed the
 * sweep kept is listed with a command line, and that command line replays a losing run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PolicySummary, SweepRow } from '../../src/scenarios/sweep';
import type { LosingRow, SweepHeatMap } from '../../src/report/sweep-page';
import { escapeHtml } from '../../src/report/html-escape';
import { dataOfPage, ROOT, runWithReport, SMALL_SWEEP } from './demo-report-run';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const setway = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });


describe('setway sweep --html', () => {
  const run = runWithReport<{ rows: SweepRow[]; policies: PolicySummary[] }>('sweep', SMALL_SWEEP);
  const data = dataOfPage<{ heatMap: SweepHeatMap; losing: LosingRow[] }>(run.page);

  it("has one heat-map cell per (policy, migration) row, with the row's figures", () => {
    expect(data.heatMap.policies).toEqual(['passthrough', 'kvm', 'pin']);
    expect(data.heatMap.migrations).toEqual(['random:200', 'random:2000', 'adversarial:16']);
    expect(data.heatMap.cells).toEqual(
      run.json.rows.map((r) => ({ policy: r.policy, migration: r.migration, runs: r.runs, losingRuns: r.losingRuns, losingFraction: r.losingFraction, ciLow: r.ciLow, ciHigh: r.ciHigh, unmoved: r.meanMigrations === 0 })),
    );
    // The sweep's point shows: passthrough loses, kvm does not, pin is never moved under adversarial.
    expect(data.heatMap.cells.filter((c) => c.policy === 'passthrough').every((c) => c.losingRuns > 0)).toBe(true);
    expect(data.heatMap.cells.filter((c) => c.policy === 'kvm').every((c) => c.losingRuns === 0)).toBe(true);
    expect(data.heatMap.cells.find((c) => c.policy === 'pin' && c.migration === 'adversarial:16')?.unmoved).toBe(true);
    for (const s of run.json.policies) expect(run.page).toContain(`<tr><td>${s.policy}</td><td class="number">${s.runs}</td><td class="number">${s.losingRuns}</td>`);
  });

  it('lists every losing seed the sweep kept, each with the command line that replays it', () => {
    const losingRows = run.json.rows.filter((r) => r.losingRuns > 0);
    expect(data.losing.map((l) => [l.policy, l.migration, l.losingRuns, l.seeds.map((s) => s.seed)])).toEqual(losingRows.map((r) => [r.policy, r.migration, r.losingRuns, r.losingSeeds]));
    for (const l of data.losing) {
      for (const s of l.seeds) {
        expect(s.command).toBe(`setway sweep --buffer-kib 4 --policies ${l.policy} --migrate ${l.migration} --seed ${s.seed}`);
        expect(run.page).toContain(`<li>seed ${s.seed}: <code>${escapeHtml(s.command)}</code></li>`);
      }
    }
    // The first command replays a losing run.
    const replay = setway(...data.losing[0].seeds[0].command.split(' ').slice(1), '--json');
    expect(replay.status).toBe(0);
    expect((JSON.parse(replay.stdout) as { rows: SweepRow[] }).rows[0].losingRuns).toBe(1);
  });

  it('--html with --shard is a usage error', () => {
    const r = setway('sweep', '--shard', '1/2', '--html', '/tmp/never-written.html');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--html draws a whole sweep, not a shard');
  });
});
