/** Assemble A32 source with llvm-mc into raw .text bytes (llvm-objcopy -O binary). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LD_LLD, LLVM_OBJCOPY, tool } from '../oracles/tools';
import { LLVM_MC } from './llvm-disasm';

/** Assemble and link at `base` (so `ldr rX, =label` literals hold absolute addresses). */
export function assembleA32(source: string, base = 0x8000, attrs = '+virtualization,+trustzone,+mp,+hwdiv-arm'): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'setway-a32-'));
  try {
    const src = join(dir, 'in.s');
    const obj = join(dir, 'out.o');
    const bin = join(dir, 'out.bin');
    writeFileSync(src, `.syntax unified\n.arm\n.text\n${source}\n`);
    const as = spawnSync(LLVM_MC, ['-triple=armv7a', `-mattr=${attrs}`, '-filetype=obj', '-o', obj, src], { encoding: 'utf8' });
    if (as.status !== 0) throw new Error(`llvm-mc: ${as.stderr}`);
    const elf = join(dir, 'out.elf');
    const ld = spawnSync(tool(LD_LLD), ['-Ttext=0x' + base.toString(16), '-e', '0x' + base.toString(16), '-o', elf, obj], { encoding: 'utf8' });
    if (ld.status !== 0) throw new Error(`ld.lld: ${ld.stderr}`);
    const cp = spawnSync(tool(LLVM_OBJCOPY), ['-O', 'binary', '--only-section=.text', elf, bin], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`llvm-objcopy: ${cp.stderr}`);
    return new Uint8Array(readFileSync(bin));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
