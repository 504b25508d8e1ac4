/**
 * Whole boots against qemu-system-arm/-aarch64 booting the same kernel with the same command line
 * to the same console line, in one run (QEMU: single-threaded TCG, -icount, as the console oracle
 * runs it; its wall time includes its start-up, as setway's includes the DTB and image placing):
 * - linux-banner: the armmp zImage through its decompressor in the guest to "Booting Linux",
 *   one vCPU, passthrough (the issue's ~2 G instruction path);
 * - linux-smp: the unpacked armmp Image and the arm64 Image, two vCPUs, to "smp: Brought up";
 * - uboot-chain: Debian's U-Boot (qemu_arm) as firmware loading the armmp zImage from flash bank 1
 *   and booting it (the heisenbug's chain, src/scenarios/heisenbug.ts) to the banner, one vCPU;
 *   and the A64 chain: U-Boot qemu_arm64 copying the arm64 Image from flash bank 1 and booting it
 *   with booti (its dcache_disable flushes by set/way just before the jump).
 * The kernels are the ones scripts/fetch-linux-kernel.sh fetches; without them the rows are skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

/** U-Boot as virt firmware, the kernel in flash bank 1, `input` typed at its countdown: to the banner in both. */
async function measureChain(name: string, isa: 'a32' | 'a64', uboot: string, kernelPath: string, kernel: Uint8Array, input: string): Promise<LinuxBootRow> {
  const until = /Booting Linux on physical CPU/;
  const t0 = performance.now();
  const r = bootVirt({ firmware: new Uint8Array(readFileSync(uboot)), flash1: kernel, policy: 'passthrough', bootargs: APPEND, input, inputAfter: /Hit any key/, until, budget: 4_000_000_000 });
  const setwaySeconds = (performance.now() - t0) / 1000;
  if (!/console matched/.test(r.end)) throw new Error(`bench ${name}: setway ended with ${r.end} ${r.failure ?? ''}`);
  const q0 = performance.now();
  const console = await qemuBootConsole({ isa, bios: uboot, flash1: kernelPath, cpus: 1, ramMiB: 256, until, type: { after: /Hit any key/, text: input }, timeoutMs: 600_000 });
  const qemuSeconds = (performance.now() - q0) / 1000;
  if (!until.test(console)) throw new Error(`bench ${name}: QEMU never printed ${String(until)}`);
  return { name, instructions: r.instructions, setwaySeconds, qemuSeconds };
}

export function fetchUboot(board: 'qemu_arm' | 'qemu_arm64'): string | undefined {
  const fetched = spawnSync('bash', [join(ROOT, 'scripts/fetch-uboot.sh'), board], { encoding: 'utf8', timeout: 300_000 });
  return fetched.status === 0 ? fetched.stdout.trim().split('\n').pop() : undefined;
}

/** The A32 chain: the heisenbug's typed commands (cp.b, bootz). */
export function a32Chain(uboot: string, zImage: string): Promise<LinuxBootRow> {
  const bytes = new Uint8Array(readFileSync(zImage));
  return measureChain('uboot-chain armmp zImage', 'a32', uboot, zImage, bytes, heisenbugInput(bytes.length));
}

/** The A64 chain: the Image (gunzipped if Debian ships it compressed) copied by words and booted with booti. */
export function a64Chain(uboot: string, arm64: string): Promise<LinuxBootRow> {
  let image = new Uint8Array(readFileSync(arm64));
  let path = arm64;
  if (image[0] === 0x1f && image[1] === 0x8b) {
    image = new Uint8Array(gunzipSync(image));
    path = join(mkdtempSync(join(tmpdir(), 'setway-bench-a64-chain-')), 'Image');
    writeFileSync(path, image);
  }
  const words = Math.ceil(image.length / 4).toString(16);
  const input = ` cp.l 0x04000000 \${kernel_addr_r} ${words}; booti \${kernel_addr_r} - \${fdtcontroladdr}\n`;
  return measureChain('uboot-chain arm64 Image', 'a64', uboot, path, image, input);
}

export async function benchLinuxBoot(): Promise<LinuxBootRow[] | { skipped: string }> {
  const armmp = fetchKernel('armmp');
  const arm64 = fetchKernel('arm64');
  const uboot = fetchUboot('qemu_arm');
  const uboot64 = fetchUboot('qemu_arm64');
  if (armmp === undefined || arm64 === undefined) return { skipped: 'no Debian kernels (scripts/fetch-linux-kernel.sh failed)' };
  const smp = /smp: Brought up 1 node, 2 CPUs/;
  return [
    await measure('linux-banner armmp zImage', armmp, 'a32', false, 1, /Booting Linux on physical CPU/),
    await measure('linux-smp armmp Image', armmp, 'a32', true, 2, smp),
    await measure('linux-smp arm64 Image', arm64, 'a64', false, 2, smp),
    ...(uboot === undefined ? [] : [await a32Chain(uboot, armmp)]),
    ...(uboot64 === undefined ? [] : [await a64Chain(uboot64, arm64)]),
  ];
}
