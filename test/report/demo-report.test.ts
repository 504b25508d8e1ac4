/**
 * `setway demo --html`: the data behind each chart is the demo's own JSON figures, the page stands
 * alone (no fetch of anything), and what a result row holds cannot break out of the page.
 */
import { describe, expect, it } from 'vitest';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import type { ScenarioResult } from '../../src/scenarios/result';
import { DEMO_CHART_METRICS, decadeTicks } from '../../src/report/demo-charts';
import { renderDemoPage } from '../../src/report/demo-page';
import { escapeHtml, jsonForScript } from '../../src/report/html-escape';
import { RESULT_COLUMNS } from '../../src/cli/commands/demo';
import { chartsOfPage, runDemoWithReport } from './demo-report-run';
import { expectChartsOfRows, expectStandsAlone, expectUnwritableHtmlRefused } from './bar-chart-checks';

describe('setway demo --html', () => {
  const run = runDemoWithReport();
  const charts = chartsOfPage(run.page);

  it('has one chart per figure: lost, stale reads, traps, lines by VA, pages, stage-2 faults, EL2 stretch, time', () => {
    expect(charts.map((c) => c.field)).toEqual(['dataLost', 'staleReads', 'traps', 'linesByAddress', 'pagesFlushed', 'stage2Faults', 'longestEl2Us', 'simulatedUs']);
    expect(DEMO_CHART_METRICS.map((m) => m.field)).toEqual(charts.map((c) => c.field));
  });

  it("each chart's bars are the JSON results' figures, policy by policy, with the oracle's as the bound", () => {
    expectChartsOfRows(charts, run.results, lostData);
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
    expectStandsAlone(run.page, 100_000);
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
    expectUnwritableHtmlRefused('demo');
  });

  it('decade ticks end at the first power of ten at or above the largest value', () => {
    expect(decadeTicks(0)).toEqual([0, 1]);
    expect(decadeTicks(1)).toEqual([0, 1]);
    expect(decadeTicks(1.5)).toEqual([0, 1, 10]);
    expect(decadeTicks(5121)).toEqual([0, 1, 10, 100, 1000, 10000]);
  });
});
