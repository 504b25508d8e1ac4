/**
 * The A64 block compiler must compute exactly what the word-by-word interpreter computes:
 * registers, NZCV, PC, instructions retired, memory, stop reasons and exceptions, after every
 * `run(n)` call. Oracle: the same executor on FlatMemory (no code pages, so no blocks). Random
 * loop bodies come from the decoder-driven generator of the QEMU differential test, biased to
 * the instructions the compiler emits inline, half of them with conditional branches (B.cond,
 * CBZ/CBNZ, TBZ/TBNZ) inserted, half compiled to one block looping in place; budgets end runs
 * inside blocks and inside loop passes.
 */
import { describe, expect, it } from 'vitest';
import { A64Op, decodeA64 } from '../../src/decode/a64';
import { A64Cpu } from '../../src/exec/a64/index';
import { codePageTableOf } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { A64_POINTER_REGISTERS, randomA64Case, randomA64Instruction } from '../diff/a64-sequences';
import { SCRATCH_ADDRESS, type ExecCase } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
const SEED = 0x5eed_a64b;
const CASES = 400;
/** Budgets per run call: odd small ones stop inside compiled blocks, the sum makes loops hot. */
const BUDGETS = [5, 37, 400, 1, 900, 13, 2000, 3, 777];

/** Operations the compiler emits inline (the rest call the executor's handler). */
const INLINE_OPS = new Set<number>([
  A64Op.ADD_SUB_IMM, A64Op.ADD_SUB_SHIFTED, A64Op.ADD_SUB_EXT, A64Op.ADC_SBC, A64Op.LOGIC_IMM, A64Op.LOGIC_SHIFTED,
  A64Op.MOVZ, A64Op.MOVN, A64Op.MOVK, A64Op.SBFM, A64Op.UBFM, A64Op.BFM, A64Op.CSEL, A64Op.CCMP_REG, A64Op.CCMP_IMM,
]);

/** B.cond / CBZ / CBNZ / TBZ / TBNZ over `skip` words forward (C6.2 encodings). */
function randomBranch(rng: Prng, skip: number): number {
  const rt = rng.below(31);
  switch (rng.below(4)) {
    case 0:
      return (0x54000000 | (skip << 5) | rng.below(16)) >>> 0;
    case 1:
      return ((rng.below(2) << 31) | (rng.chance(0.5) ? 0x34000000 : 0x35000000) | (skip << 5) | rt) >>> 0;
    default: {
      const bit = rng.below(64);
      return (((bit >>> 5) << 31) | (rng.chance(0.5) ? 0x36000000 : 0x37000000) | ((bit & 31) << 19) | (skip << 5) | rt) >>> 0;
    }
  }
}

/** B . - 4n: back to the first word of an n-word body. */
function branchBack(n: number): number {
  return (0x14000000 | (-n & 0x3ffffff)) >>> 0;
}

/**
 * A loop body: mostly inline-compiled instructions, some handler ones, and in half the loops a
 * few forward branches (the other half compile to one block that loops in place).
 */
function randomLoop(rng: Prng): ExecCase {
  const c = randomA64Case(rng, 16);
  const n = c.code.length + 1 + rng.below(6);
  const code = new Uint32Array(n + 1);
  const branchy = rng.chance(0.5);
  for (let i = 0; i < n; i++) {
    if (branchy && rng.chance(0.12)) {
      code[i] = randomBranch(rng, 1 + rng.below(n - i)); // lands at most on the closing B
      continue;
    }
    let w = randomA64Instruction(rng);
    for (let tries = 0; tries < 8 && !INLINE_OPS.has(decodeA64(w | 0).op) && rng.chance(0.8); tries++) w = randomA64Instruction(rng);
    code[i] = w;
  }
  code[n] = branchBack(n);
  return { code, initial: c.initial };
}

function memories(c: ExecCase): [FlatMemory, PagedFlatMemory] {
  const out: [FlatMemory, PagedFlatMemory] = [new FlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }]))];
  for (const m of out) {
    m.load(CODE, new Uint8Array(c.code.buffer, c.code.byteOffset, c.code.byteLength));
    m.load(SCRATCH_ADDRESS, c.initial.scratch);
  }
  return out;
}

function cpuFor(memory: FlatMemory, c: ExecCase): A64Cpu {
  const cpu = new A64Cpu({ memory });
  for (let r = 0; r < 31; r++) cpu.setX(r, c.initial.regs[2 * r], c.initial.regs[2 * r + 1]);
  cpu.setSpEl1(c.initial.regs[62], c.initial.regs[63]);
  cpu.nzcv = c.initial.flags >>> 28;
  cpu.pc = CODE;
  return cpu;
}

/** New values for X0..X30 except the load/store bases, the same on every CPU; halves are often 0 or all ones. */
function freshRegisters(rng: Prng, cpus: A64Cpu[]): void {
  const half = (): number => [0, 0xffffffff, 0x80000000, 1][rng.below(8)] ?? rng.u32();
  for (let r = 0; r < 31; r++) {
    if ((A64_POINTER_REGISTERS as readonly number[]).includes(r)) continue;
    const lo = half();
    const hi = half();
    for (const cpu of cpus) cpu.setX(r, lo, hi);
  }
  const flags = rng.below(16);
  for (const cpu of cpus) cpu.nzcv = flags;
}

function state(cpu: A64Cpu): number[] {
  return [cpu.pc, cpu.pstate, cpu.instructionsRetired, cpu.spLo, cpu.spHi, cpu.elrLo, cpu.esr, ...Array.from({ length: 31 }, (_, r) => [cpu.xLo(r), cpu.xHi(r)]).flat()];
}

function outcome(cpu: A64Cpu, budget: number): string {
  try {
    return `ran ${cpu.run(budget)} ${cpu.stopReason}`;
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

function scratchOf(m: FlatMemory): Uint8Array {
  const b = new Uint8Array(512);
  m.physical.readBytes(SCRATCH_ADDRESS, b);
  return b;
}

/** Whether the compiled block at CODE loops in place. */
function selfLoopAtCode(m: PagedFlatMemory): boolean {
  const records = codePageTableOf(m.physical).get(CODE / 4096)?.a64 as { blocks: ({ loops: boolean } | undefined)[] } | null | undefined;
  return records?.blocks[0]?.loops === true;
}

/** Compiled blocks now held for the code page at CODE. */
function compiledBlocks(m: PagedFlatMemory): number {
  const records = codePageTableOf(m.physical).get(CODE / 4096)?.a64 as { blocks: unknown[] } | null | undefined;
  return records ? records.blocks.filter((b) => b !== undefined).length : 0;
}

describe('A64 compiled blocks against the word-by-word interpreter', () => {
  it(`agree on ${CASES} random loops with branches, state compared after every run call`, () => {
    const rng = new Prng(SEED);
    let compared = 0;
    let withBlocks = 0;
    let selfLoops = 0;
    for (let k = 0; k < CASES; k++) {
      const c = randomLoop(rng);
      const [slowMem, fastMem] = memories(c);
      const cpus = [cpuFor(slowMem, c), cpuFor(fastMem, c)];
      if (k % 2 === 1) for (const cpu of cpus) cpu.exceptionPolicy = 'stop';
      for (let round = 0; round < 3; round++) {
        // Later rounds give the (now compiled) loop fresh register values, zero halves included.
        if (round > 0) freshRegisters(rng, cpus);
        for (const budget of BUDGETS) {
          const outcomes = cpus.map((cpu) => outcome(cpu, budget));
          expect(outcomes[1], `case ${k} round ${round}`).toBe(outcomes[0]);
          expect(state(cpus[1]), `case ${k} round ${round}`).toEqual(state(cpus[0]));
          compared++;
        }
      }
      expect(scratchOf(fastMem), `case ${k} memory`).toEqual(scratchOf(slowMem));
      if (compiledBlocks(fastMem) > 0) withBlocks++;
      if (selfLoopAtCode(fastMem)) selfLoops++;
    }
    expect(compared).toBe(CASES * BUDGETS.length * 3);
    // Most loops must really have run compiled code (else this test compares the interpreter with itself).
    expect(withBlocks).toBeGreaterThan(CASES / 2);
    expect(selfLoops).toBeGreaterThan(CASES / 8); // 81 of 400 with this seed: many bodies fault or stop early
  });

  it('agrees on every shift amount, extend option and bitfield immediate, on fresh register values', () => {
    // Encodings from the C4.1 encoding index (data processing, register / immediate).
    const words: number[] = [];
    for (const sf of [0, 1]) {
      const amounts = sf ? 64 : 32;
      for (let amount = 0; amount < amounts; amount++) {
        for (let shift = 0; shift < 4; shift++) {
          for (const opc of [0, 3]) for (const n of [0, 1]) words.push(((sf << 31) | (opc << 29) | 0x0a000000 | (shift << 22) | (n << 21) | (5 << 16) | (amount << 10) | (4 << 5) | 3) >>> 0);
          if (shift < 3) for (const op of [0, 1]) words.push(((sf << 31) | (op << 30) | (1 << 29) | 0x0b000000 | (shift << 22) | (5 << 16) | (amount << 10) | (4 << 5) | 4) >>> 0);
        }
        for (const opc of [0, 1, 2]) words.push(((sf << 31) | (opc << 29) | 0x13000000 | (sf << 22) | (amount << 16) | ((amount * 7) % amounts << 10) | (4 << 5) | 3) >>> 0);
        for (const opc of [0, 1, 2]) words.push(((sf << 31) | (opc << 29) | 0x13000000 | (sf << 22) | (((amount * 5) % amounts) << 16) | (amount << 10) | (6 << 5) | 6) >>> 0);
        // TBZ/TBNZ x5, #bit, .+8
        words.push(((amount >>> 5) << 31 | (sf ? 0x37000000 : 0x36000000) | ((amount & 31) << 19) | (2 << 5) | 5) >>> 0);
      }
      for (let option = 0; option < 8; option++) {
        for (let imm3 = 0; imm3 <= 4; imm3++) {
          for (const op of [0, 1]) words.push(((sf << 31) | (op << 30) | (1 << 29) | 0x0b200000 | (5 << 16) | (option << 13) | (imm3 << 10) | (31 << 5) | 3) >>> 0);
        }
      }
    }
    const rng = new Prng(SEED + 3);
    let compared = 0;
    for (const word of words) {
      if (decodeA64(word | 0).kind !== 'ok') continue;
      const body = Uint32Array.of(word, 0x8b030084 /* add x4, x4, x3 */, branchBack(2));
      const c: ExecCase = { code: body, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
      const [slowMem, fastMem] = memories(c);
      const cpus = [cpuFor(slowMem, c), cpuFor(fastMem, c)];
      for (let round = 0; round < 4; round++) {
        freshRegisters(rng, cpus);
        const [spLo, spHi] = [rng.u32() & ~15, rng.u32()];
        for (const cpu of cpus) cpu.setSpEl1(spLo, spHi);
        const budget = round === 0 ? 60 : 7;
        expect(cpus[1].run(budget)).toBe(cpus[0].run(budget));
        expect(state(cpus[1]), `word ${word.toString(16)} round ${round}`).toEqual(state(cpus[0]));
        compared++;
      }
      expect(compiledBlocks(fastMem), `word ${word.toString(16)}`).toBeGreaterThan(0);
    }
    expect(compared).toBeGreaterThan(4 * 1000);
  });

  it('runs exactly n instructions for every budget that ends inside a block', () => {
    // 12-instruction ALU loop (bench/qemu.ts a64-alu) entered with budgets 1..40 after it is hot.
    const body = Uint32Array.of(0x8b000042, 0xca020c63, 0x2a430484, 0x92781c85, 0xcae51cc6, 0x0a2200c7, 0xab070129, 0x9342fd2a, 0xeb0300ff, 0x9a889508, 0xf1000400, 0x54fffea1);
    const c: ExecCase = { code: body, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
    c.initial.regs[0] = 100_000;
    const [slowMem, fastMem] = memories(c);
    const cpus = [cpuFor(slowMem, c), cpuFor(fastMem, c)];
    for (const cpu of cpus) expect(cpu.run(12 * 40)).toBe(12 * 40);
    expect(compiledBlocks(fastMem)).toBeGreaterThan(0);
    for (let budget = 1; budget <= 40; budget++) {
      expect(cpus[1].run(budget)).toBe(budget);
      cpus[0].run(budget);
      expect(state(cpus[1]), `budget ${budget}`).toEqual(state(cpus[0]));
    }
  });

  it('agrees on calls and returns (BL, BLR, RET) for budgets 1..60 once the blocks are hot', () => {
    const body = Uint32Array.of(
      0x91000400, // add x0, x0, #1
      0x94000004, // bl f
      0xd63f0120, // blr x9   (x9 = f)
      0x8b000063, // add x3, x3, x0
      branchBack(4),
      0x8b1e0084, // f: add x4, x4, x30
      0xd65f03c0, // ret
    );
    const c: ExecCase = { code: body, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
    c.initial.regs[18] = CODE + 20;
    const [slowMem, fastMem] = memories(c);
    const cpus = [cpuFor(slowMem, c), cpuFor(fastMem, c)];
    for (const cpu of cpus) expect(cpu.run(9 * 40)).toBe(9 * 40);
    expect(compiledBlocks(fastMem)).toBeGreaterThan(2);
    for (let budget = 1; budget <= 60; budget++) {
      expect(cpus[1].run(budget)).toBe(cpus[0].run(budget));
      expect(state(cpus[1]), `budget ${budget}`).toEqual(state(cpus[0]));
    }
    expect(cpus[0].x(4)).toBeGreaterThan(0);
  });

  it('keeps NOP-class hints, barriers and plain system-register reads inside one block, at EL1 and EL0', () => {
    // What Debian's arm64 kernel puts in most functions: PACIASP/AUTIASP and BTI (NOPs without
    // FEAT_PAuth and FEAT_BTI), barriers, and reads of SP_EL0 (current) and PSTATE. (TPIDR_EL1 is
    // the system-register model's, which a bare executor has not.)
    const body = Uint32Array.of(
      0xd503233f, // paciasp
      0xd503245f, // bti c
      0x91000400, // add x0, x0, #1
      0xd503201f, // nop
      0xd503203f, // yield
      0xd5384103, // mrs x3, sp_el0
      0xd5033bbf, // dmb ish
      0xd53b4225, // mrs x5, daif
      0xd53b4206, // mrs x6, nzcv
      0xd5384247, // mrs x7, currentel
      0xd5384208, // mrs x8, spsel
      0xd5033f9f, // dsb sy
      0xd5033fdf, // isb
      0xd50323bf, // autiasp
      branchBack(14),
    );
    for (const el of [1, 0]) {
      const c: ExecCase = { code: body, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
      const [slowMem, fastMem] = memories(c);
      const cpus = [cpuFor(slowMem, c), cpuFor(fastMem, c)];
      for (const cpu of cpus) {
        cpu.setSpEl0(0x1234, 0x5678);
        cpu.vbarLo = 0x20000;
        cpu.pstate = el === 0 ? 0 : 5; // EL0t, or EL1h
      }
      for (let round = 0; round < 30; round++) {
        const budget = BUDGETS[round % BUDGETS.length];
        expect(outcome(cpus[1], budget)).toBe(outcome(cpus[0], budget));
        expect(state(cpus[1]), `EL${el} round ${round}`).toEqual(state(cpus[0]));
      }
      if (el === 1) {
        expect(selfLoopAtCode(fastMem)).toBe(true);
        expect([cpus[1].x(3), cpus[1].x(7)]).toEqual([0x5678_0000_1234, 4]);
      } else {
        // MRS SP_EL0 at EL0 is UNDEFINED: an exception to EL1, as the interpreter takes it.
        expect(cpus[1].esr >>> 26).toBe(0);
      }
    }
  });

  it('sees a store that rewrites a later instruction of the same compiled block', () => {
    // x0 counts iterations; when it reaches 40 the loop stores "movz x2, #7" over word 3 ("movz x2, #1").
    const body = Uint32Array.of(
      0x91000400, // add x0, x0, #1
      0xf100a01f, // cmp x0, #40
      0x54000041, // b.ne +8 (skip the store)
      0xb9000024, // str w4, [x1]   (x1 = address of word 4)
      0xd2800022, // movz x2, #1
      0x8b020063, // add x3, x3, x2
      branchBack(6),
    );
    const c: ExecCase = { code: body, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
    c.initial.regs[2] = CODE + 16;
    c.initial.regs[8] = 0xd28000e2; // movz x2, #7
    const [slowMem, fastMem] = memories(c);
    const results = [slowMem, fastMem].map((memory) => {
      const cpu = cpuFor(memory, c);
      cpu.run(6 * 39 + 7 + 6 * 20); // 60 iterations, the 40th with the store
      return [cpu.x(0), cpu.x(3), cpu.instructionsRetired];
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0][0]).toBe(60);
    expect(results[0][1]).toBe(39 * 1 + 21 * 7); // iteration 40 already runs the new word
  });

  it('takes a data abort inside a compiled block and counts the handler as the interpreter does', () => {
    // The loop walks x1 by 1 MiB until its load leaves the 16 MiB of RAM (external abort, D17
    // DFSC 0b010000); the handler at VBAR_EL1 + 0x200 resets x1, counts in x7 and returns.
    const VBAR = 0x20000;
    const loop = Uint32Array.of(
      0xb9400026, // ldr w6, [x1]
      0x91440021, // add x1, x1, #0x100, lsl #12
      0x8b060084, // add x4, x4, x6
      branchBack(3),
    );
    const handler = Uint32Array.of(
      0xaa0903e1, // mov x1, x9
      0x910004e7, // add x7, x7, #1
      0x14000001, // b .+4  (ends the compiled block before the ERET)
      0xd69f03e0, // eret
    );
    const c: ExecCase = { code: loop, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(512) } };
    const [slowMem, fastMem] = memories(c);
    const cpus = [slowMem, fastMem].map((memory) => {
      memory.load(VBAR + 0x200, new Uint8Array(handler.buffer));
      const cpu = cpuFor(memory, c);
      cpu.vbarLo = VBAR;
      return cpu;
    });
    const rng = new Prng(SEED + 2);
    for (let call = 0; call < 400; call++) {
      const budget = 1 + rng.below(23);
      expect(cpus[1].run(budget), `call ${call}`).toBe(cpus[0].run(budget));
      expect(state(cpus[1]), `call ${call}`).toEqual(state(cpus[0]));
    }
    expect(cpus[0].x(7)).toBeGreaterThan(20); // the handler ran often enough to be compiled
    const handlerBlock = (codePageTableOf(fastMem.physical).get(VBAR / 4096)?.a64 as { blocks: unknown[] } | null)?.blocks[0x200 / 4];
    expect(handlerBlock).toBeDefined();
    // Step to the next abort one instruction at a time: the abort retires nothing, the handler's
    // first instruction retires (D1.10: the aborted instruction does not complete).
    for (const cpu of cpus) {
      let guard = 0;
      while (cpu.pc !== CODE || cpu.x(1) !== 0xf00000) {
        cpu.run(1);
        expect(++guard).toBeLessThan(200);
      }
      expect(cpu.run(1)).toBe(1); // ldr (last good address)
      expect(cpu.run(1)).toBe(1); // add x1
      expect(cpu.run(1)).toBe(1); // add x4
      expect(cpu.run(1)).toBe(1); // b
      expect(cpu.run(1)).toBe(0); // ldr faults
      expect(cpu.pc).toBe(VBAR + 0x200);
      expect(cpu.run(1)).toBe(1); // mov x1, x9
    }
  });

  it('stops at the instruction boundary a memory access requests, as the interpreter does', () => {
    // Every iteration stores its count to STOP_ADDRESS (inside the compiled block); storing 50 asks the CPU to stop.
    const STOP_ADDRESS = SCRATCH_ADDRESS + 256;
    class StoppingMemory extends PagedFlatMemory {
      cpu: A64Cpu | null = null;
      override write32(va: number, value: number): void {
        super.write32(va, value);
        if (va === STOP_ADDRESS && value === 50) this.cpu?.requestStop();
      }
    }
    const body = Uint32Array.of(
      0x91000400, // add x0, x0, #1
      0xb9000020, // str w0, [x1]
      0x8b000063, // add x3, x3, x0
      branchBack(3),
    );
    const runs = [false, true].map((paged) => {
      const memory = new StoppingMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }]));
      memory.load(CODE, new Uint8Array(body.buffer));
      const cpu = new A64Cpu({ memory: paged ? memory : new FlatMemoryView(memory) });
      memory.cpu = cpu;
      cpu.setX(1, STOP_ADDRESS);
      cpu.pc = CODE;
      const ran = cpu.run(10_000);
      return [ran, cpu.stopReason, cpu.pc, cpu.x(0), cpu.x(3)];
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0][0]).toBe(49 * 4 + 2); // stopped right after the store of iteration 50
    expect(runs[0][1]).toBe('requested');
    expect(runs[0][3]).toBe(50);
  });
});

/** The same memory seen without code pages (word-by-word fetch). */
class FlatMemoryView extends FlatMemory {
  constructor(private readonly inner: FlatMemory) {
    super(inner.physical);
  }
  override write32(va: number, value: number): void {
    this.inner.write32(va, value);
  }
}
