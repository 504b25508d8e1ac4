/**
 * `setway demo --html` in a real browser: Debian's chromium, headless, opens the page from its file
 * with every network request refused, and the DOM it ends with shows every chart drawn from the data
 * (one bar per policy, titled with its figure, and the oracle's bound), with no console message and
 * no error text. A screenshot goes to a temporary directory, for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { oraclesAvailable, tool } from '../oracles/tools';
import { chartsOfPage, runDemoWithReport } from './demo-report-run';

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

describe.runIf(oraclesAvailable('demo report in a browser', CHROMIUM))('setway demo --html in headless chromium', () => {
  it('draws every chart from its data, with no console message, and takes a screenshot', () => {
    const run = runDemoWithReport();
    const charts = chartsOfPage(run.page);
    const url = pathToFileURL(run.pagePath).href;
    const { dom, console: messages } = chromium('--dump-dom', url);

    expect(messages).toEqual([]);
    expect(dom.includes('class="chart-error"')).toBe(false);
    expect(/<div id="errors"><\/div>/.test(dom)).toBe(true);
    expect(/<body[^>]* data-charts-drawn="(\d+)"/.exec(dom)?.[1]).toBe(String(charts.length));
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

    const dir = mkdtempSync(join(tmpdir(), 'setway-report-screenshot-'));
    const shot = join(dir, 'demo.png');
    chromium('--hide-scrollbars', '--window-size=1200,2400', `--screenshot=${shot}`, url);
    expect(readFileSync(shot).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    console.log(`demo report screenshot: ${shot}`);
  });
});
