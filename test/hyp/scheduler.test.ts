import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMigrationMode, formatMigrationMode, Scheduler, SchedulerError } from '../../src/hyp/scheduler';

const idle = { setWayOps: 0, cachesOn: true, inSetWayLoop: false };

describe('migration modes', () => {
  it('parse and print round trip', () => {
    for (const text of ['never', 'every:100', 'after-sw:7', 'random:50', 'adversarial:4']) {
      expect(formatMigrationMode(parseMigrationMode(text))).toBe(text);
    }
  });
  it('reject bad input with the forms listed', () => {
    expect(() => parseMigrationMode('sometimes')).toThrow(SchedulerError);
    expect(() => parseMigrationMode('every')).toThrow(/positive integer/);
    expect(() => parseMigrationMode('every:-3')).toThrow(/positive integer/);
  });
});

describe('Scheduler', () => {
  it('never moves a vCPU in mode never', () => {
    const s = new Scheduler({ kind: 'never' }, 4, 1);
    expect(s.nextPcpu(2, idle)).toBe(2);
  });
  it('moves exactly once, after the k-th S/W op, in mode after-sw', () => {
    const s = new Scheduler({ kind: 'after-setway', k: 5 }, 2, 1);
    expect(s.sliceLength(idle).stopAtSetWay).toBe(5);
    expect(s.nextPcpu(0, { ...idle, setWayOps: 5 })).toBe(1);
    expect(s.sliceLength(idle).stopAtSetWay).toBeUndefined();
    expect(s.nextPcpu(1, { ...idle, setWayOps: 9 })).toBe(1);
  });
  it('is deterministic from its seed and always picks a valid other pCPU (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 8 }), (seed, n) => {
        const a = new Scheduler({ kind: 'every', instructions: 10 }, n, seed);
        const b = new Scheduler({ kind: 'every', instructions: 10 }, n, seed);
        let cur = 0;
        for (let i = 0; i < 50; i++) {
          const next = a.nextPcpu(cur, idle);
          if (next !== b.nextPcpu(cur, idle) || next === cur || next < 0 || next >= n) return false;
          cur = next;
        }
        return true;
      }),
      { seed: 7 },
    );
  });
  it('adversarial mode moves only while caches are off or a loop runs', () => {
    const s = new Scheduler({ kind: 'adversarial', instructions: 8 }, 2, 3);
    expect(s.nextPcpu(0, idle)).toBe(0);
    expect(s.nextPcpu(0, { ...idle, cachesOn: false })).toBe(1);
    expect(s.nextPcpu(1, { ...idle, inSetWayLoop: true })).toBe(0);
    const slice = s.sliceLength({ ...idle, inSetWayLoop: true }).instructions;
    expect(slice).toBeGreaterThanOrEqual(1);
    expect(slice).toBeLessThanOrEqual(16);
  });

  /** The slice lengths and destinations an adversarial scheduler picks over a guest that flushes with caches off. */
  function adversarialSchedule(seed: number, pcpus = 2, n = 16): number[] {
    const s = new Scheduler({ kind: 'adversarial', instructions: n }, pcpus, seed);
    const out: number[] = [];
    let cur = 0;
    for (let i = 0; i < 64; i++) {
      const state = { setWayOps: i, cachesOn: i < 8, inSetWayLoop: i >= 4 };
      out.push(s.sliceLength(state).instructions);
      cur = s.nextPcpu(cur, state);
      out.push(cur);
    }
    return out;
  }

  it('adversarial mode on two pCPUs gives each seed its own schedule, and the same seed the same one', () => {
    expect(adversarialSchedule(1)).toEqual(adversarialSchedule(1));
    expect(adversarialSchedule(2)).not.toEqual(adversarialSchedule(1));
    // 1,000 seeds are (nearly) 1,000 schedules, not one.
    const distinct = new Set(Array.from({ length: 1000 }, (_, i) => adversarialSchedule(i + 1).join(',')));
    expect(distinct.size).toBeGreaterThan(990);
  });

  it('adversarial slices are random around N while hot and around 1,000 while quiet, never 0', () => {
    const s = new Scheduler({ kind: 'adversarial', instructions: 16 }, 2, 9);
    const hot = Array.from({ length: 2000 }, () => s.sliceLength({ ...idle, cachesOn: false }).instructions);
    expect(Math.min(...hot)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...hot)).toBeLessThanOrEqual(32);
    const mean = hot.reduce((a, b) => a + b, 0) / hot.length;
    expect(mean).toBeGreaterThan(14);
    expect(mean).toBeLessThan(19);
    const quiet = Array.from({ length: 2000 }, () => s.sliceLength(idle).instructions);
    expect(Math.max(...quiet)).toBeLessThanOrEqual(2000);
    expect(Math.min(...quiet)).toBeGreaterThanOrEqual(1);
    expect(new Set(quiet).size).toBeGreaterThan(100);
  });
});
