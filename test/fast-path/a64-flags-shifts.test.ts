/**
 * Two things the A64 block compiler emits in a shorter form than the general one must still
 * compute what the interpreter computes: ASR/LSR/LSL (immediate), the SBFM/UBFM aliases, as a
 * plain shift (every amount, 32 and 64 bits), and NZCV left pending after ADDS/SUBS/ADCS/ANDS
 * (32 and 64 bits) and computed only where read: by every condition code of CSEL/CSINC/CSINV/
 * CSNEG, B.cond and CCMP, by ADC's carry, and at the loop's exit. Oracle: the same executor on
 * FlatMemory (no code pages, so no blocks), on register values that are often 0, 1, 2^31 or
 * all ones in a half. Encodings: C6.2 "ASR (immediate)" (SBFM Rd, Rn, #s, #datasize-1), "LSR
 * (immediate)" (UBFM likewise), "LSL (immediate)" (UBFM Rd, Rn, #(-s MOD datasize),
 * #(datasize-1-s)), and the C4.1 data-processing encodings; the fixed words were checked with
 * llvm-mc (LLVM 14) and are shown next to each.
 */
import { describe, expect, it } from 'vitest';
import { A64Cpu } from '../../src/exec/a64/index';
import { codePageTableOf } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { Prng } from '../oracles/prng';

const CODE = 0x10000;
const SEED = 0xf1a9_5a64;

/** SBFM (opc 00) / UBFM (opc 10): sf opc 100110 N immr imms Rn Rd, N = sf. */
function bitfield(sf: number, opc: number, immr: number, imms: number, rn: number, rd: number): number {
  return ((sf << 31) | (opc << 29) | 0x13000000 | (sf << 22) | (immr << 16) | (imms << 10) | (rn << 5) | rd) >>> 0;
}

/** B . - 4n: back to the first word of an n-word body. */
function branchBack(n: number): number {
  return (0x14000000 | (-n & 0x3ffffff)) >>> 0;
}

/** A loop `body` then SUBS x20, x20, #1 (0xf1000694); B.NE to the start; and a compiled and an interpreted CPU for it. */
function pair(body: readonly number[]): { cpus: [A64Cpu, A64Cpu]; paged: PagedFlatMemory } {
  const words = Uint32Array.from([...body, 0xf1000694, (0x54000001 | ((-(body.length + 1) & 0x7ffff) << 5)) >>> 0, branchBack(body.length + 2)]);
  const flat = new FlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]));
  const paged = new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]));
  const cpus = [flat, paged].map((memory) => {
    memory.load(CODE, new Uint8Array(words.buffer));
    const cpu = new A64Cpu({ memory });
    cpu.pc = CODE;
    return cpu;
  }) as [A64Cpu, A64Cpu];
  return { cpus, paged };
}

function state(cpu: A64Cpu): number[] {
  return [cpu.pc, cpu.nzcv, cpu.instructionsRetired, ...Array.from({ length: 31 }, (_, r) => [cpu.xLo(r), cpu.xHi(r)]).flat()];
}

/** Fresh X0..X19 (halves often 0, 1, 2^31 or all ones) and NZCV, the same on both CPUs; X20 counts passes. */
function fresh(rng: Prng, cpus: readonly A64Cpu[], passes: number): void {
  const half = (): number => [0, 0xffffffff, 0x80000000, 1, 0x7fffffff][rng.below(10)] ?? rng.u32();
  for (let r = 0; r < 20; r++) {
    const lo = half();
    const hi = half();
    for (const cpu of cpus) cpu.setX(r, lo, hi);
  }
  const flags = rng.below(16);
  for (const cpu of cpus) {
    cpu.setX(20, passes, 0);
    cpu.nzcv = flags;
    cpu.pc = CODE;
  }
}

/** Runs `body` as a hot loop on both CPUs from several fresh states; budgets end inside passes. */
function expectSame(rng: Prng, body: readonly number[], label: string): void {
  const { cpus, paged } = pair(body);
  for (let round = 0; round < 6; round++) {
    fresh(rng, cpus, 3 + rng.below(40));
    for (const budget of [round === 0 ? 400 : 9, 1000]) {
      expect(cpus[1].run(budget), label).toBe(cpus[0].run(budget));
      expect(state(cpus[1]), `${label} round ${round}`).toEqual(state(cpus[0]));
    }
  }
  const records = codePageTableOf(paged.physical).get(CODE / 4096)?.a64 as { blocks: unknown[] } | null | undefined;
  expect(records?.blocks.some((b) => b !== undefined), `${label}: compiled`).toBe(true);
}

describe('A64 compiled shift aliases and pending flags against the interpreter', () => {
  it('agree on ASR, LSR and LSL (immediate) of every amount, 32 and 64 bits', () => {
    const rng = new Prng(SEED);
    for (const sf of [0, 1]) {
      const size = sf ? 64 : 32;
      for (let s = 0; s < size; s++) {
        const asr = bitfield(sf, 0b00, s, size - 1, 3, 4);
        const lsr = bitfield(sf, 0b10, s, size - 1, 5, 6);
        const lsl = bitfield(sf, 0b10, (size - s) % size, size - 1 - s, 7, 8);
        // ADD x3, x3, x4 (0x8b040063) feeds the shifted values back into the sources.
        expectSame(rng, [asr, lsr, lsl, 0x8b040063, 0x8b0600a5, 0x8b0800e7], `sf ${sf} shift ${s}`);
      }
    }
  });

  it('agree on every condition after every flag-setting form, read by CSEL, B.cond, CCMP and ADC', () => {
    const rng = new Prng(SEED + 1);
    const setters = [
      0xab020020, // adds x0, x1, x2
      0xeb020020, // subs x0, x1, x2
      0x2b020020, // adds w0, w1, w2
      0x6b020020, // subs w0, w1, w2
      0xba020020, // adcs x0, x1, x2
      0x7a020020, // sbcs w0, w1, w2
      0xea020020, // ands x0, x1, x2
      0x6a020020, // ands w0, w1, w2
      0xf100043f, // cmp x1, #1
      0x3100043f, // cmn w1, #1
      0xfa42a820, // ccmp x1, #2, #0, ge
    ];
    for (const setter of setters) {
      for (let cond = 0; cond < 14; cond++) {
        const body = [
          setter,
          (0x9a800000 | (4 << 16) | (cond << 12) | (3 << 5) | 5) >>> 0, // csel x5, x3, x4, cond
          (0x1a800400 | (6 << 16) | (cond << 12) | (7 << 5) | 8) >>> 0, // csinc w8, w7, w6, cond
          (0xda800000 | (9 << 16) | (cond << 12) | (10 << 5) | 11) >>> 0, // csinv x11, x10, x9, cond
          (0xda800400 | (12 << 16) | (cond << 12) | (13 << 5) | 14) >>> 0, // csneg x14, x13, x12, cond
          (0x54000040 | cond) >>> 0, // b.cond .+8
          0x9a0f01ef, // adc x15, x15, x15
          (0xfa400800 | (3 << 16) | (cond << 12) | (16 << 5) | 0b0110) >>> 0, // ccmp x16, #3, #6, cond
          0x9a9f17f1, // cset x17, eq
          0x8b050021, // add x1, x1, x5
        ];
        expectSame(rng, body, `setter ${setter.toString(16)} cond ${cond}`);
      }
    }
  });
});
