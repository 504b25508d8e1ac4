/**
 * Issue 15's acceptance, a row per policy: Debian's U-Boot (qemu_arm) copies the armmp zImage
 * from flash bank 1 and boots it (the heisenbug's chain), to the kernel's banner; each row judged
 * against bare metal over U-Boot, its flush, the jump and the first instructions after it.
 * - passthrough without migration boots, and loses nothing;
 * - passthrough with random migration reads stale data right after the jump on every seed listed;
 * - every policy that traps S/W ops boots with random migration on the first of those seeds (xen,
 *   kvm and dirty on all of them: uboot-chain-d), and one that claims safety loses nothing
 *   (kvm-2013, which does not, has its verdict reported).
 * The rows are spread over several files so that vitest runs them on both cores (~2 G instructions
 * and 2-3 minutes a row here).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makePolicy } from '../../src/hyp/policies';
import { claimsSafetyFor } from '../../src/hyp/policy';
import type { MigrationMode } from '../../src/hyp/scheduler';
import { runBoot, type BootResult } from '../../src/scenarios/boot';
import { HEISENBUG_BOOTARGS, heisenbugInput } from '../../src/scenarios/heisenbug';
import { dataLost, lostData } from '../../src/scenarios/lockstep/verdict';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetched = (script: string, arg: string) => {
  const r = spawnSync('bash', [join(root, 'scripts', script), arg], { encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? r.stdout.trim().split('\n').pop()! : undefined;
};
const BANNER = /Booting Linux on physical CPU/;
/** Seeds of `random:20000` on which passthrough reads stale data after the jump. */
export const LOSING_SEEDS = [1, 2, 3];
const RANDOM: MigrationMode = { kind: 'random', meanInstructions: 20_000 };
/** U-Boot runs ~47 M instructions to the jump: the judged window ends 8 M after it. */
const JUDGED = 55_000_000;
const ROW_TIMEOUT_MS = 1_500_000;

/** The policies that trap S/W ops, in the files that run them. */
export const CHAIN_POLICY_GROUPS = {
  a: ['xen', 'kvm', 'dirty'],
  b: ['kvm-6.3', 'jailhouse', 'misconfig', 'kvm:fwb'],
  c: ['oracle', 'dirty:dbm', 'dirty:tid2', 'kvm-2013'],
} as const;

export function describeChainRows(
  what: string,
  rows: {
    readonly passthrough?: boolean;
    readonly policies: readonly string[];
    /** The seeds of random migration each policy runs on (default: the first losing seed). */
    readonly seeds?: readonly number[];
  },
): void {
  const uboot = fetched('fetch-uboot.sh', 'qemu_arm');
  const zImagePath = fetched('fetch-linux-kernel.sh', 'armmp');
  const skip = (uboot === undefined || zImagePath === undefined) && !process.env.CI;
  describe.skipIf(skip)(`U-Boot qemu_arm boots the armmp zImage: ${what}`, () => {
    const chain = (policy: string, migration: MigrationMode, seed: number, budget = 2_300_000_000): BootResult => {
      expect(uboot, 'fetch-uboot.sh qemu_arm').toBeDefined();
      expect(zImagePath, 'fetch-linux-kernel.sh armmp').toBeDefined();
      const zImage = new Uint8Array(readFileSync(zImagePath!));
      return runBoot({
        firmware: new Uint8Array(readFileSync(uboot!)),
        flash1: zImage,
        vcpus: 1,
        preset: 'qemu-cortex-a15',
        policy,
        migration,
        seed,
        input: heisenbugInput(zImage.length),
        inputAfter: /Hit any key/,
        bootargs: HEISENBUG_BOOTARGS,
        until: BANNER,
        budget,
        compareInstructions: JUDGED,
      });
    };
    const lost = (r: BootResult) => lostData({ dataLost: dataLost(r.verdict!), controlFlowCause: r.verdict!.controlFlowCause, guestFailure: r.verdict!.guestFailure });

    if (rows.passthrough === true) {
      it('passthrough without migration: the prompt, the copy, the banner; nothing lost', () => {
        const r = chain('passthrough', { kind: 'never' }, 1);
        expect(r.console).toMatch(/Hit any key to stop autoboot/);
        expect(r.console).toMatch(/Starting kernel/);
        expect(r.end).toMatch(/console matched/);
        expect(r.machine.cost.migrations).toBe(0);
        expect(lost(r)).toBe(false);
        expect(r.verdict!.loadsCompared).toBeGreaterThan(10_000_000);
      }, ROW_TIMEOUT_MS);

      it.each(LOSING_SEEDS)('passthrough with random migration, seed %i: a stale read right after the jump', (seed) => {
        // Judged to the window's end only: what follows a stale read is not the point here.
        const r = chain('passthrough', RANDOM, seed, JUDGED + 1_000_000);
        const v = r.verdict!;
        expect(v.staleReads).toBeGreaterThan(0);
        expect(v.firstDivergence?.text).toMatch(/^stale read at load #\d+ at PC 0x[0-9a-f]+ \(instruction 4\d{7}\)/);
        expect(lost(r)).toBe(true);
      }, ROW_TIMEOUT_MS);
    }

    const cases = rows.policies.flatMap((policy) => (rows.seeds ?? [LOSING_SEEDS[0]]).map((seed) => [policy, seed] as const));
    it.each(cases)('%s with random migration (seed %i): boots to the banner, nothing lost if it claims safety', (policy, seed) => {
      const r = chain(policy, RANDOM, seed);
      expect(r.console).toMatch(/Starting kernel/);
      expect(r.end, r.failure ?? '').toMatch(/console matched/);
      expect(r.machine.cost.migrations).toBeGreaterThan(10_000);
      expect(r.machine.cost.setWayOpsTrapped).toBeGreaterThan(0);
      expect(r.verdict!.loadsCompared).toBeGreaterThan(10_000_000);
      if (claimsSafetyFor(makePolicy(policy), 'a32')) {
        expect(r.verdict!.firstDivergence?.text ?? null).toBeNull();
        expect(lost(r)).toBe(false);
      }
    }, ROW_TIMEOUT_MS);
  });
}
