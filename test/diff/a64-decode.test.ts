/**
 * A64 decoder versus llvm-mc (-triple=aarch64 -mattr=+v8a,+crc): validity, mnemonic, operands, over
 * at least 100,000 seeded words per run, half uniform, half generated from our own table rows.
 */
import { describe, expect, it } from 'vitest';
import { a64Rows, decodeA64, disassembleA64 } from '../../src/decode/a64';
import { compareDecodes, formatDecodeReport, type Exclusion, type OurView } from '../oracles/decode-compare';
import { normaliseA64 } from '../oracles/disasm-text';
import { disassemble } from '../oracles/llvm-mc';
import { Prng, testSeed } from '../oracles/prng';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

const WORDS = 100_000;
const have = oraclesAvailable('A64 decoder differential test', LLVM_MC);

const EXCLUSIONS: readonly Exclusion[] = [
  {
    name: 'fpsimd',
    reason: 'the FP/Advanced SIMD space is classified as a whole, not decoded (the executor does not run it)',
    applies: (_w, ours) => ours.kind === 'fpsimd',
  },
  {
    name: 'op0=0 as a register',
    reason:
      'llvm-mc prints MSR/MRS-shaped words with op0=0 (the hint/barrier/PSTATE space, C5.2) as a generic "S0_..." register; MSR/MRS (register) need op0=1x, Armv8.0 leaves these unallocated',
    applies: (_w, ours, llvm) => !ours.valid && (llvm.mnemonicN === 'msr' || llvm.mnemonicN === 'mrs') && /\bs0_/.test(llvm.operandsN),
  },
  {
    name: 'trace-unit register names',
    reason: 'llvm-mc names the optional ETM/ETE trace-unit registers (TRC*, op0=2 op1=1); setway prints their generic S2_1_Cn_Cm_op2 form',
    applies: (_w, ours, llvm) => ours.valid && (llvm.mnemonicN === 'msr' || llvm.mnemonicN === 'mrs') && /\btrc\w+/.test(llvm.operandsN) && /\bs2_1_/.test(ours.operands),
  },
];

function ours(word: number): OurView {
  const d = decodeA64(word);
  if (d.kind === 'unallocated') return { valid: false, kind: d.kind, mnemonic: '', operands: '' };
  const n = normaliseA64(disassembleA64(d));
  return { valid: true, kind: d.kind, mnemonic: n.mnemonic, operands: n.operands };
}

describe.skipIf(!have)('A64 decoder vs llvm-mc', () => {
  it(`agrees on validity and text for ${WORDS} words`, () => {
    const seed = testSeed();
    console.log(`a64-decode seed ${seed} (replay with SETWAY_SEED=${seed})`);
    const rng = new Prng(seed);
    const rows = a64Rows();
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i++) {
      if (i % 2 === 0) words[i] = rng.u32();
      else {
        const row = rng.pick(rows);
        words[i] = (row.value | (rng.u32() & ~row.mask)) >>> 0;
      }
    }
    const llvm = disassemble(words, 'a64');
    const report = compareDecodes(words, llvm, ours, normaliseA64, EXCLUSIONS);
    console.log(formatDecodeReport('A64 decode vs llvm-mc', report, EXCLUSIONS));
    expect(report.compared).toBeGreaterThan(WORDS / 2);
    // Observed with the decoder of this commit (several seeds): validity 100%, mnemonic 99.998-100%,
    // operands 100% (PMU, GIC and debug registers named since; see test/a64/system-names.test.ts).
    expect(report.validityAgree / report.compared).toBeGreaterThanOrEqual(0.999);
    expect(report.mnemonicAgree / report.bothValid).toBeGreaterThanOrEqual(0.999);
    expect(report.operandsAgree / report.bothValid).toBeGreaterThanOrEqual(0.999);
  });
});
