import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/scenarios/confidence-interval';

describe('Wilson score interval (95%)', () => {
  it.each([
    // successes, trials, low, high (reference values: the textbook formula with z = 1.96)
    [0, 20, 0, 0.1611],
    [5, 20, 0.1119, 0.4687],
    [20, 20, 0.8389, 1],
    [1, 10, 0.0179, 0.4042],
    [50, 100, 0.4038, 0.5962],
    [0, 1000, 0, 0.00383],
  ])('%i of %i is [%f, %f]', (k, n, low, high) => {
    const ci = wilsonInterval(k, n);
    expect(ci.low).toBeCloseTo(low, 3);
    expect(ci.high).toBeCloseTo(high, 3);
  });

  it('contains the observed fraction, stays in [0, 1] and narrows with more trials', () => {
    for (let n = 1; n <= 60; n++) {
      for (let k = 0; k <= n; k++) {
        const { low, high } = wilsonInterval(k, n);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(low).toBeLessThanOrEqual(k / n);
        expect(high).toBeGreaterThanOrEqual(k / n);
      }
    }
    const width = (k: number, n: number) => wilsonInterval(k, n).high - wilsonInterval(k, n).low;
    expect(width(10, 100)).toBeLessThan(width(1, 10));
  });

  it('knows nothing from no trials and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
  });
});
