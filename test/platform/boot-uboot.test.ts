/**
 * Debian's U-Boot for QEMU's virt, qemu_arm and qemu_arm64 (package u-boot-qemu, fetched at test time, never committed) as
 * firmware in flash bank 0: it runs from flash, finds both CFI banks, relocates to the top of RAM
 * and stops at its prompt when a key is typed during the autoboot countdown. Its console matches
 * QEMU's running the same binary with -bios, and it gets there under xen with random migration
 * with the same loads as on bare metal. Skipped with a message where apt or QEMU is missing,
 * except under CI, where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootVirt } from '../../src/platform/virt-machine';
import { runBoot } from '../../src/scenarios/boot';
import { consoleLines, qemuBootConsole } from '../oracles/qemu-boot';
import { findTool, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM } from '../oracles/tools';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PROMPT = /=> $/;
/** A key typed at once sits in the UART until U-Boot's countdown looks: autoboot stops. */
const KEY = ' ';
/**
 * QEMU's DTB also lists PCIe, fw_cfg and the platform bus, which setway does not model, so
 * U-Boot binds more devices there.
 */
const KNOWN_DIFFERENCES = [/^Core:\s+\d+ devices, \d+ uclasses/];
/** Console lines as a terminal shows them: what a line overwrote with backspaces (the countdown) is gone. */
const shown = (text: string) => text.split('\n').map((l) => l.slice(l.lastIndexOf('\b') + 1)).join('\n');
const comparable = (text: string) => consoleLines(shown(text)).filter((l) => !KNOWN_DIFFERENCES.some((re) => re.test(l)));

for (const [board, isa] of [
  ['qemu_arm', 'a32'],
  ['qemu_arm64', 'a64'],
] as const) {
  const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-uboot.sh'), board], { encoding: 'utf8', timeout: 300_000 });
  const firmwarePath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
  const qemu = isa === 'a32' ? QEMU_SYSTEM_ARM : QEMU_SYSTEM_AARCH64;
  const haveQemu = findTool(...qemu) !== null;
  const why = firmwarePath === undefined ? `fetch-uboot.sh exited ${fetch.status}: ${fetch.stderr.trim().split('\n').pop()}` : `${qemu[0]} missing`;
  const skip = (firmwarePath === undefined || !haveQemu) && !process.env.CI;
  describeBoard(board, isa, firmwarePath, skip, why);
}

function describeBoard(board: string, isa: 'a32' | 'a64', firmwarePath: string | undefined, skip: boolean, why: string): void {
  describe.skipIf(skip)(`Debian U-Boot ${board} as virt firmware${skip ? ` (skipped: ${why})` : ''}`, () => {
    const firmware = () => new Uint8Array(readFileSync(firmwarePath!));

    it('reaches its prompt with QEMU\'s console, line for line', async () => {
      expect(firmwarePath, why).toBeDefined();
      const ours = bootVirt({ firmware: firmware(), policy: 'passthrough', input: KEY, until: PROMPT, budget: 100_000_000 });
      expect(ours.failure).toBeNull();
      expect(ours.end).toMatch(/console matched/);
      // It found both flash banks (CFI query through the device model) and read its environment from bank 1.
      expect(ours.console).toMatch(/^Flash: 64 MiB$/m);
      expect(ours.deviceAccesses.flash1).toBeGreaterThan(0);
      expect([...ours.unmapped]).toEqual([]);
      const theirs = await qemuBootConsole({ isa, bios: firmwarePath!, cpus: 1, ramMiB: 256, until: PROMPT, type: { after: /Hit any key/, text: KEY }, timeoutMs: 60_000 });
      expect(theirs).toMatch(PROMPT);
      expect(comparable(ours.console)).toEqual(comparable(theirs));
    }, 300_000);

    // The A32 board carries the seed bug's story (U-Boot's flush by set/way before Linux); one is enough for CI.
    it.runIf(isa === 'a32')('under xen with random migration it reaches the prompt, and loads what it loads on bare metal', () => {
      const r = runBoot({ firmware: firmware(), policy: 'xen', migration: { kind: 'random', meanInstructions: 20_000 }, seed: 3, input: KEY, until: PROMPT, budget: 100_000_000 });
      expect(r.failure).toBeNull();
      expect(r.console).toMatch(PROMPT);
      // U-Boot invalidates and cleans its caches by set/way: every op traps to Xen.
      expect(r.machine.cost.setWayOpsTrapped).toBeGreaterThan(10_000);
      expect(r.machine.cost.migrations).toBeGreaterThan(0);
      const v = r.verdict!;
      expect([v.staleReads, v.dataDestroyed, v.guestFailure]).toEqual([0, 0, null]);
      // Compared to the prompt: every load U-Boot made (relocation, its flushes, the autoboot
      // countdown polling the UART and timer) matched bare metal's, and the registers end alike.
      expect(v.controlFlowDiverged).toBe(false);
      expect(v.finalStateDiffers).toBeNull();
      expect(v.loadsCompared).toBeGreaterThan(5_000_000);
    }, 300_000);

    // The A64 chain of the seed bug: U-Boot copies Debian's arm64 Image from flash bank 1 and
    // boots it with booti, after DC CISW and DC ISW over every level (dcache_disable). U-Boot
    // arm64 maps the flash cacheable: its CFI commands must still reach the device on bare metal
    // (they once went into the caches there, and the verdict flagged bare metal's flash probe).
    it.runIf(isa === 'a64')('boots the arm64 kernel from flash bank 1 with booti to its banner, under xen with random migration, with QEMU\'s console and what bare metal loads', async () => {
      const fetched = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh'), 'arm64'], { encoding: 'utf8', timeout: 300_000 });
      expect(fetched.status, fetched.stderr).toBe(0);
      const kernelPath = fetched.stdout.trim().split('\n').pop()!;
      let image = new Uint8Array(readFileSync(kernelPath));
      if (image[0] === 0x1f && image[1] === 0x8b) image = new Uint8Array(gunzipSync(image));
      const imagePath = join(mkdtempSync(join(tmpdir(), 'setway-a64-chain-')), 'Image');
      writeFileSync(imagePath, image);
      const words = Math.ceil(image.length / 4).toString(16);
      const input = ` cp.l 0x04000000 \${kernel_addr_r} ${words}; booti \${kernel_addr_r} - \${fdtcontroladdr}\n`;
      const banner = /Booting Linux on physical CPU \S+/;
      const r = runBoot({ firmware: firmware(), flash1: image, policy: 'xen', migration: { kind: 'random', meanInstructions: 20_000 }, seed: 3, bootargs: 'console=ttyAMA0 earlycon cryptomgr.notests', input, inputAfter: /Hit any key/, until: banner, budget: 400_000_000 });
      expect(r.failure).toBeNull();
      expect(r.console).toMatch(/Starting kernel/);
      // Judged to the banner: U-Boot's flash probe, the copy out of bank 1, its set/way flush, and
      // the kernel's first instructions load what they load on bare metal.
      const v = r.verdict!;
      expect([v.staleReads, v.dataDestroyed, v.guestFailure, v.controlFlowDiverged]).toEqual([0, 0, null, false]);
      expect(v.loadsCompared).toBeGreaterThan(20_000_000);
      // DC CISW then DC ISW over both levels before the jump, and the start-up invalidate: all trapped.
      expect(r.machine.cost.setWayOpsTrapped).toBeGreaterThan(50_000);
      expect(r.machine.cost.migrations).toBeGreaterThan(0);
      const theirs = await qemuBootConsole({ isa, bios: firmwarePath!, flash1: imagePath, cpus: 1, ramMiB: 256, until: /Booting Linux on physical CPU \S+ \S+\n/, type: { after: /Hit any key/, text: input }, timeoutMs: 120_000 });
      const upToBanner = (text: string) => comparable(text.slice(0, text.search(banner))).concat(banner.exec(text)?.[0] ?? '');
      expect(upToBanner(r.console)).toEqual(upToBanner(theirs));
    }, 600_000);
  });
}
