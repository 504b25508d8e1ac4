/**
 * What every report page shares: the style, the settings list, a figure per chart, and the data,
 * the charting library and the page's script inline, so that the file opens offline on its own.
 */
import { chartLibraryScripts } from './chart-library';
import { escapeHtml, jsonForScript, scriptForInline } from './html-escape';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
dl.settings { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.settings dt { font-weight: 600; }
code { font-size: 0.95em; }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em; margin: 0 0.3em 0 1em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 1em; }
.lanes figure { margin: 0 0 0.8em 0; }
figure { margin: 0; }
figcaption { font-weight: 600; }
figcaption small { font-weight: normal; color: #555; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.15em 0.6em; border-bottom: 1px solid #ddd; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
li.lost, p.lost { color: #b2182b; }
p.divergence { border-left: 3px solid #b2182b; padding-left: 0.6em; }
.chart-error { color: #b2182b; font-weight: 600; }
`;

/** A `<dl>` of the run's settings; the values of `code` keys are shown as code (a command line). */
export function settingsList(rows: readonly (readonly [string, string])[], code: readonly string[] = ['command']): string {
  return `<dl class="settings">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${code.includes(k) ? `<code>${escapeHtml(v)}</code>` : escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** The place a chart is drawn into: `<figure data-chart=ID>` with its caption and an empty `.plot`. */
export function chartFigure(id: string, title: string, note = ''): string {
  return `<figure data-chart="${escapeHtml(id)}"><figcaption>${escapeHtml(title)}${note === '' ? '' : ` <small>${escapeHtml(note)}</small>`}</figcaption><div class="plot"></div></figure>`;
}

/** A table of text and numbers (numbers right-aligned, in full with thousands separators). */
export function htmlTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => `<td${typeof v === 'number' ? ' class="number"' : ''}>${escapeHtml(typeof v === 'number' ? v.toLocaleString('en-US') : v)}</td>`;
  const body = rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export interface ReportPage {
  readonly title: string;
  /** The page's markup between the title and the scripts (already escaped). */
  readonly body: string;
  /** What the charts draw, as the `#report-data` JSON element. */
  readonly data: unknown;
  /** The page's own script (run after the charting library). */
  readonly script: string;
}

export function reportPage(page: ReportPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<div id="errors"></div>
${page.body}
<script type="application/json" id="report-data">${jsonForScript(page.data)}</script>
${chartLibraryScripts().map((s) => `<script>${scriptForInline(s)}</script>`).join('\n')}
<script>${page.script}</script>
</body>
</html>
`;
}

/**
 * The page's script around `body` (browser JavaScript): `data` is the parsed `#report-data`,
 * `draw(id, make)` puts the chart `make()` returns into `<figure data-chart=ID>` or says there why
 * it could not, and `body[data-charts-drawn]` counts the charts drawn, so a headless browser's DOM
 * tells whether the page worked. `number` formats counts in full (3,145,728), `tick` axis ticks.
 */
export function pageScript(body: string): string {
  return String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var number = d3.format(',.2~f');
  var tick = d3.format('~s');
  var drawn = 0;
  function fail(place, error) {
    var p = document.createElement('p');
    p.className = 'chart-error';
    p.textContent = 'chart not drawn: ' + (error && error.message ? error.message : String(error));
    place.appendChild(p);
  }
  window.addEventListener('error', function (event) { fail(document.getElementById('errors'), event.error || event.message); });
  function draw(id, make) {
    var place = document.querySelector('figure[data-chart="' + id + '"] .plot');
    try {
      place.appendChild(make());
      drawn++;
    } catch (error) {
      fail(place, error);
    }
  }
${body}
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
`;
}
