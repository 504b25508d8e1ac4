/**
 * T32 control flow and interworking versus QEMU user mode (qemu-arm -cpu cortex-a15): 2,500
 * random sequences of t32-flow-sequences.ts (forward branches, CBZ/CBNZ, TBB/TBH, BL/BLX, BX/BLX
 * into A32 code and back, loads to the PC, ADR and literal loads, MOV/ADD with the PC, inside
 * and outside IT blocks) laid out as one image each, placed at the same address in the QEMU
 * harness and in setway. Compared at the end of the image, which both reach in T32 state (the
 * harness's T32 epilogue runs there; setway's T bit is checked): R0-R14, NZCV, Q, GE and the
 * scratch buffer; faults on the signal, PC and address. The seed is fixed (SETWAY_SEED explores
 * others) and printed. Then every compared sequence runs again in setway closed into a loop, so
 * its blocks get hot: compiled blocks against the instruction-at-a-time step.
 */
import { describe, expect, it } from 'vitest';
import { A32Op, decodeA32, disassembleA32 } from '../../src/decode/a32';
import { decodeT32Word, disassembleT32 } from '../../src/decode/t32';
import { A32Cpu, type A32CpuOptions } from '../../src/exec/a32';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { a32State, firstDifference, runOutcome } from '../fast-path/compare';
import { FLAG_MASK, SCRATCH_ADDRESS, SCRATCH_SIZE, TEXT_ADDRESS, type ExecCase } from '../oracles/exec-harness';
import { runInQemuT32, T32ImageMemory } from '../oracles/exec-harness-t32';
import { disassemble } from '../oracles/llvm-mc';
import { disassembleT32 as llvmDisassembleT32 } from '../oracles/llvm-mc-t32';
import { Prng, testSeed } from '../oracles/prng';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { LD_LLD, LLVM_MC, LLVM_OBJDUMP, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { a32LinuxFault, DataAbortRecorder } from './a32-faults';
import { formatExecReport, LISTED_MAPPED_IN_RERUN, mismatchGroups, runExecDiff, type OurRun } from './exec-diff';
import { A32, T32 } from './t32-flow-encodings';
import { randomT32FlowCase, type T32FlowCase } from './t32-flow-sequences';
import { T32_SEQUENCE_EXCLUSIONS } from './t32-sequences';

const SEQUENCES = 2500;
const DEFAULT_SEED = 0x7457;
const have = oraclesAvailable('T32 interworking differential test', LLVM_MC, LD_LLD, QEMU_ARM);
const haveLlvm = oraclesAvailable('T32 flow encoders vs LLVM', LLVM_MC, LLVM_OBJDUMP);

/** User mode with CPSR.T set, as under qemu-arm. */
const USER_THUMB = 0x10 | 0x20;
/** Steps before a sequence counts as not ending (control flow is acyclic: each instruction runs at most a few times). */
const STEP_BUDGET = 4000;

const imageOf = (c: ExecCase): Uint16Array => (c as T32FlowCase).image;

/** What one run saw, for the figures: executed instructions, PC writes and state changes by instruction. */
class FlowTrace {
  t32 = 0;
  a32 = 0;
  readonly branches = new Map<string, number>();
  readonly transitions = new Map<string, number>();
  /** Executed T32 instructions that read the PC: ADR and literal loads (Align(PC, 4)), MOV/ADD Rd, PC. */
  readonly pcReads = new Map<string, number>();

  add(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

const CONDITIONAL = /^([a-z]+?)(eq|ne|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?(\.w)?$/;

/** `ldrne.w pc, [...]` -> `ldr.w pc`; `bx r3` -> `bx`; `bx lr` -> `bx lr`; `bgt.w` (outside an IT block) -> `b<c>.w`. */
function branchKey(text: string, inIt: boolean): string {
  const [m, first] = text.split(/[\s,]+/);
  const [, base, cond, wide] = CONDITIONAL.exec(m) ?? [m, m, undefined, undefined];
  const name = `${base}${cond !== undefined && !inIt ? '<c>' : ''}${wide ?? ''}`;
  return first === 'pc' || first === 'lr' ? `${name} ${first}` : name;
}

let unalignedMultiple = false;

/** A CPU in the case's initial state at `codeAddress`, in User mode and T32 state, stopping at the first exception. */
function caseCpu(c: ExecCase, codeAddress: number, options: A32CpuOptions): A32Cpu {
  const cpu = new A32Cpu(options);
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & FLAG_MASK.a32) | USER_THUMB) >>> 0;
  cpu.r.set(c.initial.regs.subarray(0, 15));
  cpu.pc = codeAddress;
  return cpu;
}

function runFlow(c: ExecCase, codeAddress: number, memory: ScratchMemory, trace?: FlowTrace): OurRun {
  const aborts = new DataAbortRecorder();
  const cpu = caseCpu(c, codeAddress, { memory, onGuestAbort: aborts.onGuestAbort });
  const end = codeAddress + 2 * imageOf(c).length;
  unalignedMultiple = false;
  for (let n = 0; n < STEP_BUDGET; n++) {
    if (cpu.pc === end && cpu.thumb) {
      if (cpu.itState !== 0) return { kind: 'fault', detail: 'the sequence ends inside an IT block' };
      return { kind: 'done', final: { regs: cpu.r.slice(0, 15), flags: cpu.cpsr, scratch: memory.scratch.slice() } };
    }
    const pc = cpu.pc;
    const thumb = cpu.thumb;
    const it = cpu.itState;
    memory.clearLog();
    try {
      cpu.stepHandlingAborts();
    } catch (e) {
      return a32LinuxFault(e, memory, aborts);
    }
    const insn = cpu.currentInsn;
    // Doubleword and multiple transfers need word alignment whatever SCTLR.A says (Arm ARM G2 "Alignment support").
    if ((insn.op === A32Op.LoadStoreDual || insn.op === A32Op.LoadStoreMultiple) && memory.log.some((a) => a.address % 4 !== 0)) unalignedMultiple = true;
    if (trace === undefined) continue;
    const length = thumb ? (insn.word > 0xffff ? 4 : 2) : 4;
    if (thumb) {
      trace.t32++;
      const d = decodeT32Word(insn.word, it);
      if (d.alignPc || (d.rm === 15 && d.rd !== 15 && d.op === A32Op.DataProcessingReg)) trace.add(trace.pcReads, d.mnemonic);
    } else trace.a32++;
    if (cpu.pc === pc + length && cpu.thumb === thumb) continue;
    const text = thumb ? disassembleT32(decodeT32Word(insn.word, it)) : disassembleA32(decodeA32(insn.word));
    const key = branchKey(text, it !== 0);
    trace.add(trace.branches, `${thumb ? 't32' : 'a32'} ${key}${it !== 0 ? ' (last in IT)' : ''}`);
    if (cpu.thumb !== thumb) trace.add(trace.transitions, `${thumb ? 'T32 -> A32' : 'A32 -> T32'} by ${key}${it !== 0 ? ' (last in IT)' : ''}`);
  }
  return { kind: 'fault', detail: `no end after ${STEP_BUDGET} steps (PC 0x${cpu.pc.toString(16)}, CPSR 0x${cpu.cpsr.toString(16)})` };
}

const imageMemory = (scratch: Uint8Array, codeAddress: number, _code: Uint32Array, c: ExecCase): ScratchMemory => new T32ImageMemory(scratch, codeAddress, imageOf(c));

function sorted(map: ReadonlyMap<string, number>): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

// ---- the compiled path: each sequence closed into a loop ----

const CODE = 0x10000;

/** VA = PA memory that hands out code pages, so the executor takes its page runs and compiled blocks. */
/** The image with B.W back to its start, run for `budgets` instructions on `memory`. */
function loopCpu(c: T32FlowCase, memory: FlatMemory): A32Cpu {
  const hws = [...c.image];
  const back = T32.b32(-(2 * hws.length + 4));
  hws.push(back >>> 16, back & 0xffff);
  memory.load(CODE, new Uint8Array(Uint16Array.from(hws).buffer));
  memory.load(SCRATCH_ADDRESS, c.initial.scratch);
  return caseCpu(c, CODE, { memory });
}

function scratchOf(m: FlatMemory): Uint8Array {
  const b = new Uint8Array(SCRATCH_SIZE);
  m.physical.readBytes(SCRATCH_ADDRESS, b);
  return b;
}

describe.skipIf(!haveLlvm)('T32 flow encoders', () => {
  it('encode what LLVM 14 decodes', () => {
    const t32: [number, string][] = [
      [T32.bCond16(1, -4), 'bne #-4'],
      [T32.b16(-2048), 'b #-2048'],
      [T32.bCond32(11, -1048576), 'blt.w #-1048576'],
      [T32.b32(0xfffffe), 'b.w #16777214'],
      [T32.bl(-8), 'bl #-8'],
      [T32.blxImm(0x1000), 'blx #4096'],
      [T32.cbz(false, 3, 126), 'cbz r3, #126'],
      [T32.cbz(true, 7, 0), 'cbnz r7, #0'],
      [T32.tbb(15, 3), 'tbb [pc, r3]'],
      [T32.tbh(2, 5), 'tbh [r2, r5, lsl #1]'],
      [T32.bx(15), 'bx pc'],
      [T32.blx(6), 'blx r6'],
      [T32.movHigh(3, 15), 'mov r3, pc'],
      [T32.movHigh(15, 14), 'mov pc, lr'],
      [T32.addHigh(9, 15), 'add r9, pc'],
      [T32.addHigh(15, 2), 'add pc, r2'],
      [T32.andImm(3, 10, 3), 'and r3, r10, #3'],
      [T32.movs(4, 200), 'movs r4, #200'],
      [T32.adr16(5, 1020), 'adr r5, #1020'],
      [T32.adr32(9, 4095), 'adr.w r9, #4095'],
      [T32.adr32(2, -5), 'adr.w r2, #-5'],
      [T32.ldrLit16(6, 8), 'ldr r6, [pc, #8]'],
      [T32.ldrLit32('ldr', 11, -100), 'ldr.w r11, [pc, #-100]'],
      [T32.ldrLit32('ldrsh', 3, 4095), 'ldrsh.w r3, [pc, #4095]'],
      [T32.ldrLit32('ldrh', 3, -7), 'ldrh.w r3, [pc, #-7]'],
      [T32.ldrdLit(2, 3, -1020), 'ldrd r2, r3, [pc, #-1020]'],
      [T32.movw(3, 0xabcd), 'movw r3, #43981'],
      [T32.movt(12, 0x80), 'movt r12, #128'],
      [T32.strImm(1, 13, 4095), 'str.w r1, [sp, #4095]'],
      [T32.ldrImm(15, 4, 12), 'ldr.w pc, [r4, #12]'],
      [T32.ldrPost(15, 6, -255), 'ldr pc, [r6], #-255'],
      [T32.ldrReg(15, 5, 6, 2), 'ldr.w pc, [r5, r6, lsl #2]'],
      [T32.ldm(4, true, 0x8013), 'ldm.w r4!, {r0, r1, r4, pc}'],
      [T32.ldm(2, false, 0x8008, true), 'ldmdb r2, {r3, pc}'],
      [T32.ldm(13, true, 0x9001), 'pop.w {r0, r12, pc}'],
      [T32.pop16(0x81, true), 'pop {r0, r7, pc}'],
      [T32.push16(0x2, true), 'push {r1, lr}'],
      [T32.strSp(3, 12), 'str r3, [sp, #12]'],
    ];
    const a32: [number, string][] = [
      [A32.bx(14), 'bx lr'],
      [A32.movPc(14), 'mov pc, lr'],
      [A32.addImm(3, 15, 1), 'add r3, pc, #1'],
      [A32.subImm(3, 15, 0xff, 12), 'sub r3, pc, #65280'],
      [A32.subImm(15, 15, 3), 'sub pc, pc, #3'],
      [A32.movw(3, 0x1234), 'movw r3, #4660'],
      [A32.movt(3, 0x80), 'movt r3, #128'],
      [A32.strImm(14, 8, 16), 'str lr, [r8, #16]'],
      [A32.ldrImm(15, 8, 16), 'ldr pc, [r8, #16]'],
      [A32.stmdb(9, 0x4003), 'stmdb r9!, {r0, r1, lr}'],
      [A32.ldmia(9, 0x8003), 'ldm r9!, {r0, r1, pc}'],
      [A32.blxImm(-6), 'blx #-6'],
      [A32.blxImm(0x100), 'blx #256'],
    ];
    expect(llvmDisassembleT32(t32.map(([w]) => w)).map((d) => d.text)).toEqual(t32.map(([, t]) => t));
    expect(disassemble(a32.map(([w]) => w), 'a32').map((d) => d.text)).toEqual(a32.map(([, t]) => t));
  });
});

describe.skipIf(!have)('T32 control flow and interworking vs QEMU user mode', () => {
  it(`agrees on registers, flags and memory after ${SEQUENCES} random sequences with branches, interworking and PC reads; compiled loops agree with the step`, () => {
    const seed = testSeed(DEFAULT_SEED);
    console.log(`t32-interworking seed ${seed} (replay with SETWAY_SEED=${seed})`);
    console.log(`excluded from the random instructions between the constructs:\n  - ${T32_SEQUENCE_EXCLUSIONS.slice(1).join('\n  - ')}`);
    const report = runExecDiff({
      isa: 'a32',
      sequences: SEQUENCES,
      rng: new Prng(seed),
      generate: (rng) => randomT32FlowCase(rng),
      ours: (c, address, memory) => runFlow(c, address, memory),
      reject: () => (unalignedMultiple ? 'unaligned LDRD/STRD/LDM/STM (an alignment fault in QEMU)' : null),
      describe: (w) => disassembleT32(decodeT32Word(w)).replace(/\t/g, ' '),
      coverageKey: (w) => decodeT32Word(w).mnemonic,
      runQemu: runInQemuT32,
      memory: imageMemory,
      codeAddressDependent: true,
    });
    console.log(formatExecReport('T32 flow and interworking vs qemu-arm', report));

    // What the compared sequences did, run once more at the harness's text address.
    const trace = new FlowTrace();
    const constructs = new Map<string, number>();
    let a32Words = 0;
    for (const c of report.cases as T32FlowCase[]) {
      runFlow(c, TEXT_ADDRESS, new T32ImageMemory(c.initial.scratch, TEXT_ADDRESS, c.image), trace);
      for (const name of c.constructs) constructs.set(name, (constructs.get(name) ?? 0) + 1);
      a32Words += c.a32.length;
    }
    const taken = [...trace.branches.values()].reduce((a, b) => a + b, 0);
    const switches = [...trace.transitions.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${report.instructions} T32 and ${a32Words} A32 instructions placed; executed ${trace.t32} T32 and ${trace.a32} A32; ${taken} PC writes, ${switches} state changes`);
    console.log(`  constructs placed: ${sorted(constructs)}`);
    console.log(`  PC writes: ${sorted(trace.branches)}`);
    console.log(`  state changes: ${sorted(trace.transitions)}`);
    console.log(`  PC reads: ${sorted(trace.pcReads)}`);

    expect(report.sequences).toBe(SEQUENCES);
    // Every sequence reached its end or faulted as QEMU may: none ran off or stayed in A32 state.
    expect([...report.rejected.keys()].filter((why) => !why.startsWith('unaligned') && !why.includes('harnessMapped'))).toEqual([]);
    expect(mismatchGroups(report)).toEqual([]);
    const moved = report.listed.get(LISTED_MAPPED_IN_RERUN) ?? 0;
    expect(report.agreed + moved).toBe(report.sequences);
    expect(moved).toBeLessThan(report.sequences / 100);
    // Each way into and out of A32 state was taken, and each branch kind, in and out of IT blocks.
    for (const how of ['blx', 'bx', 'bx pc', 'ldr.w pc', 'ldr pc', 'pop', 'pop.w', 'ldm.w', 'ldmdb']) {
      expect(trace.transitions.get(`T32 -> A32 by ${how}`) ?? 0, `T32 -> A32 by ${how}`).toBeGreaterThan(10);
    }
    expect(trace.transitions.get('T32 -> A32 by bx lr') ?? 0, 'T32 -> A32 by BX LR (returns to A32 callers)').toBeGreaterThan(10);
    for (const how of ['blx', 'bx', 'ldr.w pc', 'ldr pc', 'pop', 'pop.w', 'ldm.w', 'ldmdb']) {
      expect(trace.transitions.get(`T32 -> A32 by ${how} (last in IT)`) ?? 0, `T32 -> A32 by ${how} last in an IT block`).toBeGreaterThan(5);
    }
    for (const how of ['bx', 'bx lr', 'mov pc', 'ldm', 'ldr pc', 'sub pc', 'blx']) expect(trace.transitions.get(`A32 -> T32 by ${how}`) ?? 0, `A32 -> T32 by ${how}`).toBeGreaterThan(10);
    for (const how of ['b', 'b.w', 'bl', 'blx', 'bx', 'mov pc', 'add pc', 'ldr.w pc', 'ldr pc', 'pop', 'pop.w', 'ldm.w', 'ldmdb', 'tbb', 'tbh']) {
      expect(trace.branches.get(`t32 ${how} (last in IT)`) ?? 0, `${how} last in an IT block`).toBeGreaterThan(5);
    }
    // ADR is adr (T1), addw (T3) and subw (T2) in the decoder's rows.
    for (const m of ['adr', 'addw', 'subw', 'ldr', 'ldrb', 'ldrh', 'ldrsb', 'ldrsh', 'ldrd', 'mov', 'add']) expect(trace.pcReads.get(m) ?? 0, `${m} reading the PC`).toBeGreaterThan(20);
    for (const how of ['b<c>', 'b<c>.w', 'b', 'cbz', 'cbnz', 'tbb', 'tbh', 'b.w', 'bl', 'blx', 'bx', 'mov pc', 'add pc']) expect(trace.branches.get(`t32 ${how}`) ?? 0, how).toBeGreaterThan(10);

    // The compiled path: each sequence looped, compiled blocks against the step.
    const loopStart = performance.now();
    let compiled = 0;
    for (const [i, c] of (report.cases as T32FlowCase[]).entries()) {
      const slowMemory = new FlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }]));
      const fastMemory = new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }]));
      const slow = loopCpu(c, slowMemory);
      const fast = loopCpu(c, fastMemory);
      const label = `case ${i} of seed ${seed}`;
      for (const budget of [300, 1500]) {
        expect(runOutcome(fast, budget), `${label} budget ${budget}`).toBe(runOutcome(slow, budget));
        expect(a32State(fast), `${label} state after ${budget}`).toEqual(a32State(slow));
      }
      expect(firstDifference(scratchOf(fastMemory), scratchOf(slowMemory)), `${label}: first scratch byte that differs`).toBe(-1);
      expect(slow.compiledBlockEntries).toBe(0);
      if (fast.compiledBlockEntries > 0) compiled++;
    }
    console.log(`  looped: ${compiled} of ${report.cases.length} sequences entered compiled blocks (${((performance.now() - loopStart) / 1000).toFixed(1)} s)`);
    expect(compiled).toBeGreaterThan(report.cases.length / 4);
  }, 600_000);
});

