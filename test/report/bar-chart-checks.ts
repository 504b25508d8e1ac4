/** Checks the bar-chart pages (demo, compare) share: the data behind each chart, and a page that stands alone. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { BarChart } from '../../src/report/demo-charts';
import { chartLibraryScripts } from '../../src/report/chart-library';

/**
 * Each chart's bars are the rows' figures (the command's JSON), policy by policy, lost where `lost`
 * says, the oracle's row as the bound; the axis ticks end at the first decade at or above the largest.
 */
export function expectChartsOfRows<R extends { readonly policy: string }>(charts: readonly BarChart<string>[], rows: readonly R[], lost: (row: R) => boolean, what = ''): void {
  const oracle = rows.find((r) => r.policy === 'oracle');
  expect(oracle, what).toBeDefined();
  const figure = (r: R, field: string) => (r as unknown as Record<string, number>)[field];
  for (const chart of charts) {
    const name = `${what} ${chart.field}`.trim();
    expect(chart.bars.map((b) => b.policy), name).toEqual(rows.map((r) => r.policy));
    expect(chart.bars.map((b) => b.value), name).toEqual(rows.map((r) => figure(r, chart.field)));
    expect(chart.bars.map((b) => b.lost), name).toEqual(rows.map(lost));
    expect(chart.bars.filter((b) => b.oracle).map((b) => b.policy), name).toEqual(['oracle']);
    expect(chart.bound, name).toBe(figure(oracle!, chart.field));
    const largest = Math.max(...rows.map((r) => figure(r, chart.field)));
    expect(chart.ticks[0]).toBe(0);
    expect(chart.ticks.at(-1)!, name).toBeGreaterThanOrEqual(largest);
    expect(chart.ticks.at(-2)!, name).toBeLessThan(Math.max(largest, 1));
  }
}

/** The libraries inline whole; what is left (our markup, style and script, under `ownChars`) refers to nothing outside. */
export function expectStandsAlone(page: string, ownChars: number): void {
  const libraries = chartLibraryScripts();
  for (const source of libraries) expect(page.includes(source)).toBe(true);
  const ours = libraries.reduce((p, source) => p.replace(source, ''), page);
  expect(ours.length).toBeLessThan(ownChars);
  expect([...ours.matchAll(/<script[^>]+src=|<link|<iframe|<img|@import|url\(|https?:/gi)].map((m) => ours.slice(m.index, m.index + 40))).toEqual([]);
}

/** `setway <command> ...args --html <a path in no directory>` is a usage error (exit 2, one line), reported before any run. */
export function expectUnwritableHtmlRefused(command: string, ...args: string[]): void {
  const path = `/nonexistent-dir/${command}.html`;
  const bin = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, command, ...args, '--html', path], { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(`${command}: cannot write --html ${path}`);
  expect(r.stdout).toBe('');
}
