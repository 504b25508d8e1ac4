/**
 * The bar-chart pages' script: `drawBars(id, chart)` draws one BarChart (src/report/demo-charts.ts)
 * into its `<figure data-chart=ID>` with Observable Plot (src/report/page-shell.ts pageScript
 * supplies `data`, `draw` and the formats). The demo page draws `data.charts`, each into the figure
 * named by its field; the compare page draws a set of charts per guest.
 */
import { pageScript } from './page-shell';

const DRAW_BARS = String.raw`
  var COLOURS = { oracle: '#1b7837', lost: '#b2182b', other: '#4a6fa5' };
  function drawBars(id, chart) {
    draw(id, function () {
      var bars = chart.bars.filter(function (b) { return b.value !== null; });
      var marks = [
        Plot.barX(bars, {
          x: 'value', y: 'policy',
          className: 'policy-bars',
          fill: function (b) { return b.oracle ? COLOURS.oracle : b.lost ? COLOURS.lost : COLOURS.other; },
          title: function (b) { return b.policy + ': ' + number(b.value) + ' ' + chart.unit; },
        }),
        Plot.text(bars, { x: 'value', y: 'policy', text: function (b) { return number(b.value); }, textAnchor: 'start', dx: 4, fontSize: 10 }),
        Plot.ruleX([0]),
      ];
      if (chart.bound !== null) marks.push(Plot.ruleX([chart.bound], { className: 'oracle-bound', stroke: COLOURS.oracle, strokeWidth: 1.5, strokeDasharray: '5,3', title: 'oracle: ' + number(chart.bound) }));
      return Plot.plot({
        width: 520, height: 24 + 18 * chart.bars.length, marginLeft: 84, marginRight: 56,
        style: { fontSize: '11px' },
        x: { type: 'symlog', constant: 1, domain: [0, chart.ticks[chart.ticks.length - 1]], ticks: chart.ticks, tickFormat: tick, grid: true, label: chart.unit },
        y: { domain: chart.bars.map(function (b) { return b.policy; }), label: null },
        color: { type: 'identity' },
        marks: marks,
      });
    });
  }
`;

/** A page's script around `body` (browser JavaScript), which calls `drawBars(id, chart)` per chart. */
export function barChartScript(body: string): string {
  return pageScript(DRAW_BARS + body);
}

export const BAR_CHART_SCRIPT = barChartScript(String.raw`
  data.charts.forEach(function (chart) { drawBars(chart.field, chart); });
`);
