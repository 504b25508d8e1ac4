/**
 * `setway compare --html FILE`: per guest, the policies side by side as the demo page draws them
 * (one bar chart per cost or loss figure, the oracle's row as the bound) and the terminal's table,
 * in one self-contained page.
 */
import type { CompareRow, CompareTable } from '../scenarios/compare';
import { barChartScript } from './bar-chart-script';
import { barCharts, DEMO_CHART_METRICS, type BarChart } from './demo-charts';
import type { ReportColumn } from './demo-page';
import { escapeHtml } from './html-escape';
import { chartFigure, htmlTable, reportPage, settingsList } from './page-shell';

/** The figures compare's table shows, in its column order (data lost counts the stale reads). */
export const COMPARE_CHART_FIELDS = ['dataLost', 'traps', 'linesByAddress', 'pagesFlushed', 'stage2Faults', 'longestEl2Us', 'simulatedUs'] as const;
export type CompareChartField = (typeof COMPARE_CHART_FIELDS)[number];

/** The demo's titles and units for the same figures. */
const METRICS = COMPARE_CHART_FIELDS.map((field) => {
  const metric = DEMO_CHART_METRICS.find((m) => m.field === field);
  if (metric === undefined) throw new Error(`compare page: the demo charts no '${field}'`);
  return { ...metric, field };
});

export interface CompareGuestCharts {
  readonly guest: string;
  readonly charts: readonly BarChart<CompareChartField>[];
}

/** What the page draws: a set of charts per guest, in the tables' order. */
export function compareCharts(tables: readonly CompareTable[]): CompareGuestCharts[] {
  return tables.map((t) => ({ guest: t.guest, charts: barCharts(t.rows, METRICS, (r) => r.dataLost > 0) }));
}

/** The guest's heading, as the terminal prints it above its table. */
export function compareHeading(t: CompareTable): string {
  return `${t.guest}: ${t.isa.toUpperCase()} on the ${t.preset} preset, migration ${t.migration}`;
}

/** The figure of guest `index`'s chart of `field`. */
export function compareChartId(index: number, field: string): string {
  return `guest${index}-${field}`;
}

export interface ComparePageInput {
  readonly tables: readonly CompareTable[];
  /** The terminal table's columns, so the page's tables say what the terminal's do. */
  readonly columns: readonly ReportColumn<CompareRow>[];
  readonly bufferBytes: number;
  readonly seed: number;
  /** What the columns mean, as the terminal prints it under the tables. */
  readonly notes: string;
  /** The command line that reproduces the run. */
  readonly commandLine: string;
}

// Each chart into the figure compareChartId names.
const SCRIPT = barChartScript(String.raw`
  data.guests.forEach(function (guest, i) {
    guest.charts.forEach(function (chart) { drawBars('guest' + i + '-' + chart.field, chart); });
  });
`);

export function renderComparePage(input: ComparePageInput): string {
  if (input.tables.length === 0) throw new Error('compare report: no guests to show');
  const guests = compareCharts(input.tables);
  const sections = input.tables.map((t, i) => {
    const figures = guests[i].charts.map((c) => chartFigure(compareChartId(i, c.field), c.title)).join('\n');
    const table = htmlTable(
      input.columns.map((c) => c.header),
      t.rows.map((r) => input.columns.map((c) => c.value(r))),
    );
    return `<h2>${escapeHtml(compareHeading(t))}</h2>\n<div class="charts">\n${figures}\n</div>\n${table}`;
  });
  const body = `${settingsList([
    ['guests', input.tables.map((t) => t.guest).join(', ')],
    ['policies', String(input.tables[0].rows.length)],
    ['buffer', `${(input.bufferBytes / 1024).toLocaleString('en-US')} KiB`],
    ['seed', String(input.seed)],
    ['command', input.commandLine],
  ])}
<p class="legend">Per guest, one bar per policy and version, on a symmetric-log axis (linear from 0 to 1, logarithmic above).<span style="background:#b2182b"></span>loses data<span style="background:#1b7837"></span>the oracle; its value is the dashed line, the bound<span style="background:#4a6fa5"></span>other policies</p>
<p>${escapeHtml(input.notes)}</p>
${sections.join('\n')}`;
  return reportPage({ title: `setway compare: every policy and version on ${input.tables.length} guests`, body, data: { guests }, script: SCRIPT });
}
