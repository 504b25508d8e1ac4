/**
 * Whole boots against qemu-system-arm/-aarch64 booting the same kernel with the same command line
 * to the same console line, in one run (QEMU: single-threaded TCG, -icount, as the console oracle
 * runs it; its wall time includes its start-up, as setway's includes the DTB and image placing):
 * - linux-banner: the armmp zImage through its decompressor in the guest to "Booting Linux",
 *   one vCPU, passthrough (the issue's ~2 G instruction path);
 * - linux-smp: the unpacked armmp Image and the arm64 Image, two vCPUs, to "smp: Brought up";
 * - uboot-chain: Debian's U-Boot (qemu_arm) as firmware loading the armmp zImage from flash bank 1
 *   and booting it (the heisenbug's chain, src/scenarios/heisenbug.ts) to the banner, one vCPU.
 * The kernels are the ones scripts/fetch-linux-kernel.sh fetches; without them the rows are skipped.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { placeKernel } from '../src/platform/linux-boot';
import { bootVirt } from '../src/platform/virt-machine';
import { heisenbugInput } from '../src/scenarios/heisenbug';
import { qemuBootConsole } from '../test/oracles/qemu-boot';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APPEND = 'console=ttyAMA0 earlycon cryptomgr.notests';

export interface LinuxBootRow {
  readonly name: string;
  readonly instructions: number;
  readonly setwaySeconds: number;
  readonly qemuSeconds: number;
}

function fetchKernel(flavour: 'armmp' | 'arm64'): string | undefined {
  const r = spawnSync('bash', [join(ROOT, 'scripts/fetch-linux-kernel.sh'), flavour], { encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
}

async function measure(name: string, path: string, isa: 'a32' | 'a64', unpack: boolean, vcpus: number, until: RegExp): Promise<LinuxBootRow> {
  const kernel = await placeKernel(new Uint8Array(readFileSync(path)), { unpack, cache: false });
  const t0 = performance.now();
  const r = bootVirt({ kernel, vcpus, policy: 'passthrough', bootargs: APPEND, until, budget: 4_000_000_000 });
  const setwaySeconds = (performance.now() - t0) / 1000;
  if (!/console matched/.test(r.end)) throw new Error(`bench ${name}: setway ended with ${r.end} ${r.failure ?? ''}`);
  const q0 = performance.now();
  const console = await qemuBootConsole({ isa, kernel: path, append: APPEND, cpus: vcpus, ramMiB: 256, until, timeoutMs: 600_000 });
  const qemuSeconds = (performance.now() - q0) / 1000;
  if (!until.test(console)) throw new Error(`bench ${name}: QEMU never printed ${String(until)}`);
  return { name, instructions: r.instructions, setwaySeconds, qemuSeconds };
}

async function measureChain(uboot: string, zImage: string): Promise<LinuxBootRow> {
  const name = 'uboot-chain armmp zImage';
  const until = /Booting Linux on physical CPU/;
  const bytes = readFileSync(zImage);
  const input = heisenbugInput(bytes.length);
  const t0 = performance.now();
  const r = bootVirt({ firmware: new Uint8Array(readFileSync(uboot)), flash1: new Uint8Array(bytes), policy: 'passthrough', bootargs: APPEND, input, inputAfter: /Hit any key/, until, budget: 4_000_000_000 });
  const setwaySeconds = (performance.now() - t0) / 1000;
  if (!/console matched/.test(r.end)) throw new Error(`bench ${name}: setway ended with ${r.end} ${r.failure ?? ''}`);
  const q0 = performance.now();
  const console = await qemuBootConsole({ isa: 'a32', bios: uboot, flash1: zImage, cpus: 1, ramMiB: 256, until, type: { after: /Hit any key/, text: input }, timeoutMs: 600_000 });
  const qemuSeconds = (performance.now() - q0) / 1000;
  if (!until.test(console)) throw new Error(`bench ${name}: QEMU never printed ${String(until)}`);
  return { name, instructions: r.instructions, setwaySeconds, qemuSeconds };
}

export async function benchLinuxBoot(): Promise<LinuxBootRow[] | { skipped: string }> {
  const armmp = fetchKernel('armmp');
  const arm64 = fetchKernel('arm64');
  const fetched = spawnSync('bash', [join(ROOT, 'scripts/fetch-uboot.sh'), 'qemu_arm'], { encoding: 'utf8', timeout: 300_000 });
  const uboot = fetched.status === 0 ? fetched.stdout.trim().split('\n').pop() : undefined;
  if (armmp === undefined || arm64 === undefined) return { skipped: 'no Debian kernels (scripts/fetch-linux-kernel.sh failed)' };
  const smp = /smp: Brought up 1 node, 2 CPUs/;
  return [
    await measure('linux-banner armmp zImage', armmp, 'a32', false, 1, /Booting Linux on physical CPU/),
    await measure('linux-smp armmp Image', armmp, 'a32', true, 2, smp),
    await measure('linux-smp arm64 Image', arm64, 'a64', false, 2, smp),
    ...(uboot === undefined ? [] : [await measureChain(uboot, armmp)]),
  ];
}
