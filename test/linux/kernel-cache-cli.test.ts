/**
 * `setway run` on Debian's armmp zImage with the unpacked-kernel cache: the second run reads the
 * entry the first wrote and reports the same run; a corrupt entry is rebuilt; --no-cache writes
 * nothing. The kernel comes from scripts/fetch-linux-kernel.sh (skipped where it cannot, except
 * under CI).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/setway.js');
const fetch = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-linux-kernel.sh')], { encoding: 'utf8', timeout: 300_000 });
const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop() : undefined;
const why = `fetch-linux-kernel.sh exited ${fetch.status ?? fetch.signal}: ${(fetch.stderr || fetch.error?.message || '').trim().split('\n').pop()}`;

function run(cacheDir: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'run', kernelPath!, '--symbol', 'v7_flush_kern_cache_all', '--json', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, SETWAY_CACHE_DIR: cacheDir },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { wallMs: _w, guestMs: _g, ...result } = JSON.parse(r.stdout);
  return result;
}

describe.skipIf(kernelPath === undefined && !process.env.CI)(`setway run on a zImage, cache warm and cold${kernelPath === undefined ? ` (skipped: ${why})` : ''}`, () => {
  it('the second run reads the entry and reports the same run; a corrupt entry is rebuilt; --no-cache writes none', () => {
    expect(kernelPath, why).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'setway-kernel-cache-'));
    const cold = run(dir);
    const entries = readdirSync(join(dir, 'unpacked-kernels'));
    expect(entries).toHaveLength(1);
    const entry = join(dir, 'unpacked-kernels', entries[0]);
    const size = statSync(entry).size;
    expect(run(dir)).toEqual(cold);

    const damaged = readFileSync(entry);
    damaged[damaged.length >> 1] ^= 0xff;
    writeFileSync(entry, damaged);
    expect(run(dir)).toEqual(cold);
    expect(readFileSync(entry).equals(damaged)).toBe(false);
    expect(statSync(entry).size).toBe(size);

    const none = mkdtempSync(join(tmpdir(), 'setway-kernel-cache-'));
    expect(run(none, '--no-cache')).toEqual(cold);
    expect(readdirSync(none)).toEqual([]);
  }, 600_000);
});
