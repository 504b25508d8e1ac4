/**
 * A sweep on every core: this thread and `jobs - 1` worker threads take schedules from one shared
 * counter (Atomics on a SharedArrayBuffer) until none are left; results come back by schedule
 * index, so rows, `onRun` order and the first error are those of the same sweep in one thread.
 * Each worker records its own bare-metal run of the guest (one run, cheap); every subject run
 * replays a recording either way, so where a schedule ran changes nothing in its result.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { LoadedImage } from '../rom/loaded-image';
import { BareMetalRuns } from './lockstep/bare-metal-runs';
import type { ScenarioResult } from './result';
import { runSweepSchedule, sweepRows, sweepRunRecord, sweepSchedules, type SweepOptions, type SweepRow, type SweepRunRecord } from './sweep';

export interface ParallelSweepOptions extends SweepOptions {
  /** Threads running schedules: this one and `jobs - 1` workers (default: one per core); 1 runs all here. */
  readonly jobs?: number;
  /** Run only these schedules (indices into sweepSchedules, increasing), e.g. one shard; default all. */
  readonly only?: readonly number[];
}

/** What a worker is given: the options without callbacks or recordings, the image as plain data. */
export interface SweepWorkerData {
  readonly options: Omit<SweepOptions, 'onProgress' | 'onRun' | 'bareMetal' | 'trace' | 'function'> & {
    readonly function?: { readonly image: PlainImage; readonly entry: number; readonly thumb?: boolean };
  };
  /** Schedule indices to run, in order; the shared counter is a position in this list. */
  readonly list: readonly number[];
  readonly next: SharedArrayBuffer;
}

type PlainImage = Pick<LoadedImage, 'format' | 'isa' | 'entry' | 'segments' | 'symbols' | 'regions'>;

/** What a worker posts: one result per schedule it ran, or the error that stopped it. */
export type SweepWorkerMessage =
  | { readonly kind: 'run'; readonly position: number; readonly result: ScenarioResult }
  | { readonly kind: 'error'; readonly position: number; readonly name: string; readonly message: string; readonly stack?: string };

export function defaultJobs(): number {
  return os.availableParallelism();
}

/** One record per schedule of `only` (default all), in that order. */
export async function runSweepSchedulesOnCores(options: ParallelSweepOptions): Promise<SweepRunRecord[]> {
  const schedules = sweepSchedules(options);
  const list = options.only ?? schedules.map((s) => s.index);
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(), list.length));
  const local = { ...options, bareMetal: options.bareMetal ?? new BareMetalRuns() };
  const records: SweepRunRecord[] = new Array(list.length);
  if (jobs === 1) {
    for (let position = 0; position < list.length; position++) {
      const r = runSweepSchedule(local, schedules[list[position]]);
      records[position] = sweepRunRecord(list[position], r);
      options.onRun?.(r);
      options.onProgress?.(position + 1, list.length);
    }
    return records;
  }

  const next = new Int32Array(new SharedArrayBuffer(4));
  const pending = new Map<number, ScenarioResult>();
  let emitted = 0;
  let done = 0;
  const failures: { position: number; error: Error }[] = [];
  const complete = (position: number, r: ScenarioResult): void => {
    records[position] = sweepRunRecord(list[position], r);
    options.onProgress?.(++done, list.length);
    if (options.onRun === undefined) return;
    // onRun sees results in schedule order, as in one thread.
    pending.set(position, r);
    for (let p = pending.get(emitted); p !== undefined; p = pending.get(emitted)) {
      pending.delete(emitted++);
      options.onRun(p);
    }
  };
  const fail = (position: number, error: Error): void => {
    failures.push({ position, error });
    Atomics.store(next, 0, list.length); // nothing more is claimed; schedules in flight finish
  };

  const data: SweepWorkerData = { options: plainOptions(options), list, next: next.buffer as SharedArrayBuffer };
  const exits = Array.from({ length: jobs - 1 }, () => {
    const entry = workerEntry();
    const worker = new Worker(entry.script, { workerData: data, eval: entry.eval });
    worker.on('message', (m: SweepWorkerMessage) => {
      if (m.kind === 'run') complete(m.position, m.result);
      else fail(m.position, rebuiltError(m));
    });
    return new Promise<void>((resolve) => {
      worker.on('error', (error) => fail(list.length, error));
      worker.on('exit', (code) => {
        if (code !== 0) fail(list.length, new Error(`sweep worker exited with code ${code}`));
        resolve();
      });
    });
  });

  // This thread takes schedules too, yielding between runs so workers' results are taken in.
  for (let position = Atomics.add(next, 0, 1); position < list.length; position = Atomics.add(next, 0, 1)) {
    try {
      complete(position, runSweepSchedule(local, schedules[list[position]]));
    } catch (error) {
      fail(position, error as Error);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(exits);
  if (failures.length > 0) throw failures.reduce((a, b) => (b.position < a.position ? b : a)).error;
  return records;
}

/** sweep() on every core: the same rows, in the same order. */
export async function sweepOnCores(options: ParallelSweepOptions): Promise<SweepRow[]> {
  return sweepRows(options, await runSweepSchedulesOnCores({ ...options, only: undefined }));
}

/** The worker's side: claim positions from the shared counter, run them, post each result. */
export function runClaimedSchedules(data: SweepWorkerData, post: (m: SweepWorkerMessage) => void): void {
  const fn = data.options.function;
  const image = fn === undefined ? undefined : new LoadedImage(fn.image.format, fn.image.isa, fn.image.entry, fn.image.segments, fn.image.symbols, fn.image.regions);
  const options: SweepOptions = { ...data.options, function: fn === undefined || image === undefined ? undefined : { ...fn, image }, bareMetal: new BareMetalRuns() };
  const schedules = sweepSchedules(options);
  const next = new Int32Array(data.next);
  for (let position = Atomics.add(next, 0, 1); position < data.list.length; position = Atomics.add(next, 0, 1)) {
    try {
      post({ kind: 'run', position, result: runSweepSchedule(options, schedules[data.list[position]]) });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      post({ kind: 'error', position, name: error.name, message: error.message, stack: error.stack });
      return;
    }
  }
}

function plainOptions(options: ParallelSweepOptions): SweepWorkerData['options'] {
  const { onProgress: _p, onRun: _r, bareMetal: _b, trace: _t, function: fn, jobs: _j, only: _o, ...rest } = options;
  if (fn === undefined) return rest;
  const { format, isa, entry, segments, symbols, regions } = fn.image;
  return { ...rest, function: { image: { format, isa, entry, segments, symbols, regions }, entry: fn.entry, thumb: fn.thumb } };
}

/** A worker's error with its own name (classifyError maps errors by name) and stack. */
function rebuiltError(m: Extract<SweepWorkerMessage, { kind: 'error' }>): Error {
  const error = new Error(m.message);
  error.name = m.name;
  if (m.stack !== undefined) error.stack = m.stack;
  return error;
}

/**
 * The worker script beside this module: sweep-worker.js once compiled, or sweep-worker.ts from the
 * sources, which the worker imports after registering tsx's loader itself (Node 20 applies
 * neither this thread's loader nor an `--import` in execArgv to a worker's entry module). The
 * extension of this module is tried first.
 */
function workerEntry(): { script: URL | string; eval: boolean } {
  const order = import.meta.url.endsWith('.ts') ? ['.ts', '.js'] : ['.js', '.ts'];
  for (const ext of order) {
    const url = new URL(`./sweep-worker${ext}`, import.meta.url);
    if (!existsSync(url)) continue;
    if (ext === '.js') return { script: url, eval: false };
    const api = import.meta.resolve('tsx/esm/api');
    return { script: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, eval: true };
  }
  throw new Error(`sweep: no worker script sweep-worker.js or .ts beside ${import.meta.url}`);
}
