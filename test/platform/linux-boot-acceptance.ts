/**
 * Acceptance for a Debian kernel on the virt platform (fetched at test time, never committed):
 * it boots 2 vCPUs through "smp: Brought up 1 node, 2 CPUs" (QEMU's console to there, line for
 * line, except for the listed differences and their reasons) to the root-fs panic; and it boots
 * the same way under xen with random migration, judged against bare metal to the end. Skipped with a message where apt cannot fetch the kernel
 * or QEMU is missing, except under CI, where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TracePrinter } from '../../src/cli/trace-printer';
import { placeKernel, type KernelPlacement } from '../../src/platform/linux-boot';
import { bootVirt } from '../../src/platform/virt-machine';
import { runBoot } from '../../src/scenarios/boot';
import { dataLost, lostData } from '../../src/scenarios/lockstep/verdict';
import { consoleLines, qemuBootConsole, upToMatch } from '../oracles/qemu-boot';
import { findTool, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM } from '../oracles/tools';

export const APPEND = 'console=ttyAMA0 earlycon cryptomgr.notests';
export const SMP_UP = /smp: Brought up 1 node, 2 CPUs/;
/** How a boot with no initrd ends (the run's end for a panic on the console). */
export const ROOT_FS_PANIC = /^panic: Kernel panic - not syncing: VFS: Unable to mount root fs/;
/** Past the arm64 kernel's panic (~290 M instructions with two vCPUs), not close. */
const BUDGET = 600_000_000;

/**
 * Lines that differ from QEMU's whatever the kernel, and why: setway offers PSCI 1.0 (QEMU 1.1);
 * QEMU's DTB carries an rng-seed and a kaslr-seed and is padded to 1 MiB (crng line, reserved
 * memory and where memblock puts early allocations).
 */
const PLATFORM_DIFFERENCES = [/^random: crng init done/, /^psci: PSCIv1\.[01] detected/, /^Memory: /];

export interface KernelSpec {
  readonly flavour: 'armmp' | 'arm64';
  /** Lines this kernel prints differently on setway's CPU model, with the reasons in a comment. */
  readonly knownDifferences: readonly RegExp[];
  /** Checks on the xen run's trace (one line per trap, with the kernel function that made it). */
  readonly checkTrace?: (lines: readonly string[]) => void;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function describeLinuxBoot(spec: KernelSpec): void {
  const isa = spec.flavour === 'arm64' ? 'a64' : 'a32';
  const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh'), spec.flavour], { encoding: 'utf8', timeout: 300_000 });
  const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
  const qemu = isa === 'a64' ? QEMU_SYSTEM_AARCH64 : QEMU_SYSTEM_ARM;
  const haveQemu = findTool(...qemu) !== null;
  const why = kernelPath === undefined ? `fetch-linux-kernel.sh exited ${fetch.status}: ${fetch.stderr.trim().split('\n').pop()}` : `${qemu[0]} missing`;
  const skip = (kernelPath === undefined || !haveQemu) && !process.env.CI;
  const differences = [...PLATFORM_DIFFERENCES, ...spec.knownDifferences];
  const comparable = (lines: string[]) => lines.filter((l) => !differences.some((re) => re.test(l)));
  // An A32 zImage boots from its unpacked Image here (the decompressor runs in scripts/boot-nightly.ts).
  const kernel = (): Promise<KernelPlacement> => placeKernel(new Uint8Array(readFileSync(kernelPath!)), { unpack: true });

  describe.skipIf(skip)(`Debian ${spec.flavour} on the virt platform${skip ? ` (skipped: ${why})` : ''}`, () => {
    it('boots 2 vCPUs through "smp: Brought up 1 node, 2 CPUs", with QEMU\'s console to there line for line, to the root-fs panic', async () => {
      expect(kernelPath, why).toBeDefined();
      const ours = bootVirt({ kernel: await kernel(), vcpus: 2, policy: 'passthrough', bootargs: APPEND, budget: BUDGET });
      expect(ours.failure).toBeNull();
      expect(ours.end).toMatch(ROOT_FS_PANIC);
      const theirs = await qemuBootConsole({ isa, kernel: kernelPath!, append: APPEND, cpus: 2, ramMiB: 256, until: SMP_UP, timeoutMs: 120_000 });
      expect(theirs).toMatch(SMP_UP);
      expect(comparable(consoleLines(upToMatch(ours.console, SMP_UP)))).toEqual(comparable(consoleLines(upToMatch(theirs, SMP_UP))));
      expect(ours.psciCalls.get('CPU_ON')).toBe(1);
      // Everything the kernel touched is a device setway models.
      expect([...ours.unmapped]).toEqual([]);
    }, 600_000);

    it('under xen with random migration it boots the same way to the panic, and the guest sees what it sees on bare metal', async () => {
      const trace: string[] = [];
      const k = await kernel();
      const printer = new TracePrinter((line) => trace.push(line), (pc) => k.symbolizer?.nameOf(pc));
      const r = runBoot({ kernel: k, vcpus: 2, policy: 'xen', migration: { kind: 'random', meanInstructions: 20_000 }, seed: 5, bootargs: APPEND, budget: BUDGET, trace: printer });
      expect(r.failure).toBeNull();
      expect(r.console).toMatch(SMP_UP);
      expect(r.end).toMatch(ROOT_FS_PANIC);
      expect(r.machine.cost.migrations).toBeGreaterThan(0);
      const v = r.verdict!;
      expect([v.staleReads, v.dataDestroyed, v.guestFailure]).toEqual([0, 0, null]);
      // Compared to the end: the same loads in the same order on every vCPU, ending in the same registers.
      expect(v.controlFlowDiverged).toBe(false);
      expect(v.finalStateDiffers).toBeNull();
      expect(lostData({ dataLost: dataLost(v), controlFlowCause: v.controlFlowCause, guestFailure: v.guestFailure })).toBe(false);
      expect(v.loadsCompared).toBeGreaterThan(1_000_000);
      spec.checkTrace?.(trace);
    }, 900_000);
  });
}
