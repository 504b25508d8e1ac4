/**
 * `setway demo --html FILE`: the demo's policies side by side in one self-contained page (the
 * charting library, the data and the script inline), to open from a file or attach to a bug report.
 */
import { lostData } from '../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../scenarios/result';
import { BAR_CHART_SCRIPT } from './bar-chart-script';
import { chartLibraryScripts } from './chart-library';
import { demoCharts, type BarChart } from './demo-charts';
import { escapeHtml, jsonForScript, scriptForInline } from './html-escape';
import { verdictSentence } from './verdict-sentence';

/** A table column as the terminal table has it (src/cli/format/table.ts Column). */
export interface ReportColumn {
  readonly header: string;
  readonly value: (row: ScenarioResult) => string | number;
}

export interface DemoPageInput {
  readonly results: readonly ScenarioResult[];
  /** The terminal table's columns, so the page's table says what the terminal's does. */
  readonly columns: readonly ReportColumn[];
  readonly bufferBytes: number;
  /** What the migration is, in words (the results name it only as a mode such as after-sw:768). */
  readonly migrationText: string;
  /** The command line that reproduces the run. */
  readonly commandLine: string;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
dl.settings { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.settings dt { font-weight: 600; }
code { font-size: 0.95em; }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em; margin: 0 0.3em 0 1em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 1em; }
figure { margin: 0; }
figcaption { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.15em 0.6em; border-bottom: 1px solid #ddd; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
li.lost { color: #b2182b; }
.chart-error { color: #b2182b; font-weight: 600; }
`;

function settingsList(input: DemoPageInput): string {
  const first = input.results[0];
  const rows: [string, string][] = [
    ['preset', first.preset],
    ['ISA', first.isa.toUpperCase()],
    ['migration', `${input.migrationText} (${first.migration})`],
    ['seed', String(first.seed)],
    ['buffer', `${(input.bufferBytes / 1024).toLocaleString('en-US')} KiB (${first.bufferLines.toLocaleString('en-US')} lines)`],
    ['policies', String(input.results.length)],
    ['command', input.commandLine],
  ];
  return `<dl class="settings">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${k === 'command' ? `<code>${escapeHtml(v)}</code>` : escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function resultTable(input: DemoPageInput): string {
  const head = input.columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join('');
  const body = input.results
    .map((r) => `<tr>${input.columns.map((c) => { const v = c.value(r); return `<td${typeof v === 'number' ? ' class="number"' : ''}>${escapeHtml(typeof v === 'number' ? v.toLocaleString('en-US') : v)}</td>`; }).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function figure(chart: BarChart): string {
  return `<figure data-chart="${escapeHtml(chart.field)}"><figcaption>${escapeHtml(chart.title)}</figcaption><div class="plot"></div></figure>`;
}

export function renderDemoPage(input: DemoPageInput): string {
  if (input.results.length === 0) throw new Error('demo report: no results to show');
  const first = input.results[0];
  const charts = demoCharts(input.results);
  const title = `setway demo: boot handoff, ${first.isa.toUpperCase()} guest on ${first.preset}`;
  const verdicts = input.results.map((r) => `<li${lostData(r) ? ' class="lost"' : ''}>${escapeHtml(verdictSentence(r))}</li>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${settingsList(input)}
<h2>Policies side by side</h2>
<p class="legend">One bar per policy, on a symmetric-log axis (linear from 0 to 1, logarithmic above).<span style="background:#b2182b"></span>loses data<span style="background:#1b7837"></span>the oracle; its value is the dashed line, the bound<span style="background:#4a6fa5"></span>other policies</p>
<div id="errors"></div>
<div class="charts">
${charts.map(figure).join('\n')}
</div>
<h2>Verdicts</h2>
<ul class="verdicts">
${verdicts}
</ul>
<h2>Table</h2>
${resultTable(input)}
<script type="application/json" id="report-data">${jsonForScript({ charts })}</script>
${chartLibraryScripts().map((s) => `<script>${scriptForInline(s)}</script>`).join('\n')}
<script>${BAR_CHART_SCRIPT}</script>
</body>
</html>
`;
}
