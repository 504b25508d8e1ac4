/**
 * Issue 14's acceptance, a row per policy: Debian's armmp kernel (unpacked Image) boots 2 vCPUs
 * through "smp: Brought up" to the "VFS: Unable to mount root fs" panic (no initrd) under each
 * policy that traps S/W ops, with random migration (mean 20,000 instructions, seed 5, as the
 * nightly), judged against the same boot on bare metal to the end. A policy that claims safety
 * must lose nothing; kvm-2013, which does not, must boot and have its verdict reported.
 * xen's row, with the trace of every S/W op, is in the acceptance file (boot-linux.test.ts).
 * The rows are spread over several files so that vitest runs them on both cores (~214 M
 * instructions and about 95 s a row here).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makePolicy } from '../../src/hyp/policies';
import { claimsSafetyFor } from '../../src/hyp/policy';
import { placeKernel, type KernelPlacement } from '../../src/platform/linux-boot';
import { runBoot } from '../../src/scenarios/boot';
import { dataLost, lostData } from '../../src/scenarios/lockstep/verdict';
import { APPEND, ROOT_FS_PANIC, SMP_UP } from './linux-boot-acceptance';

/** The policies that trap S/W ops (xen's row is in boot-linux.test.ts), in the files that run them. */
export const LINUX_POLICY_GROUPS = {
  a: ['kvm', 'kvm-6.3', 'kvm-2013', 'jailhouse'],
  b: ['misconfig', 'dirty', 'dirty:dbm'],
  c: ['dirty:tid2', 'oracle', 'kvm:fwb'],
} as const;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROW_TIMEOUT_MS = 900_000;

export function describeLinuxPolicyRows(policies: readonly string[]): void {
  const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh'), 'armmp'], { encoding: 'utf8', timeout: 300_000 });
  const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
  const skip = kernelPath === undefined && !process.env.CI;
  let placed: Promise<KernelPlacement> | undefined;
  const kernel = (): Promise<KernelPlacement> => (placed ??= placeKernel(new Uint8Array(readFileSync(kernelPath!)), { unpack: true }));

  describe.skipIf(skip)(`Debian armmp (Image), 2 vCPUs, to the root-fs panic${skip ? ` (skipped: fetch-linux-kernel.sh exited ${fetch.status})` : ''}`, () => {
    it.each(policies)('%s with random migration boots to the panic, judged against bare metal', async (policy) => {
      expect(kernelPath, 'fetch-linux-kernel.sh armmp').toBeDefined();
      const r = runBoot({ kernel: await kernel(), vcpus: 2, policy, migration: { kind: 'random', meanInstructions: 20_000 }, seed: 5, bootargs: APPEND, budget: 600_000_000 });
      expect(r.failure).toBeNull();
      expect(r.console).toMatch(SMP_UP);
      expect(r.end).toMatch(ROOT_FS_PANIC);
      expect(r.machine.cost.migrations).toBeGreaterThan(1_000);
      expect(r.machine.cost.setWayOpsTrapped).toBeGreaterThan(0);
      const v = r.verdict!;
      expect(v.loadsCompared).toBeGreaterThan(10_000_000);
      if (claimsSafetyFor(makePolicy(policy), 'a32')) {
        expect([v.staleReads, v.dataDestroyed, v.guestFailure]).toEqual([0, 0, null]);
        expect(v.controlFlowDiverged).toBe(false);
        expect(v.finalStateDiffers).toBeNull();
        expect(lostData({ dataLost: dataLost(v), controlFlowCause: v.controlFlowCause, guestFailure: v.guestFailure })).toBe(false);
      }
    }, ROW_TIMEOUT_MS);
  });
}
