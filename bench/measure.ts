/** Small timing helpers for `npm run bench`: medians of repeated runs, nothing clever. */

export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target the issue sets, as text (e.g. '>= 100e6'), and whether this run met it. */
  readonly target?: string;
  readonly met?: boolean;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Run `fn` `runs` times (after one warm-up) and return the median wall time in milliseconds. */
export function medianMs(fn: () => void, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function withTarget(row: BenchRow, target: string, met: boolean): BenchRow {
  return { ...row, target, met };
}
