/**
 * A32 blocks that loop in place (the closing B/BL targets the block's first word) must compute
 * exactly what the word-by-word interpreter computes, whatever ends the loop: the branch
 * condition failing, the budget ending mid-pass, a handler branching, an abort, or a store that
 * rewrites the loop's own code. Oracle: the same executor on FlatMemory (no code pages, no blocks).
 */
import { describe, expect, it } from 'vitest';
import { A32Op, decodeA32 } from '../../src/decode/a32/index';
import { A32Cpu } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { a32State, faultRegisterLog, firstDifference, runOutcome } from './compare';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { QEMU_BENCH_LOOPS } from '../../bench/qemu';
import { randomA32Case, randomA32Instruction } from '../diff/a32-sequences';
import { SCRATCH_ADDRESS } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
// Random loops that must have entered a compiled block, per test (seen: 202, 225 and 94; a loop
// whose closing condition fails at once never gets hot).
const MOST_OF_400 = 150;
const MOST_OF_300 = 150;
const MOST_OF_100 = 75;
const RAM_BYTES = 16 << 20;

interface Pair {
  readonly slow: A32Cpu;
  readonly fast: A32Cpu;
  readonly memories: readonly [FlatMemory, PagedFlatMemory];
  /** What each would write to DFSR/DFAR, IFSR/IFAR: [slow, fast]. */
  readonly faults: readonly [string[], string[]];
}

function pair(code: Uint32Array, setup: (cpu: A32Cpu) => void, scratch?: Uint8Array): Pair {
  const memories: [FlatMemory, PagedFlatMemory] = [new FlatMemory(new PhysicalMemory([{ base: 0, size: RAM_BYTES }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: RAM_BYTES }]))];
  const recorders = [faultRegisterLog(), faultRegisterLog()];
  const [slow, fast] = memories.map((memory, k) => {
    memory.load(CODE, new Uint8Array(code.buffer, code.byteOffset, code.byteLength));
    if (scratch) memory.load(SCRATCH_ADDRESS, scratch);
    const cpu = new A32Cpu({ memory, onGuestAbort: recorders[k].onGuestAbort });
    cpu.cpsr = 0x1d3;
    setup(cpu);
    cpu.pc = CODE;
    return cpu;
  });
  return { slow, fast, memories, faults: [recorders[0].log, recorders[1].log] };
}

/**
 * Run both with each budget in turn; compare every piece of architectural state after each
 * (registers of every mode, CPSR, SPSRs, retired count, fault registers). The interpreter never
 * enters a compiled block (FlatMemory has no code pages).
 */
function expectSame(p: Pair, budgets: readonly number[], label: string): void {
  for (const budget of budgets) {
    expect(runOutcome(p.fast, budget), `${label} budget ${budget}`).toBe(runOutcome(p.slow, budget));
    expect(a32State(p.fast), `${label} state`).toEqual(a32State(p.slow));
    expect(p.faults[1], `${label} fault registers`).toEqual(p.faults[0]);
  }
  expect(p.slow.compiledBlockEntries, `${label}: the oracle ran compiled blocks`).toBe(0);
  const bytes = (m: FlatMemory): Uint8Array => {
    const b = new Uint8Array(512);
    m.physical.readBytes(SCRATCH_ADDRESS, b);
    return b;
  };
  expect(bytes(p.memories[1]), `${label} memory`).toEqual(bytes(p.memories[0]));
}

/** LDR/STR(B) and LDRH/STRH/LDRSB/LDRSH, every index mode, immediate and register offsets (Arm ARM F4.1.x encodings). */
function randomLoadStore(rng: Prng): number {
  const P = rng.below(2);
  const U = rng.below(2);
  const W = P === 1 ? rng.below(2) : 0; // P=0 W=1 is the unprivileged (T) form
  const L = rng.below(2);
  const rn = 1 + rng.below(2);
  const rt = 3 + rng.below(5);
  const head = (0xe << 28) >>> 0;
  if (rng.chance(0.6)) {
    const B = rng.below(2);
    if (rng.chance(0.6)) return (head | (0b010 << 25) | (P << 24) | (U << 23) | (B << 22) | (W << 21) | (L << 20) | (rn << 16) | (rt << 12) | rng.below(64)) >>> 0;
    return (head | (0b011 << 25) | (P << 24) | (U << 23) | (B << 22) | (W << 21) | (L << 20) | (rn << 16) | (rt << 12) | (rng.below(3) << 7) | 8) >>> 0;
  }
  // Extra: SH = 01 halfword (LDRH/STRH), 10 LDRSB, 11 LDRSH (stores of 1x are LDRD/STRD: keep loads).
  const sh = L === 1 ? 1 + rng.below(3) : 1;
  if (rng.chance(0.6)) {
    const imm = rng.below(64);
    return (head | (P << 24) | (U << 23) | (1 << 22) | (W << 21) | (L << 20) | (rn << 16) | (rt << 12) | ((imm >> 4) << 8) | 0x90 | (sh << 5) | (imm & 15)) >>> 0;
  }
  return (head | (P << 24) | (U << 23) | (W << 21) | (L << 20) | (rn << 16) | (rt << 12) | 0x90 | (sh << 5) | 8) >>> 0;
}

function randomScratch(rng: Prng): Uint8Array {
  const b = new Uint8Array(512);
  for (let i = 0; i < b.length; i++) b[i] = rng.below(256);
  return b;
}

/** 64 KiB on each side of the scratch area, where drifting base registers write. */
function region(m: FlatMemory): Uint8Array {
  const b = new Uint8Array(128 * 1024);
  m.physical.readBytes(SCRATCH_ADDRESS - 64 * 1024, b);
  return b;
}

/** B<cond> or BL<cond> from word `at` back to word 0. */
function branchTo0(cond: number, link: boolean, at: number): number {
  return ((cond << 28) | 0x0a000000 | (link ? 1 << 24 : 0) | ((-(at + 2)) & 0xffffff)) >>> 0;
}

const inlineOps = new Set<number>([A32Op.DataProcessingImm, A32Op.DataProcessingReg, A32Op.MovWide]);

/** Mostly instructions the compiler emits inline, some that call handlers (loads, stores, multiplies...). */
function loopBody(rng: Prng, n: number, inlineOnly: boolean): Uint32Array {
  const body = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let w = randomA32Instruction(rng);
    const wantInline = inlineOnly || rng.chance(0.75);
    for (let tries = 0; tries < 50 && wantInline && !inlineOps.has(decodeA32(w).op); tries++) w = randomA32Instruction(rng);
    const insn = decodeA32(w);
    // A write of the PC would leave the loop at once: keep the loop a loop.
    if (inlineOps.has(insn.op) && insn.rd === 15) w = (w & ~0xf000) >>> 0;
    body[i] = w;
  }
  return body;
}

describe('A32 loops compiled in place', () => {
  it('agree with the interpreter on 400 random loops closed by a conditional B or BL', () => {
    const rng = new Prng(0x100b_a32);
    const budgets = [1, 17, 12, 3000, 5, 50_000, 7, 100_000];
    let compiledRuns = 0;
    for (let k = 0; k < 400; k++) {
      const c = randomA32Case(rng, 1);
      const n = 1 + rng.below(14);
      const code = new Uint32Array(n + 1);
      code.set(loopBody(rng, n, k % 2 === 0));
      code[n] = branchTo0(rng.below(15), rng.chance(0.25), n);
      const p = pair(code, (cpu) => {
        cpu.r.set(c.initial.regs);
        cpu.cpsr = (0x1d3 | (c.initial.flags & 0xf80f0000)) >>> 0;
      }, c.initial.scratch);
      expectSame(p, budgets, `case ${k} [${[...code].map((w) => w.toString(16)).join(' ')}]`);
      if (p.fast.compiledBlockEntries > 0) compiledRuns++;
    }
    // Most loops really ran compiled (else this compares the interpreter with itself).
    expect(compiledRuns).toBeGreaterThan(MOST_OF_400);
  });

  it('agree on 300 random loops of loads and stores (every addressing form, endianness, alignment checks)', () => {
    const rng = new Prng(0x1d57_a32);
    const budgets = [1, 9, 100, 4, 2000, 30_000];
    let compiledRuns = 0;
    for (let k = 0; k < 300; k++) {
      const n = 2 + rng.below(8);
      const code = new Uint32Array(n + 1);
      for (let i = 0; i < n; i++) code[i] = rng.chance(0.2) ? randomA32Instruction(rng) : randomLoadStore(rng);
      code[n] = branchTo0(rng.chance(0.8) ? 14 : rng.below(14), false, n);
      const bigEndian = k % 5 === 4;
      const strict = k % 7 === 3;
      const regs = Array.from({ length: 13 }, () => rng.u32() & 0xfff);
      regs[1] = SCRATCH_ADDRESS + 256;
      regs[2] = SCRATCH_ADDRESS + 64;
      regs[8] = 4 * rng.below(4) + rng.below(2);
      const p = pair(code, (cpu) => {
        regs.forEach((v, r) => (cpu.r[r] = v));
        cpu.strictAlignment = strict;
        cpu.exceptionPolicy = 'stop';
        if (bigEndian) cpu.cpsr = (cpu.cpsr | 0x200) >>> 0; // CPSR.E: data accesses big-endian
      }, randomScratch(rng));
      expectSame(p, budgets, `case ${k} [${[...code].map((w) => w.toString(16)).join(' ')}]`);
      expect(firstDifference(region(p.memories[1]), region(p.memories[0])), `case ${k}: first differing byte around the scratch area`).toBe(-1);
      if (p.fast.compiledBlockEntries > 0) compiledRuns++;
    }
    expect(compiledRuns).toBeGreaterThan(MOST_OF_300);
  });

  // What an observer of loads reports as a load's position (a lockstep verdict's "instruction N at
  // PC"): the block writes the exact count and PC before each full-path call of an inline access.
  it('make every memory call at the interpreter\'s position (instructions retired before it, its PC)', () => {
    const rng = new Prng(0x1d57_a33);
    let calls = 0;
    let compiledRuns = 0;
    for (let k = 0; k < 100; k++) {
      const n = 2 + rng.below(8);
      const code = new Uint32Array(n + 1);
      for (let i = 0; i < n; i++) code[i] = rng.chance(0.2) ? randomA32Instruction(rng) : randomLoadStore(rng);
      code[n] = branchTo0(14, rng.chance(0.5), n);
      const regs = Array.from({ length: 13 }, () => rng.u32() & 0xfff);
      regs[1] = SCRATCH_ADDRESS + 256;
      regs[2] = SCRATCH_ADDRESS + 64;
      const p = pair(code, (cpu) => {
        regs.forEach((v, r) => (cpu.r[r] = v));
        cpu.exceptionPolicy = 'stop';
      }, randomScratch(rng));
      const logs = [p.slow, p.fast].map((cpu, j) => {
        const log: number[] = [];
        const m = p.memories[j] as FlatMemory & Record<string, unknown>;
        for (const name of ['read8', 'read16', 'read32', 'write8', 'write16', 'write32'] as const) {
          const inner = (m[name] as (...a: number[]) => number).bind(m);
          m[name] = (...a: number[]): number => (log.push(a[0], cpu.retiredNow, cpu.instructionPc), inner(...a));
        }
        return log;
      });
      expectSame(p, [7, 300, 3000], `case ${k}`);
      expect(logs[1], `case ${k} [${[...code].map((w) => w.toString(16)).join(' ')}]`).toEqual(logs[0]);
      calls += logs[0].length / 3;
      if (p.fast.compiledBlockEntries > 0) compiledRuns++;
    }
    expect(calls).toBeGreaterThan(100_000);
    expect(compiledRuns).toBeGreaterThan(MOST_OF_100);
  });

  it('agree on the bench loops over long runs (the loop counts down to its exit)', () => {
    for (const loop of QEMU_BENCH_LOOPS.filter((l) => l.isa === 'a32')) {
      const code = new Uint32Array(loop.words.length + 1);
      code.set(loop.words);
      code[loop.words.length] = 0xeafffffe; // b . (the run ends on the budget)
      const p = pair(code, (cpu) => {
        cpu.r[0] = 5000;
        cpu.r[1] = SCRATCH_ADDRESS + 1024 / 8;
      });
      expectSame(p, [1, 11, 12, 13, 1000, 23_457, 40_000], loop.name);
      expect(p.fast.r[0], `${loop.name} ran to the end`).toBe(0);
      expect(p.fast.compiledBlockEntries, `${loop.name} ran compiled`).toBeGreaterThan(0);
    }
  });

  it('leave through a load that aborts mid-pass with the interpreter state', () => {
    // r1 walks upwards 1 KiB a pass until it leaves RAM: the LDR aborts (no vectors: the run throws).
    const code = Uint32Array.of(
      0xe2822001, // add r2, r2, #1
      0xe5913000, // ldr r3, [r1]
      0xe2811b01, // add r1, r1, #1024
      0xe0244003, // eor r4, r4, r3
      branchTo0(14, false, 4),
    );
    const p = pair(code, (cpu) => {
      cpu.r[1] = RAM_BYTES - 20 * 1024;
      cpu.exceptionPolicy = 'stop';
    });
    expectSame(p, [3, 10, 1000], 'abort');
    expect(p.fast.r[2]).toBe(21);
    expect(p.fast.compiledBlockEntries).toBeGreaterThan(0);
  });

  it('see a store that rewrites a word of their own body on the next pass', () => {
    // After 40 passes the loop stores "mov r2, #7" over word 3 ("mov r2, #1").
    const code = Uint32Array.of(
      0xe2800001, // add r0, r0, #1
      0xe3500028, // cmp r0, #40
      0x05814000, // streq r4, [r1]  (r1 = address of word 3)
      0xe3a02001, // mov r2, #1
      0xe0833002, // add r3, r3, r2
      0xe3500064, // cmp r0, #100
      branchTo0(1, false, 6), // bne
    );
    const p = pair(code, (cpu) => {
      cpu.r[1] = CODE + 12;
      cpu.r[4] = 0xe3a02007; // mov r2, #7
    });
    expectSame(p, [7 * 20, 7 * 100], 'self-modifying');
    expect(p.fast.r[3]).toBe(39 * 1 + 61 * 7);
    expect(p.fast.compiledBlockEntries).toBeGreaterThan(0);
  });

  it('stop when a handler in the body branches (LDR pc)', () => {
    // After 30 passes, LDR pc loads the address of the exit word.
    const code = Uint32Array.of(
      0xe2800001, // add r0, r0, #1
      0xe350001e, // cmp r0, #30
      0x0591f000, // ldreq pc, [r1]
      branchTo0(14, false, 3),
      0xe3a05005, // mov r5, #5
      0xeafffffe, // b .
    );
    const scratch = new Uint8Array(512);
    new DataView(scratch.buffer).setUint32(0, CODE + 16, true);
    const p = pair(code, (cpu) => {
      cpu.r[1] = SCRATCH_ADDRESS;
    }, scratch);
    expectSame(p, [50, 200], 'handler branch');
    expect(p.fast.r[5]).toBe(5);
    expect(p.fast.compiledBlockEntries).toBeGreaterThan(0);
  });
});
