/**
 * `setway run vmlinuz-*-armmp --symbol v7_flush_kern_cache_all` as installed (dist/cli.js), with
 * an empty unpacked-kernel cache (cold: unpacks the zImage and reads kallsyms, then stores them)
 * and again with the entry in place (warm): the fastest of three warm runs. The kernel is the one
 * scripts/fetch-linux-kernel.sh fetches into .cache/linux; without it the rows are skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './startup';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');

export type KernelRunBench = { readonly coldSeconds: number; readonly warmSeconds: number } | { readonly skipped: string };

export function benchKernelRun(warmRuns = 3): KernelRunBench {
  const fetch = spawnSync('bash', [join(ROOT, 'scripts/fetch-linux-kernel.sh')], { encoding: 'utf8', timeout: 300_000 });
  const kernel = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop() : undefined;
  if (kernel === undefined) return { skipped: `no Debian kernel (fetch-linux-kernel.sh exited ${fetch.status}: ${fetch.stderr.trim().split('\n').pop()})` };
  ensureBuilt();
  const cacheDir = mkdtempSync(join(tmpdir(), 'setway-bench-cache-'));
  const wall = (): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'run', kernel, '--symbol', 'v7_flush_kern_cache_all'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, SETWAY_CACHE_DIR: cacheDir } });
    if (r.status !== 0) throw new Error(`bench: setway run ${kernel} exited ${r.status}`);
    return (performance.now() - t0) / 1000;
  };
  try {
    const coldSeconds = wall();
    const warm = Array.from({ length: warmRuns }, wall);
    return { coldSeconds, warmSeconds: Math.min(...warm) };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
