/**
 * External tools the ROM tests use as oracles (llvm-mc, ld.lld, llvm-objdump, QEMU). A missing
 * tool skips the test with a message, except under CI (process.env.CI), where it fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LD_LLD, LLVM_MC, LLVM_OBJCOPY, LLVM_OBJDUMP, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, findTool } from '../oracles/tools';

/** The first of `names` that runs, from the one finder in test/oracles/tools.ts. */
function which(names: readonly string[]): string | undefined {
  return findTool(...names) ?? undefined;
}

export const tools = {
  mc: which(LLVM_MC),
  lld: which(LD_LLD),
  objdump: which(LLVM_OBJDUMP),
  objcopy: which(LLVM_OBJCOPY),
  qemuArm: which(QEMU_SYSTEM_ARM),
  qemuAarch64: which(QEMU_SYSTEM_AARCH64),
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
