/**
 * External tools the ROM tests use as oracles (llvm-mc, ld.lld, llvm-objdump, QEMU). A missing
 * tool skips the test with a message, except under CI (process.env.CI), where it fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function which(names: readonly string[]): string | undefined {
  for (const n of names) {
    try {
      execFileSync('sh', ['-c', `command -v ${n}`], { stdio: 'pipe' });
      return n;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

export const tools = {
  mc: which(['llvm-mc-14', 'llvm-mc']),
  lld: which(['ld.lld-14', 'ld.lld']),
  objdump: which(['llvm-objdump-14', 'llvm-objdump']),
  objcopy: which(['llvm-objcopy-14', 'llvm-objcopy']),
  qemuArm: which(['qemu-system-arm']),
  qemuAarch64: which(['qemu-system-aarch64']),
};

/** Reason to skip when a tool is missing, or undefined when all are there. Throws under CI. */
export function missing(...names: (keyof typeof tools)[]): string | undefined {
  const absent = names.filter((n) => tools[n] === undefined);
  if (absent.length === 0) return undefined;
  const msg = `tools not installed: ${absent.join(', ')}`;
  if (process.env.CI) throw new Error(`${msg} (required under CI)`);
  return msg;
}

export const TRIPLE = { a32: 'armv7a-none-eabi', a64: 'aarch64-none-elf' } as const;

/** A scratch directory removed by the returned cleanup. */
export function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'setway-rom-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export function assemble(isa: 'a32' | 'a64', source: string, dir: string, name = 'input'): Uint8Array {
  const src = join(dir, `${name}.s`);
  const obj = join(dir, `${name}.o`);
  writeFileSync(src, source);
  execFileSync(tools.mc as string, [`-triple=${TRIPLE[isa]}`, '-filetype=obj', src, '-o', obj], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(obj));
}

export function link(dir: string, objects: readonly string[], script: string, name = 'linked'): Uint8Array {
  const ld = join(dir, `${name}.ld`);
  const out = join(dir, `${name}.elf`);
  writeFileSync(ld, script);
  execFileSync(tools.lld as string, ['-T', ld, '--build-id=none', '--no-relax', '-N', '-o', out, ...objects], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

export function run(tool: string, args: readonly string[]): string {
  return execFileSync(tool, args, { stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 }).toString();
}
