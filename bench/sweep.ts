/**
 * `setway sweep` on every core against one thread: the default policies and migration modes with 5
 * seeds (360 runs), as a user runs the installed command (dist/cli.js, a child process each,
 * start-up included), the fastest of two runs of each, alternating. The two JSON outputs must be
 * identical.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './startup';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ARGS = ['sweep', '--seeds', '5', '--json'];

export interface SweepBench {
  readonly jobs1Seconds: number;
  readonly jobs2Seconds: number;
  readonly identical: boolean;
}

function timedSweep(jobs: number): { seconds: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...ARGS, '--jobs', String(jobs)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`setway ${ARGS.join(' ')} --jobs ${jobs} exited ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  return { seconds, out: r.stdout };
}

export function benchSweep(repeats = 2): SweepBench {
  ensureBuilt();
  const one: number[] = [];
  const two: number[] = [];
  let identical = true;
  for (let i = 0; i < repeats; i++) {
    const a = timedSweep(1);
    const b = timedSweep(2);
    one.push(a.seconds);
    two.push(b.seconds);
    identical &&= a.out === b.out;
  }
  return { jobs1Seconds: Math.min(...one), jobs2Seconds: Math.min(...two), identical };
}
