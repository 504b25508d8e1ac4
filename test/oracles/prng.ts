/**
 * Seeded pseudo-random numbers for the differential tests: the seed is fixed unless
 * `SETWAY_SEED=<n>` says otherwise, every run prints it, so a failing seed replays.
 */

/** The seed a test uses when SETWAY_SEED is not set: fixed, so every run compares the same words. */
export const DEFAULT_TEST_SEED = 0x5e7_0001;

/** Seed from SETWAY_SEED (to replay a failure or explore others), else `fallback`. */
export function testSeed(fallback: number = DEFAULT_TEST_SEED): number {
  const env = process.env.SETWAY_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new RangeError(`SETWAY_SEED must be an integer, got "${env}"`);
    return n >>> 0;
  }
  return fallback >>> 0;
}

/** mulberry32: a small, fast 32-bit generator; plenty for test input. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
}
