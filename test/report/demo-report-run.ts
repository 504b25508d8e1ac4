/** One `setway demo --json --html FILE` run, as a user makes it: its JSON results and the page it wrote. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../src/scenarios/result';
import type { BarChart } from '../../src/report/demo-charts';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoReportRun {
  readonly results: ScenarioResult[];
  readonly pagePath: string;
  readonly page: string;
}

/** A 32 KiB buffer: every policy in a few seconds, the same losses and cost shape as the default 128 KiB. */
export function runDemoWithReport(...extra: string[]): DemoReportRun {
  const pagePath = join(mkdtempSync(join(tmpdir(), 'setway-report-')), 'demo.html');
  const r = spawnSync(process.execPath, [BIN, 'demo', '--json', '--buffer-kib', '32', '--html', pagePath, ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`setway demo exited ${r.status}: ${r.stderr}`);
  return { results: (JSON.parse(r.stdout) as { results: ScenarioResult[] }).results, pagePath, page: readFileSync(pagePath, 'utf8') };
}

/** The data the page's charts draw: its `#report-data` JSON element. */
export function chartsOfPage(page: string): BarChart[] {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(page);
  if (m === null) throw new Error('page has no #report-data element');
  return (JSON.parse(m[1]) as { charts: BarChart[] }).charts;
}
