/**
 * LLVM's T32 disassembler as an oracle: many 16- and 32-bit encodings in one run.
 *
 * llvm-mc --disassemble reads its input as one byte stream and skips a single byte after an
 * invalid Thumb encoding, so one bad word would shift everything after it. Instead the words are
 * assembled (`.inst.n` / `.inst.w`) into an object, each under its own symbol, and
 * llvm-objdump, which restarts decoding at every symbol and prints each instruction's address,
 * disassembles it with the same instruction printer llvm-mc uses. After each word come marker
 * instructions (`mov r8, r8`, 0x46c0): enough to fill any IT block the word (or, when it is
 * invalid, its bytes read at an odd offset) opens, so the next word is decoded outside one;
 * then a halfword of data, so that misaligned decoding (llvm-objdump skips one byte of an
 * invalid encoding) stops there instead of running into the next word.
 * llvm-objdump prints a branch target as an address with the offset in a comment
 * (`b 0xe <w3> @ imm = #-4`); the text is rewritten to llvm-mc's form (`b #-4`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleObject, type Disassembly, type Target } from './llvm-mc';
import { LLVM_OBJDUMP, OracleError, tool } from './tools';

/** ARMv7-A Thumb as a Cortex-A15 runs it, without FP/SIMD (setway models neither). */
export const T32_TARGET: Target = { triple: 'thumbv7a-none-eabi', mattr: '+virtualization,+trustzone,+mp,+hwdiv,-fpregs' };
export { LLVM_OBJDUMP };

const MARKER = 0x46c0;

/** Instructions in the IT block an IT instruction opens (0 for anything else). */
export function itBlockLength(word: number): number {
  if (word > 0xffff || (word & 0xff00) !== 0xbf00 || (word & 0xf) === 0) return 0;
  const mask = word & 0xf;
  return 4 - (31 - Math.clz32(mask & -mask));
}

function hex(w: number): string {
  return `0x${(w >>> 0).toString(16)}`;
}

/** objdump's branch text `b\t0xe <w3>  @ imm = #-4` as llvm-mc prints it: `b\t#-4`. */
function asLlvmMcText(text: string): string {
  const imm = /@ imm = (#-?\d+)\s*$/.exec(text);
  if (imm === null) return text.replace(/\s*@.*$/, '').replace(/ <[^>]*>/, '');
  return text.replace(/\s*@.*$/, '').replace(/0x[0-9a-f]+ <[^>]*>/, imm[1]);
}

/**
 * Disassemble every encoding (16-bit values below 0x10000, 32-bit ones first halfword << 16 |
 * second). `encoding` in the result is the word itself (llvm-objdump prints the bytes it read).
 * With `itConds`, a word whose entry is 0-13 is placed as the only instruction of an IT block
 * with that condition (`IT <cond>` right before it), so LLVM prints it as inside one.
 */
export function disassembleT32(words: ArrayLike<number>, target: Target = T32_TARGET, itConds?: ArrayLike<number>): Disassembly[] {
  const n = words.length;
  const src: string[] = ['.syntax unified', '.thumb', '.text'];
  const offsets: number[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const w = words[i] >>> 0;
    const cond = itConds === undefined ? -1 : itConds[i];
    if (cond >= 0) {
      src.push(`.inst.n ${hex(0xbf08 | (cond << 4))}`);
      offset += 2;
    }
    offsets.push(offset);
    src.push(`w${i}:`, w > 0xffff ? `.inst.w ${hex(w)}` : `.inst.n ${hex(w)}`);
    offset += w > 0xffff ? 4 : 2;
    const markers = w > 0xffff ? 5 : Math.max(1, itBlockLength(w)) + 1;
    for (let k = 0; k < markers; k++) src.push(`.inst.n ${hex(MARKER)}`);
    // Data: decoding of a misaligned (invalid) word stops here, and cannot run into the next word.
    src.push('.short 0');
    offset += 2 * markers + 2;
  }
  const obj = assembleObject(src.join('\n') + '\n', target);
  const dir = mkdtempSync(join(tmpdir(), 'setway-objdump-'));
  let stdout: string;
  try {
    const path = join(dir, 'words.o');
    writeFileSync(path, obj);
    const r = spawnSync(tool(LLVM_OBJDUMP), ['-d', `--triple=${target.triple}`, `--mattr=${target.mattr}`, path], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.error) throw new OracleError('llvm-objdump', `could not run: ${r.error.message}`);
    if (r.status !== 0) throw new OracleError('llvm-objdump', `exit status ${r.status}: ${r.stderr.slice(0, 500)}`);
    stdout = r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // "      1a: 00 f0 00 f8  \tbl\t0x1e <w5>  @ imm = #0": the first line at each word's offset.
  const byOffset = new Map<number, string>();
  const lineRe = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*\t(.*)$/;
  for (const l of stdout.split('\n')) {
    const m = lineRe.exec(l);
    if (!m) continue;
    const at = Number.parseInt(m[1], 16);
    if (!byOffset.has(at)) byOffset.set(at, m[3]);
  }
  const out: Disassembly[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const word = words[i] >>> 0;
    const raw = byOffset.get(offsets[i]);
    if (raw === undefined) throw new OracleError('llvm-objdump', `no line for word ${i} (${hex(word)}) at offset ${hex(offsets[i])}`);
    if (raw.trim() === '<unknown>') {
      out[i] = { word, valid: false, softFail: false, text: '', mnemonic: '', operands: '', encoding: 0 };
      continue;
    }
    const text = asLlvmMcText(raw).replace(/\s+/g, ' ').trim();
    const sp = text.indexOf(' ');
    out[i] = { word, valid: true, softFail: false, text, mnemonic: sp < 0 ? text : text.slice(0, sp), operands: sp < 0 ? '' : text.slice(sp + 1), encoding: word };
  }
  return out;
}
