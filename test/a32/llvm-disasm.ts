/**
 * A small llvm-mc disassembly oracle for the A32 self checks (the oracle engineer's harness in
 * test/oracles is the full one). One llvm-mc process per batch; each word's line number ties
 * warnings (stderr) back to words, and valid words print one line each, in order (stdout).
 */
import { spawnSync } from 'node:child_process';
import { findTool, LLVM_MC as LLVM_MC_NAMES } from '../oracles/tools';

export interface LlvmResult {
  /** Disassembly text (tab-separated mnemonic and operands), or null when llvm-mc rejects the word. */
  readonly text: string | null;
  /** llvm-mc flagged the encoding as "potentially undefined" (its SoftFail: UNPREDICTABLE bits). */
  readonly softFail: boolean;
}

/** The llvm-mc to run: $LLVM_MC, else the one test/oracles/tools.ts finds (versioned name first). */
export const LLVM_MC = process.env.LLVM_MC ?? findTool(...LLVM_MC_NAMES) ?? 'llvm-mc';
export const A32_ATTRS = '+virtualization,+trustzone,+mp,+hwdiv-arm';

export function llvmAvailable(): boolean {
  const r = spawnSync(LLVM_MC, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export function llvmDisassembleA32(words: readonly number[], triple = 'armv7a', attrs = A32_ATTRS): LlvmResult[] {
  const input = words
    .map((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24].map((b) => '0x' + b.toString(16)).join(' '))
    .join('\n');
  const r = spawnSync(LLVM_MC, ['--disassemble', `-triple=${triple}`, `-mattr=${attrs}`], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0 && r.stdout === '') throw new Error(`llvm-mc failed: ${r.stderr.slice(0, 500)}`);
  const invalid = new Set<number>();
  const soft = new Set<number>();
  for (const m of r.stderr.matchAll(/<stdin>:(\d+):\d+: warning: (invalid|potentially undefined)/g)) {
    (m[2] === 'invalid' ? invalid : soft).add(Number(m[1]) - 1);
  }
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('\t') && l.trim() !== '.text');
  const out: LlvmResult[] = [];
  let k = 0;
  for (let i = 0; i < words.length; i++) {
    if (invalid.has(i)) out.push({ text: null, softFail: false });
    else out.push({ text: (lines[k++] ?? '').trim(), softFail: soft.has(i) });
  }
  if (k !== lines.length) throw new Error(`llvm-mc output out of step: ${lines.length} lines for ${k} valid words`);
  return out;
}
