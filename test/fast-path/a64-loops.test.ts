/**
 * Compiled A64 blocks that loop in place (the closing branch targets the block's first
 * instruction) must retire, write back and exit exactly as the word-by-word interpreter does:
 * loops ended by B.cond, CBNZ, TBZ/TBNZ whose counts run out inside a run call, budgets that end
 * mid-pass, a loop whose store rewrites a later word of its own body, a loop whose load aborts
 * mid-pass. Oracle: the same executor on FlatMemory (no code pages, so no compiled blocks).
 * Encodings from llvm-mc (LLVM 14), shown next to each word.
 */
import { describe, expect, it } from 'vitest';
import { A64Cpu } from '../../src/exec/a64/index';
import { codePageTableOf } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { runOutcome } from './compare';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
const VBAR = 0x20000;
const RAM = 16 << 20;
const SEED = 0x100b_a64c;

interface Pair {
  readonly memories: [FlatMemory, PagedFlatMemory];
  readonly cpus: [A64Cpu, A64Cpu];
}

function pair(code: Uint32Array, handler?: Uint32Array): Pair {
  const memories: [FlatMemory, PagedFlatMemory] = [new FlatMemory(new PhysicalMemory([{ base: 0, size: RAM }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: RAM }]))];
  const cpus = memories.map((memory) => {
    memory.load(CODE, new Uint8Array(code.buffer, code.byteOffset, code.byteLength));
    if (handler) memory.load(VBAR + 0x200, new Uint8Array(handler.buffer));
    const cpu = new A64Cpu({ memory });
    cpu.vbarLo = VBAR;
    cpu.pc = CODE;
    return cpu;
  }) as [A64Cpu, A64Cpu];
  return { memories, cpus };
}

function state(cpu: A64Cpu): number[] {
  return [cpu.pc, cpu.pstate, cpu.instructionsRetired, cpu.spLo, cpu.elrLo, cpu.esr, cpu.farLo, ...Array.from({ length: 31 }, (_, r) => [cpu.xLo(r), cpu.xHi(r)]).flat()];
}

/** Run both CPUs with the same budget and compare what they report and their whole state. */
function runBoth(p: Pair, budget: number, label: string): string {
  const outcomes = p.cpus.map((cpu) => runOutcome(cpu, budget));
  expect(outcomes[1], label).toBe(outcomes[0]);
  expect(state(p.cpus[1]), label).toEqual(state(p.cpus[0]));
  return outcomes[0];
}

/** The compiled block entered at `va` on the paged memory, if any. */
function blockAt(m: PagedFlatMemory, va: number): { loops: boolean; length: number } | undefined {
  const records = codePageTableOf(m.physical).get(Math.floor(va / 4096))?.a64 as { blocks: ({ loops: boolean; length: number } | undefined)[] } | null | undefined;
  return records?.blocks[(va % 4096) / 4];
}

function setBoth(p: Pair, r: number, lo: number, hi = 0): void {
  for (const cpu of p.cpus) cpu.setX(r, lo, hi);
}

interface CountedLoop {
  readonly name: string;
  readonly code: Uint32Array;
  /** Words in the loop body (the block at CODE). */
  readonly length: number;
  /** Registers for a trial whose loop runs about `passes` times. */
  readonly start: (p: Pair, rng: Prng, passes: number) => void;
}

const COUNTED_LOOPS: readonly CountedLoop[] = [
  {
    name: 'B.cond (SUBS, B.NE)',
    code: Uint32Array.of(
      0x8b000042, // add  x2, x2, x0
      0xca020c63, // eor  x3, x3, x2, lsl #3
      0x2b030084, // adds w4, w4, w3
      0xf1000400, // subs x0, x0, #1
      0x54ffff81, // b.ne <start>
      0xd28000ac, // mov  x12, #5
      0x14000000, // b    .          (a one-word loop)
    ),
    length: 5,
    start: (p, _rng, passes) => setBoth(p, 0, passes),
  },
  {
    name: 'CBNZ',
    code: Uint32Array.of(
      0xd1000400, // sub   x0, x0, #1
      0x8b0008a5, // add   x5, x5, x0, lsl #2
      0x9a8534c6, // csinc x6, x6, x5, lo
      0xb5ffffa0, // cbnz  x0, <start>
      0xd28000ac, // mov   x12, #5
      0x14000000, // b     .
    ),
    length: 4,
    start: (p, _rng, passes) => setBoth(p, 0, passes),
  },
  {
    name: 'TBZ, then TBNZ on bit 33, then BL to itself',
    code: Uint32Array.of(
      0x910004e7, // add  x7, x7, #1
      0xca070108, // eor  x8, x8, x7
      0x362fffc7, // tbz  w7, #5, <start>
      0x91000529, // add  x9, x9, #1
      0xb70fffe9, // tbnz x9, #33, <add x9>
      0x94000000, // bl   .
    ),
    length: 3,
    start: (p, _rng, passes) => {
      // x7 counts up to the next multiple of 32 (bit 5 set); x9 up to bit 33 clearing (a carry into the high half).
      setBoth(p, 7, (32 - (passes % 32)) & 31, 0);
      setBoth(p, 9, (0 - passes) >>> 0, 3);
    },
  },
];

describe('A64 compiled self-loops against the word-by-word interpreter', () => {
  for (const loop of COUNTED_LOOPS) {
    it(`agree on ${loop.name} loops whose count ends inside a run call, budgets ending mid-pass`, () => {
      const rng = new Prng(SEED ^ loop.length);
      const p = pair(loop.code);
      let compared = 0;
      let compiledLoopRuns = 0;
      for (let trial = 0; trial < 40; trial++) {
        // Fresh registers and PC on both CPUs; the compiled blocks stay (same code page).
        for (let r = 0; r < 31; r++) setBoth(p, r, rng.u32(), rng.chance(0.5) ? 0 : rng.u32());
        for (const cpu of p.cpus) {
          cpu.pc = CODE;
          cpu.nzcv = trial & 15;
        }
        loop.start(p, rng, trial < 2 ? 60 : 1 + rng.below(120));
        if (blockAt(p.memories[1], CODE)?.loops === true) compiledLoopRuns++;
        for (let call = 0; call < 12; call++) {
          const budget = rng.chance(0.2) ? 50 + rng.below(400) : 1 + rng.below(3 * loop.length + 2);
          const ran = runBoth(p, budget, `${loop.name} trial ${trial} call ${call} budget ${budget}`);
          expect(ran).toBe(`ran ${budget} budget`); // run(n) stops after exactly n
          compared++;
        }
      }
      expect(compared).toBe(40 * 12);
      const block = blockAt(p.memories[1], CODE);
      expect(block?.loops).toBe(true);
      expect(block?.length).toBe(loop.length);
      expect(compiledLoopRuns).toBeGreaterThan(30); // most trials started on the compiled loop
    });
  }

  it('runs a one-word B . loop compiled, exactly n steps per call', () => {
    const p = pair(COUNTED_LOOPS[0].code);
    setBoth(p, 0, 3);
    for (let call = 0; call < 40; call++) runBoth(p, 1 + (call % 7) * 5, `call ${call}`);
    const self = CODE + 24;
    expect(p.cpus[0].pc).toBe(self);
    expect(blockAt(p.memories[1], self)?.loops).toBe(true);
    expect(blockAt(p.memories[1], self)?.length).toBe(1);
  });

  it('sees a store in the loop that rewrites a later word of the same loop body', () => {
    const MOVZ_X2_1 = 0xd2800022; // mov x2, #1
    const MOVZ_X2_7 = 0xd28000e2; // mov x2, #7
    const code = Uint32Array.of(
      0xca090108, // eor x8, x8, x9       (x9: what to flip in the stored word)
      0xb9000028, // str w8, [x1]          (x1: address of word 3)
      0x91000400, // add x0, x0, #1
      MOVZ_X2_1, //  mov x2, #1            (rewritten)
      0x8b020063, // add x3, x3, x2
      0x17fffffb, // b   <start>
    );
    const rng = new Prng(SEED + 1);
    for (const mode of ['toggle every pass', 'rewrite once'] as const) {
      const p = pair(code);
      setBoth(p, 1, CODE + 12);
      setBoth(p, 8, mode === 'rewrite once' ? MOVZ_X2_7 : MOVZ_X2_1);
      setBoth(p, 9, mode === 'rewrite once' ? 0 : (MOVZ_X2_1 ^ MOVZ_X2_7) >>> 0);
      let total = 0;
      for (let call = 0; call < 300; call++) {
        const budget = rng.chance(0.1) ? 100 + rng.below(300) : 1 + rng.below(14);
        runBoth(p, budget, `${mode} call ${call}`);
        total += budget;
      }
      const words = p.memories.map((m) => {
        const word = new Uint32Array(1);
        m.physical.readBytes(CODE + 12, new Uint8Array(word.buffer));
        return word[0];
      });
      expect(words[1], mode).toBe(words[0]);
      if (mode === 'rewrite once') expect(words[0]).toBe(MOVZ_X2_7);
      // Each pass runs the word its own store just wrote: pass k adds 7 when k is odd (or always,
      // when rewritten once), 1 when even. x0 counts passes; PC between ADD x0 and ADD x3 means
      // the current pass has not added yet.
      const cpu = p.cpus[0];
      const pc = cpu.pc;
      const added = cpu.x(0) - (pc === CODE + 12 || pc === CODE + 16 ? 1 : 0);
      expect(cpu.x(3), mode).toBe(mode === 'rewrite once' ? 7 * added : 7 * Math.ceil(added / 2) + Math.floor(added / 2));
      expect(added).toBeGreaterThan(100);
      if (mode === 'rewrite once') expect(blockAt(p.memories[1], CODE)?.loops).toBe(true);
      expect(total).toBeGreaterThan(1000);
    }
  });

  it('sees a store in the loop that rewrites an earlier word of the loop body on the next pass', () => {
    const MOVZ_X2_1 = 0xd2800022; // mov x2, #1
    const MOVZ_X2_7 = 0xd28000e2; // mov x2, #7
    const code = Uint32Array.of(
      MOVZ_X2_1, //  mov x2, #1            (rewritten)
      0x8b020063, // add x3, x3, x2
      0xca090108, // eor x8, x8, x9
      0xb9000028, // str w8, [x1]          (x1: address of word 0)
      0x91000400, // add x0, x0, #1
      0x17fffffb, // b   <start>
    );
    const rng = new Prng(SEED + 3);
    const p = pair(code);
    setBoth(p, 1, CODE);
    setBoth(p, 8, MOVZ_X2_1);
    setBoth(p, 9, (MOVZ_X2_1 ^ MOVZ_X2_7) >>> 0);
    for (let call = 0; call < 300; call++) {
      const budget = rng.chance(0.1) ? 100 + rng.below(300) : 1 + rng.below(14);
      runBoth(p, budget, `call ${call}`);
    }
    // Pass 1 runs the original #1; pass k > 1 runs what pass k - 1 stored: #7 after odd passes.
    const cpu = p.cpus[0];
    const started = cpu.x(0) + (cpu.pc === CODE + 20 || cpu.pc === CODE ? 0 : 1);
    const added = started - (cpu.pc === CODE + 4 ? 1 : 0);
    expect(cpu.x(3)).toBe(1 + 7 * Math.floor((added - 1 + 1) / 2) + Math.floor((added - 1) / 2));
    expect(added).toBeGreaterThan(100);
  });

  it('takes a data abort from a load in the middle of a compiled loop pass, state compared', () => {
    // The load walks x1 by 1 MiB until it leaves the 16 MiB of RAM (FlatMemory aborts beyond
    // it); the handler at VBAR_EL1 + 0x200 resets x1 from x10, counts in x11 and returns.
    const code = Uint32Array.of(
      0x91000c84, // add  x4, x4, #3
      0xb9400026, // ldr  w6, [x1]
      0x91440021, // add  x1, x1, #256, lsl #12
      0x8b060084, // add  x4, x4, x6
      0xab0400a5, // adds x5, x5, x4
      0x17fffffb, // b    <start>
    );
    const handler = Uint32Array.of(
      0xaa0a03e1, // mov x1, x10
      0x9100056b, // add x11, x11, #1
      0x14000001, // b   .+4
      0xd69f03e0, // eret
    );
    const rng = new Prng(SEED + 2);
    for (const policy of ['take', 'stop'] as const) {
      const p = pair(code, handler);
      for (const cpu of p.cpus) cpu.exceptionPolicy = policy;
      setBoth(p, 10, 0x20000 + 4096);
      setBoth(p, 1, 0x20000 + 4096);
      let threw = 0;
      for (let call = 0; call < 400; call++) {
        const budget = rng.chance(0.15) ? 60 + rng.below(200) : 1 + rng.below(20);
        const result = runBoth(p, budget, `${policy} call ${call}`);
        if (result.startsWith('threw')) {
          // Under 'stop' the fault ends the run with PC at the load: restart the walk.
          threw++;
          expect(p.cpus[0].pc).toBe(CODE + 4);
          setBoth(p, 1, 0x20000 + 4096 * (1 + rng.below(200)));
        }
      }
      if (policy === 'stop') expect(threw).toBeGreaterThan(5);
      else expect(p.cpus[0].x(11)).toBeGreaterThan(5);
      expect(blockAt(p.memories[1], CODE)?.loops).toBe(true);
    }
  });
});
