/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
 * installed into a new project, and there
 * - every public entry point imported from plain Node ESM, and the `setway` command run, a sweep
 *   on worker threads included (the worker scripts are entry points of their own in dist/);
 * - `setway` working without fast-check (an optional peer needed only by `setway/arbitraries`);
 * - a TypeScript file using the API, and the README's library example taken verbatim from
 *   README.md, type-checked with `strict` under `moduleResolution` NodeNext and bundler;
 * - the README's example compiled and run with node.
 * Needs only node and npm (installs come from npm's cache or the registry).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

let work: string;
let project: string;
let packed: { filename: string; entryCount: number; size: number; files: { path: string }[] };

/** The first ```ts block after the README's "## Library" heading, as written. */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const match = /\n```ts\n([\s\S]*?)\n```\n/.exec(section);
  if (match === null) throw new Error('README.md: no ```ts block under "## Library"');
  return `${match[1]}\n`;
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function typecheck(resolution: 'NodeNext' | 'bundler'): string {
  const tsconfig = join(project, `tsconfig.${resolution}.json`);
  const compilerOptions = {
    strict: true,
    target: 'ES2022',
    module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
    moduleResolution: resolution,
    noEmit: true,
    // No @types/node: the declarations must stand on their own.
    types: [],
  };
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions, files: ['use.ts', 'readme-example.ts'] }));
  const r = spawnSync(process.execPath, [TSC, '-p', tsconfig], { cwd: project, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim();
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'setway-package-'));
  packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))[0];
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', ...NPM_QUIET, join(work, packed.filename)], project);
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds dist/, the README, the licence and package.json, and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(p))).toEqual([]);
    for (const p of ['dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/arbitraries.js', 'dist/arbitraries.d.ts', 'dist/roms/a32-boot-handoff.elf']) expect(paths).toContain(p);
    // Every worker script in the sources is an entry point of its own, beside the code that starts it.
    const workers = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('-worker.ts'));
    for (const w of workers) expect(paths).toContain(`dist/${basename(w, '.ts')}.js`);
    // Each JavaScript file has its source map.
    for (const p of paths.filter((p) => p.endsWith('.js'))) expect(paths).toContain(`${p}.map`);
  });

  it('imports from plain Node ESM without fast-check installed', () => {
    writeFileSync(
      join(project, 'without-fast-check.mjs'),
      [
        "import * as setway from 'setway';",
        "const r = setway.scenarios.runBootHandoff({ policy: setway.policies.makePolicy('xen'), bufferBytes: 16 * 1024 });",
        'console.log(JSON.stringify({ names: Object.keys(setway).sort(), dataLost: r.dataLost }));',
      ].join('\n'),
    );
    const out = JSON.parse(run(process.execPath, ['without-fast-check.mjs'], project));
    expect(out).toEqual({ names: ['machine', 'platform', 'policies', 'scenarios', 'syndromes'], dataLost: 0 });
  });

  it('runs the setway command from node_modules/.bin', () => {
    const bin = join(project, 'node_modules/.bin/setway');
    expect(run(bin, ['--help'], project)).toMatch(/^usage: setway <command>/m);
    expect(run(bin, ['hsr', '0x0fe41cbc'], project)).toContain('MCR p15,0,r5,c7,c14,2 DCCISW');
    // A ROM from the package's own dist/roms, by path, as the README's examples do from a clone.
    const rom = join(project, 'node_modules/setway/dist/roms/a32-set-way.o');
    expect(run(bin, ['run', rom, '--load', '0x41000000', '--symbol', 'flush_dcache_louis', '--policy', 'kvm', '--json'], project)).toContain('"policy"');
  });

  it('prints stack traces in the TypeScript sources\' lines under SETWAY_DEBUG (source maps)', () => {
    const rom = join(project, 'node_modules/setway/dist/roms/a32-boot-handoff.elf');
    const r = spawnSync(join(project, 'node_modules/.bin/setway'), ['run', rom, '--budget', '1000'], { cwd: project, encoding: 'utf8', env: { ...process.env, SETWAY_DEBUG: '1' } });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^ {4}at \S+ \(.*\/src\/hyp\/machine\.ts:\d+:\d+\)$/m);
  });

  it("sweeps on worker threads from the package's own worker scripts, as in one thread", () => {
    const bin = join(project, 'node_modules/.bin/setway');
    const sweep = (jobs: string) => run(bin, ['sweep', '--policies', 'xen,passthrough', '--migrate', 'random:500', '--seeds', '2', '--jobs', jobs, '--json'], project);
    const parallel = sweep('2');
    expect(JSON.parse(parallel).rows).toHaveLength(2);
    expect(parallel).toBe(sweep('1'));
  });

  describe('with fast-check installed beside it', () => {
    beforeAll(() => {
      const fastCheck = JSON.parse(readFileSync(join(ROOT, 'node_modules/fast-check/package.json'), 'utf8')).version as string;
      run('npm', ['install', ...NPM_QUIET, `fast-check@${fastCheck}`], project);
      writeFileSync(join(project, 'readme-example.ts'), readmeLibraryExample());
      writeFileSync(
        join(project, 'use.ts'),
        [
          "import fc from 'fast-check';",
          "import { machine, platform, policies, scenarios, syndromes, type MigrationMode, type SetWayPolicy, type Syndrome } from 'setway';",
          "import { anySyndromeArb, scriptGuestArb, SCRIPT_BUFFER_BYTES } from 'setway/arbitraries';",
          "const policy: SetWayPolicy = policies.makePolicy('xen');",
          "const migration: MigrationMode = { kind: 'after-setway', k: 10 };",
          'const r = scenarios.runBootHandoff({ policy, migration, bufferBytes: 16 * 1024 });',
          'const lost: number = r.dataLost;',
          'const s: Syndrome = syndromes.decodeSyndrome(0x0fe41cbc);',
          'fc.assert(fc.property(anySyndromeArb, (esr) => typeof esr === "number"), { numRuns: 5 });',
          'export const seen = [lost, s.kind, machine.HCR.TSW, typeof platform, SCRIPT_BUFFER_BYTES, scriptGuestArb()];',
        ].join('\n'),
      );
    }, 300_000);

    it('imports setway/arbitraries from plain Node ESM', () => {
      writeFileSync(join(project, 'arbitraries.mjs'), "import * as a from 'setway/arbitraries';\nconsole.log(Object.keys(a).sort().join(' '));\n");
      expect(run(process.execPath, ['arbitraries.mjs'], project)).toContain('scriptGuestArb');
    });

    it.each(['NodeNext', 'bundler'] as const)('type-checks the API and the README example under %s resolution with strict', (resolution) => {
      expect(typecheck(resolution)).toBe('');
    });

    it("runs the README's library example as written", () => {
      // Checked above; here only compiled.
      const tsconfig = join(project, 'tsconfig.emit.json');
      writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', types: [], outDir: 'out', noCheck: true }, files: ['readme-example.ts'] }));
      run(process.execPath, [TSC, '-p', tsconfig], project);
      const out = run(process.execPath, ['out/readme-example.js'], project);
      expect(out).toContain('EC=0x03 MCR p15,0,r5,c7,c14,2 DCCISW -> resumed at 40001004');
    });
  });
});
