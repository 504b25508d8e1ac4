/**
 * The comparer between scripted runs: the subject's loads queued as its vCPU made them (with a
 * restart after a stage-2 fault where the hypervisor resolved one), bare metal's loads matched
 * one by one as it makes them, and bare metal adopting newer data the guest read.
 */
import { describe, expect, it } from 'vitest';
import { CacheSystem } from '../../src/cache/cache-system';
import type { Vcpu } from '../../src/hyp/vcpu';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { AdoptionNeeded, LockstepComparer } from '../../src/scenarios/lockstep/lockstep-comparer';
import { StoreShadow } from '../../src/scenarios/lockstep/store-shadow';
import { SubjectLoads, SubjectSide } from '../../src/scenarios/lockstep/subject-loads';

/** A subject vCPU whose loads and stores the test makes. */
function scriptedSubject() {
  const memory = new PhysicalMemory([{ base: 0, size: 1 << 20 }]);
  const caches = new CacheSystem('cubietruck', memory);
  const recorder = new SubjectLoads({ cpu: { instructionsRetired: 0 } } as unknown as Vcpu, new StoreShadow(memory), caches, memory, { loads: 0 });
  const side = new SubjectSide([recorder], () => false);
  return { memory, caches, recorder, side };
}

function bareMetal() {
  const memory = new PhysicalMemory([{ base: 0, size: 1 << 20 }]);
  return { memory, caches: new CacheSystem('cubietruck', memory) };
}

// A loop loading words up to a page end, then a load multiple whose third word is on the next
// page (the hypervisor had unmapped it: stage-2 fault, resolved, the instruction runs again).
const BARE_METAL: [number, number][] = [
  [0x0ff0, 1],
  [0x0ff4, 2],
  [0x0ff8, 3],
  [0x0ffc, 4],
  [0x1000, 5],
  [0x1004, 6],
];

describe('LockstepComparer and restarted instructions', () => {
  it('drops the loads a restarted instruction made before its fault: the repeat is matched once', () => {
    const s = scriptedSubject();
    const load = (va: number, v: number) => s.recorder.load(va, va, 4, v);
    load(0x0ff0, 1);
    load(0x0ff4, 2);
    load(0x0ff8, 3); // the load multiple's first two words...
    load(0x0ffc, 4);
    s.recorder.restart(0x1000); // ...and its third faulted: it runs again from the first
    load(0x0ff8, 3);
    load(0x0ffc, 4);
    load(0x1000, 5);
    load(0x1004, 6);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    for (const [va, v] of BARE_METAL) c.load(va, va, 4, v);
    c.referenceEnded();
    expect([c.controlFlowDiverged, c.staleReads, c.loads, s.recorder.repeatedLoads]).toEqual([false, 0, 6, 2]);
  });

  it('a restart at the instruction\'s first access drops nothing, even where a loop loaded that address just before', () => {
    const s = scriptedSubject();
    s.recorder.load(0x3000, 0x3000, 4, 7); // one iteration
    s.recorder.restart(0x3000); // the next iteration's load faulted (the page was invalidated)
    s.recorder.load(0x3000, 0x3000, 4, 7);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    c.load(0x3000, 0x3000, 4, 7);
    c.load(0x3000, 0x3000, 4, 7);
    c.referenceEnded();
    expect([c.controlFlowDiverged, c.loads, s.recorder.repeatedLoads]).toEqual([false, 2, 0]);
  });

  it('without a restart, the same repetition is a control-flow divergence with no loss to explain it', () => {
    const s = scriptedSubject();
    for (const [va, v] of [...BARE_METAL.slice(0, 4), ...BARE_METAL.slice(2)]) s.recorder.load(va, va, 4, v);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    for (const [va, v] of BARE_METAL) c.load(va, va, 4, v);
    expect(c.controlFlowDiverged).toBe(true);
    expect(c.controlFlowCause).toBe('unexplained');
    expect(c.first?.loadIndex).toBe(4);
  });

  it('a stale value in the repeated part is still a stale read', () => {
    const s = scriptedSubject();
    s.recorder.load(0x0ff8, 0x0ff8, 4, 3);
    s.recorder.restart(0x0ffc);
    s.recorder.load(0x0ff8, 0x0ff8, 4, 0xdead);
    s.recorder.load(0x0ffc, 0x0ffc, 4, 4);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    c.load(0x0ff8, 0x0ff8, 4, 3);
    c.load(0x0ffc, 0x0ffc, 4, 4);
    expect(c.staleReads).toBe(1);
    expect(c.first?.text).toMatch(/stale read at load #0 .* gave 0xdead, bare metal 0x3/);
  });

  it('bare metal making loads the guest never made, or the reverse, is a control-flow divergence', () => {
    const s = scriptedSubject();
    s.recorder.load(0x0ff0, 0x0ff0, 4, 1);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    c.load(0x0ff0, 0x0ff0, 4, 1);
    c.load(0x0ff4, 0x0ff4, 4, 2);
    expect(c.first?.text).toMatch(/bare metal made load #1 .* the guest made no more loads/);

    const t = scriptedSubject();
    t.recorder.load(0x0ff0, 0x0ff0, 4, 1);
    const d = new LockstepComparer(t.side, 0, bareMetal());
    d.referenceEnded();
    expect(d.first?.text).toMatch(/the guest made load #0 .* bare metal made no more loads/);
  });
});

describe('bare metal adopts newer data the guest read', () => {
  it('the guest read its latest store where bare metal read an older copy: bare metal writes the line back and takes the same value', () => {
    const s = scriptedSubject();
    s.recorder.store(0x2000, 0x2000, 4, 0x1234); // the guest's latest store, which reached the guest
    s.recorder.load(0x2000, 0x2000, 4, 0x1234);
    const bare = bareMetal();
    bare.caches.write(0, 0x2000, 4, 0x1234); // bare metal's copy is dirty in pCPU 0's L1...
    expect(bare.memory.read32(0x2000)).toBe(0); // ...and memory is older
    const c = new LockstepComparer(s.side, 0, bare);
    expect(c.load(0x2000, 0x2000, 4, 0)).toBe(0x1234); // an uncached read of memory, adopted
    expect([c.fresherReads, c.staleReads]).toEqual([1, 0]);
    expect(bare.memory.read32(0x2000)).toBe(0x1234);
    expect(bare.caches.isDirty(0x2000)).toBe(false);
  });

  it('data bare metal discarded (its DC ISW) is put in its memory, so a later read there agrees too', () => {
    const s = scriptedSubject();
    s.recorder.store(0x2000, 0x2000, 4, 0x77);
    s.recorder.load(0x2000, 0x2000, 4, 0x77);
    s.recorder.load(0x2000, 0x2000, 4, 0x77);
    const bare = bareMetal();
    const c = new LockstepComparer(s.side, 0, bare);
    expect(c.load(0x2000, 0x2000, 4, 0)).toBe(0x77);
    expect(c.load(0x2000, 0x2000, 4, bare.memory.read32(0x2000))).toBe(0x77);
    expect([c.fresherReads, c.staleReads]).toEqual([1, 0]);
  });

  it('a guest that reads data older than its latest store, where bare metal reads the latest, has read stale data', () => {
    const s = scriptedSubject();
    s.recorder.store(0x2000, 0x2000, 4, 0x77);
    s.recorder.load(0x2000, 0x2000, 4, 0);
    const c = new LockstepComparer(s.side, 0, bareMetal());
    expect(c.load(0x2000, 0x2000, 4, 0x77)).toBe(0x77);
    expect(c.staleReads).toBe(1);
    expect(c.first?.whereUpToDate).toMatch(/no copy holds the latest data|memory/);
  });

  it('a recorded bare-metal run cannot adopt: the comparer says so, for the caller to compare live', () => {
    const s = scriptedSubject();
    s.recorder.store(0x2000, 0x2000, 4, 0x77);
    s.recorder.load(0x2000, 0x2000, 4, 0x77);
    const c = new LockstepComparer(s.side, 0, null);
    expect(() => c.load(0x2000, 0x2000, 4, 0)).toThrow(AdoptionNeeded);
  });
});
