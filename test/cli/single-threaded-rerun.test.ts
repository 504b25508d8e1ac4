/**
 * `sweep --jobs N>1` runs again in a Node whose V8 has no background threads
 * (src/cli/single-threaded-rerun.ts); test/cli/sweep.test.ts checks its output equals --jobs 1's.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./rerun-fixture/setway.js', import.meta.url));
const node = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

describe('rerunSingleThreaded', () => {
  it('starts the same command line again with --single-threaded, on the same streams, and hands back its exit code', () => {
    const r = node(['--no-warnings', FIXTURE, 'sweep', '--jobs', '2'], { RERUN_EXIT: '3' });
    expect(r.stdout).toBe('rerun with --no-warnings --single-threaded: sweep --jobs 2\nfirst process got 3\n');
    expect(r.status).toBe(0);
  });

  it('does nothing in a process that already has the flag', () => {
    const r = node(['--single-threaded', FIXTURE, 'x']);
    expect(r.stdout).toBe('rerun with --single-threaded: x\n');
  });
});
