/**
 * The A32 block compiler (shared with T32) leaves NZCV pending after a flag-setting instruction
 * and computes each flag where it is read: by a condition (a compare's HI/LS/GE/LT/GT/LE as one
 * comparison of its operands), by ADC/SBC/RSC and RRX's carry-in, at a handler call, an exit,
 * or before a loop pass that reads them first. Whatever it does must equal the interpreter: every
 * condition code after every flag-setting data-processing form (immediate with and without a
 * rotation, register with each shift, conditional setters), read inline, by the closing branch
 * and by the carry readers, with the setter first in the pass and last; and the shifter carry
 * out of LSL/LSR/ASR/ROR by every immediate amount and RRX, and by a register holding 0, 1-31,
 * 32, more than 32 and a value whose low byte is small (F2 "Shift_C"; F5 "MOV, MOVS (register-
 * shifted register)": only Rs<7:0> counts). Oracle: the same executor on FlatMemory (no code
 * pages, so no blocks), from registers often 0, 1, 2^31 - 1, 2^31 or all ones, and random NZCV.
 * Encodings: Arm ARM F4.1 "Data-processing and miscellaneous instructions" (A1 immediate,
 * immediate-shifted and register-shifted register forms) and "Branch, branch with link"; the
 * encoder is checked against llvm-mc (LLVM 14) on one instance of each form.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { assembleWords } from '../oracles/llvm-mc';
import { Prng } from '../oracles/prng';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { a32State, runOutcome } from './compare';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';

const CODE = 0x10000;
const SEED = 0xa32f_1a95;
const AL = 14;
const Dp = { AND: 0, EOR: 1, SUB: 2, RSB: 3, ADD: 4, ADC: 5, SBC: 6, RSC: 7, TST: 8, TEQ: 9, CMP: 10, CMN: 11, ORR: 12, MOV: 13, BIC: 14, MVN: 15 } as const;
const Sh = { LSL: 0, LSR: 1, ASR: 2, ROR: 3 } as const;

/** <op>{S}<c> Rd, Rn, #(imm8 ROR 2*rot). */
function dpImm(cond: number, op: number, s: number, rd: number, rn: number, imm8: number, rot = 0): number {
  return ((cond << 28) | (1 << 25) | (op << 21) | (s << 20) | (rn << 16) | (rd << 12) | (rot << 8) | imm8) >>> 0;
}

/** <op>{S}<c> Rd, Rn, Rm, <type> #imm5 (LSR/ASR #0 encode #32; ROR #0 is RRX). */
function dpReg(cond: number, op: number, s: number, rd: number, rn: number, rm: number, type = 0, imm5 = 0): number {
  return ((cond << 28) | (op << 21) | (s << 20) | (rn << 16) | (rd << 12) | (imm5 << 7) | (type << 5) | rm) >>> 0;
}

/** <op>{S}<c> Rd, Rn, Rm, <type> Rs. */
function dpRegShift(cond: number, op: number, s: number, rd: number, rn: number, rm: number, type: number, rs: number): number {
  return ((cond << 28) | (op << 21) | (s << 20) | (rn << 16) | (rd << 12) | (rs << 8) | (type << 5) | (1 << 4) | rm) >>> 0;
}

/** B<c> from word `at` to word `to`. */
function branch(cond: number, at: number, to: number): number {
  return ((cond << 28) | 0x0a000000 | ((to - at - 2) & 0xffffff)) >>> 0;
}

/** One of each form the encoder writes, as llvm-mc assembles it (a test below compares). */
const LLVM_CHECKED: readonly [string, number][] = [
  ['adds r4, r1, r2', dpReg(AL, Dp.ADD, 1, 4, 1, 2)],
  ['rsbsne r4, r1, r2, lsr #32', dpReg(1, Dp.RSB, 1, 4, 1, 2, Sh.LSR, 0)],
  ['ands r4, r1, #0x80000000', dpImm(AL, Dp.AND, 1, 4, 1, 2, 1)],
  ['t: movs r4, r1, ror r9', dpRegShift(AL, Dp.MOV, 1, 4, 0, 1, Sh.ROR, 9)],
  ['cmp r1, r2, asr #7', dpReg(AL, Dp.CMP, 1, 0, 1, 2, Sh.ASR, 7)],
  ['movs r8, r8, rrx', dpReg(AL, Dp.MOV, 1, 8, 0, 8, Sh.ROR, 0)],
  ['orr r9, r9, #0x100', dpImm(AL, Dp.ORR, 0, 9, 9, 1, 12)],
  ['bhi t', branch(8, 7, 3)],
  ['b t', branch(AL, 8, 3)],
];

const SPECIAL = [0, 0xffffffff, 0x80000000, 1, 0x7fffffff];

/** The compiled CPU (code pages: blocks) and the interpreter (FlatMemory: none) on the same words. */
function pair(words: Uint32Array): [A32Cpu, A32Cpu] {
  return [new FlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }])), new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]))].map((memory) => {
    memory.load(CODE, new Uint8Array(words.buffer));
    const cpu = new A32Cpu({ memory });
    cpu.cpsr = 0x1d3;
    cpu.pc = CODE;
    return cpu;
  }) as [A32Cpu, A32Cpu];
}

/**
 * `body` closed by B<cond> back to its start (the block's loop), then B back to the start (when
 * the condition fails: a block exit, and a re-entry). Several fresh states, budgets that end
 * inside passes.
 */
function expectSame(rng: Prng, body: readonly number[], cond: number, label: string): void {
  const n = body.length;
  const [slow, fast] = pair(Uint32Array.from([...body, branch(cond, n, 0), branch(AL, n + 1, 0)]));
  for (let round = 0; round < 4; round++) {
    const regs = Array.from({ length: 13 }, () => SPECIAL[rng.below(10)] ?? rng.u32());
    const flags = rng.below(16);
    for (const cpu of [slow, fast]) {
      regs.forEach((v, r) => (cpu.r[r] = v));
      cpu.cpsr = (0x1d3 | (flags << 28)) >>> 0;
      cpu.pc = CODE;
    }
    for (const budget of [round === 0 ? 600 : 7, 500]) {
      expect(runOutcome(fast, budget), `${label} round ${round}`).toBe(runOutcome(slow, budget));
      expect(a32State(fast), `${label} round ${round}`).toEqual(a32State(slow));
    }
  }
  expect(slow.compiledBlockEntries).toBe(0);
  expect(fast.compiledBlockEntries, `${label}: compiled`).toBeGreaterThan(0);
}

/** Every condition's readers: inline (ADD, and a flag-setting MOVS #0 that keeps C), ADC and RRX (carry-in). */
function readers(cond: number): number[] {
  return [
    dpImm(cond, Dp.ADD, 0, 5, 5, 1), // add<c> r5, r5, #1
    dpReg(cond, Dp.EOR, 0, 6, 6, 1, Sh.LSL, 1), // eor<c> r6, r6, r1, lsl #1
    dpReg(AL, Dp.ADC, 0, 7, 7, 2), // adc r7, r7, r2
    dpReg(AL, Dp.MOV, 0, 8, 0, 8, Sh.ROR, 0), // mov r8, r8, rrx
  ];
}

/** Operands change from pass to pass (no flags set). */
const MIX = [dpReg(AL, Dp.ADD, 0, 1, 1, 4, Sh.ROR, 3), dpReg(AL, Dp.EOR, 0, 2, 2, 1, Sh.LSL, 5), dpReg(AL, Dp.ADD, 0, 3, 3, 2)];

/** The flag-setting forms, writing r4 from r1, r2 (TST/TEQ/CMP/CMN: no Rd). */
function setters(): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, op] of Object.entries(Dp)) {
    const rd = op >= Dp.TST && op <= Dp.CMN ? 0 : 4;
    const rn = op === Dp.MOV || op === Dp.MVN ? 0 : 1;
    out.push([`${name}S reg`, dpReg(AL, op, 1, rd, rn, 2)]);
    out.push([`${name}S imm`, dpImm(AL, op, 1, rd, rn, 0x81)]);
    out.push([`${name}S imm ror`, dpImm(AL, op, 1, rd, rn, 0x3, 1)]); // #0xc0000000: the shifter carry is bit 31
  }
  for (const op of [Dp.ADD, Dp.SUB, Dp.AND, Dp.MOV, Dp.CMP, Dp.ADC]) {
    out.push([`op ${op} asr #32`, dpReg(AL, op, 1, op === Dp.CMP ? 0 : 4, op === Dp.MOV ? 0 : 1, 2, Sh.ASR, 0)]);
    out.push([`op ${op} rrx`, dpReg(AL, op, 1, op === Dp.CMP ? 0 : 4, op === Dp.MOV ? 0 : 1, 2, Sh.ROR, 0)]);
  }
  return out;
}

describe('A32 compiled pending flags and shifter carries against the interpreter', () => {
  it.skipIf(!oraclesAvailable('A32 data-processing encoder vs llvm-mc', LLVM_MC))('encodes its forms as llvm-mc 14 does', () => {
    const words = assembleWords(['.syntax unified', '.arm', ...LLVM_CHECKED.map(([line]) => line)].join('\n'), 'a32');
    expect([...words].map((w) => w.toString(16))).toEqual(LLVM_CHECKED.map(([, w]) => w.toString(16)));
  });

  it('agree on every condition after every flag-setting form, the setter first or last in the pass', () => {
    const rng = new Prng(SEED);
    for (const [name, setter] of setters()) {
      for (let cond = 0; cond < 14; cond++) {
        const mix = [...MIX, dpReg(AL, Dp.ADD, 0, 1, 1, 4)];
        // Setter first: the flags the pass reads are its own (those of the last pass may stay pending).
        expectSame(rng, [setter, ...readers(cond), ...mix], cond, `${name} first, cond ${cond}`);
        // Setter last: the next pass reads them before setting them (computed before it goes round).
        expectSame(rng, [...readers(cond), ...mix, setter], cond, `${name} last, cond ${cond}`);
      }
    }
  });

  it('agree on conditional flag-setting instructions and on a logical setter after an arithmetic one', () => {
    const rng = new Prng(SEED + 1);
    for (let cond = 0; cond < 14; cond++) {
      for (const op of [Dp.ADD, Dp.SBC, Dp.CMP, Dp.AND, Dp.MOV]) {
        const setter = dpReg(cond, op, 1, op === Dp.CMP ? 0 : 4, op === Dp.MOV ? 0 : 1, 2, Sh.LSR, 3);
        expectSame(rng, [dpReg(AL, Dp.SUB, 1, 9, 3, 1), setter, ...readers(cond ^ 1), ...MIX], (cond + 3) % 14, `${op}S<${cond}>`);
      }
      // ADDS then MOVS #0 (N, Z new; C, V still the ADDS's), then a logical with a shifter carry.
      const body = [dpReg(AL, Dp.ADD, 1, 9, 1, 2), dpReg(AL, Dp.MOV, 1, 10, 0, 3), ...readers(cond), dpReg(AL, Dp.AND, 1, 11, 1, 3, Sh.LSR, 9), ...readers(cond), ...MIX];
      expectSame(rng, body, cond, `adds, movs, ands, cond ${cond}`);
    }
  });

  it('agree on the shifter carry of every immediate shift amount and RRX', () => {
    const rng = new Prng(SEED + 2);
    const forms: [string, number, number][] = [['rrx', Sh.ROR, 0]];
    for (let a = 0; a < 32; a++) forms.push([`lsl #${a}`, Sh.LSL, a]);
    for (let a = 1; a <= 32; a++) forms.push([`lsr #${a}`, Sh.LSR, a & 31], [`asr #${a}`, Sh.ASR, a & 31]);
    for (let a = 1; a < 32; a++) forms.push([`ror #${a}`, Sh.ROR, a]);
    for (const [name, type, imm5] of forms) {
      const body = [dpReg(AL, Dp.MOV, 1, 4, 0, 1, type, imm5), ...readers(2), dpReg(AL, Dp.EOR, 1, 9, 2, 3, type, imm5), ...readers(3), ...MIX];
      expectSame(rng, body, 4 + rng.below(10), name);
    }
  });

  it('agree on the shifter carry of LSL, LSR, ASR and ROR by a register holding 0, 1-31, 32, more than 32', () => {
    const rng = new Prng(SEED + 3);
    const amounts = [...Array.from({ length: 34 }, (_, a) => a), 64, 255, 0x101, 0x120];
    for (const type of [Sh.LSL, Sh.LSR, Sh.ASR, Sh.ROR]) {
      for (const amount of amounts) {
        // MOV r9, #amount (an 8-bit value rotated, so 0x101 and 0x120 come from two instructions), then the shift.
        const setAmount = amount > 255 ? [dpImm(AL, Dp.MOV, 0, 9, 0, amount & 0xff), dpImm(AL, Dp.ORR, 0, 9, 9, 1, 12)] : [dpImm(AL, Dp.MOV, 0, 9, 0, amount)];
        const body = [...setAmount, dpRegShift(AL, Dp.MOV, 1, 4, 0, 1, type, 9), ...readers(2), dpRegShift(AL, Dp.ADD, 0, 10, 2, 3, type, 9), dpRegShift(AL, Dp.AND, 1, 11, 10, 2, type, 9), ...readers(10), ...MIX];
        expectSame(rng, body, rng.below(14), `type ${type} by ${amount}`);
      }
    }
  });
});
