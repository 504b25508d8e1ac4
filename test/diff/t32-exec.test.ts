/**
 * T32 executor versus QEMU user mode (qemu-arm -cpu cortex-a15): at least 2,500 random
 * straight-line T32 sequences with IT blocks, generated from the decoder's rows, all in one QEMU
 * process, with their fixed bits honoured. Compared after each sequence: R0-R14, NZCV, Q, GE and
 * the 512-byte scratch buffer; every row mnemonic a sequence may hold must be compared.
 * No mismatch is tolerated; the seed is fixed (SETWAY_SEED explores others) and printed.
 */
import { describe, expect, it } from 'vitest';
import { A32Op } from '../../src/decode/a32';
import { decodeT32Word, disassembleT32, rows16, rows32 } from '../../src/decode/t32';
import { A32Cpu } from '../../src/exec/a32';
import { FLAG_MASK, type ExecCase } from '../oracles/exec-harness';
import { runInQemuT32, t32CodeBytes, T32ScratchMemory } from '../oracles/exec-harness-t32';
import { Prng, testSeed } from '../oracles/prng';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { a32LinuxFault, DataAbortRecorder } from './a32-faults';
import { formatExecReport, mismatchGroups, runExecDiff, type OurRun } from './exec-diff';
import { A32_SEQUENCE_OPS } from './a32-sequences';
import { T32_SEQUENCE_EXCLUSIONS, randomT32Case } from './t32-sequences';

const SEQUENCES = 2500;
const DEFAULT_SEED = 0x7433;
const have = oraclesAvailable('T32 execution differential test', LLVM_MC, LD_LLD, QEMU_ARM);

/** User mode with CPSR.T set: the sequences run unprivileged in T32 state, as under qemu-arm. */
const USER_THUMB = 0x10 | 0x20;

/** Row mnemonics of the sequence operations, but ADR (reads the PC) and SUBS PC, LR (writes it), which no sequence holds. */
const T32_SEQUENCE_MNEMONICS = [...new Set([...rows16, ...rows32].filter((r) => A32_SEQUENCE_OPS.has(r.op)).map((r) => r.mnemonic))].filter((m) => m !== 'adr' && m !== 'subs');

const lastLogs: { address: number; size: number }[][] = [];

function runOurs(c: ExecCase, codeAddress: number, memory: ScratchMemory): OurRun {
  const aborts = new DataAbortRecorder();
  const cpu = new A32Cpu({ memory, onGuestAbort: aborts.onGuestAbort });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & FLAG_MASK.a32) | USER_THUMB) >>> 0;
  for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
  cpu.pc = codeAddress;
  const end = codeAddress + t32CodeBytes(c.code);
  for (let i = 0; i < c.code.length; i++) {
    memory.clearLog();
    try {
      cpu.stepHandlingAborts();
    } catch (e) {
      return a32LinuxFault(e, memory, aborts);
    }
    lastLogs[i] = memory.log.slice();
  }
  if (cpu.pc !== end || (cpu.cpsr & 0x20) === 0) return { kind: 'fault', detail: `PC 0x${cpu.pc.toString(16)}, CPSR 0x${cpu.cpsr.toString(16)} at the end` };
  if (cpu.itState !== 0) return { kind: 'fault', detail: 'the sequence ends inside an IT block' };
  return { kind: 'done', final: { regs: cpu.r.slice(0, 15), flags: cpu.cpsr, scratch: memory.scratch.slice() } };
}

/** LDRD/STRD/LDM/STM need word alignment whatever SCTLR.A says (Arm ARM G2 "Alignment support"). */
function rejectUnaligned(c: ExecCase): string | null {
  for (let i = 0; i < c.code.length; i++) {
    const op = decodeT32Word(c.code[i]).op;
    if (op !== A32Op.LoadStoreDual && op !== A32Op.LoadStoreMultiple) continue;
    if ((lastLogs[i] ?? []).some((a) => a.address % 4 !== 0)) return 'unaligned LDRD/STRD/LDM/STM (an alignment fault in QEMU)';
  }
  return null;
}

describe.skipIf(!have)('T32 executor vs QEMU user mode', () => {
  it(`agrees on registers, flags and memory after ${SEQUENCES} random sequences with IT blocks`, () => {
    const seed = testSeed(DEFAULT_SEED);
    console.log(`t32-exec seed ${seed} (replay with SETWAY_SEED=${seed})`);
    console.log(`excluded from generation:\n  - ${T32_SEQUENCE_EXCLUSIONS.join('\n  - ')}`);
    const report = runExecDiff({
      isa: 'a32',
      sequences: SEQUENCES,
      rng: new Prng(seed),
      generate: (rng) => randomT32Case(rng, rng.chance(0.3) ? 1 : 6),
      ours: runOurs,
      reject: (c) => rejectUnaligned(c),
      describe: (w) => disassembleT32(decodeT32Word(w)).replace(/\t/g, ' '),
      coverageKey: (w) => decodeT32Word(w).mnemonic,
      runQemu: runInQemuT32,
      memory: (scratch, address, code) => new T32ScratchMemory(scratch, address, code),
    });
    console.log(formatExecReport('T32 exec vs qemu-arm', report));
    expect(report.sequences).toBe(SEQUENCES);
    // Every row mnemonic a sequence may hold was compared at least once.
    expect(T32_SEQUENCE_MNEMONICS.filter((m) => !report.coverage.has(m))).toEqual([]);
    // Alignment faults (SIGBUS) are compared on their address too: DFAR against si_addr (Arm ARM G8 "DFAR").
    expect(report.faultAddressesCompared.get('SIGBUS') ?? 0).toBe(report.faultSignals.get('both SIGBUS') ?? 0);
    expect(mismatchGroups(report)).toEqual([]);
    expect(report.agreed).toBe(report.sequences);
  }, 300_000);
});
