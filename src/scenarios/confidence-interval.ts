/**
 * Confidence intervals for a fraction: how sure a sweep can be that a policy loses in (at most) a
 * given share of schedules after trying a few. The Wilson score interval stays inside [0, 1] and
 * is honest at 0 of n, where the naive p +/- z*sqrt(p(1-p)/n) collapses to [0, 0].
 */

/** z for a two-sided 95% interval (the 97.5th percentile of the standard normal). */
export const Z_95 = 1.959963984540054;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Wilson score interval for `successes` out of `trials` (default 95%); [0, 1] when nothing was tried. */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: need integers 0 <= successes <= trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const denominator = 1 + z2n;
  const centre = (p + z2n / 2) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === trials ? 1 : Math.min(1, centre + half),
  };
}
