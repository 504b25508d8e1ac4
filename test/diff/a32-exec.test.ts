/**
 * A32 executor versus QEMU user mode (qemu-arm -cpu cortex-a15): at least 2,000 random
 * straight-line sequences per run, generated from the decoder's rows with their fixed bits
 * honoured, all in one QEMU process. Compared after each sequence: R0-R14, NZCV, Q, GE and the
 * 512-byte scratch buffer. Every row a sequence may hold must be compared; no mismatch is tolerated;
 * the seed is fixed (SETWAY_SEED explores others) and printed.
 */
import { describe, expect, it } from 'vitest';
import { A32Op, decodeA32, disassembleA32 } from '../../src/decode/a32';
import { A32Cpu } from '../../src/exec/a32';
import { FLAG_MASK, type ExecCase } from '../oracles/exec-harness';
import { Prng, testSeed } from '../oracles/prng';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { rowOfWord } from './a32-row-words';
import { A32_SEQUENCE_EXCLUSIONS, A32_SEQUENCE_ROWS, randomA32Case } from './a32-sequences';
import { a32LinuxFault, DataAbortRecorder } from './a32-faults';
import { formatExecReport, mismatchGroups, runExecDiff, type OurRun } from './exec-diff';

const SEQUENCES = 2500;
/** Fixed so every run compares the same words and a failure replays; SETWAY_SEED explores others. */
const DEFAULT_SEED = 0xa32e;
const have = oraclesAvailable('A32 execution differential test', LLVM_MC, LD_LLD, QEMU_ARM);

/** CPSR.M for User mode (Arm ARM G1 "AArch32 processor modes"): the sequences run unprivileged, as under qemu-arm. */
const USER_MODE = 0x10;

function runOurs(c: ExecCase, codeAddress: number, memory: ScratchMemory): OurRun {
  const aborts = new DataAbortRecorder();
  const cpu = new A32Cpu({ memory, onGuestAbort: aborts.onGuestAbort });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & FLAG_MASK.a32) | USER_MODE) >>> 0;
  for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
  cpu.pc = codeAddress;
  for (let i = 0; i < c.code.length; i++) {
    memory.clearLog();
    try {
      cpu.stepHandlingAborts();
    } catch (e) {
      return a32LinuxFault(e, memory, aborts);
    }
    if (cpu.pc !== codeAddress + 4 * (i + 1)) return { kind: 'fault', detail: `PC 0x${cpu.pc.toString(16)} after instruction ${i}` };
    lastLogs[i] = memory.log.slice();
  }
  return { kind: 'done', final: { regs: cpu.r.slice(0, 15), flags: cpu.cpsr, scratch: memory.scratch.slice() } };
}
// Data accesses of each instruction of the last run, for the alignment rule below.
const lastLogs: { address: number; size: number }[][] = [];

/** Doubleword and multiple transfers need word alignment whatever SCTLR.A says (Arm ARM G2 "Alignment support"). */
function rejectUnaligned(c: ExecCase): string | null {
  for (let i = 0; i < c.code.length; i++) {
    const op = decodeA32(c.code[i]).op;
    if (op !== A32Op.LoadStoreDual && op !== A32Op.LoadStoreMultiple) continue;
    if ((lastLogs[i] ?? []).some((a) => a.address % 4 !== 0)) return 'unaligned LDRD/STRD/LDM/STM (an alignment fault in QEMU)';
  }
  return null;
}

describe.skipIf(!have)('A32 executor vs QEMU user mode', () => {
  it(`agrees on registers, flags and memory after ${SEQUENCES} random sequences, every sequence row compared`, () => {
    const seed = testSeed(DEFAULT_SEED);
    console.log(`a32-exec seed ${seed} (replay with SETWAY_SEED=${seed})`);
    console.log(`excluded from generation:\n  - ${A32_SEQUENCE_EXCLUSIONS.join('\n  - ')}`);
    const report = runExecDiff({
      isa: 'a32',
      sequences: SEQUENCES,
      rng: new Prng(seed),
      generate: (rng) => randomA32Case(rng, rng.chance(0.3) ? 1 : 8),
      ours: runOurs,
      reject: (c) => rejectUnaligned(c),
      describe: (w) => disassembleA32(decodeA32(w)).replace(/\t/g, ' '),
      coverageKey: (w) => rowOfWord(w)?.label ?? 'unallocated',
    });
    console.log(formatExecReport('A32 exec vs qemu-arm', report));
    expect(report.sequences).toBeGreaterThanOrEqual(2000);
    // Every row a sequence may hold was compared at least once (REV, SEL, SDIV... included).
    expect(A32_SEQUENCE_ROWS.filter((r) => !report.coverage.has(r.label)).map((r) => `${r.label} ${r.row.pattern}`)).toEqual([]);
    // Alignment faults (SIGBUS) are compared on their address too: DFAR against si_addr (Arm ARM G8 "DFAR").
    expect(report.faultAddressesCompared.get('SIGBUS') ?? 0).toBe(report.faultSignals.get('both SIGBUS') ?? 0);
    expect(mismatchGroups(report)).toEqual([]);
    expect(report.agreed).toBe(report.sequences);
  });
});
