/** Small timing helpers for `npm run bench`: medians of repeated runs, nothing clever. */
import { spawnSync } from 'node:child_process';

export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target the issue sets, as text (e.g. '>= 100e6'), and whether this run met it. */
  readonly target?: string;
  readonly met?: boolean;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Run `fn` `runs` times (after one warm-up) and return the median wall time in milliseconds. */
export function medianMs(fn: () => void, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function withTarget(row: BenchRow, target: string, met: boolean): BenchRow {
  return { ...row, target, met };
}

/** CPU seconds (user + system, every thread of this process) that `fn` takes. */
export function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** How one child process ended, and the CPU it used. */
export interface ChildRun {
  readonly status: number | null;
  readonly signal: string | null;
  /** User + system seconds of the child and its descendants (getrusage RUSAGE_CHILDREN). */
  readonly cpuSeconds: number;
  readonly wallMs: number;
}

/**
 * Run `command args` to completion under bash and read its CPU time from bash's `times` builtin,
 * which reports the waited-for children's user and system time (to the millisecond): unlike wall
 * time, it does not grow when other work on the machine takes the cores.
 */
export function childCpuRun(command: string, args: readonly string[], timeoutMs: number): ChildRun {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', '"$0" "$@" >/dev/null 2>&1; s=$?; times >&2; exit $s', command, ...args], { encoding: 'utf8', timeout: timeoutMs });
  const wallMs = performance.now() - t0;
  // `times`: a line for the shell, then one for its children: "<m>m<s.sss>s <m>m<s.sss>s".
  const children = r.stderr.trim().split('\n').at(-1) ?? '';
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`childCpuRun: no CPU times from bash for ${command} (${r.error?.message ?? r.stderr.slice(0, 200)})`);
  return { status: r.status, signal: r.signal, cpuSeconds: parts[0] + parts[1], wallMs };
}
