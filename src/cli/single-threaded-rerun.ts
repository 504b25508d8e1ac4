/**
 * A sweep on N threads runs this command again in a Node started with V8's `--single-threaded`.
 * V8 compiles optimised code and marks the heap on background threads of its own; with every
 * core already running a sweep thread they starve, code stays in the slower tiers for longer and
 * the threads preempt each other. Measured on a 2-core machine (bench/sweep.ts): jobs=2 7.9 s with
 * the flag against 9.3-10.8 s without (jobs=1: 10.3-12.3 s). V8 reads its flags once, at start-up
 * (v8.setFlagsFromString at run time trips a concurrent-marking check), so the flag needs a new process;
 * worker_threads cannot take V8 flags.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';

const FLAG = '--single-threaded';
/** The setway command as a user starts it: the package's dist/cli.js, npm's `setway` link, or bin/setway.js. */
const SETWAY_SCRIPT = /(?:^|[/\\])(?:cli\.js|setway(?:\.js)?)$/;

/**
 * Run this setway command line again with V8 single-threaded, its output on the same streams, and
 * return its exit code; null when this process already is that (or is not the setway command, as
 * in a test runner), or the new process could not start: then the caller goes on here.
 */
export function rerunSingleThreaded(): number | null {
  const script = process.argv[1];
  if (process.execArgv.includes(FLAG) || script === undefined || !SETWAY_SCRIPT.test(script)) return null;
  const r = spawnSync(process.execPath, [...process.execArgv, FLAG, script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error !== undefined) return null;
  if (r.signal !== null) return 128 + (constants.signals[r.signal] ?? 0);
  return r.status;
}
