/**
 * Start-up of the `setway` command as installed (dist/cli.js, compiled by `npm run build`) against
 * node's own (`node -e 0`), and of the development launcher (bin/setway.js: the sources through
 * tsx). Each is the median wall time of whole child processes, the three interleaved so that a
 * busy moment of the machine falls on all of them alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './measure';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');

export interface StartupTimes {
  readonly nodeMs: number;
  readonly cliHelpMs: number;
  readonly sourcesHelpMs: number;
}

/** Build dist/ unless it is newer than every source file. */
export function ensureBuilt(): void {
  const newestSource = Math.max(
    ...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map((p) => statSync(join(ROOT, 'src', p)).mtimeMs),
  );
  if (existsSync(CLI) && statSync(CLI).mtimeMs > newestSource) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('bench: npm run build failed');
}

function wallMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`bench: node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

export function benchStartup(runs = 15, sourceRuns = 5): StartupTimes {
  ensureBuilt();
  const node: number[] = [];
  const cli: number[] = [];
  const sources: number[] = [];
  wallMs([CLI, '--help']);
  for (let i = 0; i < runs; i++) {
    node.push(wallMs(['-e', '0']));
    cli.push(wallMs([CLI, '--help']));
    if (i < sourceRuns) sources.push(wallMs([join(ROOT, 'bin/setway.js'), '--help']));
  }
  return { nodeMs: median(node), cliHelpMs: median(cli), sourcesHelpMs: median(sources) };
}
