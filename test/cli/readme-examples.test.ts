/**
 * The README's examples as a user types them: every `$ setway ...` line in its Examples block
 * runs, and every output line the README shows under it appears in the real output (lines with
 * wall times are left out of the README). The demo table's verdict columns are compared too.
 * Commands on Debian's kernel use the one scripts/fetch-linux-kernel.sh fetches; where it cannot,
 * they are skipped with a message (a failure under CI).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Example {
  readonly command: string;
  readonly expected: readonly string[];
}

/** `    $ setway ...` lines and the `      ...` lines under each, from the README. */
function examples(): Example[] {
  const out: { command: string; expected: string[] }[] = [];
  for (const line of README.split('\n')) {
    if (line.startsWith('    $ setway ')) out.push({ command: line.slice('    $ setway '.length), expected: [] });
    else if (line.startsWith('      ') && out.length > 0) out[out.length - 1].expected.push(line.trim());
    else if (line.trim() !== '' && !line.startsWith('    ')) out.push({ command: '', expected: [] });
  }
  return out.filter((e) => e.command !== '');
}

const fetch = spawnSync('bash', [`${ROOT}scripts/fetch-linux-kernel.sh`], { encoding: 'utf8', timeout: 300_000 });
const kernel = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop() : undefined;
const KERNEL_GLOB = 'vmlinuz-6.1.0-*-armmp';

function setway(commandLine: string) {
  const args = commandLine.split(/\s+/).map((a) => (a === KERNEL_GLOB ? kernel! : a));
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('README examples', () => {
  const all = examples();
  it('the README has its examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.filter((e) => e.expected.length > 0).length).toBeGreaterThanOrEqual(5);
  });
  for (const example of all) {
    const needsKernel = example.command.includes(KERNEL_GLOB);
    const skip = needsKernel && kernel === undefined && !process.env.CI;
    it.skipIf(skip)(`setway ${example.command}`, () => {
      if (needsKernel) expect(kernel, 'fetch-linux-kernel.sh failed').toBeDefined();
      const r = setway(example.command);
      const lost = example.expected.some((l) => l.includes('DATA LOST'));
      expect(r.err.trim() === '' || r.code === 0 ? '' : r.err).toBe('');
      expect(r.code).toBe(example.command.includes('--expect-no-loss') && lost ? 1 : 0);
      const actual = r.out.split('\n').map((l) => l.trim());
      for (const want of example.expected) expect(actual, want).toContain(want);
    });
  }

  it("the demo table's verdict columns are what the demo prints", () => {
    const tableRow = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+/;
    const pick = (text: string) =>
      text
        .split('\n')
        .map((l) => tableRow.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m.slice(1, 5).join(' '));
    const section = README.slice(README.indexOf('## What the demo shows'), README.indexOf('## Command line'));
    const shown = pick(section);
    expect(shown.length).toBe(13);
    const r = spawnSync(process.execPath, [BIN, 'demo'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(pick(r.stdout)).toEqual(shown);
  });
});
