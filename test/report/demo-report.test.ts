/**
 * `setway demo --html`: the data behind each chart is the demo's own JSON figures, the page stands
 * alone (no fetch of anything), and what a result row holds cannot break out of the page.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import type { ScenarioResult } from '../../src/scenarios/result';
import { DEMO_CHART_METRICS, decadeTicks } from '../../src/report/demo-charts';
import { renderDemoPage } from '../../src/report/demo-page';
import { chartLibraryScripts } from '../../src/report/chart-library';
import { escapeHtml, jsonForScript } from '../../src/report/html-escape';
import { RESULT_COLUMNS } from '../../src/cli/commands/demo';
import { chartsOfPage, runDemoWithReport } from './demo-report-run';

describe('setway demo --html', () => {
  const run = runDemoWithReport();
  const charts = chartsOfPage(run.page);
  const oracle = run.results.find((r) => r.policy === 'oracle');

  it('has one chart per figure: lost, stale reads, traps, lines by VA, pages, stage-2 faults, EL2 stretch, time', () => {
    expect(charts.map((c) => c.field)).toEqual(['dataLost', 'staleReads', 'traps', 'linesByAddress', 'pagesFlushed', 'stage2Faults', 'longestEl2Us', 'simulatedUs']);
    expect(DEMO_CHART_METRICS.map((m) => m.field)).toEqual(charts.map((c) => c.field));
  });

  it("each chart's bars are the JSON results' figures, policy by policy, with the oracle's as the bound", () => {
    expect(oracle).toBeDefined();
    for (const chart of charts) {
      expect(chart.bars.map((b) => b.policy), chart.field).toEqual(run.results.map((r) => r.policy));
      expect(chart.bars.map((b) => b.value), chart.field).toEqual(run.results.map((r) => r[chart.field]));
      expect(chart.bars.map((b) => b.lost), chart.field).toEqual(run.results.map((r) => lostData(r)));
      expect(chart.bars.filter((b) => b.oracle).map((b) => b.policy), chart.field).toEqual(['oracle']);
      expect(chart.bound, chart.field).toBe(oracle![chart.field]);
      const largest = Math.max(...run.results.map((r) => r[chart.field]));
      expect(chart.ticks[0]).toBe(0);
      expect(chart.ticks.at(-1)!, chart.field).toBeGreaterThanOrEqual(largest);
      expect(chart.ticks.at(-2)!, chart.field).toBeLessThan(Math.max(largest, 1));
    }
    // The demo's point is visible in the data: passthrough loses, the oracle does not.
    const lost = charts.find((c) => c.field === 'dataLost')!;
    expect(lost.bars.find((b) => b.policy === 'passthrough')!.value).toBeGreaterThan(0);
    expect(lost.bound).toBe(0);
  });

  it('the page holds the settings, a verdict and a table row per policy, and loads nothing from elsewhere', () => {
    const first = run.results[0];
    for (const text of [`<dt>preset</dt><dd>${first.preset}</dd>`, '<dt>ISA</dt><dd>A32</dd>', '<dt>seed</dt><dd>1</dd>', `<dt>buffer</dt><dd>32 KiB (${first.bufferLines} lines)</dd>`, first.migration]) {
      expect(run.page).toContain(text);
    }
    for (const r of run.results) {
      expect(run.page).toContain(`<li${lostData(r) ? ' class="lost"' : ''}>${escapeHtml(r.policy)} ${lostData(r) ? 'loses data' : 'loses nothing'}:`);
      expect(run.page).toContain(`<tr><td>${escapeHtml(r.policy)}</td>`);
    }
    expect(run.page.match(/<tr>/g)).toHaveLength(run.results.length + 1);
    // The libraries inline whole; what is left (our markup, style and script) refers to nothing outside.
    const libraries = chartLibraryScripts();
    for (const source of libraries) expect(run.page.includes(source)).toBe(true);
    const ours = libraries.reduce((page, source) => page.replace(source, ''), run.page);
    expect(ours.length).toBeLessThan(100_000);
    expect([...ours.matchAll(/<script[^>]+src=|<link|<iframe|<img|@import|url\(|https?:/gi)].map((m) => ours.slice(m.index, m.index + 40))).toEqual([]);
  });

  it('a policy name or divergence text with markup stays text, and JSON in the page cannot close its script element', () => {
    const hostile: ScenarioResult = { ...run.results[0], policy: '<img src=x onerror=alert(1)>', firstDivergence: { ...run.results[0].firstDivergence!, text: '</script><script>alert(2)</script>' } };
    const page = renderDemoPage({ results: [hostile, ...run.results.slice(1)], columns: RESULT_COLUMNS, bufferBytes: 32 * 1024, migrationText: 'moved', commandLine: 'setway demo' });
    expect(page.includes('<img src=x')).toBe(false);
    expect(page.includes('&lt;img src=x onerror=alert(1)&gt;')).toBe(true);
    expect(page.includes('<script>alert(2)')).toBe(false);
    expect(chartsOfPage(page)[0].bars[0].policy).toBe(hostile.policy);
    expect(jsonForScript({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script>\\u2028"}');
  });

  it('a page that cannot be written is a usage error, reported before any run', () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/setway.js', import.meta.url)), 'demo', '--html', '/nonexistent-dir/report.html'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('demo: cannot write --html /nonexistent-dir/report.html');
    expect(r.stdout).toBe('');
  });

  it('decade ticks end at the first power of ten at or above the largest value', () => {
    expect(decadeTicks(0)).toEqual([0, 1]);
    expect(decadeTicks(1)).toEqual([0, 1]);
    expect(decadeTicks(1.5)).toEqual([0, 1, 10]);
    expect(decadeTicks(5121)).toEqual([0, 1, 10, 100, 1000, 10000]);
  });
});
