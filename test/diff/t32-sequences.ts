/**
 * Random straight-line T32 sequences for the execution differential test, generated from the
 * decoder's own 16- and 32-bit rows with their fixed bits honoured (fixed-bits.ts), with IT blocks: the instructions after an IT are decoded
 * for their place in the block (flag setting, UNPREDICTABLE cases) and run under its conditions.
 */
import { compilePattern, type CompiledPattern } from '../../src/decode/bit-pattern';
import { A32Op } from '../../src/decode/a32';
import { decodeT32Word, rows16, rows32, type T32Instruction } from '../../src/decode/t32';
import { SCRATCH_ADDRESS, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import type { Prng } from '../oracles/prng';
import { A32_SEQUENCE_OPS, randomRegisterValue } from './a32-sequences';
import { honouredWord } from './fixed-bits';

export const T32_SEQUENCE_EXCLUSIONS: readonly string[] = [
  'branches (B, BL, BLX, BX, CBZ/CBNZ, TBB/TBH) and anything that reads or writes the PC: the harness runs straight-line code',
  'UNPREDICTABLE encodings (decoder kind "unpredictable", for their place in an IT block too): the architecture allows QEMU and us to differ',
  'exclusives, system and privileged instructions, hints that wait, SVC/BKPT/UDF, coprocessor moves: as in the A32 test',
  'accesses our executor faults on at addresses the QEMU process maps (harnessMapped, as for A32): QEMU may read or write its own memory there; other faults are compared (signal, PC, address)',
];

/** Base registers of loads and stores: two low ones (16-bit encodings) and two high ones. */
export const T32_POINTER_REGISTERS = [4, 5, 8, 9] as const;

const MEMORY_OPS: ReadonlySet<number> = new Set<number>([A32Op.LoadStoreWordByte, A32Op.LoadStoreExtra, A32Op.LoadStoreDual, A32Op.LoadStoreMultiple]);

interface GenRow {
  readonly pattern: CompiledPattern;
  readonly op: number;
}

let rowsCache: GenRow[] | null = null;
function rows(): GenRow[] {
  rowsCache ??= [...rows16, ...rows32].filter((r) => A32_SEQUENCE_OPS.has(r.op)).map((r) => ({ pattern: compilePattern(r.pattern), op: r.op }));
  return rowsCache;
}

/** Rn == 15 is not the PC in the rows that fix it to 0b1111 as an opcode (SXTB/UXTH... without an addend, BFC). */
function touchesPc(d: T32Instruction): boolean {
  const rnIsPc = d.rn === 15 && d.op !== A32Op.Extend && d.op !== A32Op.BitfieldInsert;
  return d.rd === 15 || rnIsPc || d.rm === 15 || d.rs === 15 || d.rt === 15 || d.rt2 === 15 || d.ra === 15 || d.rdHi === 15 || ((d.registers >>> 15) & 1) === 1 || d.alignPc;
}

/** Set field `name` of `word` to `value` (its runs, highest first). */
function setField(p: CompiledPattern, word: number, name: string, value: number): number {
  const f = p.fields[name];
  if (f === undefined) return word;
  let w = (word & ~f.mask) >>> 0;
  let shift = f.width;
  for (const run of f.runs) {
    shift -= run.width;
    w |= ((value >>> shift) & ((1 << run.width) - 1)) << run.shift;
  }
  return w >>> 0;
}

/** One instruction for ITSTATE `it` (0 outside a block), retried until acceptable. */
export function randomT32Instruction(rng: Prng, it = 0): number {
  const all = rows();
  for (let attempt = 0; attempt < 2000; attempt++) {
    const r = rng.pick(all);
    const p = r.pattern;
    let w = honouredWord(p, rng.u32());
    // 32-bit REV/REV16/REVSH/RBIT/CLZ give Rm twice: both copies must agree (Arm ARM F5 "CLZ", encoding T1: !Consistent(Rm) is UNPREDICTABLE).
    if ((r.op === A32Op.Reverse || r.op === A32Op.CountLeadingZeros) && p.fields.n !== undefined && p.fields.m !== undefined) w = setField(p, w, 'n', p.fields.m.extract(w));
    if (MEMORY_OPS.has(r.op)) {
      const n = p.fields.n;
      if (n !== undefined) w = setField(p, w, 'n', rng.pick(n.width === 3 ? [4, 5] : T32_POINTER_REGISTERS));
      // Small immediate offsets keep most accesses inside the 512-byte buffer.
      const i = p.fields.i;
      if (i !== undefined && i.width > 6) w = setField(p, w, 'i', rng.below(64));
      // 32-bit LDM/STM: at most eight registers of the list in bits[15:0].
      if (p.fields.r !== undefined && p.width === 32) w = (w & ~(rng.u32() & 0xff00)) >>> 0;
      // 16-bit PUSH/POP (SP-based, no base field): no LR/PC bit, which would make POP a branch.
      if (n === undefined && p.width === 16) w = (w & ~0x100) >>> 0;
    }
    const d = decodeT32Word(w, it);
    if (d.kind !== 'ok' || !A32_SEQUENCE_OPS.has(d.op) || touchesPc(d)) continue;
    if (d.op === A32Op.LoadStoreMultiple && d.registers === 0) continue;
    return w;
  }
  throw new Error('randomT32Instruction: no acceptable word in 2000 attempts');
}

/** IT: firstcond EQ..LE, a mask for 1-4 instructions; returns the word and the ITSTATEs of the block. */
function randomIt(rng: Prng): { word: number; states: number[] } {
  const firstcond = rng.below(14);
  const length = 1 + rng.below(4);
  let mask = 1 << (4 - length);
  for (let k = 1; k < length; k++) if (rng.chance(0.5)) mask |= 1 << (4 - k);
  const states: number[] = [];
  let it = (firstcond << 4) | mask;
  for (let k = 0; k < length; k++) {
    states.push(it);
    it = (it & 7) === 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
  }
  return { word: 0xbf00 | (firstcond << 4) | mask, states };
}

/** 1..maxItems items (an instruction, or an IT block), with a random initial state. */
export function randomT32Case(rng: Prng, maxItems = 6): ExecCase {
  const code: number[] = [];
  const items = 1 + rng.below(maxItems);
  for (let k = 0; k < items; k++) {
    if (rng.chance(0.3)) {
      const { word, states } = randomIt(rng);
      code.push(word);
      for (const it of states) code.push(randomT32Instruction(rng, it));
    } else {
      code.push(randomT32Instruction(rng));
    }
  }
  const regs = new Uint32Array(15);
  for (let r = 0; r < 15; r++) regs[r] = randomRegisterValue(rng);
  for (const p of T32_POINTER_REGISTERS) regs[p] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
  // SP in the buffer half the time, so PUSH/POP (SP-based, no base field) stay inside it.
  if (rng.chance(0.5)) regs[13] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
  const scratch = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < SCRATCH_SIZE; i++) scratch[i] = rng.below(256);
  return { code: Uint32Array.from(code), initial: { regs, flags: (rng.u32() & 0xf80f0000) >>> 0, scratch } };
}
