/** Shared settings for the boot-handoff property tests: small buffers so 1,000 schedules run in minutes. */
import { describe, expect, it } from 'vitest';
import { runBootHandoff, type BootHandoffOptions } from '../../src/scenarios/boot-handoff';
import { BareMetalRuns } from '../../src/scenarios/lockstep/bare-metal-runs';
import { lostData } from '../../src/scenarios/lockstep/verdict';

/** One guest, one bare metal: recorded once per file and replayed for every seed and policy. */
const bareMetal = new BareMetalRuns();

export const SMALL: Pick<BootHandoffOptions, 'bufferBytes' | 'guestRamBytes'> = { bufferBytes: 16 * 1024, guestRamBytes: 16 * 2 ** 20 };

/** Policies that trap S/W ops and clean by address: none may ever lose a line (Jailhouse traps only on A32). */
export const TRAPPING_POLICIES = ['kvm', 'kvm-6.3', 'kvm:fwb', 'xen', 'jailhouse', 'misconfig', 'dirty', 'dirty:dbm', 'dirty:tid2', 'oracle'];
const trapsOn = (policy: string, isa: 'a32' | 'a64') => policy !== 'jailhouse' || isa === 'a32';

export const SEEDS = Number(process.env.SETWAY_SEEDS ?? 1000);

/** Seeds (1..n) for which the guest lost data: it saw other data than on bare metal (lostData). */
export function losingSeeds(options: Omit<BootHandoffOptions, 'seed'>, n: number): number[] {
  const losing: number[] = [];
  for (let seed = 1; seed <= n; seed++) if (lostData(runBootHandoff({ ...SMALL, ...options, seed, bareMetal }))) losing.push(seed);
  return losing;
}

/**
 * The boot-handoff scenario (roms/<isa>/boot-handoff.s) on the cubietruck preset under seeded
 * random migration: passthrough loses lines for some schedules and never without migration;
 * every trapping policy loses nothing over SEEDS (default 1,000) schedules. One file per ISA, so
 * the two run on both cores.
 */
export function describeBootHandoff(isa: 'a32' | 'a64'): void {
  const preset = 'cubietruck';
  const random = { kind: 'random', meanInstructions: 3000 } as const;

  describe(`boot handoff, ${isa}, ${preset}`, () => {
    it('passthrough without migration loses nothing: one pCPU cleans its own caches to LoC', () => {
      for (let seed = 1; seed <= 5; seed++) {
        const r = runBootHandoff({ ...SMALL, isa, preset, policy: 'passthrough', seed });
        expect(lostData(r)).toBe(false);
        expect(r.linesNotAtPoC).toBe(0);
      }
    });

    it('passthrough with random migration loses lines for some seeds', () => {
      const losing = losingSeeds({ isa, preset, policy: 'passthrough', migration: random }, 20);
      expect(losing.length).toBeGreaterThan(0);
    });

    it('passthrough loses exactly the lines left dirty on the pCPU it left after a mid-flush migration', () => {
      const r = runBootHandoff({ ...SMALL, isa, preset, policy: 'passthrough', migration: { kind: 'after-setway', k: 768 } });
      expect(r.staleReads).toBeGreaterThan(0);
      expect(r.linesNotAtPoC).toBeGreaterThan(0);
      // The guest's own uncached read-back counts the same damage in words (or doublewords): each
      // mismatching word is a load that read stale data where bare metal read the pattern.
      expect(r.guestMismatchedWords).toBeGreaterThanOrEqual(r.linesNotAtPoC);
      expect(r.guestMismatchedWords).toBe(r.staleReads);
    });

    for (const policy of TRAPPING_POLICIES.filter((p) => trapsOn(p, isa))) {
      it(`${policy} loses nothing over ${SEEDS} seeded random schedules`, () => {
        expect(losingSeeds({ isa, preset, policy, migration: random }, SEEDS)).toEqual([]);
      }, 1_800_000);
    }

    // Jailhouse's arm64 port sets neither TSW nor TVM (arm64/setup.c): an AArch64 guest's S/W
    // ops run wherever it is, as under passthrough, and a mid-flush migration loses lines.
    it.runIf(isa === 'a64')('jailhouse traps nothing from an AArch64 guest and loses what passthrough loses', () => {
      const r = runBootHandoff({ ...SMALL, isa, preset, policy: 'jailhouse', migration: { kind: 'after-setway', k: 768 } });
      expect(r.setWayOpsTrapped).toBe(0);
      expect(r.staleReads).toBeGreaterThan(0);
      expect(r.staleReads).toBe(runBootHandoff({ ...SMALL, isa, preset, policy: 'passthrough', migration: { kind: 'after-setway', k: 768 } }).staleReads);
    });

    it('pin loses nothing when migrations fall inside the flush or the caches-off window', () => {
      expect(losingSeeds({ isa, preset, policy: 'pin', migration: { kind: 'adversarial', instructions: 16 } }, 50)).toEqual([]);
      expect(lostData(runBootHandoff({ ...SMALL, isa, preset, policy: 'pin', migration: { kind: 'after-setway', k: 768 } }))).toBe(false);
    });

    it('pin still loses lines dirtied on a pCPU the vCPU left before its flush loop began', () => {
      expect(losingSeeds({ isa, preset, policy: 'pin', migration: random }, 20).length).toBeGreaterThan(0);
    });

    it('kvm-2013 loses the lines left on the old pCPU when the vCPU does not go back before turning caches off', () => {
      expect(runBootHandoff({ ...SMALL, isa, preset, policy: 'kvm-2013', migration: { kind: 'after-setway', k: 768 } }).staleReads).toBeGreaterThan(0);
    });
  });
}
