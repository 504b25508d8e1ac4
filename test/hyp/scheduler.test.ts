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
    expect(s.sliceLength({ ...idle, inSetWayLoop: true }).instructions).toBe(8);
  });
});
