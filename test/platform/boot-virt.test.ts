/**
 * The virt platform end to end with our own A64 guest (roms/a64/virt-guest.s, an arm64 Image):
 * it prints through the PL011 (emulated MMIO), programs the GICv2 and its virtual timer, sleeps in
 * WFI until the timer's PPI 27 arrives, acknowledges and ends it at the GIC CPU interface, starts
 * vCPU 1 with PSCI CPU_ON, which prints too, then flushes its caches by set/way before turning them
 * off, as a bootloader does, and powers off with SYSTEM_OFF. Through the library and through
 * `setway boot`, judged against the same boot on bare metal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { placeKernel } from '../../src/platform/linux-boot';
import { bootVirt } from '../../src/platform/virt-machine';
import { runBoot } from '../../src/scenarios/boot';
import { romPath } from '../../src/scenarios/rom-images';

const GUEST = romPath('a64-virt-guest.bin');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('virt platform, our own guest', () => {
  it('prints, takes the virtual timer interrupt through the GIC, starts vCPU 1 with PSCI and powers off', async () => {
    const kernel = await placeKernel(new Uint8Array(readFileSync(GUEST)));
    expect([kernel.kind, kernel.loadAddress]).toEqual(['Image (arm64)', 0x4008_0000]);
    const r = bootVirt({ kernel, vcpus: 2, policy: 'xen', ramBytes: 64 * 2 ** 20, budget: 5_000_000 });
    expect(r.failure).toBeNull();
    expect(r.end).toBe('system-off');
    expect(r.console).toBe('hello\ntick\ncpu1\nflush ok\n');
    const c = r.machine.cost;
    expect(c.trapsByClass[0x24]).toBeGreaterThanOrEqual(c.mmioAccesses); // device accesses are stage-2 data aborts
    expect(c.mmioAccesses).toBeGreaterThan(15);
    expect(r.deviceAccesses).toMatchObject({ pl011: 25, 'gic-distributor': 2, 'gic-cpu-interface': 4 });
    expect(c.setWayOps).toBeGreaterThan(1000);
    expect([...r.psciCalls.keys()].sort()).toEqual(['CPU_ON', 'SYSTEM_OFF']);
    // The timer fired 1000 ticks (16 us) after it was set: virtual time went at least that far.
    expect(r.timeNs).toBeGreaterThanOrEqual(16_000);
    expect(r.instructionsPerVcpu[1]).toBeGreaterThan(0);
    expect(r.unmapped.size).toBe(0);
  });

  it('the same boot replays exactly under a migration schedule, and setway boot reports it', () => {
    const run = (...extra: string[]) =>
      spawnSync(process.execPath, [`${ROOT}bin/setway.js`, 'boot', '--kernel', GUEST, '--vcpus', '2', '--policy', 'kvm', '--migrate', 'random:300', '--seed', '4', '--json', ...extra], { cwd: ROOT, encoding: 'utf8' });
    const a = run();
    const b = run();
    expect(a.status).toBe(0);
    const ja = JSON.parse(a.stdout);
    expect([ja.end, ja.console, ja.failure, ja.lostData]).toEqual(['system-off', 'hello\ntick\ncpu1\nflush ok\n', null, false]);
    expect(ja.migrations).toBeGreaterThan(0);
    const jb = JSON.parse(b.stdout);
    expect([jb.instructions, jb.virtualMs, jb.migrations, jb.traps]).toEqual([ja.instructions, ja.virtualMs, ja.migrations, ja.traps]);
    expect(ja.trapsByClass['0x16 HVC from AArch64']).toBe(2);
  });

  it('the Cubietruck bug on the platform: passthrough loses the flush when the vCPU moves mid-loop; the verdict says where', async () => {
    const kernel = await placeKernel(new Uint8Array(readFileSync(GUEST)));
    const options = { kernel, vcpus: 2, ramBytes: 64 * 2 ** 20, budget: 5_000_000, migration: { kind: 'random', meanInstructions: 2000 }, seed: 3 } as const;
    const lossy = runBoot({ ...options, policy: 'passthrough' });
    expect(lossy.console).toContain('flush lost');
    expect(lossy.bareMetalConsole).toContain('flush ok');
    expect(lossy.verdict?.staleReads).toBeGreaterThan(0);
    expect(lossy.verdict?.firstDivergence?.text).toMatch(/^stale read at load #\d+ .* VA 0x405[0-9a-f]{5} .*dirty \(up to date\)/);
    const safe = runBoot({ ...options, policy: 'xen' });
    expect(safe.console).toContain('flush ok');
    expect([safe.verdict?.staleReads, safe.verdict?.controlFlowDiverged]).toEqual([0, false]);
    expect(safe.machine.cost.migrations).toBeGreaterThan(0);
  });

  it('setway boot: a missing kernel flag is a usage error, a file that is no kernel an input error', () => {
    const boot = (...args: string[]) => spawnSync(process.execPath, [`${ROOT}bin/setway.js`, 'boot', ...args], { cwd: ROOT, encoding: 'utf8' });
    const none = boot();
    expect([none.status, none.stderr.trim().split('\n').length]).toEqual([2, 1]);
    const bad = boot('--kernel', `${ROOT}package.json`);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/not a Linux kernel/);
  });
});
