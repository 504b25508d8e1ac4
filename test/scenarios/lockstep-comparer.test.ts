/**
 * The comparer against a scripted bare-metal load stream: an instruction the hypervisor restarts
 * after a stage-2 fault makes its accesses before the faulting one twice; bare metal once.
 */
import { describe, expect, it } from 'vitest';
import { CacheSystem } from '../../src/cache/cache-system';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { LoadQueue } from '../../src/scenarios/lockstep/load-queue';
import { LockstepComparer } from '../../src/scenarios/lockstep/lockstep-comparer';
import type { ReferenceLoads } from '../../src/scenarios/lockstep/reference-loads';

function scripted(loads: readonly (readonly [number, number])[]): ReferenceLoads {
  const q = new LoadQueue();
  for (const [va, value] of loads) q.push(va, va, 4, value);
  return {
    fill: () => q.length > 0,
    get headVa() {
      return q.headVa;
    },
    get headPa() {
      return q.headPa;
    },
    get headSize() {
      return q.headSize;
    },
    get headValue() {
      return q.headValue;
    },
    shift: () => q.shift(),
    finish: () => {},
    get remaining() {
      return q.length;
    },
    stopped: null,
    guest: undefined as never,
  };
}

function comparer(reference: ReferenceLoads): LockstepComparer {
  const memory = new PhysicalMemory([{ base: 0, size: 1 << 20 }]);
  return new LockstepComparer(reference, memory, new CacheSystem('cubietruck', memory), () => ({ instructions: 0, pc: 0 }));
}

// A loop loading words up to a page end, then a load pair whose second half is on the next page.
const BARE_METAL: [number, number][] = [
  [0x0ff0, 1],
  [0x0ff4, 2],
  [0x0ff8, 3],
  [0x0ffc, 4],
  [0x1000, 5],
  [0x1004, 6],
  [0x1008, 7],
];

describe('LockstepComparer and restarted instructions', () => {
  it('matches the repeated accesses of an instruction restarted after a stage-2 fault again', () => {
    const c = comparer(scripted(BARE_METAL));
    for (const [va, v] of BARE_METAL.slice(0, 4)) c.load(va, va, 4, v);
    c.restart(); // 0x1000 faulted: the pair restarts at 0x0ff8
    for (const [va, v] of BARE_METAL.slice(2)) c.load(va, va, 4, v);
    c.finish();
    expect([c.controlFlowDiverged, c.staleReads, c.repeatedLoads]).toEqual([false, 0, 2]);
  });

  it('still finds the divergence when the repeated load was not made before the fault', () => {
    const c = comparer(scripted(BARE_METAL));
    for (const [va, v] of BARE_METAL.slice(0, 4)) c.load(va, va, 4, v);
    c.restart();
    c.load(0x2000, 0x2000, 4, 9);
    expect(c.controlFlowDiverged).toBe(true);
    expect(c.controlFlowCause).toBe('unexplained');
  });

  it('without a restart, the same repetition is a control-flow divergence', () => {
    const c = comparer(scripted(BARE_METAL));
    for (const [va, v] of [...BARE_METAL.slice(0, 4), ...BARE_METAL.slice(2)]) c.load(va, va, 4, v);
    expect(c.controlFlowDiverged).toBe(true);
  });

  it('a stale value in the repeated part is still a stale read', () => {
    const c = comparer(scripted(BARE_METAL));
    for (const [va, v] of BARE_METAL.slice(0, 4)) c.load(va, va, 4, v);
    c.restart();
    c.load(0x0ff8, 0x0ff8, 4, 3);
    c.load(0x0ffc, 0x0ffc, 4, 0xdead);
    expect(c.staleReads).toBe(1);
  });
});
