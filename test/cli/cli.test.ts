/** The `setway` command as a user runs it: output, --json, one-line errors and exit codes (README). */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import type { ScenarioResult } from '../../src/scenarios/result';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function setway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('setway command line', () => {
  it('demo --json: every policy, passthrough loses data, the cleaning policies lose none', () => {
    const r = setway('demo', '--json', '--buffer-kib', '32');
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out).results as ScenarioResult[];
    const byPolicy = Object.fromEntries(results.map((x) => [x.policy, x]));
    expect(byPolicy.passthrough.staleReads).toBeGreaterThan(0);
    expect(lostData(byPolicy.passthrough)).toBe(true);
    for (const p of ['kvm', 'xen', 'jailhouse', 'misconfig', 'dirty', 'dirty:dbm', 'dirty:tid2', 'oracle']) {
      expect(byPolicy[p], p).toBeDefined();
      expect([byPolicy[p].dataLost, lostData(byPolicy[p])], p).toEqual([0, false]);
    }
  });

  it('hsr decodes the worked example with set/way from --rt and a preset', () => {
    const r = setway('hsr', '0x0FE41CBC', '--rt', '0x40000c02', '--preset', 'cubietruck');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('0x0fe41cbc  EC=0x03 MCR p15,0,r5,c7,c14,2 DCCISW level=2 set=48 way=2');
  });

  it('decode prints llvm-mc style text', () => {
    const r = setway('decode', 'ee070f5e', '--isa', 'a32');
    expect(r.out.trim()).toBe('ee070f5e  mcr p15, #0, r0, c7, c14, #2');
    expect(setway('decode', 'd5087e42', '--isa', 'a64').out.trim()).toBe('d5087e42  dc cisw, x2');
  });

  it('run --json on a ROM function reports the documented fields', () => {
    const r = setway('run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all', '--policy', 'xen', '--buffer-kib', '16', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const keys = ['policy', 'dataLost', 'staleReads', 'dataDestroyed', 'linesNotAtPoC', 'firstDivergence', 'controlFlowCause', 'guestFailure', 'fresherReads', 'loadsCompared', 'traps', 'setWayOps', 'linesByAddress', 'pagesFlushed', 'stage2Faults', 'simulatedUs', 'guestMismatchedWords'];
    for (const k of keys) expect(j).toHaveProperty(k);
    expect(j.setWayOps).toBe(4608);
  });

  it('--guest-ram and --p2m-leaf size the VM: xen cleans a whole 1 GiB block, or 2 MiB leaves', () => {
    const args = ['run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all', '--policy', 'xen', '--buffer-kib', '16', '--guest-ram', '4g', '--json'];
    const gib = JSON.parse(setway(...args).out).linesByAddress;
    const mib = JSON.parse(setway(...args, '--p2m-leaf', '2m').out).linesByAddress;
    expect(gib % (2 ** 30 / 64)).toBe(0); // whole 1 GiB blocks, in lines
    expect(gib).toBeGreaterThan(0);
    expect(mib % ((2 * 2 ** 20) / 64)).toBe(0); // whole 2 MiB leaves
    // A few leaves of the GiB the guest runs in, and at each of the two flushes every leaf of the
    // three GiB it never entered (Xen's p2m_get_entry reports the leaf's valid bit only).
    const untouched = (3 * 2 ** 30) / 64;
    expect(mib - 2 * untouched).toBeGreaterThan(0);
    expect(mib - 2 * untouched).toBeLessThanOrEqual((8 * 2 ** 20) / 64);
  });

  it('--expect-no-loss exits 1 when the guest lost data', () => {
    const args = ['run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all', '--buffer-kib', '16', '--expect-no-loss'];
    expect(setway(...args, '--policy', 'passthrough', '--migrate', 'after-sw:100').code).toBe(1);
    const kvm = setway(...args, '--policy', 'kvm', '--migrate', 'after-sw:100');
    expect(kvm.code).toBe(0);
    expect(kvm.out).not.toMatch(/never moved/);
    // No loss without a migration says nothing about the policy: the run says so.
    const still = setway(...args, '--policy', 'passthrough');
    expect(still.code).toBe(0);
    expect(still.out).toMatch(/no loss: .*\n {2}the vCPU never moved in this run: --migrate after-sw:K or random:N \(or sweep\) puts the policy to the test\n/);
  });

  it.each([
    [['frobnicate'], 2, /unknown command/],
    [['run', 'roms/build/a32-set-way.o', '--policy', 'vmware'], 2, /unknown policy 'vmware'/],
    [['run', 'roms/build/a32-set-way.o', '--migrate', 'sometimes'], 2, /unknown migration mode/],
    [['run', 'roms/build/a32-set-way.o', '--populate', 'sometimes'], 2, /--populate must be upfront or on-demand/],
    [['run', 'roms/build/a32-set-way.o', '--preset', 'pdp11'], 2, /no such preset/],
    [['run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_all_the_things'], 3, /symbol .*not found/],
    [['run', '/nonexistent/image'], 3, /ENOENT|no such file/],
    [['run', 'roms/build/a32-boot-handoff.elf', '--budget', '1000'], 4, /ran past its budget of 1000 instructions/],
    [['hsr', 'zz'], 2, /not a hexadecimal value/],
    [['run', 'roms/build/a32-set-way.o', '--guest-ram', '12x'], 2, /--guest-ram wants a size/],
    [['run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all', '--guest-ram', '4097'], 2, /guest RAM must be a positive multiple of 4 KiB/],
    [['run', 'roms/build/a32-set-way.o', '--p2m-leaf', '64k'], 2, /--p2m-leaf must be 1g, 2m or 4k/],
  ])('setway %j exits %i with one line', (args, code, message) => {
    const r = setway(...args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n').filter((l) => !l.startsWith('npm warn')).length).toBe(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('an undefined instruction stops the guest with its PC and word (exit 4)', () => {
    const file = join(tmpdir(), `setway-udf-${process.pid}.bin`);
    writeFileSync(file, Uint8Array.of(0xf0, 0x00, 0xf0, 0xe7));
    const r = setway('run', file, '--load', '0x40000000', '--isa', 'a32');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/PC 0x40000000.*0xe7f000f0/);
  });

  it('--help works for every command', () => {
    for (const c of ['demo', 'run', 'trace', 'sweep', 'boot', 'heisenbug', 'hsr', 'esr', 'decode', 'policies', 'presets']) {
      const r = setway(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(/usage: setway/);
    }
  });

  it('heisenbug without its binaries, or with unreadable ones, says what to give (exit 2, 3), in one line', () => {
    const none = setway('heisenbug');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--firmware .* --kernel .*fetch-uboot\.sh qemu_arm/);
    const missing = setway('heisenbug', '--firmware', '/nonexistent/u-boot.bin', '--kernel', '/nonexistent/vmlinuz');
    expect(missing.code).toBe(3);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/cannot read the firmware \/nonexistent\/u-boot\.bin/);
    const notZImage = join(tmpdir(), `setway-not-zimage-${process.pid}.bin`);
    writeFileSync(notZImage, new Uint8Array(64));
    const bad = setway('heisenbug', '--firmware', notZImage, '--kernel', notZImage);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/--kernel .*not a Linux kernel|not a zImage/);
  });
});
