/**
 * Harness of the quick execution self check against qemu-arm (user mode): random straight-line sequences of
 * data-processing, multiply, saturating and media instructions generated from our decoder rows
 * with their fixed bits honoured (test/diff/a32-row-words.ts) (and, optionally, loads and stores bent into a scratch buffer), with random registers and flags,
 * run in ONE QEMU process; r0-r12 and APSR (NZCVQ, GE) compared after each sequence, the scratch
 * buffer at the end. (The oracle engineer's test/diff/a32-exec.test.ts is the large one.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { A32Op, conditionalRows, decodeA32, type A32Instruction } from '../../src/decode/a32/index';
import { A32Cpu } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { A32_GEN_ROWS, wordOfRow } from '../diff/a32-row-words';
import { LD_LLD, QEMU_ARM, tool } from '../oracles/tools';
import { LLVM_MC } from './llvm-disasm';

export const SEED = 20260101;
export const SEQUENCES = 600;

const ALU_OPS = new Set<number>([
  A32Op.DataProcessingImm, A32Op.DataProcessingReg, A32Op.DataProcessingRegShiftedReg, A32Op.MovWide, A32Op.CountLeadingZeros,
  A32Op.Multiply, A32Op.MultiplyLong, A32Op.HalfwordMultiply, A32Op.DualMultiply, A32Op.MostSignificantMultiply, A32Op.Divide,
  A32Op.SaturatingAddSub, A32Op.Saturate, A32Op.Saturate16, A32Op.ParallelAddSub, A32Op.PackHalfword, A32Op.Extend,
  A32Op.Select, A32Op.Reverse, A32Op.SumAbsoluteDifferences, A32Op.BitfieldExtract, A32Op.BitfieldInsert,
]);

function writesR11R12(i: A32Instruction): boolean {
  return i.rd >= 11 || (i.op === A32Op.MultiplyLong || i.op === A32Op.HalfwordMultiply || i.op === A32Op.DualMultiply ? i.rdHi >= 11 : false);
}

/** Registers the sequence may touch: r0-r12 (SP and PC are the harness's). Rn = 15 is the "no operand" form of extend/BFC. */
function usable(i: A32Instruction): boolean {
  if (i.kind !== 'ok' || !ALU_OPS.has(i.op)) return false;
  const regs = [i.rd, i.rm, i.rs, i.ra, i.rdHi];
  if (!((i.op === A32Op.Extend || i.op === A32Op.BitfieldInsert) && i.rn === 15)) regs.push(i.rn);
  return regs.every((r) => r <= 12);
}

const MEMORY_OPS = new Set<number>([A32Op.LoadStoreWordByte, A32Op.LoadStoreExtra, A32Op.LoadStoreDual, A32Op.LoadStoreMultiple]);
/** The scratch buffer loads and stores touch: r12 = SCRATCH + 0x2000 (imm12 offsets stay inside), r11 a small aligned offset. */
export const SCRATCH = 0x300000;
export const SCRATCH_SIZE = 0x4000;

export function scratchWord(k: number): number {
  return Math.imul(k + 1, 0x9e3779b9) >>> 0;
}

/**
 * A load/store bent to stay in the scratch buffer: Rn = r12, register offset = r11 unshifted,
 * single transfers pre-indexed without writeback, LDM/STM lists within r0-r10; Rt/Rt2 within r0-r10.
 * Returns undefined when the result is not a usable encoding.
 */
function memoryWord(w: number): number | undefined {
  let v = ((w & ~0x000f0000) | (12 << 16)) >>> 0;
  let insn = decodeA32(v);
  if (insn.op === A32Op.LoadStoreMultiple) {
    v = ((v & ~0xffff) | (v & 0x07ff)) >>> 0;
  } else {
    v = ((v | (1 << 24)) & ~(1 << 21)) >>> 0; // P = 1, W = 0
    if (decodeA32(v).regOffset) v = ((v & ~0xfff) | (decodeA32(v).op === A32Op.LoadStoreWordByte ? 11 : (v & 0xf00) | 11 | (v & 0xf0))) >>> 0;
  }
  insn = decodeA32(v);
  if (insn.kind !== 'ok' || !MEMORY_OPS.has(insn.op)) return undefined;
  if (insn.op === A32Op.LoadStoreMultiple) return insn.registers !== 0 ? v : undefined;
  if (insn.rt > 10 || (insn.op === A32Op.LoadStoreDual && (insn.rt2 > 10 || (!insn.regOffset && insn.imm & 3)))) return undefined;
  return v;
}

export function generate(withMemory = false): { words: number[][]; states: number[][] } {
  let s = SEED + (withMemory ? 1 : 0);
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  // Rows with their (0)/(1) bits honoured (Arm ARM F1): filled at random, REV, CLZ, SEL... were almost always UNPREDICTABLE and discarded.
  const rows = A32_GEN_ROWS.filter((r) => conditionalRows.includes(r.row) && (ALU_OPS.has(r.row.op) || (withMemory && MEMORY_OPS.has(r.row.op))));
  const words: number[][] = [];
  const states: number[][] = [];
  for (let k = 0; k < SEQUENCES; k++) {
    const seq: number[] = [];
    const len = 1 + (rnd() % 4);
    while (seq.length < len) {
      const row = rows[rnd() % rows.length];
      const noise = rnd();
      // Mostly unconditional, sometimes conditional (never 0b1111).
      const w = wordOfRow(row, noise, rnd() % 4 !== 0 ? 0xe : (noise >>> 28) % 15);
      if (MEMORY_OPS.has(row.row.op)) {
        const m = memoryWord(w);
        if (m !== undefined) seq.push(m);
      } else if (usable(decodeA32(w)) && !(withMemory && writesR11R12(decodeA32(w)))) seq.push(w);
    }
    words.push(seq);
    const st: number[] = [];
    for (let r = 0; r < 13; r++) {
      const v = rnd();
      // Some small and edge values so saturation, zero and sign cases occur.
      st.push([v, v & 0xff, 0x80000000, 0x7fffffff, 0, 0xffffffff, v >>> 16][rnd() % 7] >>> 0);
    }
    st.push((rnd() & 0xf80f0000) >>> 0); // NZCVQ and GE
    if (withMemory) {
      st[11] = (rnd() & 0x3f8) >>> 0;
      st[12] = SCRATCH + 0x2000;
    }
    states.push(st);
  }
  return { words, states };
}

export function harnessSource(words: number[][], states: number[][]): string {
  const lines = ['.syntax unified', '.arm', '.text', '.global _start', '_start:'];
  words.forEach((seq, k) => {
    lines.push(`  ldr sp, =in${k}`, '  ldr r0, [sp, #52]', '  msr APSR_nzcvqg, r0', '  ldm sp, {r0-r12}');
    for (const w of seq) lines.push(`  .word 0x${w.toString(16)}`);
    lines.push(`  ldr sp, =out${k}`, '  stm sp, {r0-r12}', '  mrs r0, apsr', '  str r0, [sp, #52]', `  b next${k}`, '  .ltorg', `next${k}:`);
  });
  lines.push('  mov r0, #1', '  ldr r1, =out0', `  ldr r2, =${words.length * 56}`, '  mov r7, #4', '  svc #0');
  lines.push('  mov r0, #1', `  ldr r1, =0x${SCRATCH.toString(16)}`, `  ldr r2, =${SCRATCH_SIZE}`, '  mov r7, #4', '  svc #0');
  lines.push('  mov r0, #0', '  mov r7, #1', '  svc #0', '  .ltorg', '.data');
  states.forEach((st, k) => lines.push(`in${k}: .word ${st.map((v) => '0x' + v.toString(16)).join(', ')}`));
  lines.push('.section .scratch,"aw"');
  for (let k = 0; k < SCRATCH_SIZE / 4; k += 8) lines.push(`  .word ${Array.from({ length: 8 }, (_, j) => scratchWord(k + j)).join(', ')}`);
  lines.push('.bss');
  words.forEach((_, k) => lines.push(`out${k}: .space 56`));
  return lines.join('\n') + '\n';
}

export function runQemu(source: string): Uint32Array {
  const dir = mkdtempSync(join(tmpdir(), 'setway-a32q-'));
  try {
    writeFileSync(join(dir, 'h.s'), source);
    const as = spawnSync(LLVM_MC, ['-triple=armv7a', '-mattr=+hwdiv-arm', '-filetype=obj', '-o', join(dir, 'h.o'), join(dir, 'h.s')], { encoding: 'utf8' });
    if (as.status !== 0) throw new Error(as.stderr);
    const ld = spawnSync(tool(LD_LLD), ['-static', `--section-start=.scratch=0x${SCRATCH.toString(16)}`, '-o', join(dir, 'h.elf'), join(dir, 'h.o')], { encoding: 'utf8' });
    if (ld.status !== 0) throw new Error(ld.stderr);
    const q = spawnSync(tool(QEMU_ARM), ['-cpu', 'cortex-a15', join(dir, 'h.elf')], { maxBuffer: 1 << 26 });
    if (q.status !== 0) throw new Error(`qemu-arm exited ${q.status}: ${q.stderr}`);
    const buf = q.stdout as Buffer;
    return new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A memory with the scratch buffer initialised as the QEMU harness initialises it. */
export function scratchMemory(): FlatMemory {
  const memory = new FlatMemory();
  for (let k = 0; k < SCRATCH_SIZE / 4; k++) memory.physical.write32(SCRATCH + 4 * k, scratchWord(k));
  return memory;
}

export function runOurs(seq: number[], state: number[], memory = new FlatMemory()): number[] {
  seq.forEach((w, k) => memory.physical.write32(0x1000 + 4 * k, w));
  const cpu = new A32Cpu({ memory });
  cpu.cpsr = 0x10 | (state[13] & 0xf80f0000); // User mode
  for (let r = 0; r < 13; r++) cpu.r[r] = state[r];
  cpu.pc = 0x1000;
  cpu.exceptionPolicy = 'stop';
  cpu.run(seq.length);
  // APSR as MRS returns it in User mode: NZCVQ and GE are what both sides define.
  return [...cpu.r.subarray(0, 13), (cpu.cpsr & 0xf80f0000) >>> 0];
}

