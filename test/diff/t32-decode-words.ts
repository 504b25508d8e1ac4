/**
 * The words and the exclusion list of the T32 decoder differential test (test/diff/t32-decode.test.ts).
 */
import { compilePattern } from '../../src/decode/bit-pattern';
import { rows16, rows32 } from '../../src/decode/t32';
import { COND_SUFFIX, DSB_SSBB_EXCLUSION, type Exclusion } from '../oracles/decode-compare';
import { Prng, testSeed } from '../oracles/prng';
import { honouredWord } from './fixed-bits';

/** Fixed so a failure replays; SETWAY_SEED explores others. */
const DEFAULT_SEED = 0x7432;

/** The coprocessor instruction space: first halfword 111x 11xx xxxx xxxx (Arm ARM F3.2 "Coprocessor, Advanced SIMD, and floating-point instructions"). */
function isCoprocessorSpace(w: number): boolean {
  return w > 0xffff && (w >>> 26 & 0b111011) === 0b111011;
}

/** MCR/MRC (T = 0, bit 4 set) and MCRR/MRRC to p14/p15: the ones setway decodes. */
function isModelledCoprocessorMove(w: number): boolean {
  const cp = (w >>> 8) & 0xf;
  if (w >>> 28 !== 0xe || (cp !== 14 && cp !== 15)) return false;
  return (((w >>> 24) & 0xf) === 0b1110 && ((w >>> 4) & 1) === 1) || ((w >>> 21) & 0x7f) === 0b1100010;
}

/** Hint numbers llvm-mc 14 names for thumbv7a: the Armv8.1-M PACBTI hints BTI, PACBTI, PAC, AUT (#15, #13, #29, #45). */
const LATER_HINTS: Readonly<Record<string, number>> = { bti: 15, pacbti: 13, pac: 29, aut: 45 };

export const T32_DECODE_EXCLUSIONS: readonly Exclusion[] = [
  DSB_SSBB_EXCLUSION,
  {
    name: 'hints named after Armv7-A',
    reason:
      'llvm-mc 14 names hint #13, #15, #29 and #45 PACBTI/BTI/PAC/AUT (Armv8.1-M PACBTI, M profile only); in Armv7-A, which setway decodes, they are unallocated hints that execute as NOP (F1 "NOP-compatible hint instructions"), printed hint.w #n',
    applies: (_w, ours, llvm) => {
      const hint = LATER_HINTS[llvm.mnemonicN.replace(new RegExp(`${COND_SUFFIX}$`), '')];
      return new RegExp(`^hint${COND_SUFFIX}(\\.w)?$`).test(ours.mnemonic) && hint !== undefined && ours.operands === `#${hint}`;
    },
  },
  {
    name: 'generic coprocessor space',
    reason:
      'setway decodes only MCR/MRC/MCRR/MRRC to p14/p15 (Armv7-A architects nothing else there but FP and Advanced SIMD, not modelled); LLVM decodes CDP/LDC/STC/MCR2... for every coprocessor generically',
    applies: (w, ours) => !ours.valid && isCoprocessorSpace(w) && !isModelledCoprocessorMove(w),
  },
  {
    name: 'UNPREDICTABLE rejected by LLVM',
    reason: 'our decoder marks the encoding UNPREDICTABLE ((0)/(1) bits, SP or PC where T32 forbids them...) and LLVM rejects it; either is a permitted reading (Arm ARM F1)',
    applies: (_w, ours, llvm) => ours.kind === 'unpredictable' && !llvm.valid,
  },
  {
    name: 'UNPREDICTABLE text',
    reason:
      'both decode an UNPREDICTABLE encoding (REV/RBIT/CLZ with two different Rm fields, BFI with msb < lsb, B<c> or MOVS (register) inside an IT block...) but print it differently; the encoding has no defined meaning, so neither text is wrong',
    applies: (_w, ours, llvm) => ours.kind === 'unpredictable' && llvm.valid && (ours.mnemonic !== llvm.mnemonicN || ours.operands !== llvm.operandsN),
  },
];

/** A quarter each: uniform 16-bit, uniform 32-bit, from a 16-bit row, from a 32-bit row. */
export function t32DecodeWords(seed: number, count: number): Uint32Array {
  const rng = new Prng(seed);
  const p16 = rows16.map((r) => compilePattern(r.pattern));
  const p32 = rows32.map((r) => compilePattern(r.pattern));
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let w: number;
    switch (i % 4) {
      case 0:
        do w = rng.u32() & 0xffff;
        while (w >>> 11 >= 0b11101);
        break;
      case 1:
        w = rng.u32();
        if (w >>> 27 < 0b11101) w = (w | 0xe8000000) >>> 0;
        break;
      // Row words: three in four with the (0)/(1) bits honoured (defined encodings of every row),
      // the rest with them at random (UNPREDICTABLE detection).
      case 2: {
        const p = rng.pick(p16);
        w = i % 16 < 12 ? honouredWord(p, rng.u32()) : (p.value | (rng.u32() & ~p.mask & 0xffff)) >>> 0;
        break;
      }
      default: {
        const p = rng.pick(p32);
        w = i % 16 < 12 ? honouredWord(p, rng.u32()) : (p.value | (rng.u32() & ~p.mask)) >>> 0;
      }
    }
    words[i] = w;
  }
  return words;
}

export function t32DecodeSeed(): number {
  return testSeed(DEFAULT_SEED);
}

