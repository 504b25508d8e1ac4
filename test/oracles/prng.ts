/**
 * Seeded pseudo-random numbers for the differential tests: every run prints its seed, and
 * `SETWAY_SEED=<n>` replays it.
 */

/** Seed from SETWAY_SEED, or a fresh one (printed by the caller), so CI explores new words each run. */
export function testSeed(): number {
  const env = process.env.SETWAY_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new RangeError(`SETWAY_SEED must be an integer, got "${env}"`);
    return n >>> 0;
  }
  return (Date.now() ^ (process.pid << 16)) >>> 0;
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
