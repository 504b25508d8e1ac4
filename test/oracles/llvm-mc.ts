/**
 * llvm-mc as an oracle: disassemble many words in one process, assemble source to bytes.
 *
 * Disassembly feeds one word per input line, so llvm-mc's diagnostics ("<stdin>:LINE:COL:
 * warning: invalid instruction encoding") name the word by line number, and every decoded
 * instruction is printed with `-show-encoding`, whose bytes re-synchronise the output with the
 * input however many lines an instruction prints.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf } from './elf';
import { LLVM_MC, OracleError, tool } from './tools';

export type Isa = 'a32' | 'a64';

export interface Target {
  readonly triple: string;
  readonly mattr: string;
}

/**
 * Default targets: ARMv7-A as a Cortex-A15 is (Virtualization and Security extensions, MP,
 * VFPv4, Advanced SIMD, integer divide), and ARMv8.0-A with the CRC32 instructions for AArch64
 * (FEAT_CRC32, optional in Armv8.0, as the Cortex-A53 has them).
 */
export const TARGETS: Readonly<Record<Isa, Target>> = {
  a32: { triple: 'armv7a-none-eabi', mattr: '+virtualization,+trustzone,+mp,+vfp4,+neon,+hwdiv-arm' },
  a64: { triple: 'aarch64-none-elf', mattr: '+v8a,+crc' },
};

export interface Disassembly {
  readonly word: number;
  /** llvm-mc decoded the word (possibly with a "potentially undefined" warning). */
  readonly valid: boolean;
  /** llvm-mc decoded the word but warned "potentially undefined instruction encoding" (SoftFail: UNPREDICTABLE bits). */
  readonly softFail: boolean;
  /** Full text as printed, whitespace collapsed, e.g. "mcr p15, #0, r5, c7, c14, #2"; "" when invalid. */
  readonly text: string;
  readonly mnemonic: string;
  readonly operands: string;
  /** The word as llvm-mc re-encodes the instruction; differs from `word` where llvm-mc ignores bits (SBZ/SBO). 0 when invalid. */
  readonly encoding: number;
}

function wordLine(w: number): string {
  return `0x${hex2(w)} 0x${hex2(w >>> 8)} 0x${hex2(w >>> 16)} 0x${hex2(w >>> 24)}`;
}
function hex2(b: number): string {
  return (b & 0xff).toString(16).padStart(2, '0');
}

const MAX_BUFFER = 1 << 30;

/** A canonical instruction placed after every word, whose output line closes that word's output. */
const MARKER: Readonly<Record<Isa, number>> = {
  a32: 0xe1a00000, // mov r0, r0
  a64: 0xd503201f, // nop
};

/** Disassemble every word (little-endian instruction words) in one llvm-mc run. */
export function disassemble(words: ArrayLike<number>, isa: Isa, target: Target = TARGETS[isa]): Disassembly[] {
  const n = words.length;
  const marker = MARKER[isa];
  const markerLine = wordLine(marker);
  const lines: string[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    lines[2 * i] = wordLine(words[i] >>> 0);
    lines[2 * i + 1] = markerLine;
  }
  const r = spawnSync(tool(LLVM_MC), ['--disassemble', `-triple=${target.triple}`, `-mattr=${target.mattr}`, '-show-encoding'], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: MAX_BUFFER,
  });
  if (r.error) throw new OracleError('llvm-mc', `could not run: ${r.error.message}`);
  if (r.status !== 0) throw new OracleError('llvm-mc', `exit status ${r.status}: ${r.stderr.slice(0, 500)}`);

  // Diagnostics name the input line (1-based): word i is on line 2i+1.
  const invalid = new Uint8Array(n);
  const soft = new Uint8Array(n);
  const diag = /^<stdin>:(\d+):\d+: warning: (.*)$/;
  for (const line of r.stderr.split('\n')) {
    const m = diag.exec(line);
    if (!m) continue;
    const lineNo = Number(m[1]) - 1;
    const idx = lineNo >> 1;
    if (lineNo % 2 !== 0 || idx >= n) throw new OracleError('llvm-mc', `diagnostic "${m[2]}" for input line ${m[1]}, which is not one of the words`);
    if (m[2] === 'invalid instruction encoding') invalid[idx] = 1;
    else if (m[2] === 'potentially undefined instruction encoding') soft[idx] = 1;
    else throw new OracleError('llvm-mc', `unexpected diagnostic for word ${idx}: ${m[2]}`);
  }

  // Printed instructions, in order: each with its text and re-encoded word.
  const comment = isa === 'a32' ? '@' : '//';
  const enc = new RegExp(`^\\s*(.*?)\\s*${comment} encoding: \\[([^\\]]*)\\]\\s*$`);
  const printed: { text: string; encoding: number }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = enc.exec(line);
    if (!m) continue;
    const bytes = m[2].split(',').map((s) => Number.parseInt(s.trim(), 16));
    if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255))) throw new OracleError('llvm-mc', `cannot read encoding in "${line}"`);
    printed.push({ text: m[1].replace(/\s+/g, ' ').trim(), encoding: (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0 });
  }

  const out: Disassembly[] = new Array(n);
  let p = 0;
  const isMarker = (k: number): boolean => k < printed.length && printed[k].encoding === marker;
  for (let i = 0; i < n; i++) {
    const word = words[i] >>> 0;
    if (invalid[i]) {
      out[i] = { word, valid: false, softFail: false, text: '', mnemonic: '', operands: '', encoding: 0 };
    } else {
      // At least one line (the word may itself be the marker), then up to the marker.
      const first = p;
      if (p >= printed.length) throw new OracleError('llvm-mc', `no output for word ${i} (0x${word.toString(16)})`);
      p++;
      while (p < printed.length && !isMarker(p)) p++;
      const text = printed
        .slice(first, p)
        .map((x) => x.text)
        .join('; ');
      const sp = text.indexOf(' ');
      out[i] = {
        word,
        valid: true,
        softFail: soft[i] === 1,
        text,
        mnemonic: sp < 0 ? text : text.slice(0, sp),
        operands: sp < 0 ? '' : text.slice(sp + 1),
        encoding: printed[first].encoding,
      };
    }
    if (!isMarker(p)) throw new OracleError('llvm-mc', `output out of step after word ${i} (0x${word.toString(16)}): marker missing`);
    p++;
  }
  if (p !== printed.length) throw new OracleError('llvm-mc', `${printed.length - p} printed instructions left over after ${n} words`);
  return out;
}

/** Assemble `source` to a relocatable ELF object (the whole file). */
export function assembleObject(source: string, isaOrTarget: Isa | Target): Uint8Array {
  const target = typeof isaOrTarget === 'string' ? TARGETS[isaOrTarget] : isaOrTarget;
  const dir = mkdtempSync(join(tmpdir(), 'setway-mc-'));
  try {
    const obj = join(dir, 'out.o');
    const src = join(dir, 'in.s');
    writeFileSync(src, source);
    const r = spawnSync(tool(LLVM_MC), [`-triple=${target.triple}`, `-mattr=${target.mattr}`, '-filetype=obj', '-o', obj, src], {
      encoding: 'utf8',
      maxBuffer: MAX_BUFFER,
    });
    if (r.error) throw new OracleError('llvm-mc', `could not run: ${r.error.message}`);
    if (r.status !== 0) throw new OracleError('llvm-mc', `assembly failed: ${r.stderr.replace(new RegExp(src, 'g'), '<source>').slice(0, 2000)}`);
    return new Uint8Array(readFileSync(obj));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Assemble `source` and return the bytes of its .text section. */
export function assemble(source: string, isaOrTarget: Isa | Target): Uint8Array {
  return parseElf(assembleObject(source, isaOrTarget)).section('.text').data.slice();
}

/** Assemble and return the .text section as little-endian 32-bit words. */
export function assembleWords(source: string, isaOrTarget: Isa | Target): Uint32Array {
  const b = assemble(source, isaOrTarget);
  if (b.length % 4 !== 0) throw new OracleError('llvm-mc', `.text is ${b.length} bytes, not a whole number of words`);
  const w = new Uint32Array(b.length / 4);
  for (let i = 0; i < w.length; i++) w[i] = (b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24)) >>> 0;
  return w;
}
