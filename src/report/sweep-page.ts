/**
 * `setway sweep --html FILE`: the fraction of schedules that lost data per policy and per migration
 * mode (the sweep's axis: random slices of several mean lengths, adversarial) as a heat map, the
 * pools per policy, and every losing seed the sweep kept with the command line that replays it.
 */
import type { PolicySummary, SweepRow } from '../scenarios/sweep';
import { escapeHtml } from './html-escape';
import { chartFigure, htmlTable, pageScript, reportPage, settingsList } from './page-shell';

export interface HeatCell {
  readonly policy: string;
  readonly migration: string;
  readonly runs: number;
  readonly losingRuns: number;
  readonly losingFraction: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** No run of the cell was migrated: it tested nothing (the mode never fired, or the policy refused). */
  readonly unmoved: boolean;
}

export interface LosingRow {
  readonly policy: string;
  readonly migration: string;
  readonly losingRuns: number;
  readonly seeds: readonly { readonly seed: number; readonly command: string }[];
}

export interface SweepHeatMap {
  readonly policies: readonly string[];
  readonly migrations: readonly string[];
  readonly cells: readonly HeatCell[];
}

export function sweepHeatMap(rows: readonly SweepRow[]): SweepHeatMap {
  return {
    policies: [...new Set(rows.map((r) => r.policy))],
    migrations: [...new Set(rows.map((r) => r.migration))],
    cells: rows.map((r) => ({
      policy: r.policy,
      migration: r.migration,
      runs: r.runs,
      losingRuns: r.losingRuns,
      losingFraction: r.losingFraction,
      ciLow: r.ciLow,
      ciHigh: r.ciHigh,
      unmoved: r.meanMigrations === 0,
    })),
  };
}

export function losingRows(rows: readonly SweepRow[], replay: (policy: string, migration: string, seed: number) => string): LosingRow[] {
  return rows
    .filter((r) => r.losingRuns > 0)
    .map((r) => ({ policy: r.policy, migration: r.migration, losingRuns: r.losingRuns, seeds: r.losingSeeds.map((seed) => ({ seed, command: replay(r.policy, r.migration, seed) })) }));
}

const HEAT_MAP_SCRIPT = pageScript(String.raw`
  var h = data.heatMap;
  draw('losing-fraction', function () {
    return Plot.plot({
      width: Math.max(520, 150 + 95 * h.migrations.length), height: 60 + 30 * h.policies.length,
      marginLeft: 110, marginBottom: 64, padding: 0.04,
      style: { fontSize: '11px' },
      x: { domain: h.migrations, label: 'migration mode (random: mean slice length in guest instructions)', labelOffset: 58, tickRotate: -20 },
      y: { domain: h.policies, label: null },
      color: { type: 'linear', domain: [0, 1], scheme: 'reds', legend: true, label: 'fraction of schedules that lost data' },
      marks: [
        Plot.cell(h.cells, {
          x: 'migration', y: 'policy', fill: 'losingFraction', className: 'heat-cells', stroke: function (c) { return c.unmoved ? '#777' : 'none'; }, strokeDasharray: '3,2',
          title: function (c) { return c.policy + ', ' + c.migration + ': ' + c.losingRuns + ' of ' + c.runs + ' schedules lost data (' + d3.format('.3f')(c.losingFraction) + ', 95% CI ' + d3.format('.3f')(c.ciLow) + ' to ' + d3.format('.3f')(c.ciHigh) + ')' + (c.unmoved ? '; no run was migrated' : ''); },
        }),
        Plot.text(h.cells, { x: 'migration', y: 'policy', text: function (c) { return c.losingRuns + '/' + c.runs; }, fill: function (c) { return c.losingFraction > 0.5 ? 'white' : 'black'; }, className: 'heat-labels' }),
      ],
    });
  });
`);

export interface SweepPageInput {
  /** What the sweep ran ("boot-handoff ROM (a32) on cubietruck, 16 KiB buffer"). */
  readonly what: string;
  readonly rows: readonly SweepRow[];
  readonly summary: readonly PolicySummary[];
  readonly seeds: string;
  readonly replay: (policy: string, migration: string, seed: number) => string;
  readonly commandLine: string;
}

export function renderSweepPage(input: SweepPageInput): string {
  const heatMap = sweepHeatMap(input.rows);
  const losing = losingRows(input.rows, input.replay);
  const fraction = (f: { losingFraction: number; ciLow: number; ciHigh: number }) => `${f.losingFraction.toFixed(3)} [${f.ciLow.toFixed(3)}, ${f.ciHigh.toFixed(3)}]`;
  const losingList =
    losing.length === 0
      ? '<p>No schedule lost data.</p>'
      : `<ul class="losing">\n${losing
          .map((l) => {
            const more = l.losingRuns - l.seeds.length;
            const seeds = l.seeds.map((s) => `<li>seed ${s.seed}: <code>${escapeHtml(s.command)}</code></li>`).join('\n');
            return `<li class="lost">${escapeHtml(l.policy)}, ${escapeHtml(l.migration)}: ${l.losingRuns} losing${more > 0 ? ` (the first ${l.seeds.length} listed)` : ''}\n<ul>\n${seeds}\n</ul></li>`;
          })
          .join('\n')}\n</ul>`;
  const body = `${settingsList([
    ['guest', input.what],
    ['policies', String(heatMap.policies.length)],
    ['migration modes', heatMap.migrations.join(', ')],
    ['seeds', input.seeds],
    ['command', input.commandLine],
  ])}
<h2>Losing fraction per policy and migration mode</h2>
<div class="charts">
${chartFigure('losing-fraction', 'Schedules that lost data', 'each cell: losing runs / runs; a dashed border: no run of the cell was migrated')}
</div>
<h2>Per policy, every schedule pooled</h2>
${htmlTable(['policy', 'runs', 'losing', 'losing fraction [95% CI]'], input.summary.map((s) => [s.policy, s.runs, s.losingRuns, fraction(s)]))}
<h2>Losing seeds, and how to replay each</h2>
${losingList}`;
  return reportPage({ title: `setway sweep: ${input.what}`, body, data: { heatMap, losing }, script: HEAT_MAP_SCRIPT });
}
