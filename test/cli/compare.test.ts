/**
 * `setway compare` as a user runs it: one table per guest, every policy and version, the oracle's
 * row last as the bound. On the ROMs alone, and on Debian's armmp kernel (fetched and cached by
 * scripts/fetch-linux-kernel.sh, as test/linux/acceptance.test.ts does; skipped with a message
 * where apt cannot fetch it, a failure under CI), whose v7_flush_kern_cache_all must issue the
 * same S/W operations as our set/way ROM's flush_dcache_all and fare the same under every policy.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makePolicy } from '../../src/hyp/policies';
import { claimsSafetyFor } from '../../src/hyp/policy';
import type { CompareRow, CompareTable } from '../../src/scenarios/compare';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function setway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const POLICIES = ['passthrough', 'kvm-2013', 'kvm', 'kvm-6.3', 'kvm:fwb', 'xen', 'jailhouse', 'pin', 'misconfig', 'dirty', 'dirty:dbm', 'dirty:tid2', 'oracle'];
/** Safe policies that trap every S/W op of the real geometry and keep stage 1's attributes: none can do less than the oracle. */
const BOUNDED = ['kvm', 'xen', 'jailhouse', 'misconfig', 'dirty', 'dirty:dbm'];

const byPolicy = (t: CompareTable): Record<string, CompareRow> => Object.fromEntries(t.rows.map((r) => [r.policy, r]));

/** Checks every table must pass: all policies, the bound last, no safe policy losing data, none below the bound. */
function checkTable(t: CompareTable): void {
  expect(t.rows.map((r) => r.policy).sort(), t.guest).toEqual([...POLICIES].sort());
  expect(t.rows[t.rows.length - 1]).toEqual(t.bound);
  expect([t.bound.policy, t.bound.dataLost, t.bound.timeOverBound]).toEqual(['oracle', 0, 1]);
  const rows = byPolicy(t);
  for (const r of t.rows) if (claimsSafetyFor(makePolicy(r.policy), t.isa)) expect(r.dataLost, `${t.guest} ${r.policy}`).toBe(0);
  for (const p of BOUNDED) {
    if (!claimsSafetyFor(makePolicy(p), t.isa)) continue;
    expect(rows[p].traps, `${t.guest} ${p} traps`).toBeGreaterThanOrEqual(t.bound.traps);
    expect(rows[p].simulatedUs, `${t.guest} ${p} time`).toBeGreaterThanOrEqual(t.bound.simulatedUs);
    expect(rows[p].timeOverBound).toBeCloseTo(rows[p].simulatedUs / t.bound.simulatedUs, 9);
  }
  expect(rows.kvm.models).toMatch(/^KVM/);
  expect(rows.xen.models).toMatch(/^Xen/);
  expect(rows.dirty.models).toBe("setway's own");
}

describe('setway compare', () => {
  it('on the ROMs (no kernel): four guests, every policy; passthrough and kvm-2013 lose data on the A32 ROMs, the safe ones lose none', () => {
    const r = setway('compare', '--json', '--buffer-kib', '16');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { tables } = JSON.parse(r.out) as { tables: CompareTable[] };
    expect(tables.map((t) => t.guest)).toEqual(['boot-handoff ROM (a32)', 'boot-handoff ROM (a64)', 'a32-set-way.o flush_dcache_all', 'a64-set-way.o flush_dcache_all']);
    for (const t of tables) checkTable(t);
    for (const t of tables.filter((x) => x.isa === 'a32')) {
      const rows = byPolicy(t);
      expect(rows.passthrough.dataLost, t.guest).toBeGreaterThan(0);
      expect(rows['kvm-2013'].dataLost, t.guest).toBeGreaterThan(0);
      // Xen yields every ~51 pages; KVM flushes a whole chunk (up to 1 GiB) at a time.
      expect(rows.xen.longestEl2Us).toBeLessThan(rows.kvm.longestEl2Us);
    }
  });

  it('text: a heading per guest and the bound marked', () => {
    const r = setway('compare', '--buffer-kib', '4', '--migrate', 'never');
    expect(r.code).toBe(0);
    expect(r.out).toContain('boot-handoff ROM (a32): A32 on the cubietruck preset, migration never');
    expect(r.out).toContain('a64-set-way.o flush_dcache_all: A64 on the qemu-cortex-a53 preset, migration never');
    expect(r.out.match(/^oracle \(bound\)/gm)).toHaveLength(4);
    expect(r.out).toMatch(/^policy +models +data lost +traps +lines by VA +pages flushed +s2 faults +max EL2 us +sim time us +x bound$/m);
  });

  it.each([
    [['compare', '--populate', 'sideways'], 2],
    [['compare', 'a', 'b'], 2],
    [['compare', '--system-map', 'System.map'], 2],
    [['compare', '--migrate', 'sometimes'], 2],
    [['compare', 'no-such-kernel'], 3],
    [['compare', 'roms/build/a64-boot-handoff.elf'], 3],
  ])('%j exits %i with one line', (args, code) => {
    const r = setway(...args);
    expect(r.code).toBe(code);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });
});

const fetch = spawnSync('bash', [`${ROOT}scripts/fetch-linux-kernel.sh`], { encoding: 'utf8', timeout: 300_000 });
const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
const why = `fetch-linux-kernel.sh exited ${fetch.status ?? fetch.signal}: ${(fetch.stderr || fetch.error?.message || '').trim().split('\n').pop()}`;

describe('setway compare on the Debian armmp kernel', () => {
  it.skipIf(kernelPath === undefined && !process.env.CI)(`v7_flush_kern_cache_all fares as the set/way ROM's flush_dcache_all under every policy${kernelPath === undefined ? ` (skipped: ${why})` : ''}`, () => {
    expect(kernelPath, why).toBeDefined();
    const r = setway('compare', kernelPath!, '--json', '--buffer-kib', '16');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { tables } = JSON.parse(r.out) as { tables: CompareTable[] };
    const find = (guest: string) => tables.find((t) => t.guest === guest)!;
    const linux = find('Linux v7_flush_kern_cache_all');
    const louis = find('Linux v7_flush_kern_cache_louis');
    expect(tables).toHaveLength(6);
    for (const t of [linux, louis]) {
      expect([t.isa, t.preset]).toEqual(['a32', 'cubietruck']);
      checkTable(t);
    }
    // The kernel's walk and ours: the same S/W ops (4,608 on the cubietruck's L1 and L2), the same losses, the same flush.
    const rom = byPolicy(find('a32-set-way.o flush_dcache_all'));
    for (const row of linux.rows) {
      const ours = rom[row.policy];
      expect([row.setWayOps, row.dataLost > 0, row.linesByAddress, row.pagesFlushed], row.policy).toEqual([ours.setWayOps, ours.dataLost > 0, ours.linesByAddress, ours.pagesFlushed]);
    }
    expect(byPolicy(linux).kvm.setWayOps).toBe(4608);
    expect(byPolicy(linux).passthrough.dataLost).toBeGreaterThan(0);
    // To LoUIS (1 on the cubietruck) the walk stops after L1: 128 sets x 4 ways.
    expect(byPolicy(louis).kvm.setWayOps).toBe(512);
  }, 300_000);
});
