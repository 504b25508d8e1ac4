/**
 * The page's own script (browser JavaScript, run after d3 and Plot are loaded): draws each chart of
 * the JSON data element `#report-data` into its `<figure data-chart=FIELD>` with Observable Plot.
 * A chart that fails to draw says so in its place (`.chart-error`), and `body[data-charts-drawn]`
 * counts those that drew, so a headless browser's DOM tells whether the page worked.
 */
export const BAR_CHART_SCRIPT = String.raw`
(function () {
  'use strict';
  var COLOURS = { oracle: '#1b7837', lost: '#b2182b', other: '#4a6fa5' };
  var data = JSON.parse(document.getElementById('report-data').textContent);
  // Counts in full (3,145,728), microseconds to two places at most.
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
  data.charts.forEach(function (chart) {
    var place = document.querySelector('figure[data-chart="' + chart.field + '"] .plot');
    try {
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
      place.appendChild(Plot.plot({
        width: 520, height: 24 + 18 * chart.bars.length, marginLeft: 84, marginRight: 56,
        style: { fontSize: '11px' },
        x: { type: 'symlog', constant: 1, domain: [0, chart.ticks[chart.ticks.length - 1]], ticks: chart.ticks, tickFormat: tick, grid: true, label: chart.unit },
        y: { domain: chart.bars.map(function (b) { return b.policy; }), label: null },
        color: { type: 'identity' },
        marks: marks,
      }));
      drawn++;
    } catch (error) {
      fail(place, error);
    }
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
`;
