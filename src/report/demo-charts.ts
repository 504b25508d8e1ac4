/**
 * The data behind the demo report's charts (and compare's, per guest): one bar chart per cost or
 * loss figure, one bar per policy, the oracle's value as the bound the others are measured against.
 * Built from the result rows the command already has; the page only draws it.
 */
import { lostData } from '../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../scenarios/result';

/** The fields of a row type that hold numbers. */
export type NumericFieldOf<R> = { [K in keyof R]: R[K] extends number ? K : never }[keyof R];
type NumericField = NumericFieldOf<ScenarioResult>;

export interface ChartMetric<F extends string = NumericField> {
  /** The result field the chart shows (its name in the command's --json). */
  readonly field: F;
  readonly title: string;
  /** The x axis label. */
  readonly unit: string;
}

/** The figures the demo's table compares, in its column order. */
export const DEMO_CHART_METRICS: readonly ChartMetric[] = [
  { field: 'dataLost', title: 'Data lost (stale reads + lines destroyed)', unit: 'words and lines' },
  { field: 'staleReads', title: 'Stale reads against bare metal', unit: 'loads' },
  { field: 'traps', title: 'Traps to EL2', unit: 'traps' },
  { field: 'linesByAddress', title: 'Lines cleaned by address', unit: 'cache lines' },
  { field: 'pagesFlushed', title: 'Pages flushed', unit: 'pages' },
  { field: 'stage2Faults', title: 'Stage-2 faults', unit: 'faults' },
  { field: 'longestEl2Us', title: 'Longest EL2 stretch', unit: 'µs, simulated' },
  { field: 'simulatedUs', title: 'Simulated time', unit: 'µs' },
];

export interface ChartBar {
  readonly policy: string;
  /** The result's figure as it is (null where it was not measured: NaN has no JSON). */
  readonly value: number | null;
  /** The policy lost data in this run (its bars are drawn as a loss). */
  readonly lost: boolean;
  readonly oracle: boolean;
}

export interface BarChart<F extends string = NumericField> {
  readonly field: F;
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly ChartBar[];
  /** The oracle's value, drawn as a rule across the chart; null when the run had no oracle row. */
  readonly bound: number | null;
  /**
   * Axis ticks: 0, then powers of ten up to the first at or above the largest value. The axis is
   * symmetric-log (linear below 1, logarithmic above), so the counts that are 0 keep a place on it.
   */
  readonly ticks: readonly number[];
}

export const ORACLE_POLICY = 'oracle';

function measured(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function decadeTicks(largest: number): number[] {
  const ticks = [0];
  for (let t = 1; ; t *= 10) {
    ticks.push(t);
    if (t >= largest) return ticks;
  }
}

/** One chart per metric, one bar per row (a row per policy), the oracle's row as the bound. */
export function barCharts<R extends { readonly policy: string }, F extends NumericFieldOf<R> & string>(
  rows: readonly R[],
  metrics: readonly ChartMetric<F>[],
  lost: (row: R) => boolean,
): BarChart<F>[] {
  const oracle = rows.find((r) => r.policy === ORACLE_POLICY);
  const figure = (r: R, field: F) => measured(r[field] as number);
  return metrics.map(({ field, title, unit }) => {
    const bars = rows.map((r) => ({ policy: r.policy, value: figure(r, field), lost: lost(r), oracle: r.policy === ORACLE_POLICY }));
    const largest = Math.max(0, ...bars.map((b) => b.value ?? 0));
    return { field, title, unit, bars, bound: oracle === undefined ? null : figure(oracle, field), ticks: decadeTicks(largest) };
  });
}

export function demoCharts(results: readonly ScenarioResult[], metrics: readonly ChartMetric[] = DEMO_CHART_METRICS): BarChart[] {
  return barCharts(results, metrics, lostData);
}
