/**
 * `setway compare --html`: per guest, the data behind each chart is the run's own JSON rows
 * (`compare --json`, on the ROM guests: no kernel needed), the page holds each guest's table as
 * the terminal prints it, stands alone, and keeps what a row holds as text.
 */
import { describe, expect, it } from 'vitest';
import type { CompareTable } from '../../src/scenarios/compare';
import { COMPARE_CHART_FIELDS, compareChartId, compareHeading, renderComparePage, type CompareGuestCharts } from '../../src/report/compare-page';
import { escapeHtml } from '../../src/report/html-escape';
import { dataOfPage, runWithReport, SMALL_COMPARE } from './demo-report-run';
import { expectChartsOfRows, expectStandsAlone, expectUnwritableHtmlRefused } from './bar-chart-checks';

describe('setway compare --html', () => {
  const run = runWithReport<{ tables: CompareTable[] }>('compare', SMALL_COMPARE);
  const { tables } = run.json;
  const { guests } = dataOfPage<{ guests: CompareGuestCharts[] }>(run.page);

  it('has, per guest of the run, one chart per figure: data lost, traps, lines by VA, pages flushed, stage-2 faults, EL2 stretch, time', () => {
    expect(guests.map((g) => g.guest)).toEqual(['boot-handoff ROM (a32)', 'boot-handoff ROM (a64)', 'a32-set-way.o flush_dcache_all', 'a64-set-way.o flush_dcache_all']);
    expect(guests.map((g) => g.guest)).toEqual(tables.map((t) => t.guest));
    for (const g of guests) expect(g.charts.map((c) => c.field)).toEqual(['dataLost', 'traps', 'linesByAddress', 'pagesFlushed', 'stage2Faults', 'longestEl2Us', 'simulatedUs']);
    expect(COMPARE_CHART_FIELDS).toEqual(guests[0].charts.map((c) => c.field));
  });

  it("each chart's bars are its guest's JSON rows, policy by policy, with the oracle's row as the bound", () => {
    tables.forEach((t, i) => {
      expect(t.bound, t.guest).toEqual(t.rows.at(-1));
      expectChartsOfRows(guests[i].charts, t.rows, (r) => r.dataLost > 0, t.guest);
    });
    // The comparison's point is in the data: passthrough loses on the A32 ROMs, the oracle nowhere.
    const lost = (i: number) => guests[i].charts.find((c) => c.field === 'dataLost')!;
    expect(lost(0).bars.find((b) => b.policy === 'passthrough')!.value).toBeGreaterThan(0);
    for (let i = 0; i < guests.length; i++) expect(lost(i).bound).toBe(0);
  });

  it("the page holds a heading, a figure per chart and the terminal's table per guest, and loads nothing from elsewhere", () => {
    tables.forEach((t, i) => {
      expect(run.page).toContain(`<h2>${escapeHtml(compareHeading(t))}</h2>`);
      for (const c of guests[i].charts) expect(run.page).toContain(`<figure data-chart="${compareChartId(i, c.field)}"><figcaption>${escapeHtml(c.title)}</figcaption>`);
      for (const r of t.rows) expect(run.page).toContain(`<tr><td>${escapeHtml(r.policy === 'oracle' ? 'oracle (bound)' : r.policy)}</td><td>${escapeHtml(r.models)}</td><td class="number">${r.dataLost.toLocaleString('en-US')}</td>`);
    });
    expect(run.page.match(/<figure /g)).toHaveLength(guests.reduce((n, g) => n + g.charts.length, 0));
    expect(run.page.match(/<tr>/g)).toHaveLength(tables.reduce((n, t) => n + t.rows.length + 1, 0));
    expect(run.page).toContain('<dt>buffer</dt><dd>4 KiB</dd><dt>seed</dt><dd>1</dd>');
    expectStandsAlone(run.page, 150_000);
  });

  it('a guest or policy name with markup stays text', () => {
    const t = tables[0];
    const hostile: CompareTable = { ...t, guest: '<img src=x onerror=alert(1)>', rows: [{ ...t.rows[0], policy: '</script><script>alert(2)</script>' }, ...t.rows.slice(1)] };
    const page = renderComparePage({ tables: [hostile], columns: [{ header: 'policy', value: (r) => r.policy }], bufferBytes: 4096, seed: 1, notes: 'notes', commandLine: 'setway compare' });
    expect(page.includes('<img src=x')).toBe(false);
    expect(page.includes('&lt;img src=x onerror=alert(1)&gt;')).toBe(true);
    expect(page.includes('<script>alert(2)')).toBe(false);
    expect(dataOfPage<{ guests: CompareGuestCharts[] }>(page).guests[0].charts[0].bars[0].policy).toBe(hostile.rows[0].policy);
  });

  it('a page that cannot be written is a usage error, reported before any run', () => {
    expectUnwritableHtmlRefused('compare');
  });
});
