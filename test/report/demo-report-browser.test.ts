/**
 * The `--html` pages in a real browser: Debian's chromium, headless, opens each page from its file
 * with every network request refused, and the DOM it ends with shows every chart drawn from the data
 * (demo: one bar per policy, titled with its figure, and the oracle's bound; run and boot: every
 * lane of the timeline with a mark per window, event and cache; sweep: a heat-map cell per row),
 * with no console message and no error text. Screenshots go to a temporary directory, for a person
 * to look at.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { oraclesAvailable, tool } from '../oracles/tools';
import type { TimelineView } from '../../src/report/timeline-charts';
import type { SweepHeatMap } from '../../src/report/sweep-page';
import { chartsOfPage, dataOfPage, FLUSH_RUN, runDemoWithReport, runWithReport, SMALL_SWEEP, VIRT_BOOT } from './demo-report-run';

const CHROMIUM = ['chromium', 'chromium-browser'];

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
    for (const chart of charts) {
      const figure = figureOf(dom, chart.field);
      expect(figure.match(/<svg/g), chart.field).toHaveLength(1);
      // One bar per policy, each titled with the figure the data holds for it (the page's own format).
      const bars = markGroup(figure, 'policy-bars');
      const titles = [...bars.matchAll(/<rect[^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => /^(.*): ([\d,.]+) (.*)$/.exec(m[1]));
      expect(titles.map((t) => t?.[1]), chart.field).toEqual(chart.bars.map((b) => b.policy));
      titles.forEach((t, i) => {
        expect(Number(t![2].replace(/,/g, '')), `${chart.field} ${t![1]}`).toBeCloseTo(chart.bars[i].value!, 2);
        expect(t![3]).toBe(chart.unit);
      });
      const widths = [...bars.matchAll(/<rect[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
      chart.bars.forEach((b, i) => expect(widths[i] > 0, `${chart.field} ${b.policy}`).toBe(b.value !== null && b.value > 0));
      expect(markGroup(figure, 'oracle-bound'), chart.field).toContain('<line');
    }

    screenshot(run.pagePath, 'demo', 2400);
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
