/**
 * Finding the external oracles (llvm-mc, ld.lld, QEMU) and deciding what a missing one means:
 * on a developer machine the oracle test is skipped with a message; under CI it fails, because a
 * green run that compared nothing would be a lie.
 */
import { spawnSync } from 'node:child_process';

/** An oracle tool failed or answered something the harness could not parse. */
export class OracleError extends Error {
  constructor(
    readonly tool: string,
    detail: string,
  ) {
    super(`${tool}: ${detail}`);
    this.name = 'OracleError';
  }
}

const found = new Map<string, string | null>();

/** The first of `candidates` that runs (`--version` exits 0), or null. Cached per process. */
export function findTool(...candidates: string[]): string | null {
  const key = candidates.join('|');
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  let hit: string | null = null;
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0) {
      hit = c;
      break;
    }
  }
  found.set(key, hit);
  return hit;
}

// Debian's llvm-14/lld-14 install the versioned names in /usr/bin, the plain ones only in
// /usr/lib/llvm-14/bin; other distributions install the plain ones. Every test finds its tools here.
export const LLVM_MC = ['llvm-mc-14', 'llvm-mc'];
export const LD_LLD = ['ld.lld-14', 'ld.lld'];
export const LLVM_OBJDUMP = ['llvm-objdump-14', 'llvm-objdump'];
export const LLVM_OBJCOPY = ['llvm-objcopy-14', 'llvm-objcopy'];
export const QEMU_ARM = ['qemu-arm'];
export const QEMU_AARCH64 = ['qemu-aarch64'];
export const QEMU_SYSTEM_ARM = ['qemu-system-arm'];
export const QEMU_SYSTEM_AARCH64 = ['qemu-system-aarch64'];

/**
 * True when every tool group is present. When one is missing: under CI (`process.env.CI` set)
 * throw, so the run fails; otherwise print why and return false, so the caller can skip.
 */
export function oraclesAvailable(what: string, ...groups: string[][]): boolean {
  const missing = groups.filter((g) => findTool(...g) === null).map((g) => g.join(' or '));
  if (missing.length === 0) return true;
  const msg = `${what}: oracle tool missing (${missing.join(', ')})`;
  if (process.env.CI) throw new OracleError(missing[0], `${msg}; required under CI`);
  console.warn(`SKIP ${msg}`);
  return false;
}

/** The path of a tool known to be present (call after `oraclesAvailable`). */
export function tool(group: string[]): string {
  const t = findTool(...group);
  if (t === null) throw new OracleError(group.join(' or '), 'not installed');
  return t;
}
