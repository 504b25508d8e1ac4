/**
 * `npm run build` (also run by `prepare`, so `npm ci` and `npm pack` build): the package in dist/.
 *
 * - JavaScript: esbuild bundles each entry point (the CLI, the library, `setway/arbitraries`, and
 *   every `src/**\/*-worker.ts` worker script) into ESM for Node 20 with code shared through
 *   chunks, all flat in dist/ so that a module finds its workers and ROMs beside itself. Source maps
 *   carry the TypeScript sources (`SETWAY_DEBUG=1 setway ...` prints stacks in their lines).
 *   Dependencies stay imports; the sources keep their extensionless imports.
 * - Types: tsc emits declarations for the public entry points, and rollup-plugin-dts bundles them
 *   into dist/index.d.ts and dist/arbitraries.d.ts, so consumers resolve no extensionless relative
 *   imports (NodeNext and bundler resolution both compile).
 * - ROMs: roms/build/ is copied to dist/roms/ (src/scenarios/rom-images.ts looks there first).
 *
 * The build goes to a fresh directory that then replaces dist/, so a reader never sees half of it
 * (two builds at once, as two test runs in one tree may start, each land whole).
 */
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const started = performance.now();
let bundled: number;

/** Public entry points: package.json "exports" and "bin" name these outputs. */
const ENTRIES: Record<string, string> = {
  cli: 'src/cli/main.ts',
  index: 'src/api/index.ts',
  arbitraries: 'src/api/arbitraries.ts',
};
const TYPED_ENTRIES = ['index', 'arbitraries'];
// Worker scripts are loaded by URL beside the module that starts them (sweep-worker.js).
for (const path of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (path.endsWith('-worker.ts')) ENTRIES[basename(path, '.ts')] = join('src', path);
}

// Both inside the project (.cache/ is ignored): tsc finds @types/node from where its tsconfig is.
mkdirSync(join(ROOT, '.cache'), { recursive: true });
const out = mkdtempSync(join(ROOT, '.cache/dist-'));
const types = mkdtempSync(join(ROOT, '.cache/types-'));
try {
  // Laid out for dist/ (so the source maps' paths to src/ hold there), written to `out` first.
  const { outputFiles } = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(ENTRIES).map(([name, path]) => ({ out: name, in: path })),
    outdir: DIST,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
  for (const file of outputFiles) writeFileSync(join(out, relative(DIST, file.path)), file.contents);
  chmodSync(join(out, 'cli.js'), 0o755);
  chmodSync(out, 0o755);
  bundled = performance.now();

  // Declarations for what the entry points reach; the type check itself is `npm run typecheck`.
  const tsconfig = join(types, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, noCheck: true, rootDir: join(ROOT, 'src'), outDir: join(types, 'out') },
      include: [],
      files: [...TYPED_ENTRIES.map((name) => join(ROOT, ENTRIES[name])), join(ROOT, 'src/rom/binary-parser.d.ts')],
    }),
  );
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' });
  // One bundle per entry point: declarations shared through a chunk lose whether a name is a type
  // (rollup-plugin-dts then declares `typeof SomeInterface`), so each .d.ts stands alone.
  for (const name of TYPED_ENTRIES) {
    const bundle = await rollup({ input: join(types, 'out', ENTRIES[name].replace(/^src\//, '').replace(/\.ts$/, '.d.ts')), plugins: [dts()] });
    await bundle.write({ file: join(out, `${name}.d.ts`), format: 'es' });
    await bundle.close();
  }

  cpSync(join(ROOT, 'roms/build'), join(out, 'roms'), { recursive: true });

  replaceDist(out);
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(types, { recursive: true, force: true });
}
/** Swap `fresh` in as dist/ by renames; another build landing in between only means one more try. */
function replaceDist(fresh: string): void {
  for (let attempt = 0; ; attempt++) {
    const old = `${fresh}-old`;
    try {
      renameSync(DIST, old);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(fresh, DIST);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt === 5 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
    }
  }
}

const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
process.stderr.write(`build: dist/ (${readdirSync(DIST).length} entries): JavaScript ${seconds(started, bundled)} s, declarations ${seconds(bundled, performance.now())} s\n`);
