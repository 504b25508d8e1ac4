/**
 * Alignment fault addresses, A32 and T32, against QEMU user mode (qemu-arm -cpu cortex-a15) and
 * the Arm ARM: each instruction below must fault whatever SCTLR.A says (G2 "Alignment support":
 * LDM/STM, LDRD/STRD need word alignment, the exclusives their size's), and DFAR is the address of
 * the access that faulted (G8 "DFAR"): for LDM/STM the lowest address, where the pseudocode's
 * first access goes (F5 "LDMDA", "LDMDB": address = R[n] - 4*BitCount(registers) ...). Linux
 * reports it as si_addr of the SIGBUS, so QEMU's harness and our executor's DFAR must agree, and
 * both equal the address worked out here.
 */
import { describe, expect, it } from 'vitest';
import { runInQemu, SCRATCH_ADDRESS, type ExecCase } from '../oracles/exec-harness';
import { runInQemuT32 } from '../oracles/exec-harness-t32';
import type { Target } from '../oracles/llvm-mc';
import { T32_TARGET } from '../oracles/llvm-mc-t32';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { handCase, runOne } from './aarch32-hand-cases';
import { SIGBUS } from './exec-diff';

const have = oraclesAvailable('alignment fault address test', LLVM_MC, LD_LLD, QEMU_ARM);

/** A base two bytes past a word boundary, in the middle of the scratch buffer. */
const BASE = SCRATCH_ADDRESS + 0x102;

interface AlignmentCase {
  readonly source: string;
  /** r0, the base register (the other registers hold small values). */
  readonly base: number;
  /** DFAR by the Arm ARM pseudocode. */
  readonly dfar: number;
  /** A listed difference: QEMU completes the instruction where the Arm ARM faults (the reason). */
  readonly qemuCompletes?: string;
}

/**
 * AArch32.ExclusiveMonitorsPass checks alignment before the monitor (only other aborts may come
 * after it, IMPLEMENTATION DEFINED), so an unaligned STREX faults with the monitor open or not.
 * QEMU (translate.c's store-exclusive) compares the address with the monitor's first and fails
 * the store (Rd = 1) without an access: QEMU wrong, listed.
 */
const QEMU_STREX_NO_ALIGNMENT_CHECK = 'QEMU fails an unaligned STREX with no open monitor without the alignment fault';

const A32_CASES: readonly AlignmentCase[] = [
  { source: 'ldm r0, {r1, r2}', base: BASE, dfar: BASE },
  { source: 'ldmib r0, {r1, r2}', base: BASE, dfar: BASE + 4 },
  { source: 'ldmda r0, {r1, r2}', base: BASE, dfar: BASE - 4 },
  { source: 'ldmdb r0!, {r1, r2, r3}', base: BASE, dfar: BASE - 12 },
  { source: 'stmdb r0, {r1, r2}', base: BASE, dfar: BASE - 8 },
  { source: 'stmib r0!, {r1}', base: BASE, dfar: BASE + 4 },
  { source: 'ldrd r2, r3, [r0, #8]', base: BASE, dfar: BASE + 8 },
  { source: 'ldrd r2, r3, [r0], #8', base: BASE, dfar: BASE },
  { source: 'strd r2, r3, [r0, #-8]!', base: BASE, dfar: BASE - 8 },
  // Doubleword exclusive: a word-aligned base is not enough.
  { source: 'ldrexd r2, r3, [r0]', base: BASE + 2, dfar: BASE + 2 },
  { source: 'ldrex r1, [r0]', base: BASE, dfar: BASE },
  { source: 'ldrexh r1, [r0]', base: BASE + 1, dfar: BASE + 1 },
  { source: 'strex r4, r1, [r0]', base: BASE, dfar: BASE, qemuCompletes: QEMU_STREX_NO_ALIGNMENT_CHECK },
];

const T32_CASES: readonly AlignmentCase[] = [
  { source: 'ldm r0!, {r1, r2}', base: BASE, dfar: BASE },
  { source: 'stm r0!, {r1, r2}', base: BASE, dfar: BASE },
  { source: 'ldmdb.w r0, {r1, r2}', base: BASE, dfar: BASE - 8 },
  { source: 'stmdb.w r0!, {r1, r2, r3}', base: BASE, dfar: BASE - 12 },
  { source: 'ldrd r2, r3, [r0, #8]', base: BASE, dfar: BASE + 8 },
  { source: 'strd r2, r3, [r0], #-8', base: BASE, dfar: BASE },
  { source: 'ldrexd r2, r3, [r0]', base: BASE + 2, dfar: BASE + 2 },
  { source: 'ldrex r1, [r0, #4]', base: BASE, dfar: BASE + 4 },
  { source: 'ldrexh r1, [r0]', base: BASE + 1, dfar: BASE + 1 },
  { source: 'strex r4, r1, [r0]', base: BASE, dfar: BASE, qemuCompletes: QEMU_STREX_NO_ALIGNMENT_CHECK },
];

function caseOf(c: AlignmentCase, target: Target | 'a32'): ExecCase {
  return handCase(c.source, target, [c.base]);
}

/** Per case: `source: ours <address> at <pc>, qemu ..., arm ...`, or QEMU's listed difference. */
function faultAddresses(cases: readonly AlignmentCase[], target: Target | 'a32'): string[] {
  const execCases = cases.map((c) => caseOf(c, target));
  const qemu = target === 'a32' ? runInQemu('a32', execCases) : runInQemuT32(execCases);
  return cases.map((c, i) => {
    const q = qemu[i];
    const ours = runOne(execCases[i], q.codeAddress, target !== 'a32');
    const oursText = ours.kind === 'fault' && ours.signal === SIGBUS ? `0x${ours.address?.toString(16)} at 0x${ours.pc?.toString(16)}` : `no SIGBUS (${ours.kind === 'fault' ? ours.detail : 'completed'})`;
    const qemuText =
      q.kind === 'crashed' && q.signal === SIGBUS
        ? `0x${q.faultAddress?.toString(16)} at 0x${q.faultPc?.toString(16)}`
        : q.kind === 'done' && c.qemuCompletes !== undefined
          ? `listed: ${c.qemuCompletes}`
          : `no SIGBUS (${q.kind === 'crashed' ? q.detail : 'completed'})`;
    return `${c.source}: ours ${oursText}, qemu ${qemuText}, arm 0x${c.dfar.toString(16)} at 0x${q.codeAddress.toString(16)}`;
  });
}

/** The line every case must print: the three addresses and PCs equal (ours and the Arm ARM's only, where QEMU's difference is listed). */
const agreeing = (line: string): boolean => {
  const listed = /ours (0x\w+) at (0x\w+), qemu listed: [^,]*, arm (0x\w+) at (0x\w+)$/.exec(line);
  if (listed !== null) return listed[1] === listed[3] && listed[2] === listed[4];
  const m = /ours (0x\w+) at (0x\w+), qemu (0x\w+) at (0x\w+), arm (0x\w+) at (0x\w+)$/.exec(line);
  return m !== null && m[1] === m[3] && m[3] === m[5] && m[2] === m[4] && m[4] === m[6];
};

describe.skipIf(!have)('alignment fault address (DFAR, si_addr) vs QEMU user mode and the Arm ARM', () => {
  it(`A32: ${A32_CASES.length} instructions that need alignment fault at the address of their first access`, () => {
    const lines = faultAddresses(A32_CASES, 'a32');
    console.log(lines.join('\n'));
    expect(lines.filter((l) => !agreeing(l))).toEqual([]);
  });

  it(`T32: ${T32_CASES.length} instructions that need alignment fault at the address of their first access`, () => {
    const lines = faultAddresses(T32_CASES, T32_TARGET);
    console.log(lines.join('\n'));
    expect(lines.filter((l) => !agreeing(l))).toEqual([]);
  });
});
