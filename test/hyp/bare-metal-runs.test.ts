/**
 * A bare-metal run recorded once and replayed gives the same verdict as a live bare-metal run in
 * lockstep, for every policy and several schedules; and it is recorded once per guest.
 */
import { describe, expect, it } from 'vitest';
import { POLICY_NAMES } from '../../src/hyp/policies';
import { BARE_METAL_POLICY, bareMetalFor } from '../../src/hyp/policies/bare-metal';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { runFunction } from '../../src/scenarios/function-harness';
import { loadRom } from '../../src/scenarios/rom-images';
import { BareMetalRuns } from '../../src/scenarios/lockstep/bare-metal-runs';
import type { ScenarioResult } from '../../src/scenarios/result';

const verdictOf = (r: ScenarioResult) => ({
  staleReads: r.staleReads,
  fresherReads: r.fresherReads,
  dataDestroyed: r.dataDestroyed,
  loadsCompared: r.loadsCompared,
  controlFlowCause: r.controlFlowCause,
  first: r.firstDivergence?.text ?? null,
  finalStateDiffers: r.finalStateDiffers,
});

describe('recorded bare-metal runs', () => {
  it('replayed and live references give identical verdicts', () => {
    const bareMetal = new BareMetalRuns();
    const migrations = [{ kind: 'after-setway', k: 768 }, { kind: 'random', meanInstructions: 3000 }] as const;
    for (const policy of POLICY_NAMES) {
      for (const migration of migrations) {
        const options = { policy, migration, bufferBytes: 16 * 1024, seed: 5 };
        expect(verdictOf(runBootHandoff({ ...options, bareMetal })), `${policy} ${migration.kind}`).toEqual(verdictOf(runBootHandoff(options)));
      }
    }
    // One recording of bare metal, and one more per policy that shows the guest caches of its own
    // making (kvm-6.3: bare metal is then built with those caches, bareMetalFor).
    const ownCaches = POLICY_NAMES.filter((p) => bareMetalFor(p) !== BARE_METAL_POLICY);
    expect(ownCaches).toEqual(['kvm-6.3']);
    expect(bareMetal.recordings).toBe(1 + ownCaches.length);
    expect(bareMetal.replays).toBe(POLICY_NAMES.length * migrations.length);
  });

  it('a run whose newer reads bare metal must adopt is compared again live: same verdict, one recording', () => {
    // invalidate_l1 discards a dirty stack on bare metal; a guest under a hypervisor keeps it.
    const rom = loadRom('a32-set-way.o', 0x4100_0000);
    const options = { image: rom, entry: rom.findSymbol('invalidate_l1').address, policy: 'passthrough', bufferBytes: 64 * 1024 };
    const bareMetal = new BareMetalRuns();
    const replayed = runFunction({ ...options, bareMetal });
    const live = runFunction(options);
    expect(replayed.fresherReads).toBeGreaterThan(0);
    expect(verdictOf(replayed)).toEqual(verdictOf(live));
    expect(replayed.controlFlowDiverged).toBe(false);
    expect(bareMetal.recordings).toBe(1);
  });

  it('a different guest (another buffer size) gets its own recording', () => {
    const bareMetal = new BareMetalRuns();
    runBootHandoff({ policy: 'xen', bufferBytes: 8 * 1024, bareMetal });
    runBootHandoff({ policy: 'kvm', bufferBytes: 8 * 1024, bareMetal });
    runBootHandoff({ policy: 'xen', bufferBytes: 12 * 1024, bareMetal });
    expect(bareMetal.recordings).toBe(2);
  });
});
