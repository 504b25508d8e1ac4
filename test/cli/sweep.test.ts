/** `setway sweep` as a user runs it: --json shape, the text tables, replay lines, and usage errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function setway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Run a printed `setway ...` line (plain words, as the sweep prints them for these arguments). */
function replay(line: string, ...extra: string[]) {
  const [command, ...args] = line.trim().split(/\s+/);
  expect(command).toBe('setway');
  return setway(...args, ...extra);
}

const SMALL = ['--policies', 'passthrough,kvm', '--migrate', 'random:1600,adversarial', '--seeds', '3', '--buffer-kib', '4'];
const FUNCTION = ['roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all'];

describe('setway sweep', () => {
  it('--json: rows per (policy, migration) and a pooled summary per policy with a confidence interval', () => {
    const r = setway('sweep', ...SMALL, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['scenario', 'seeds', 'rows', 'policies']);
    expect(j.scenario).toBe('boot-handoff');
    expect(j.seeds).toBe(3);
    expect(j.rows.map((x: { policy: string; migration: string }) => `${x.policy} ${x.migration}`)).toEqual([
      'passthrough random:1600',
      'passthrough adversarial:16',
      'kvm random:1600',
      'kvm adversarial:16',
    ]);
    for (const row of j.rows) {
      for (const k of ['runs', 'losingRuns', 'losingFraction', 'ciLow', 'ciHigh', 'losingSeeds', 'maxDataLost', 'meanMigrations', 'meanTraps', 'meanLinesByAddress', 'meanSimulatedUs']) expect(row).toHaveProperty(k);
    }
    expect(j.policies.map((p: { policy: string }) => p.policy)).toEqual(['passthrough', 'kvm']);
    const [pt, kvm] = j.policies;
    expect(Object.keys(pt)).toEqual(['policy', 'runs', 'losingRuns', 'losingFraction', 'ciLow', 'ciHigh', 'losingSeeds']);
    expect(pt.runs).toBe(6);
    expect(pt.losingRuns).toBeGreaterThan(0);
    expect(pt.losingSeeds[0]).toEqual({ migration: expect.stringMatching(/^(random:1600|adversarial:16)$/), seed: expect.any(Number) });
    expect(kvm).toMatchObject({ runs: 6, losingRuns: 0, losingFraction: 0, ciLow: 0, losingSeeds: [] });
    expect(kvm.ciHigh).toBeCloseTo(0.39, 2);
  });

  it('text: both tables, and a replay line for the ROM that reproduces the losing run', () => {
    const r = setway('sweep', ...SMALL);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/losing fraction \[95% CI\]/);
    expect(r.out).toMatch(/^kvm\s+6\s+0\s+0\.000 \[0\.000, 0\.390\]/m);
    const line = /^ {2}(setway sweep .*--policies passthrough .*)$/m.exec(r.out)?.[1];
    expect(line).toMatch(/--seed \d+$/);
    expect(r.out).not.toMatch(/--policies kvm/);
    const again = replay(line ?? '');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^passthrough\s+1\s+1\s+1\.000/m);
    expect(again.out).toMatch(/verdict against bare metal: DATA LOST/);
  });

  it('a function of an image: the replay line is a `setway run` that loses data', () => {
    const r = setway('sweep', ...FUNCTION, '--policies', 'passthrough', '--migrate', 'after-sw:100', '--seeds', '2', '--buffer-kib', '4');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/roms\/build\/a32-set-way\.o flush_dcache_all/);
    const line = /^ {2}(setway run .*)$/m.exec(r.out)?.[1] ?? '';
    expect(line).toBe('setway run roms/build/a32-set-way.o --symbol flush_dcache_all --load 0x41000000 --buffer-kib 4 --policy passthrough --migrate after-sw:100 --seed 1');
    expect(replay(line, '--expect-no-loss').code).toBe(1);
    const j = JSON.parse(setway('sweep', ...FUNCTION, '--policies', 'kvm', '--migrate', 'after-sw:100', '--seeds', '1', '--buffer-kib', '4', '--json').out);
    expect(j.scenario).toBe('function');
    expect(j.policies[0]).toMatchObject({ policy: 'kvm', runs: 1, losingRuns: 0 });
  });

  it('--jobs 2 gives the JSON of --jobs 1, byte for byte', () => {
    const one = setway('sweep', ...SMALL, '--json', '--jobs', '1');
    const two = setway('sweep', ...SMALL, '--json', '--jobs', '2');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.out).toBe(one.out);
  });

  it('--shard K/N slices merged by `setway merge` give the JSON of the unsharded sweep, in any order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setway-shards-'));
    const whole = setway('sweep', ...SMALL, '--json', '--jobs', '1');
    const files = [1, 2, 3].map((k) => {
      const r = setway('sweep', ...SMALL, '--shard', `${k}/3`, '--jobs', '1');
      expect(r.code).toBe(0);
      const file = join(dir, `shard-${k}.json`);
      writeFileSync(file, r.out);
      return file;
    });
    const first = JSON.parse(readFileSync(files[0], 'utf8'));
    expect(first).toMatchObject({ shard: '1/3', schedules: 12 });
    expect(first.runs.map((r: { index: number }) => r.index)).toEqual([0, 3, 6, 9]);
    const merged = setway('merge', files[2], files[0], files[1], '--json');
    expect(merged.code).toBe(0);
    expect(merged.out).toBe(whole.out);
    const text = setway('merge', ...files);
    expect(text.out).toMatch(/= 12 runs in 3 shards/);
    expect(text.out).toMatch(/^kvm\s+6\s+0\s+0\.000 \[0\.000, 0\.390\]/m);
    expect(text.out).toMatch(/^ {2}setway sweep .*--policies passthrough .*--seed \d+$/m);

    // Shards of another configuration, a missing shard, a shard twice, and a file that is no shard.
    const other = join(dir, 'other.json');
    const second = JSON.parse(readFileSync(files[1], 'utf8'));
    writeFileSync(other, JSON.stringify({ ...second, config: { ...second.config, bufferKib: 8 } }));
    const notShard = join(dir, 'whole.json');
    writeFileSync(notShard, whole.out);
    for (const [args, code, message] of [
      [[files[0], other, files[2]], 2, /shards of different sweeps \(their 'bufferKib' differs\)/],
      [[files[0], files[2]], 2, /shard 2\/3 missing/],
      [[files[0], files[0], files[1], files[2]], 2, /shard 1\/3 given twice/],
      [[notShard], 3, /is not a sweep shard/],
    ] as const) {
      const r = setway('merge', ...args);
      expect(r.code).toBe(code);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it.each([
    [['sweep', '--jobs', '0'], /--jobs must be at least 1/],
    [['sweep', '--shard', '3/2'], /--shard wants K\/N with 1 <= K <= N/],
    [['sweep', '--shard', 'half'], /--shard wants K\/N/],
    [['merge'], /give the shard files/],
    [['sweep', '--symbol', 'flush_dcache_all'], /--symbol needs an image/],
    [['sweep', 'roms/build/a32-set-way.o', '--load', '0x41000000'], /an image needs --symbol/],
    [['sweep', '--load', '0x41000000'], /--load needs an image/],
    [['sweep', 'a.o', 'b.o', '--symbol', 'f'], /at most one image/],
    [['sweep', '--isa', 't32'], /--isa must be a32, a64 for the ROM/],
    [['sweep', '--policies', 'kvm,vmware'], /--policies: unknown policy 'vmware'/],
    [['sweep', '--policies', 'kvm,'], /--policies wants a comma-separated list/],
    [['sweep', '--migrate', 'sometimes'], /--migrate: unknown migration mode/],
    [['sweep', '--preset', 'pdp11'], /--preset: .*pdp11/],
    [['sweep', '--seeds', '0'], /--seeds must be at least 1/],
    [['sweep', '--seeds', 'many'], /--seeds wants a non-negative integer/],
    [['sweep', '--seeds', '3', '--seed', '2'], /not both/],
    [['sweep', '--frobnicate'], /Unknown option/],
  ])('setway %j is a one-line usage error', (args, message) => {
    const r = setway(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n').filter((l) => !l.startsWith('npm warn')).length).toBe(1);
    expect(r.out).toBe('');
  });
});
