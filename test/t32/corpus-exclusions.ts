/**
 * The classified differences between setway's T32 decoder and llvm-objdump on real Thumb code
 * (test/t32/corpus-decode.test.ts), each with its reason. Both apply only where setway says
 * UNDEFINED and LLVM decodes an instruction of a kind setway does not model.
 */
import { COND_SUFFIX, type Exclusion } from '../oracles/decode-compare';

/** The coprocessor number of a 32-bit encoding in the T32 coprocessor space (first halfword 111x 11xx), else -1 (Arm ARM F3.1 "T32 instruction set encoding"). */
function coprocessor(w: number): number {
  return w > 0xffff && ((w >>> 26) & 0b111011) === 0b111011 ? (w >>> 8) & 0xf : -1;
}

/** Advanced SIMD: data processing (111x 1111 ...) and element or structure load/store (1111 1001 xxx0 ...) (F3.1). */
function isAdvancedSimd(w: number): boolean {
  return w > 0xffff && ((w >>> 24 & 0xef) === 0xef || (w >>> 20 & 0xff1) === 0xf90);
}

export const CORPUS_EXCLUSIONS: readonly Exclusion[] = [
  {
    name: 'floating-point and Advanced SIMD',
    reason:
      'VFP (coprocessors 10 and 11: VLDR, VMOV, VMRS, VPUSH...) and Advanced SIMD: LLVM decodes them from the objects\' build attributes (armhf is VFPv3-D16); setway models no FP/SIMD registers and decodes them as UNDEFINED, which is what a core without them does',
    applies: (w, ours, llvm) => !ours.valid && llvm.valid && llvm.mnemonicN.startsWith('v') && ((coprocessor(w) & 0xe) === 10 || isAdvancedSimd(w)),
  },
  {
    name: 'LDC/STC to coprocessors other than p14/p15',
    reason:
      'LDC/STC to p0/p1 (iWMMXt register saves in glibc\'s setjmp/longjmp, reached only when the hardware reports iWMMXt): LLVM decodes every coprocessor number generically; setway decodes coprocessor instructions for p14/p15 only (Armv7-A architects no other coprocessor but FP/Advanced SIMD)',
    applies: (w, ours, llvm) => !ours.valid && llvm.valid && coprocessor(w) >= 0 && coprocessor(w) < 10 && new RegExp(`^(ldc|stc)2?l?${COND_SUFFIX}$`).test(llvm.mnemonicN),
  },
];
