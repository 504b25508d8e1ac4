/**
 * The charting library the report pages inline: Observable Plot and the d3 it draws with, as the
 * browser builds (UMD) their packages ship, read from node_modules when a page is first built. The
 * page then needs no server and no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package's browser build: the file its package.json names under the "umd" export condition. */
function umdBuild(packageName: string, from: string): { source: string; path: string } {
  const require = createRequire(from);
  // Resolving the default entry finds the package wherever npm placed it; its package.json sits
  // above it (a subpath such as 'd3/package.json' is not exported, so it cannot be resolved itself).
  let dir = dirname(require.resolve(packageName));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; exports?: { umd?: string } };
      if (pkg.name === packageName) {
        if (pkg.exports?.umd === undefined) throw new Error(`${packageName}: package.json names no "umd" build`);
        const path = join(dir, pkg.exports.umd);
        return { source: readFileSync(path, 'utf8'), path };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`${packageName}: no package.json above ${require.resolve(packageName)}`);
    dir = up;
  }
}

let cached: string[] | null = null;

/** The scripts to inline, in load order (Plot's build expects the global `d3`). Read once per process. */
export function chartLibraryScripts(): readonly string[] {
  if (cached === null) {
    const plot = umdBuild('@observablehq/plot', import.meta.url);
    // d3 as Plot itself resolves it: the version Plot's package asks for.
    const d3 = umdBuild('d3', plot.path);
    cached = [d3.source, plot.source];
  }
  return cached;
}
