/**
 * The verdict's promise, as a property: for random well-behaved guests (stores, loads, S/W
 * flushes and invalidates, cache toggles, maintenance by address: src/scenarios/script-arbitrary)
 * under random migration schedules, every policy that claims safety leaves the guest seeing
 * exactly what it sees on bare metal, while passthrough does not for some schedule. The fast-check
 * seed is fixed so a failure replays; `npm run soak` runs thousands of schedules per policy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies';
import { claimsSafetyFor } from '../../src/hyp/policy';
import type { MigrationMode } from '../../src/hyp/scheduler';
import { scriptGuestArb } from '../../src/scenarios/script-arbitrary';
import { runScriptGuest } from '../../src/scenarios/script-guest';

/** The script guests are AArch64 (src/scenarios/script-guest.ts): policies that claim safety for A64 guests. */
const SAFE = [...POLICY_NAMES, 'kvm:fwb', 'dirty:dbm', 'dirty:tid2'].filter((p) => claimsSafetyFor(makePolicy(p), 'a64'));
const RUNS = Number(process.env.SETWAY_VERDICT_RUNS ?? 25);

const scheduleArb: fc.Arbitrary<MigrationMode> = fc.oneof(
  fc.integer({ min: 50, max: 5000 }).map((n) => ({ kind: 'random' as const, meanInstructions: n })),
  fc.integer({ min: 4, max: 64 }).map((n) => ({ kind: 'adversarial' as const, instructions: n })),
  fc.integer({ min: 20, max: 3000 }).map((n) => ({ kind: 'every' as const, instructions: n })),
);

describe('verdict property: policies that claim safety match bare metal', () => {
  it('lists the policies it holds to the claim', () => {
    expect(SAFE).toEqual(expect.arrayContaining(['kvm', 'xen', 'misconfig', 'dirty', 'dirty:dbm', 'dirty:tid2', 'oracle']));
    expect(SAFE).not.toContain('passthrough');
    expect(SAFE).not.toContain('jailhouse'); // its arm64 port traps no S/W op
  });

  it.each(SAFE)('%s: no stale read, no destroyed data, no divergence on random guests and schedules', (policy) => {
    fc.assert(
      fc.property(scriptGuestArb(), scheduleArb, fc.integer({ min: 1, max: 1e6 }), fc.constantFrom('cubietruck', 'server'), (script, migration, seed, preset) => {
        const r = runScriptGuest({ script, policy, migration, seed, preset });
        expect(r.firstDivergence?.text ?? null).toBeNull();
        expect(r.staleReads).toBe(0);
        expect(r.dataDestroyed).toBe(0);
        expect(r.controlFlowDiverged).toBe(false);
        expect(r.loadsCompared).toBeGreaterThan(0);
      }),
      { numRuns: RUNS, seed: 0x5e7 },
    );
  });

  it('passthrough loses for some schedule of the same guests (the property can fail)', () => {
    const cases = fc.sample(fc.tuple(scriptGuestArb(), fc.integer({ min: 1, max: 1e6 })), { numRuns: 12, seed: 0x5e7 });
    const losing = cases.filter(([script, seed]) => {
      const r = runScriptGuest({ script, policy: 'passthrough', migration: { kind: 'adversarial', instructions: 16 }, seed });
      return r.staleReads > 0 || r.dataDestroyed > 0 || r.controlFlowDiverged;
    });
    expect(losing.length).toBeGreaterThan(0);
  });
});
