/**
 * The demo page's script: draws each bar chart of `data.charts` into its `<figure data-chart=FIELD>`
 * with Observable Plot (src/report/page-shell.ts pageScript supplies `data`, `draw` and the formats).
 */
import { pageScript } from './page-shell';

export const BAR_CHART_SCRIPT = pageScript(String.raw`
  var COLOURS = { oracle: '#1b7837', lost: '#b2182b', other: '#4a6fa5' };
  data.charts.forEach(function (chart) {
    draw(chart.field, function () {
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
  });
`);
