/** `setway <command> --json --html FILE` runs, as a user makes them: their JSON and the page they wrote. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../src/scenarios/result';
import type { BarChart } from '../../src/report/demo-charts';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A function under the boot-handoff harness, moved half-way through its L1 clean: passthrough loses, kvm does not. */
export const FLUSH_RUN = ['run', 'roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all', '--buffer-kib', '32', '--migrate', 'after-sw:256'];

/** Our own A64 guest booted on two vCPUs, moved at random. */
export const VIRT_BOOT = ['boot', '--kernel', 'roms/build/a64-virt-guest.bin', '--vcpus', '2', '--policy', 'kvm', '--migrate', 'random:300', '--seed', '4'];

/** A small sweep: a policy that loses, one that does not, one never moved under adversarial. */
export const SMALL_SWEEP = ['sweep', '--policies', 'passthrough,kvm,pin', '--migrate', 'random:200,random:2000,adversarial:16', '--seeds', '3', '--buffer-kib', '4', '--jobs', '1'];

/** Every ROM guest under every policy with a 4 KiB buffer: seconds, and passthrough still loses on the A32 ROMs. */
export const SMALL_COMPARE = ['compare', '--buffer-kib', '4'];

export interface ReportRun<T> {
  readonly json: T;
  readonly pagePath: string;
  readonly page: string;
}

/** `setway ARGS --json --html FILE` (FILE in a fresh temporary directory, named `name`.html). */
export function runWithReport<T>(name: string, args: readonly string[]): ReportRun<T> {
  const pagePath = join(mkdtempSync(join(tmpdir(), 'setway-report-')), `${name}.html`);
  const r = spawnSync(process.execPath, [BIN, ...args, '--json', '--html', pagePath], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`setway ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { json: JSON.parse(r.stdout) as T, pagePath, page: readFileSync(pagePath, 'utf8') };
}

export interface DemoReportRun {
  readonly results: ScenarioResult[];
  readonly pagePath: string;
  readonly page: string;
}

/** A 32 KiB buffer: every policy in a few seconds, the same losses and cost shape as the default 128 KiB. */
export function runDemoWithReport(...extra: string[]): DemoReportRun {
  const run = runWithReport<{ results: ScenarioResult[] }>('demo', ['demo', '--buffer-kib', '32', ...extra]);
  return { results: run.json.results, pagePath: run.pagePath, page: run.page };
}

/** What the page's charts draw: its `#report-data` JSON element. */
export function dataOfPage<T>(page: string): T {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(page);
  if (m === null) throw new Error('page has no #report-data element');
  return JSON.parse(m[1]) as T;
}

export function chartsOfPage(page: string): BarChart[] {
  return dataOfPage<{ charts: BarChart[] }>(page).charts;
}
