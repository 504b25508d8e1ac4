/**
 * The run and boot pages' script: each lane of `data.timeline` (src/report/timeline-charts.ts) as
 * one Observable Plot chart, all on the same x axis of guest instructions and the same width, so
 * that the lanes line up; the first divergence from bare metal is a dashed red rule on every lane.
 * Marks carry class names (window-bars, migration-arrows, pcpu-line, cache-bands, toggle-marks,
 * el2-time, el2-longest, dirty-lines, divergence-mark) for the browser test to find them.
 */
import { pageScript } from './page-shell';

export const TIMELINE_SCRIPT_BODY = String.raw`
  var t = data.timeline;
  var RED = '#b2182b';
  var base = {
    width: 1100, marginLeft: 120, marginRight: 30, marginBottom: 34,
    style: { fontSize: '11px' },
    x: { domain: [0, Math.max(1, t.instructions)], label: 'guest instructions', tickFormat: tick, grid: true },
  };
  function plot(options) { return Plot.plot(Object.assign({}, base, options)); }
  function range(i) { return 'instructions ' + number(t.starts[i]) + ' to ' + number(t.ends[i]); }
  function divergence() {
    if (t.divergence === null) return [];
    return [Plot.ruleX([t.divergence.at], { className: 'divergence-mark', stroke: RED, strokeWidth: 1.5, strokeDasharray: '5,3', title: t.divergence.sentence })];
  }
  function nothing(text) { return Plot.text([text], { frameAnchor: 'middle', fill: '#777' }); }
  // One rectangle per window and series with a count: [start, end) wide, stacked by series.
  function windowRows(series) {
    var rows = [];
    series.forEach(function (s) {
      s.counts.forEach(function (v, i) { if (v > 0) rows.push({ x1: t.starts[i], x2: t.ends[i], y: v, name: s.name, i: i }); });
    });
    return rows;
  }
  // Runs of equal values, one row per run: [start of its first window, end of its last).
  function runs(series) {
    var rows = [];
    series.forEach(function (s) {
      s.counts.forEach(function (v, i) {
        var last = rows[rows.length - 1];
        if (last && last.name === s.name && last.value === v) last.x2 = t.ends[i];
        else rows.push({ x1: t.starts[i], x2: t.ends[i], value: v, name: s.name });
      });
    });
    return rows;
  }
  var drawers = {
    stack: function (chart) {
      var rows = windowRows(chart.series);
      return plot({
        height: 170,
        y: { label: chart.unit + ' per window', grid: true },
        color: { legend: true, domain: chart.series.map(function (s) { return s.name; }), scheme: 'tableau10' },
        marks: [
          Plot.rectY(rows, { x1: 'x1', x2: 'x2', y: 'y', fill: 'name', className: 'window-bars', title: function (r) { return r.name + ': ' + number(r.y) + ' ' + chart.unit + ', ' + range(r.i); } }),
          Plot.ruleY([0]),
        ].concat(rows.length === 0 ? [nothing('none in this run')] : [], divergence()),
      });
    },
    migrations: function (chart) {
      var pcpus = d3.range(chart.pcpus);
      var lines = [];
      chart.pcpuOf.forEach(function (s) { s.counts.forEach(function (p, i) { lines.push({ x: t.ends[i], y: p, name: s.name }); }); });
      return plot({
        height: 60 + 22 * chart.pcpus,
        y: { domain: pcpus, type: 'point', label: 'pCPU', tickFormat: function (p) { return 'pCPU ' + p; }, padding: 0.6 },
        color: { legend: chart.pcpuOf.length > 1, domain: chart.pcpuOf.map(function (s) { return s.name; }), scheme: 'tableau10' },
        marks: [
          Plot.line(lines, { x: 'x', y: 'y', z: 'name', stroke: 'name', curve: 'step-before', strokeOpacity: 0.5, className: 'pcpu-line' }),
          Plot.arrow(chart.events, {
            x1: 'at', x2: 'at', y1: 'from', y2: 'to', stroke: '#333', headLength: 6, className: 'migration-arrows',
            title: function (e) { return 'vCPU ' + e.vcpu + ' moved from pCPU ' + e.from + ' to pCPU ' + e.to + ' at instruction ' + number(e.at); },
          }),
        ].concat(chart.events.length === 0 ? [nothing('no migration')] : [], divergence()),
      });
    },
    caches: function (chart) {
      var rows = runs(chart.vcpus);
      var names = chart.vcpus.map(function (s) { return s.name; });
      return plot({
        height: 50 + 26 * Math.max(1, names.length),
        y: { domain: names, label: null },
        color: { type: 'categorical', domain: ['on', 'off'], range: ['#7fbc41', '#d9d9d9'], legend: true },
        marks: [
          Plot.barX(rows, { x1: 'x1', x2: 'x2', y: 'name', fill: function (r) { return r.value ? 'on' : 'off'; }, className: 'cache-bands', title: function (r) { return r.name + ': caches ' + (r.value ? 'on' : 'off') + ' from instruction ' + number(r.x1) + ' to ' + number(r.x2) + ' (sampled at window ends)'; } }),
          Plot.dot(chart.toggles, { x: 'at', y: function (e) { return 'vCPU ' + e.vcpu; }, r: 4, fill: function (e) { return e.on ? '#1b7837' : '#222'; }, stroke: 'white', className: 'toggle-marks', title: function (e) { return 'vCPU ' + e.vcpu + ' turned its caches ' + (e.on ? 'on' : 'off') + ' at instruction ' + number(e.at) + ' (a trapped register write: the policy saw it)'; } }),
        ].concat(divergence()),
      });
    },
    el2: function (chart) {
      var total = windowRows([{ name: 'EL2 time', counts: chart.totalUs }]);
      var longest = [];
      chart.longestUs.forEach(function (v, i) { if (v > 0) longest.push({ x: (t.starts[i] + t.ends[i]) / 2, y: v, i: i }); });
      return plot({
        height: 170,
        y: { label: chart.unit, grid: true },
        marks: [
          Plot.rectY(total, { x1: 'x1', x2: 'x2', y: 'y', fill: '#4a6fa5', className: 'el2-time', title: function (r) { return number(r.y) + ' µs in EL2, ' + range(r.i); } }),
          Plot.dot(longest, { x: 'x', y: 'y', r: 2.5, fill: '#e08214', className: 'el2-longest', title: function (r) { return 'longest EL2 stretch ' + number(r.y) + ' µs, ' + range(r.i); } }),
          Plot.ruleY([0]),
        ].concat(total.length === 0 ? [nothing('no EL2 work in this run')] : [], divergence()),
      });
    },
    lines: function (chart) {
      var rows = [];
      chart.series.forEach(function (s) { s.counts.forEach(function (v, i) { rows.push({ x: t.ends[i], y: v, name: s.name }); }); });
      return plot({
        height: 220,
        y: { label: chart.unit, grid: true },
        color: { legend: true, domain: chart.series.map(function (s) { return s.name; }), scheme: 'tableau10' },
        marks: [
          Plot.line(rows, { x: 'x', y: 'y', z: 'name', stroke: 'name', className: 'dirty-lines' }),
          Plot.ruleY([0]),
        ].concat(divergence()),
      });
    },
  };
  t.charts.forEach(function (chart) { draw(chart.id, function () { return drawers[chart.kind](chart); }); });
`;

export const TIMELINE_SCRIPT = pageScript(TIMELINE_SCRIPT_BODY);
