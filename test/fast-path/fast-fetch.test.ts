/**
 * The page-at-a-time fetch, the decoded-record pages and the A32 block compiler must compute
 * exactly what the word-by-word interpreter computes. Oracle: the same executor on FlatMemory
 * (no code pages, so one fetch and decode check per instruction). Random sequences come from the
 * decoder-driven generators of the QEMU differential test, run as hot loops so blocks compile,
 * with budgets that end runs inside blocks.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { A64Cpu } from '../../src/exec/a64/index';
import { codePageTableOf } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { a32State, faultRegisterLog } from './compare';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { randomA32Case } from '../diff/a32-sequences';
import { randomA64Case } from '../diff/a64-sequences';
import { SCRATCH_ADDRESS, type ExecCase } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
const SEED = 0x5eed_f457;
const CASES = 300;
/** Budgets per run call: small ones stop inside compiled blocks, the sum makes loops hot. */
const BUDGETS = [5, 37, 400, 1, 900, 13, 2000];

function memories(c: ExecCase, loopTail: Uint32Array): [FlatMemory, PagedFlatMemory] {
  const out: [FlatMemory, PagedFlatMemory] = [new FlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 16 << 20 }]))];
  const code = new Uint32Array(c.code.length + loopTail.length);
  code.set(c.code);
  code.set(loopTail, c.code.length);
  for (const m of out) {
    m.load(CODE, new Uint8Array(code.buffer));
    m.load(SCRATCH_ADDRESS, c.initial.scratch);
  }
  return out;
}

function scratchOf(m: FlatMemory): Uint8Array {
  const b = new Uint8Array(512);
  m.physical.readBytes(SCRATCH_ADDRESS, b);
  return b;
}

/** B . - 4n (A32): branch back to the first word of an n-word body. */
function a32BranchBack(n: number): number {
  return (0xea000000 | ((-(n + 2)) & 0xffffff)) >>> 0;
}

/** B . - 4n (A64). */
function a64BranchBack(n: number): number {
  return (0x14000000 | (-n & 0x3ffffff)) >>> 0;
}

describe('A32 fast path (code pages, block compiler) against the word-by-word interpreter', () => {
  it(`agrees on ${CASES} random looping sequences, state compared after every run call`, () => {
    const rng = new Prng(SEED);
    let compared = 0;
    let compiledRuns = 0;
    for (let k = 0; k < CASES; k++) {
      const c = randomA32Case(rng, 12);
      const [slowMem, fastMem] = memories(c, Uint32Array.of(a32BranchBack(c.code.length)));
      const faults = [faultRegisterLog(), faultRegisterLog()];
      const cpus = [slowMem, fastMem].map((memory, j) => {
        const cpu = new A32Cpu({ memory, onGuestAbort: faults[j].onGuestAbort });
        cpu.cpsr = (0x1d3 | (c.initial.flags & 0xf80f0000)) >>> 0;
        cpu.r.set(c.initial.regs);
        cpu.pc = CODE;
        return cpu;
      });
      for (const budget of BUDGETS) {
        const outcomes = cpus.map((cpu) => {
          try {
            return `ran ${cpu.run(budget)}`;
          } catch (e) {
            return `threw ${(e as Error).message}`;
          }
        });
        expect(outcomes[1], `case ${k}`).toBe(outcomes[0]);
        expect(a32State(cpus[1]), `case ${k} state`).toEqual(a32State(cpus[0]));
        expect(faults[1].log, `case ${k} fault registers`).toEqual(faults[0].log);
        compared++;
      }
      expect(scratchOf(fastMem), `case ${k} memory`).toEqual(scratchOf(slowMem));
      expect(cpus[0].compiledBlockEntries, 'the oracle ran compiled blocks').toBe(0);
      if (cpus[1].compiledBlockEntries > 0) compiledRuns++;
    }
    expect(compared).toBe(CASES * BUDGETS.length);
    // Most cases really ran compiled blocks (seen: 206 of 300), else this compares the interpreter with itself.
    expect(compiledRuns).toBeGreaterThan(CASES / 2);
  });

  it('sees a store that rewrites a later instruction of the same compiled block', () => {
    // r0 counts iterations; after 40 of them the loop stores "mov r2, #7" over word 3 ("mov r2, #1").
    const body = Uint32Array.of(
      0xe2800001, // add r0, r0, #1
      0xe3500028, // cmp r0, #40
      0x05814000, // streq r4, [r1]  (r1 = address of word 3)
      0xe3a02001, // mov r2, #1
      0xe0833002, // add r3, r3, r2
      a32BranchBack(5),
    );
    const c: ExecCase = { code: body.subarray(0, 5), initial: { regs: new Uint32Array(15), flags: 0, scratch: new Uint8Array(512) } };
    const [slowMem, fastMem] = memories(c, body.subarray(5));
    const results = [slowMem, fastMem].map((memory) => {
      const cpu = new A32Cpu({ memory });
      cpu.cpsr = 0x1d3;
      cpu.r[1] = CODE + 12;
      cpu.r[4] = 0xe3a02007; // mov r2, #7
      cpu.pc = CODE;
      cpu.run(6 * 60);
      return [cpu.r[0], cpu.r[3], cpu.compiledBlockEntries > 0 ? 1 : 0];
    });
    expect(results[1][2], 'the fast path ran a compiled block').toBe(1);
    results.forEach((r) => r.pop());
    expect(results[1]).toEqual(results[0]);
    expect(results[0][1]).toBe(39 * 1 + 21 * 7); // iteration 40 already runs the new word
  });
});

describe('A64 fast path (code pages) against the word-by-word interpreter', () => {
  it(`agrees on ${CASES} random looping sequences, state compared after every run call`, () => {
    const rng = new Prng(SEED + 1);
    let compiledRuns = 0;
    for (let k = 0; k < CASES; k++) {
      const c = randomA64Case(rng, 12);
      const [slowMem, fastMem] = memories(c, Uint32Array.of(a64BranchBack(c.code.length)));
      const cpus = [slowMem, fastMem].map((memory) => {
        const cpu = new A64Cpu({ memory });
        for (let r = 0; r < 31; r++) cpu.setX(r, c.initial.regs[2 * r], c.initial.regs[2 * r + 1]);
        cpu.nzcv = c.initial.flags >>> 28;
        cpu.pc = CODE;
        return cpu;
      });
      for (const budget of BUDGETS) {
        const outcomes = cpus.map((cpu) => {
          try {
            return `ran ${cpu.run(budget)} ${cpu.stopReason}`;
          } catch (e) {
            return `threw ${(e as Error).message}`;
          }
        });
        expect(outcomes[1], `case ${k}`).toBe(outcomes[0]);
        const state = (cpu: A64Cpu): number[] => [cpu.pc, cpu.pstate, cpu.instructionsRetired, ...Array.from({ length: 31 }, (_, r) => [cpu.xLo(r), cpu.xHi(r)]).flat()];
        expect(state(cpus[1]), `case ${k}`).toEqual(state(cpus[0]));
      }
      expect(scratchOf(fastMem), `case ${k} memory`).toEqual(scratchOf(slowMem));
      expect(cpus[0].compiledBlockEntries, 'the oracle ran compiled blocks').toBe(0);
      if (cpus[1].compiledBlockEntries > 0) compiledRuns++;
    }
    expect(compiledRuns).toBeGreaterThan(CASES / 2); // seen: 253 of 300
  });
});

describe('code pages', () => {
  it('stay available for allocated pages (else every executor silently drops to the slow path)', () => {
    const physical = new PhysicalMemory([{ base: 0, size: 1 << 20 }]);
    const table = codePageTableOf(physical);
    expect(table.get(3)).toBeNull(); // never written: reads as zeros, no host page yet
    physical.write32(3 * 4096 + 8, 0xe1a00000);
    const page = table.get(3);
    expect(page?.words[2]).toBe(0xe1a00000);
    physical.write32(3 * 4096 + 8, 0x12345678); // the words alias the page: writes show at once
    expect(page?.words[2]).toBe(0x12345678);
  });
});
