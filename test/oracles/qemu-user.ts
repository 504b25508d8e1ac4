/**
 * Running a static ELF under QEMU user mode (qemu-arm / qemu-aarch64) and collecting what it
 * wrote to stdout.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Isa } from './llvm-mc';
import { OracleError, QEMU_AARCH64, QEMU_ARM, tool } from './tools';

/** The CPU QEMU emulates: the same cores as the cache presets (qemu-cortex-a15 / -a53). */
export const QEMU_USER_CPU: Readonly<Record<Isa, string>> = { a32: 'cortex-a15', a64: 'cortex-a53' };

export interface UserRun {
  /** Exit status, or null when a signal ended the program. */
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/** Run `elf` once under QEMU user mode; never throws for the program's own failure, only when QEMU cannot start. */
export function runUserElf(elf: Uint8Array, isa: Isa, options: { timeoutMs?: number; cpu?: string } = {}): UserRun {
  const dir = mkdtempSync(join(tmpdir(), 'setway-qemu-'));
  try {
    const path = join(dir, 'prog.elf');
    writeFileSync(path, elf);
    chmodSync(path, 0o755);
    const r = spawnSync(tool(isa === 'a32' ? QEMU_ARM : QEMU_AARCH64), ['-cpu', options.cpu ?? QEMU_USER_CPU[isa], path], {
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 1 << 30,
      // A crashing guest may leave a core file in the working directory: keep it in the temporary one.
      cwd: dir,
    });
    if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw new OracleError('qemu', `could not run: ${r.error.message}`);
    return {
      status: r.status,
      signal: r.signal,
      stdout: new Uint8Array(r.stdout ?? new Uint8Array(0)),
      stderr: (r.stderr ?? '').toString(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
