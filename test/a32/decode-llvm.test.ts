/**
 * Quick self check of decodeA32/disassembleA32 against llvm-mc (the oracle engineer's
 * test/diff/a32-decode.test.ts is the large one). Words: half uniformly random, half generated
 * from our own rows (so rare encodings are hit), from a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { decodeA32, disassembleA32, conditionalRows, unconditionalRows } from '../../src/decode/a32/index';
import { compilePattern, wordMatching } from '../../src/decode/bit-pattern';
import { llvmAvailable, llvmDisassembleA32 } from './llvm-disasm';

const SEED = 0x5e7a32;
const COUNT = 4000;

function words(): number[] {
  let s = SEED;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const rows = [...conditionalRows, ...unconditionalRows].map((r) => compilePattern(r.pattern));
  const out: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    if (i % 2) {
      out.push(rnd());
      continue;
    }
    const p = rows[rnd() % rows.length];
    let w = wordMatching(p, rnd());
    if (p.bits.startsWith('cccc') && w >>> 28 === 15) w = ((w & 0x0fffffff) | 0xe0000000) >>> 0;
    out.push(w);
  }
  return out;
}

// Deliberate differences, each with its reason:
// - ARMv8-A AArch32 load-acquire/store-release (LDA, STL, LDAEX, STLEX...): llvm-mc -triple=armv7a rejects them.
const V8_ONLY = /^(lda|stl)/;
// - Coprocessors other than p14/p15, VFP and Advanced SIMD: UNDEFINED here by design (no such hardware modelled).
const COPROCESSOR_SPACE = /^(v|ldc|stc|cdp|mcr|mrc|mcrr|mrrc|fldm|fstm|aes|sha)/;

const norm = (t: string) => t.replace(/\s+/g, ' ').trim();

describe.skipIf(!llvmAvailable() && !process.env.CI)('decodeA32 against llvm-mc', () => {
  it(`agrees on ${COUNT} words (seed 0x${SEED.toString(16)})`, () => {
    const ws = words();
    const llvm = llvmDisassembleA32(ws);
    let okWords = 0;
    let sameText = 0;
    const problems: string[] = [];
    for (let k = 0; k < ws.length; k++) {
      const insn = decodeA32(ws[k]);
      const ours = disassembleA32(insn);
      const theirs = llvm[k].text;
      const hex = ws[k].toString(16).padStart(8, '0');
      if (insn.kind === 'ok') {
        if (theirs === null) {
          if (!V8_ONLY.test(insn.mnemonic)) problems.push(`${hex}: we decode '${ours}', llvm-mc rejects`);
          continue;
        }
        okWords++;
        if (norm(ours) === norm(theirs)) sameText++;
        else problems.push(`${hex}: '${ours}' vs llvm-mc '${theirs}'`);
      } else if (insn.kind === 'undefined' && theirs !== null && !COPROCESSOR_SPACE.test(theirs)) {
        problems.push(`${hex}: we say UNDEFINED, llvm-mc '${theirs}'`);
      }
    }
    console.log(`A32 decode vs llvm-mc: ${sameText}/${okWords} valid words with identical text; ${problems.length} problems`);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(okWords).toBeGreaterThan(COUNT / 3);
  });
});
