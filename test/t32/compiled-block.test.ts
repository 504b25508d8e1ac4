/**
 * Compiled T32 blocks (src/exec/t32/block-compiler.ts) must compute exactly what the
 * instruction-at-a-time step computes, whatever ends them: the closing branch, the budget, a
 * handler branching, an instruction that ends a block inside an IT block, an abort in the middle
 * of an IT block, or a store that rewrites the loop's own code. Oracle: the same CPU on FlatMemory
 * (no code pages, so no blocks); the compiled side runs on PagedFlatMemory and must have entered
 * compiled blocks. Registers of every mode, CPSR (ITSTATE included), SPSRs, the retired count,
 * the fault registers and memory are compared after every budget.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { QEMU_BENCH_LOOPS, T32_ALU_LOOP } from '../../bench/qemu';
import { linkProgram } from '../oracles/link';
import { assembleWords } from '../oracles/llvm-mc';
import { runUserElf } from '../oracles/qemu-user';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { a32State, faultRegisterLog, runOutcome } from '../fast-path/compare';
import { randomT32Case } from '../diff/t32-sequences';
import { SCRATCH_ADDRESS, SCRATCH_SIZE } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
const RAM_BYTES = 16 << 20;
/** SVC mode, IRQ and FIQ masked, T32 state (CPSR.T, Arm ARM G8 "CPSR"). */
const CPSR_SVC_THUMB = 0x1f3;

/**
 * VA = PA memory that hands out code pages, so the executor takes its page runs and compiled blocks.
 * The page is checked with a halfword fetch (a T32 instruction at a page's last halfword may be
 * the last of RAM: a word fetch there would abort where the instruction does not).
 */
/** Halfwords in memory order of instructions written as llvm-objdump prints them (first halfword high). */
function halfwords(insns: readonly number[]): number[] {
  return insns.flatMap((w) => (w > 0xffff ? [w >>> 16, w & 0xffff] : [w]));
}

interface Pair {
  readonly slow: A32Cpu;
  readonly fast: A32Cpu;
  readonly memories: readonly [FlatMemory, PagedFlatMemory];
  readonly faults: readonly [string[], string[]];
}

function pair(code: readonly number[], setup: (cpu: A32Cpu) => void, scratch?: Uint8Array): Pair {
  const memories: [FlatMemory, PagedFlatMemory] = [new FlatMemory(new PhysicalMemory([{ base: 0, size: RAM_BYTES }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: RAM_BYTES }]))];
  const recorders = [faultRegisterLog(), faultRegisterLog()];
  const [slow, fast] = memories.map((memory, k) => {
    memory.load(CODE, new Uint8Array(Uint16Array.from(code).buffer));
    if (scratch) memory.load(SCRATCH_ADDRESS, scratch);
    const cpu = new A32Cpu({ memory, onGuestAbort: recorders[k].onGuestAbort });
    cpu.cpsr = CPSR_SVC_THUMB;
    setup(cpu);
    cpu.pc = CODE;
    return cpu;
  });
  return { slow, fast, memories, faults: [recorders[0].log, recorders[1].log] };
}

function expectSame(p: Pair, budgets: readonly number[], label: string): void {
  for (const budget of budgets) {
    expect(runOutcome(p.fast, budget), `${label} budget ${budget}`).toBe(runOutcome(p.slow, budget));
    expect(a32State(p.fast), `${label} state after ${budget}`).toEqual(a32State(p.slow));
    expect(p.faults[1], `${label} fault registers`).toEqual(p.faults[0]);
  }
  expect(p.slow.compiledBlockEntries, `${label}: the oracle ran compiled blocks`).toBe(0);
  const bytes = (m: FlatMemory, at: number, n: number): Uint8Array => {
    const b = new Uint8Array(n);
    m.physical.readBytes(at, b);
    return b;
  };
  expect(bytes(p.memories[1], SCRATCH_ADDRESS, SCRATCH_SIZE), `${label} memory`).toEqual(bytes(p.memories[0], SCRATCH_ADDRESS, SCRATCH_SIZE));
  expect(bytes(p.memories[1], CODE, 256), `${label} code`).toEqual(bytes(p.memories[0], CODE, 256));
}

/** B (T2, 16-bit) from `fromByte` to the start of the code. */
function branchBackTo0(fromByte: number): number {
  return 0xe000 | ((-(fromByte + 4) >> 1) & 0x7ff);
}

describe('compiled T32 blocks do what step does', () => {
  it('on 300 random looping sequences with IT blocks, loads and stores (fixed seeds)', () => {
    let compiled = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const c = randomT32Case(new Prng(seed), 8);
      const hws = halfwords(Array.from(c.code));
      hws.push(branchBackTo0(2 * hws.length));
      const p = pair(hws, (cpu) => {
        cpu.cpsr = ((c.initial.flags & 0xf80f0000) | CPSR_SVC_THUMB) >>> 0;
        for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
      }, c.initial.scratch);
      expectSame(p, [7, 300, 3000, 20_000], `seed ${seed} [${Array.from(c.code, (w) => w.toString(16)).join(' ')}]`);
      if (p.fast.compiledBlockEntries > 0) compiled++;
    }
    // Seen: 202 of 300; the others leave T32 state by an exception (half the cases start with SP
    // outside RAM, so PUSH/POP abort) before the loop gets hot.
    expect(compiled).toBeGreaterThan(180);
  });

  it('on the t32-alu bench loop over long runs (the loop counts down to its exit)', () => {
    const code = [...halfwords(Array.from(T32_ALU_LOOP.words)), 0xe7fe]; // b . (the run ends on the budget)
    const p = pair(code, (cpu) => {
      cpu.r[0] = 5000;
    });
    expectSame(p, [1, 12, 13, 14, 1000, 23_457, 70_000], 't32-alu');
    expect(p.fast.r[0], 'ran to the end').toBe(0);
    expect(p.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(0);
  });

  it('leave IT blocks in the middle (a handler call, an MRS that ends the block) and read Align(PC, 4)', () => {
    // llvm-objdump of: loop: adds r2, r2, #3; ldr r7, [pc, #28]; add r4, r7; adr.w r8, loop;
    // ands r5, r2, #4; itete ne; mulne r3, r2, r3; addeq r4, r4, r2; mrsne r6, apsr;
    // eoreq.w r4, r4, r3, lsl #1; add r4, r8; b loop; .word 0x12345678, 0x9abcdef0 (at 0x20).
    // The LDR (literal) at 0x2 and the ADR at 0x6 read Align(PC, 4): 0x4 and 0x8, not 0x6 and 0xa.
    const code = [...halfwords([0x1cd2, 0x4f07, 0x443c, 0xf2af0808, 0xf0120504, 0xbf15, 0x4353, 0x18a4, 0xf3ef8600, 0xea840443, 0x4444, 0xe7ef]), 0x5678, 0x1234, 0xdef0, 0x9abc];
    const p = pair(code, (cpu) => {
      cpu.r[3] = 7;
    });
    expectSame(p, [5, 6, 7, 8, 9, 10, 11, 1000, 5003, 40_000], 'mid-IT exits');
    expect(p.fast.r[7], 'the literal').toBe(0x12345678);
    expect(p.fast.r[8], 'ADR').toBe(CODE);
    expect(p.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(100);
  });

  it('leave through a handler that writes the PC as the last instruction of an IT block (ITSTATE advances to 0)', () => {
    // loop: adds r2, #1; cmp r2, r2; it eq; moveq pc, r9 (r9 = loop: BranchWritePC in T32 state);
    // b loop (never reached; it keeps the block short, so budgets end just after the MOV: with
    // ITSTATE left at EQ the next ADDS would not set flags).
    const p = pair([0x3201, 0x4292, 0xbf08, 0x46cf, 0xe7fa], (cpu) => {
      cpu.r[9] = CODE;
    });
    expectSame(p, [3, 4, 5, 100, 4001], 'PC written in IT');
    expect(p.fast.itState).toBe(0);
    // 4113 instructions: 1028 passes of 4 and the ADDS of the next.
    expect(p.fast.r[2], 'one ADDS a pass').toBe(1029);
    // Every pass after the 16 that make the block hot runs compiled (seen: 1012 of 1028): a pass
    // that left ITSTATE non-zero would send the next one to the interpreter, which heals it.
    expect(p.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(1000);
  });

  it('stop on a load that aborts inside an IT block with ITSTATE, PC and the retired count exact', () => {
    // adds r2, r2, #1; cmp r2, #0; ittt ne; ldrne r3, [r1]; addne.w r1, r1, #1024; eorne r4, r3; b loop.
    // r1 walks upwards 1 KiB a pass until it leaves RAM: the LDR aborts (exceptions stop the run).
    const code = halfwords([0x1c52, 0x2a00, 0xbf1e, 0x680b, 0xf5016180, 0x405c, 0xe7f7]);
    const p = pair(code, (cpu) => {
      cpu.r[1] = RAM_BYTES - 40 * 1024;
      cpu.exceptionPolicy = 'stop';
    });
    expectSame(p, [3, 100, 1_000_000], 'abort in IT');
    expect(p.fast.stopReason).toBe('exception');
    expect(p.fast.itState, 'stopped inside the IT block').not.toBe(0);
    expect(p.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(0);
  });

  it('see a store that rewrites the loop body (self-modifying code)', () => {
    // eor.w r5, r5, r6; strh r5, [r7]; patched: adds r2, #1; adds r3, r3, r2; subs r0, #1; bne loop.
    // Each pass flips the instruction at `patched` between adds r2, #1 (0x3201) and adds r2, #2 (0x3202).
    const code = [...halfwords([0xea850506, 0x803d, 0x3201, 0x189b, 0x3801, 0xd1f8]), 0xe7fe];
    const p = pair(code, (cpu) => {
      cpu.r[0] = 3000;
      cpu.r[5] = 0x3201;
      cpu.r[6] = 0x3201 ^ 0x3202;
      cpu.r[7] = CODE + 6;
    });
    expectSame(p, [5, 100, 999, 5000, 30_000], 'self-modifying');
    expect(p.fast.r[0], 'ran to the end').toBe(0);
    // The patched instruction alternated: 1500 passes adding 2 and 1500 adding 1.
    expect(p.fast.r[2]).toBe(1500 * 3);
    expect(p.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(0);
  });
});

const haveTools = oraclesAvailable('t32-alu bench loop against llvm-mc and qemu-arm', LLVM_MC, LD_LLD, QEMU_ARM);

describe.skipIf(!haveTools)('the t32-alu bench loop', () => {
  const thumb = { triple: 'thumbv7a-none-eabi', mattr: '' };

  it('is what llvm-mc assembles from its source', () => {
    // .text as little-endian words; the body is 40 bytes, so a NOP makes it 44 (whole words).
    const words = assembleWords(['.syntax unified', '.thumb', ...T32_ALU_LOOP.source, 'nop'].join('\n'), thumb);
    const stream = Array.from(words).flatMap((w) => [w & 0xffff, w >>> 16]);
    expect(stream.slice(0, -1)).toEqual(halfwords(Array.from(T32_ALU_LOOP.words)));
  });

  it('leaves the registers qemu-arm leaves in T32 state, and the a32-alu loop leaves in setway', () => {
    const iterations = 1000;
    // Thumb entry (odd e_entry), the loop's entry state, the loop, then write(1, r0-r10) and exit(0).
    const body = Array.from(T32_ALU_LOOP.words, (w) => `  .inst.${w > 0xffff ? 'w' : 'n'} 0x${w.toString(16)}`);
    const zero = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((r) => `  mov.w r${r}, #0`);
    const source = ['.syntax unified', '.thumb', '.text', '.globl _start', '.type _start, %function', '.thumb_func', '_start:',
      `  ldr r0, =${iterations}`, '  mov.w r1, #0', ...zero, '  msr APSR_nzcvq, r2', ...body,
      '  sub sp, #44', '  mov r11, sp', '  stm r11, {r0-r10}', '  movs r0, #1', '  mov r1, r11', '  movs r2, #44', '  movs r7, #4', '  svc #0',
      '  movs r0, #0', '  movs r7, #1', '  svc #0', '.ltorg'].join('\n');
    const run = runUserElf(linkProgram(source, 'a32'), 'a32');
    expect(run.status, run.stderr).toBe(0);
    const qemu = Array.from(new Uint32Array(run.stdout.slice().buffer, 0, 11));

    const t32 = pair([...halfwords(Array.from(T32_ALU_LOOP.words)), 0xe7fe], (cpu) => {
      cpu.r[0] = iterations;
    });
    t32.fast.run(iterations * T32_ALU_LOOP.words.length);
    expect(t32.fast.compiledBlockEntries, 'ran compiled').toBeGreaterThan(0);
    expect(Array.from(t32.fast.r.slice(0, 11))).toEqual(qemu);

    const a32Loop = QEMU_BENCH_LOOPS.find((l) => l.name === 'a32-alu')!;
    const memory = new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: RAM_BYTES }]));
    memory.load(CODE, new Uint8Array(a32Loop.words.buffer));
    const a32 = new A32Cpu({ memory });
    a32.cpsr = 0x1d3;
    a32.r[0] = iterations;
    a32.pc = CODE;
    a32.run(iterations * a32Loop.words.length);
    expect(Array.from(a32.r.slice(0, 11)), 'the same operations in A32').toEqual(qemu);
  });
});
