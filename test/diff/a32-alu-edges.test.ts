/**
 * A32 data-processing edge cases the random differential reaches rarely or never, each against
 * QEMU user mode (qemu-arm -cpu cortex-a15) and the value the Arm ARM pseudocode gives (F5 of each
 * instruction). Found by mutation testing (npm run mutate, src/exec/a32/handlers-alu.ts): each
 * case kills a mutant the 2,500-sequence differentials let survive.
 */
import { describe, expect, it } from 'vitest';
import { runInQemu } from '../oracles/exec-harness';
import { compareStates } from '../oracles/exec-compare';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { handCase, runOne } from './aarch32-hand-cases';

const have = oraclesAvailable('A32 ALU edge cases', LLVM_MC, LD_LLD, QEMU_ARM);

/** CPSR.Q (bit 27), sticky: set by a saturating or overflowing accumulate. */
const Q = 1 << 27;

interface EdgeCase {
  readonly source: string;
  /** r0, r1, ... before. */
  readonly regs: readonly number[];
  /** The destination's value by the pseudocode, and whether Q ends set (it starts clear). */
  readonly rd: number;
  readonly q: boolean;
  readonly why: string;
}

const CASES: readonly EdgeCase[] = [
  // SMLA<x><y>: R[d] = SInt(Rn half) * SInt(Rm half) + SInt(R[a]); Q on signed overflow of the sum.
  { source: 'smlabb r0, r1, r2, r3', regs: [0, 0x8000, 0x8000, 0x7fffffff], rd: 0xbfffffff, q: true, why: 'SMLA<x><y> overflow sets Q' },
  { source: 'smlatt r0, r1, r2, r3', regs: [0, 0x80000000, 0x00010000, 3], rd: (-0x8000 + 3) >>> 0, q: false, why: 'SMLA<x><y> in range leaves Q clear' },
  // SMLAWB: R[d] = (R[n] * SInt(R[m]<15:0>))<47:16> + R[a]; Q when the sum is not a 32-bit signed value.
  { source: 'smlawb r0, r1, r2, r3', regs: [0, 0x7fffffff, 0x7fff, 0x7fffffff], rd: (0x3fff7fff + 0x7fffffff) >>> 0, q: true, why: 'SMLAW<y> overflow sets Q' },
  { source: 'smlawt r0, r1, r2, r3', regs: [0, 0x10000, 0x80000000, 5], rd: (-0x8000 + 5) >>> 0, q: false, why: 'SMLAW<y> in range leaves Q clear' },
  // BFI/BFC with msb 31, lsb 0: the whole register (F5 "BFI": width = msb - lsb + 1 = 32).
  { source: 'bfi r0, r1, #0, #32', regs: [0x12345678, 0x9abcdef0], rd: 0x9abcdef0, q: false, why: 'BFI of all 32 bits copies Rn' },
  { source: 'bfc r0, #0, #32', regs: [0x12345678], rd: 0, q: false, why: 'BFC of all 32 bits clears Rd' },
  { source: 'ubfx r0, r1, #0, #32', regs: [0, 0x80000001], rd: 0x80000001, q: false, why: 'UBFX of all 32 bits' },
  { source: 'sbfx r0, r1, #0, #32', regs: [0, 0x80000001], rd: 0x80000001, q: false, why: 'SBFX of all 32 bits' },
  // REVSH: result<31:8> = SignExtend(R[m]<7:0>), result<7:0> = R[m]<15:8>.
  { source: 'revsh r0, r1', regs: [0, 0x000080ff], rd: 0xffffff80, q: false, why: 'REVSH sign-extends the low byte' },
  { source: 'revsh r0, r1', regs: [0, 0xffff7f01], rd: 0x0000017f, q: false, why: 'REVSH with a clear sign bit' },
  { source: 'rev16 r0, r1', regs: [0, 0x11223344], rd: 0x22114433, q: false, why: 'REV16 swaps bytes within each halfword' },
  { source: 'rbit r0, r1', regs: [0, 0x00000001], rd: 0x80000000, q: false, why: 'RBIT' },
  // SDIV/UDIV by zero give 0 (no divide-by-zero trap in the A profile, F5 "SDIV", "UDIV").
  { source: 'sdiv r0, r1, r2', regs: [7, 0x80000000, 0], rd: 0, q: false, why: 'SDIV by zero' },
  { source: 'udiv r0, r1, r2', regs: [7, 0xffffffff, 0], rd: 0, q: false, why: 'UDIV by zero' },
  { source: 'sdiv r0, r1, r2', regs: [7, 0x80000000, 0xffffffff], rd: 0x80000000, q: false, why: 'SDIV -2^31 / -1 wraps' },
];

describe.skipIf(!have)('A32 ALU edge cases vs QEMU user mode and the Arm ARM pseudocode', () => {
  it(`agree on ${CASES.length} cases: SMLA<x><y> and SMLAW<y> Q, 32-bit bitfields, REVSH/REV16/RBIT, division by zero`, () => {
    const execCases = CASES.map((c) => handCase(c.source, 'a32', c.regs));
    const qemu = runInQemu('a32', execCases);
    const problems: string[] = [];
    CASES.forEach((c, i) => {
      const q = qemu[i];
      const ours = runOne(execCases[i], q.codeAddress, false);
      if (q.kind !== 'done' || ours.kind !== 'done') {
        problems.push(`${c.source}: ${q.kind === 'done' ? 'QEMU ran' : q.detail}; ${ours.kind === 'done' ? 'ours ran' : ours.detail}`);
        return;
      }
      for (const d of compareStates('a32', ours.final, q.final)) problems.push(`${c.source} (${c.why}): ${d.what} ours ${d.ours} qemu ${d.qemu}`);
      if (ours.final.regs[0] !== c.rd) problems.push(`${c.source} (${c.why}): r0 0x${ours.final.regs[0].toString(16)}, pseudocode 0x${c.rd.toString(16)}`);
      if (((ours.final.flags & Q) !== 0) !== c.q) problems.push(`${c.source} (${c.why}): Q ${(ours.final.flags & Q) !== 0}, pseudocode ${c.q}`);
    });
    expect(problems).toEqual([]);
  });
});
