/**
 * `setway demo --html FILE`: the demo's policies side by side in one self-contained page (the
 * charting library, the data and the script inline), to open from a file or attach to a bug report.
 */
import { lostData } from '../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../scenarios/result';
import { BAR_CHART_SCRIPT } from './bar-chart-script';
import { demoCharts } from './demo-charts';
import { escapeHtml } from './html-escape';
import { chartFigure, htmlTable, reportPage, settingsList } from './page-shell';
import { verdictSentence } from './verdict-sentence';

/** A table column as the terminal table has it (src/cli/format/table.ts Column). */
export interface ReportColumn<R = ScenarioResult> {
  readonly header: string;
  readonly value: (row: R) => string | number;
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

function settings(input: DemoPageInput): string {
  const first = input.results[0];
  return settingsList([
    ['preset', first.preset],
    ['ISA', first.isa.toUpperCase()],
    ['migration', `${input.migrationText} (${first.migration})`],
    ['seed', String(first.seed)],
    ['buffer', `${(input.bufferBytes / 1024).toLocaleString('en-US')} KiB (${first.bufferLines.toLocaleString('en-US')} lines)`],
    ['policies', String(input.results.length)],
    ['command', input.commandLine],
  ]);
}

function resultTable(input: DemoPageInput): string {
  return htmlTable(input.columns.map((c) => c.header), input.results.map((r) => input.columns.map((c) => c.value(r))));
}

export function renderDemoPage(input: DemoPageInput): string {
  if (input.results.length === 0) throw new Error('demo report: no results to show');
  const first = input.results[0];
  const charts = demoCharts(input.results);
  const title = `setway demo: boot handoff, ${first.isa.toUpperCase()} guest on ${first.preset}`;
  const verdicts = input.results.map((r) => `<li${lostData(r) ? ' class="lost"' : ''}>${escapeHtml(verdictSentence(r))}</li>`).join('\n');
  const body = `${settings(input)}
<h2>Policies side by side</h2>
<p class="legend">One bar per policy, on a symmetric-log axis (linear from 0 to 1, logarithmic above).<span style="background:#b2182b"></span>loses data<span style="background:#1b7837"></span>the oracle; its value is the dashed line, the bound<span style="background:#4a6fa5"></span>other policies</p>
<div class="charts">
${charts.map((c) => chartFigure(c.field, c.title)).join('\n')}
</div>
<h2>Verdicts</h2>
<ul class="verdicts">
${verdicts}
</ul>
<h2>Table</h2>
${resultTable(input)}`;
  return reportPage({ title, body, data: { charts }, script: BAR_CHART_SCRIPT });
}
