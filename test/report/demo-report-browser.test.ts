/**
 * The `--html` pages in a real browser: Debian's chromium, headless, opens each page from its file
 * with every network request refused, and the DOM it ends with shows every chart drawn from the data
 * (demo, and compare per guest: one bar per policy, titled with its figure, and the oracle's bound; run and boot: every
 * lane of the timeline with a mark per window, event and cache; sweep: a heat-map cell per row;
 * heisenbug, when Debian's U-Boot and zImage can be fetched: its table and the timeline of the first
 * passthrough abort),
 * with no console message and no error text. Screenshots go to a temporary directory, for a person
 * to look at.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { oraclesAvailable, tool } from '../oracles/tools';
import type { TimelineView } from '../../src/report/timeline-charts';
import type { SweepHeatMap } from '../../src/report/sweep-page';
import type { HeisenbugPageData } from '../../src/report/heisenbug-page';
import type { HeisenbugReport } from '../../src/scenarios/heisenbug';
import type { BarChart } from '../../src/report/demo-charts';
import { compareChartId, type CompareGuestCharts } from '../../src/report/compare-page';
import { chartsOfPage, dataOfPage, FLUSH_RUN, ROOT, runDemoWithReport, runWithReport, SMALL_COMPARE, SMALL_SWEEP, VIRT_BOOT } from './demo-report-run';

const CHROMIUM = ['chromium', 'chromium-browser'];

/** Debian's qemu_arm U-Boot and armmp zImage, fetched as test/platform/heisenbug.test.ts fetches them. */
const fetched = (script: string, arg: string) => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', script), arg], { encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? r.stdout.trim().split('\n').pop()! : undefined;
};
const uboot = fetched('fetch-uboot.sh', 'qemu_arm');
const zImage = fetched('fetch-linux-kernel.sh', 'armmp');
const noHeisenbug = (uboot === undefined || zImage === undefined) && !process.env.CI;

// No network at all: the charts must draw from the file alone.
const OFFLINE = ['--proxy-server=127.0.0.1:9', '--host-resolver-rules=MAP * ~NOTFOUND'];

function chromium(...args: string[]) {
  const r = spawnSync(tool(CHROMIUM), ['--headless', '--disable-gpu', '--no-sandbox', '--no-first-run', '--enable-logging=stderr', '--v=0', ...OFFLINE, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { dom: r.stdout, console: r.stderr.split('\n').filter((line) => line.includes(':CONSOLE')) };
}

/** The markup of the page's `<figure data-chart=FIELD>`. */
function figureOf(dom: string, field: string): string {
  const start = dom.indexOf(`<figure data-chart="${field}">`);
  if (start < 0) return '';
  return dom.slice(start, dom.indexOf('</figure>', start));
}

/** The children of the mark's `<g>` group (the page names its marks by class). */
function markGroup(figure: string, className: string): string {
  const m = new RegExp(`<g [^>]*class="${className}"[^>]*>(.*?)</g>`, 's').exec(figure);
  return m === null ? '' : m[1];
}

/** The page as the browser left it: no console message, no error text, every chart drawn. */
function loaded(pagePath: string, charts: number): string {
  const { dom, console: messages } = chromium('--dump-dom', pathToFileURL(pagePath).href);
  expect(messages).toEqual([]);
  expect(dom.includes('class="chart-error"')).toBe(false);
  expect(/<div id="errors"><\/div>/.test(dom)).toBe(true);
  expect(/<body[^>]* data-charts-drawn="(\d+)"/.exec(dom)?.[1]).toBe(String(charts));
  return dom;
}

function screenshot(pagePath: string, name: string, height: number): void {
  const shot = join(mkdtempSync(join(tmpdir(), 'setway-report-screenshot-')), `${name}.png`);
  chromium('--hide-scrollbars', `--window-size=1200,${height}`, `--screenshot=${shot}`, pathToFileURL(pagePath).href);
  expect(readFileSync(shot).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  console.log(`${name} report screenshot: ${shot}`);
}

/** How many elements `tag` the mark group `className` of the figure holds. */
function marks(figure: string, className: string, tag: string): number {
  return (markGroup(figure, className).match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
}

/** The bar chart in `<figure data-chart=ID>`: one bar per policy, each titled with the figure the data holds for it (the page's own format), and the oracle's bound. */
function expectBarsDrawn(dom: string, id: string, chart: BarChart<string>): void {
  const figure = figureOf(dom, id);
  expect(figure.match(/<svg/g), id).toHaveLength(1);
  const bars = markGroup(figure, 'policy-bars');
  const titles = [...bars.matchAll(/<rect[^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => /^(.*): ([\d,.]+) (.*)$/.exec(m[1]));
  expect(titles.map((t) => t?.[1]), id).toEqual(chart.bars.map((b) => b.policy));
  titles.forEach((t, i) => {
    // The page shows two decimals: within half a hundredth (7014.115 may show as 7014.11).
    expect(Math.abs(Number(t![2].replace(/,/g, '')) - chart.bars[i].value!), `${id} ${t![1]}`).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(t![3]).toBe(chart.unit);
  });
  const widths = [...bars.matchAll(/<rect[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
  chart.bars.forEach((b, i) => expect(widths[i] > 0, `${id} ${b.policy}`).toBe(b.value !== null && b.value > 0));
  expect(markGroup(figure, 'oracle-bound'), id).toContain('<line');
}

/** Every lane of a timeline page drawn, each with a mark per thing its data holds. */
function expectTimelineDrawn(pagePath: string, t: TimelineView): void {
  const dom = loaded(pagePath, t.charts.length);
  const nonZero = (series: readonly { counts: readonly number[] }[]) => series.reduce((n, s) => n + s.counts.filter((v) => v > 0).length, 0);
  for (const chart of t.charts) {
    const figure = figureOf(dom, chart.id);
    expect(figure.match(/<svg[^>]*class="[^"]*plot/g)?.length, chart.id).toBeGreaterThanOrEqual(1);
    if (t.divergence !== null) expect(markGroup(figure, 'divergence-mark'), chart.id).toContain('<line');
    switch (chart.kind) {
      case 'stack':
        expect(marks(figure, 'window-bars', 'rect'), chart.id).toBe(nonZero(chart.series));
        break;
      case 'migrations':
        expect(marks(figure, 'migration-arrows', 'path')).toBe(chart.events.length);
        expect(marks(figure, 'pcpu-line', 'path')).toBe(chart.pcpuOf.length);
        break;
      case 'caches':
        expect(marks(figure, 'cache-bands', 'rect')).toBeGreaterThanOrEqual(chart.vcpus.length);
        expect(marks(figure, 'toggle-marks', 'circle')).toBe(chart.toggles.length);
        break;
      case 'el2':
        expect(marks(figure, 'el2-time', 'rect')).toBe(chart.totalUs.filter((v) => v > 0).length);
        expect(marks(figure, 'el2-longest', 'circle')).toBe(chart.longestUs.filter((v) => v > 0).length);
        break;
      case 'lines':
        expect(marks(figure, 'dirty-lines', 'path')).toBe(chart.series.length);
        break;
    }
  }
}

describe.runIf(oraclesAvailable('demo report in a browser', CHROMIUM))('the --html pages in headless chromium', () => {
  it('draws every chart from its data, with no console message, and takes a screenshot', () => {
    const run = runDemoWithReport();
    const charts = chartsOfPage(run.page);
    const dom = loaded(run.pagePath, charts.length);
    for (const chart of charts) expectBarsDrawn(dom, chart.field, chart);

    screenshot(run.pagePath, 'demo', 2400);
  });

  it("compare --html: every guest's bar charts drawn as the demo's, the oracle's bound on each", () => {
    const run = runWithReport('compare', SMALL_COMPARE);
    const { guests } = dataOfPage<{ guests: CompareGuestCharts[] }>(run.page);
    const dom = loaded(run.pagePath, guests.reduce((n, g) => n + g.charts.length, 0));
    guests.forEach((g, i) => {
      for (const chart of g.charts) expectBarsDrawn(dom, compareChartId(i, chart.field), chart);
    });
    screenshot(run.pagePath, 'compare', 7200);
  });

  it('run --html: every lane of the timeline drawn, the divergence marked on each (passthrough), the toggles (kvm)', () => {
    for (const policy of ['passthrough', 'kvm']) {
      const run = runWithReport(policy, [...FLUSH_RUN, '--policy', policy]);
      const t = dataOfPage<{ timeline: TimelineView }>(run.page).timeline;
      expect(t.divergence === null).toBe(policy === 'kvm');
      expectTimelineDrawn(run.pagePath, t);
      screenshot(run.pagePath, `run-${policy}`, 2600);
    }
  });

  it('boot --html: every lane of a two-vCPU boot drawn', () => {
    const run = runWithReport('boot', VIRT_BOOT);
    expectTimelineDrawn(run.pagePath, dataOfPage<{ timeline: TimelineView }>(run.page).timeline);
    screenshot(run.pagePath, 'boot', 2600);
  });

  it.skipIf(noHeisenbug)(`heisenbug --html: the table, and every lane of the first passthrough abort's timeline${noHeisenbug ? ' (skipped: fetch-uboot.sh qemu_arm or fetch-linux-kernel.sh armmp failed)' : ''}`, () => {
    expect([uboot, zImage], 'fetch-uboot.sh qemu_arm, fetch-linux-kernel.sh armmp').not.toContain(undefined);
    // runWithReport's 3-minute limit is too short for U-Boot's run to the jump plus a row on a busy machine.
    const pagePath = join(mkdtempSync(join(tmpdir(), 'setway-report-')), 'heisenbug.html');
    const bin = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'heisenbug', '--firmware', uboot!, '--kernel', zImage!, '--policies', 'passthrough', '--points', '1', '--json', '--html', pagePath], { cwd: ROOT, encoding: 'utf8', timeout: 1_100_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as HeisenbugReport;
    const data = dataOfPage<HeisenbugPageData>(readFileSync(pagePath, 'utf8'));
    expect(report.rows.map((row) => row.outcome)).toEqual(['early-boot abort']);
    expect(data.rows.map((row) => [row.policy, row.migration, row.outcome, row.firstDivergence])).toEqual(report.rows.map((row) => [row.policy, row.migration, row.outcome, row.firstDivergence]));
    expect(data.timelineOf).toEqual({ policy: 'passthrough', migration: report.rows[0].migration });
    const t = data.timeline!;
    expectTimelineDrawn(pagePath, t);
    // The one migration, after S/W op K of U-Boot's flush, is an arrow on the migrations lane.
    const moves = t.charts.find((c) => c.kind === 'migrations');
    expect(moves?.kind === 'migrations' && moves.events.map((m) => `after-sw:${m.setWayOps}`)).toEqual([report.rows[0].migration]);
    screenshot(pagePath, 'heisenbug', 2800);
  }, 1_200_000);

  it('sweep --html: a heat-map cell and a label per (policy, migration)', () => {
    const run = runWithReport('sweep', SMALL_SWEEP);
    const heatMap = dataOfPage<{ heatMap: SweepHeatMap }>(run.page).heatMap;
    const figure = figureOf(loaded(run.pagePath, 1), 'losing-fraction');
    expect(marks(figure, 'heat-cells', 'rect')).toBe(heatMap.cells.length);
    const labels = [...markGroup(figure, 'heat-labels').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(heatMap.cells.map((c) => `${c.losingRuns}/${c.runs}`));
    screenshot(run.pagePath, 'sweep', 1400);
  });
});
