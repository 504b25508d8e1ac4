/**
 * Building small static Linux user-mode ELF programs with llvm-mc and ld.lld, for QEMU user mode.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleObject, type Isa } from './llvm-mc';
import { LD_LLD, OracleError, tool } from './tools';

export interface LinkOptions {
  /** Address of .text (default 0x10000). */
  readonly textAddress?: number;
  /** Fixed addresses of further output sections, e.g. `{ '.scratch': 0x800000 }`. */
  readonly sectionStarts?: Readonly<Record<string, number>>;
}

/** Assemble `source` and link it into a static executable whose entry point is `_start`. */
export function linkProgram(source: string, isa: Isa, options: LinkOptions = {}): Uint8Array {
  const obj = assembleObject(source, isa);
  const dir = mkdtempSync(join(tmpdir(), 'setway-ld-'));
  try {
    const o = join(dir, 'prog.o');
    const exe = join(dir, 'prog.elf');
    writeFileSync(o, obj);
    const args = ['-static', '-e', '_start', `--Ttext=0x${(options.textAddress ?? 0x10000).toString(16)}`];
    for (const [name, addr] of Object.entries(options.sectionStarts ?? {})) args.push(`--section-start=${name}=0x${addr.toString(16)}`);
    args.push('-o', exe, o);
    const r = spawnSync(tool(LD_LLD), args, { encoding: 'utf8' });
    if (r.error) throw new OracleError('ld.lld', `could not run: ${r.error.message}`);
    if (r.status !== 0) throw new OracleError('ld.lld', `link failed: ${r.stderr.slice(0, 2000)}`);
    return new Uint8Array(readFileSync(exe));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
