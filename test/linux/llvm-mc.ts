/** llvm-mc as a disassembly oracle for A32 words: one line of text per word, null where invalid. */
import { spawnSync } from 'node:child_process';
import { findTool, LLVM_MC as LLVM_MC_NAMES } from '../oracles/tools';

/** $LLVM_MC, else the llvm-mc test/oracles/tools.ts finds (versioned name first). */
const LLVM_MC = process.env.LLVM_MC ?? findTool(...LLVM_MC_NAMES) ?? 'llvm-mc';

export function llvmMcAvailable(): boolean {
  return spawnSync(LLVM_MC, ['--version']).status === 0;
}

export function disassembleA32(words: readonly number[]): (string | null)[] {
  const input = words.map((w) => [0, 8, 16, 24].map((s) => `0x${((w >>> s) & 0xff).toString(16)}`).join(' ')).join('\n');
  const r = spawnSync(LLVM_MC, ['--disassemble', '-triple=armv7a', '-mattr=+virtualization,+mp'], { input, encoding: 'utf8' });
  if (r.status !== 0 && r.stdout === '') throw new Error(`llvm-mc failed: ${r.stderr.slice(0, 300)}`);
  const invalid = new Set([...r.stderr.matchAll(/<stdin>:(\d+):\d+: warning: invalid/g)].map((m) => Number(m[1]) - 1));
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('\t') && l.trim() !== '.text');
  let k = 0;
  return words.map((_, i) => (invalid.has(i) ? null : (lines[k++] ?? '').trim().replace(/\s+/g, ' ')));
}
