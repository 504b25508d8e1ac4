/**
 * T32 decoder versus LLVM (-triple=thumbv7a, Cortex-A15's integer extensions, no FP registers):
 * validity, mnemonic and operands of at least 100,000 seeded encodings, a quarter each uniform
 * 16-bit, uniform 32-bit, and generated from our own 16- and 32-bit rows. No difference is
 * tolerated: every word is either in agreement or in one of the listed exclusions.
 */
import { describe, expect, it } from 'vitest';
import { decodeT32Word, disassembleT32 } from '../../src/decode/t32';
import { compareDecodes, differenceGroups, formatDecodeReport, type OurView } from '../oracles/decode-compare';
import { normaliseA32 } from '../oracles/disasm-text';
import { disassembleT32 as llvmDisassemble, LLVM_OBJDUMP } from '../oracles/llvm-mc-t32';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { T32_DECODE_EXCLUSIONS, t32DecodeSeed, t32DecodeWords } from './t32-decode-words';

const WORDS = 100_000;
const IT_WORDS = 20_000;
const have = oraclesAvailable('T32 decoder differential test', LLVM_MC, LLVM_OBJDUMP);

function oursT32(word: number, itState = 0): OurView {
  const d = decodeT32Word(word, itState);
  if (d.kind === 'undefined') return { valid: false, kind: d.kind, mnemonic: '', operands: '' };
  const n = normaliseA32(disassembleT32(d));
  return { valid: true, kind: d.kind, mnemonic: n.mnemonic, operands: n.operands };
}

describe.skipIf(!have)('T32 decoder vs LLVM', () => {
  it(`agrees on validity and text for ${WORDS} encodings, every difference classified`, () => {
    const seed = t32DecodeSeed();
    console.log(`t32-decode seed ${seed} (replay with SETWAY_SEED=${seed})`);
    const words = t32DecodeWords(seed, WORDS);
    const llvm = llvmDisassemble(words);
    const report = compareDecodes(words, llvm, oursT32, normaliseA32, T32_DECODE_EXCLUSIONS);
    console.log(formatDecodeReport('T32 decode vs LLVM', report, T32_DECODE_EXCLUSIONS, 60));
    expect(report.compared).toBeGreaterThan(WORDS * 0.7);
    expect(differenceGroups(report)).toEqual([]);
    expect(report.validityAgree).toBe(report.compared);
    expect(report.operandsAgree).toBe(report.bothValid);
  }, 120_000);

  it(`agrees on ${IT_WORDS} encodings decoded as the last instruction of an IT block (conditions, flag setting, what IT forbids)`, () => {
    const seed = t32DecodeSeed();
    const words = t32DecodeWords(seed ^ 0x17, IT_WORDS);
    const conds = Uint8Array.from(words, (_, i) => i % 14);
    const llvm = llvmDisassemble(words, undefined, conds);
    // compareDecodes asks for each word once, in order.
    let k = 0;
    const report = compareDecodes(words, llvm, (w) => oursT32(w, (conds[k++] << 4) | 0b1000), normaliseA32, T32_DECODE_EXCLUSIONS);
    console.log(formatDecodeReport('T32 decode inside IT blocks vs LLVM', report, T32_DECODE_EXCLUSIONS, 60));
    expect(differenceGroups(report)).toEqual([]);
    expect(report.validityAgree).toBe(report.compared);
    expect(report.operandsAgree).toBe(report.bothValid);
  }, 120_000);
});
