/**
 * The seed bug from Debian's binaries (fetched at test time): U-Boot for qemu_arm copies the armmp
 * zImage from flash into RAM with caches on and flushes by set/way before `bootz` jumps to it. A
 * migration half-way through that flush's L1 pass strands U-Boot's dirty lines on the first pCPU:
 * under passthrough U-Boot itself reads a stale stack with caches off and the guest dies at early
 * boot (a fetch from nowhere); under xen, on the very same schedule, the kernel boots to its banner.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heisenbugInput, runHeisenbug, type HeisenbugRow } from '../../src/scenarios/heisenbug';
import { consoleLines, qemuBootConsole, upToMatch } from '../oracles/qemu-boot';
import { findTool, QEMU_SYSTEM_ARM } from '../oracles/tools';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetched = (script: string, arg: string) => {
  const r = spawnSync('bash', [join(root, 'scripts', script), arg], { encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? r.stdout.trim().split('\n').pop()! : undefined;
};
const uboot = fetched('fetch-uboot.sh', 'qemu_arm');
const zImage = fetched('fetch-linux-kernel.sh', 'armmp');
const skip = (uboot === undefined || zImage === undefined || findTool(...QEMU_SYSTEM_ARM) === null) && !process.env.CI;
const BANNER = /Booting Linux on physical CPU/;
/** QEMU's DTB lists PCIe, fw_cfg and the platform bus too, so U-Boot binds more devices there. */
const KNOWN_DIFFERENCES = [/^Core:\s+\d+ devices, \d+ uclasses/];
/** Lines as a terminal shows them (the countdown overwrites itself with backspaces), without timestamps, to the banner. */
const comparable = (text: string) =>
  consoleLines(upToMatch(text, BANNER).split('\n').map((l) => l.slice(l.lastIndexOf('\b') + 1)).join('\n')).filter((l) => !KNOWN_DIFFERENCES.some((re) => re.test(l)));

describe.skipIf(skip)('the Cubietruck heisenbug from real binaries', () => {
  it('one migration in the middle of U-Boot\'s last flush: passthrough aborts at early boot, xen boots on the same schedule with QEMU\'s console', async () => {
    expect(uboot, 'fetch-uboot.sh qemu_arm').toBeDefined();
    expect(zImage, 'fetch-linux-kernel.sh armmp').toBeDefined();
    const rows: HeisenbugRow[] = [];
    const report = runHeisenbug({
      firmware: new Uint8Array(readFileSync(uboot!)),
      zImage: new Uint8Array(readFileSync(zImage!)),
      policies: ['passthrough', 'xen'],
      points: 1,
      onRow: (r) => rows.push(r),
    });
    // One full pass over L1 (2 x 256) and L2 (16 x 2304) at start-up, then the last flush.
    expect([report.flushStartsAfter, report.l1Ops]).toEqual([37376, 512]);
    const [passthrough, xen] = rows;
    expect(passthrough.migration).toBe('after-sw:37632');
    expect(passthrough.outcome).toBe('early-boot abort');
    expect(passthrough.detail).toMatch(/stage-2 translation on fetch/);
    // Why: U-Boot's own dirty lines (its stack among them) and the zImage's tail stayed on pCPU 0.
    expect(passthrough.strandedAtJump).toMatch(/runs on pCPU 1/);
    expect(passthrough.strandedAtJump).toMatch(/cpu0\.L1D \d+ of the zImage \(offsets 0x[0-9a-f]+-0x[0-9a-f]+\)/);
    expect(passthrough.strandedAtJump).toMatch(/cpu0\.L1D \d+ of U-Boot's own memory/);
    expect(passthrough.strandedAtJump).toMatch(/cpu0\.L1D \d+ of the device tree/);
    expect(passthrough.strandedLines).toBeGreaterThan(50);
    expect(passthrough.lostData).toBe(true);
    expect(passthrough.staleReads).toBeGreaterThan(0);
    expect(passthrough.firstDivergence).toMatch(/^stale read at .* line held by cpu0\.L1D dirty \(up to date\)/);

    expect(xen.migration).toBe('after-sw:37632');
    expect(xen.outcome).toBe('boots');
    expect([xen.lostData, xen.staleReads, xen.firstDivergence, xen.strandedLines]).toEqual([false, 0, null, 0]);
    expect(xen.setWayOpsTrapped).toBeGreaterThan(100_000);
    // The same chain on qemu-system-arm (no caches, no hypervisor) prints the same lines to the banner.
    const theirs = await qemuBootConsole({ isa: 'a32', bios: uboot!, flash1: zImage!, cpus: 1, ramMiB: 256, until: /Booting Linux on physical CPU \S+\n/, type: { after: /Hit any key/, text: heisenbugInput(readFileSync(zImage!).length) }, timeoutMs: 120_000 });
    expect(theirs).toMatch(BANNER);
    expect(comparable(xen.console)).toEqual(comparable(theirs));
  }, 1_200_000);
});
