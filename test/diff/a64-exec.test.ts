/**
 * A64 executor versus QEMU user mode (qemu-aarch64 -cpu cortex-a53): at least 2,000 random
 * straight-line sequences per run, generated from the decoder's rows with their fixed bits honoured,
 * each Arm ARM form (A64_SEQUENCE_FORMS) as likely as any other, all in one QEMU process.
 * Compared after each sequence: X0-X30, SP, NZCV and the 512-byte scratch buffer. Every form must
 * be compared; no mismatch is tolerated; the seed is fixed (SETWAY_SEED explores others) and printed.
 */
import { describe, expect, it } from 'vitest';
import { A64Op, decodeA64, disassembleA64 } from '../../src/decode/a64';
import { A64Cpu, GuestException } from '../../src/exec/a64';
import { MemoryAbort } from '../../src/mmu/fault';
import type { ExecCase } from '../oracles/exec-harness';
import { Prng, testSeed } from '../oracles/prng';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { LD_LLD, LLVM_MC, QEMU_AARCH64, oraclesAvailable } from '../oracles/tools';
import { a64Form } from './a64-row-words';
import { A64_SEQUENCE_EXCLUSIONS, A64_SEQUENCE_FORMS, randomA64Case } from './a64-sequences';
import { formatExecReport, mismatchGroups, runExecDiff, SIGBUS, SIGILL, SIGSEGV, type OurFault, type OurRun } from './exec-diff';

const SEQUENCES = 2500;
/** Fixed so every run compares the same words and a failure replays; SETWAY_SEED explores others. */
const DEFAULT_SEED = 0xa64e;

/** The flag-setting encodings (Arm ARM C6.2): ADDS/SUBS (immediate, shifted, extended), ANDS (immediate, shifted; BICS), ADCS/SBCS, CCMP/CCMN. */
const FLAG_SETTING_FORMS = [
  { name: 'ADDS/SUBS (immediate)', op: A64Op.ADD_SUB_IMM },
  { name: 'ADDS/SUBS (shifted register)', op: A64Op.ADD_SUB_SHIFTED },
  { name: 'ADDS/SUBS (extended register)', op: A64Op.ADD_SUB_EXT },
  { name: 'ANDS (immediate)', op: A64Op.LOGIC_IMM },
  { name: 'ANDS/BICS (shifted register)', op: A64Op.LOGIC_SHIFTED },
  { name: 'ADCS/SBCS', op: A64Op.ADC_SBC },
  { name: 'CCMP/CCMN (register)', op: A64Op.CCMP_REG },
  { name: 'CCMP/CCMN (immediate)', op: A64Op.CCMP_IMM },
];
const have = oraclesAvailable('A64 execution differential test', LLVM_MC, LD_LLD, QEMU_AARCH64);

// Data accesses of each instruction of the last run, for the alignment rule below.
const lastLogs: { address: number; size: number }[][] = [];

function runOurs(c: ExecCase, codeAddress: number, memory: ScratchMemory): OurRun {
  const cpu = new A64Cpu({ memory });
  cpu.exceptionPolicy = 'stop';
  // EL0, as under qemu-aarch64: SP is SP_EL0 (Arm ARM D1 "The stack pointer registers").
  cpu.el = 0;
  for (let r = 0; r < 31; r++) cpu.setX(r, c.initial.regs[2 * r], c.initial.regs[2 * r + 1]);
  cpu.setSpEl0(c.initial.regs[62], c.initial.regs[63]);
  cpu.nzcv = c.initial.flags >>> 28;
  cpu.pc = codeAddress;
  for (let i = 0; i < c.code.length; i++) {
    memory.clearLog();
    // An alignment fault's address is the base register's (LDAR/STLR have no offset): read it before the step.
    const rn = decodeA64(c.code[i]).rn;
    const base = rn === 31 ? (BigInt(cpu.spEl0Hi) << 32n) | BigInt(cpu.spEl0Lo) : (BigInt(cpu.xHi(rn)) << 32n) | BigInt(cpu.xLo(rn));
    try {
      cpu.step();
    } catch (e) {
      if (e instanceof GuestException) return linuxFault(e, memory, base);
      if (e instanceof MemoryAbort) return { kind: 'fault', detail: `${e.name}: ${e.message}`, signal: SIGSEGV, pc: BigInt(codeAddress + 4 * i), address: u64(e.fault.va) };
      throw e;
    }
    if (cpu.pc !== codeAddress + 4 * (i + 1)) return { kind: 'fault', detail: `PC 0x${cpu.pc.toString(16)} after instruction ${i}` };
    lastLogs[i] = memory.log.slice();
  }
  const regs = new Uint32Array(64);
  for (let r = 0; r < 31; r++) {
    regs[2 * r] = cpu.xLo(r);
    regs[2 * r + 1] = cpu.xHi(r);
  }
  regs[62] = cpu.spEl0Lo;
  regs[63] = cpu.spEl0Hi;
  return { kind: 'done', final: { regs, flags: (cpu.nzcv << 28) >>> 0, scratch: memory.scratch.slice() } };
}

/** setway's signed VA number as the unsigned 64-bit address; undefined beyond 2^53 (NaN: setway does not model it). */
function u64(va: number): bigint | undefined {
  if (!Number.isFinite(va)) return undefined;
  return BigInt.asUintN(64, BigInt(va));
}

/**
 * Faults not compared, with their reason: Linux runs EL0 with TCR_EL1.TBI0 = 1 (its tagged-address
 * ABI; Arm ARM D8 "Address tagging": bits [63:56] are ignored), setway's executor does not model
 * top-byte-ignore, so an address with a non-zero top byte (or beyond the 2^53 setway models) may
 * be a scratch access in QEMU.
 */
function taggedAddress(f: OurFault): string | null {
  if (f.signal !== SIGSEGV) return null;
  if (f.address === undefined || f.address >= 1n << 56n) return 'a data address with a non-zero top byte (Linux sets TCR_EL1.TBI0; setway does not model top-byte-ignore)';
  return null;
}

/**
 * The signal Linux raises for an EL0 exception (ESR_EL1, Arm ARM D17): EC 0x24 data abort with
 * DFSC 0b100001 alignment -> SIGBUS at the base address; other data aborts (translation,
 * permission) -> SIGSEGV at the address our memory refused; EC 0x20 instruction abort -> SIGSEGV
 * and EC 0x00 (UNDEFINED) -> SIGILL, both at the PC.
 */
function linuxFault(e: GuestException, memory: ScratchMemory, base: bigint): OurRun {
  const pc = BigInt(e.pc);
  const detail = e.message;
  if (e.exceptionClass >>> 1 === 0x12) {
    if ((e.esr & 0x3f) === 0x21) return { kind: 'fault', detail: `${detail}: alignment fault`, signal: SIGBUS, pc, address: base };
    return { kind: 'fault', detail, signal: SIGSEGV, pc, address: memory.outside ? u64(memory.outside.address) : undefined };
  }
  if (e.exceptionClass >>> 1 === 0x10) return { kind: 'fault', detail, signal: SIGSEGV, pc, address: pc };
  if (e.exceptionClass === 0) return { kind: 'fault', detail, signal: SIGILL, pc, address: pc };
  return { kind: 'fault', detail };
}

/** Load-acquire/store-release need natural alignment whatever SCTLR_EL1.A says (Arm ARM B2.5 "Alignment support"). */
function rejectUnaligned(c: ExecCase): string | null {
  for (let i = 0; i < c.code.length; i++) {
    const op = decodeA64(c.code[i]).op;
    if (op !== A64Op.LDAR && op !== A64Op.STLR) continue;
    if ((lastLogs[i] ?? []).some((a) => a.address % a.size !== 0)) return 'unaligned LDAR/STLR (an alignment fault in QEMU)';
  }
  return null;
}

describe.skipIf(!have)('A64 executor vs QEMU user mode', () => {
  it(`agrees on registers, flags and memory after ${SEQUENCES} random sequences, every sequence form compared`, () => {
    const seed = testSeed(DEFAULT_SEED);
    console.log(`a64-exec seed ${seed} (replay with SETWAY_SEED=${seed})`);
    console.log(`excluded from generation:\n  - ${A64_SEQUENCE_EXCLUSIONS.join('\n  - ')}`);
    const report = runExecDiff({
      isa: 'a64',
      sequences: SEQUENCES,
      rng: new Prng(seed),
      generate: (rng) => randomA64Case(rng, rng.chance(0.3) ? 1 : 8),
      ours: runOurs,
      reject: (c) => rejectUnaligned(c),
      dropFault: taggedAddress,
      describe: (w) => disassembleA64(decodeA64(w)).replace(/\t/g, ' '),
      coverageKey: (w) => a64Form(decodeA64(w)),
    });
    console.log(formatExecReport('A64 exec vs qemu-aarch64', report));
    expect(report.sequences).toBeGreaterThanOrEqual(2000);
    // Every flag-setting form ran, in its 32-bit (W) and 64-bit (X) variant.
    const flagForms = new Map<string, Set<number>>();
    for (const c of report.cases) {
      for (const w of c.code) {
        const d = decodeA64(w);
        const setsFlags =
          d.setFlags || d.op === A64Op.CCMP_REG || d.op === A64Op.CCMP_IMM || ((d.op === A64Op.LOGIC_IMM || d.op === A64Op.LOGIC_SHIFTED) && d.variant === 3);
        if (!setsFlags) continue;
        const key = `${d.mnemonic}/${d.op}`;
        if (!flagForms.has(key)) flagForms.set(key, new Set());
        flagForms.get(key)?.add(d.sf);
      }
    }
    const missing = FLAG_SETTING_FORMS.filter((f) => ![...flagForms.entries()].some(([k, sfs]) => k.endsWith(`/${f.op}`) && sfs.has(0) && sfs.has(1)));
    expect(missing.map((f) => f.name)).toEqual([]);
    // Every form a sequence may hold was compared at least once (LDARH, LDRSH (register)... included).
    expect(A64_SEQUENCE_FORMS.filter((f) => !report.coverage.has(f))).toEqual([]);
    // No mismatch is tolerated.
    expect(mismatchGroups(report)).toEqual([]);
    expect(report.agreed).toBe(report.sequences);
  });
});
