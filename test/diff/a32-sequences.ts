/**
 * Random straight-line A32 sequences for the execution differential test, generated from the
 * decoder's own rows with their fixed bits honoured (a32-row-words.ts): data processing, shifts,
 * multiplies, saturating and parallel arithmetic, loads and stores to the scratch buffer, flag
 * setting and conditional execution.
 */
import { A32Op, decodeA32, HintOp, type A32Instruction } from '../../src/decode/a32';
import { SCRATCH_ADDRESS, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import type { Prng } from '../oracles/prng';
import { A32_GEN_ROWS, randomWordOfRow, type A32GenRow } from './a32-row-words';

/** Operations a user-mode sequence may contain, and why the others are left out. */
export const A32_SEQUENCE_OPS: ReadonlySet<number> = new Set<number>([
  A32Op.DataProcessingImm,
  A32Op.DataProcessingReg,
  A32Op.DataProcessingRegShiftedReg,
  A32Op.MovWide,
  A32Op.CountLeadingZeros,
  A32Op.Multiply,
  A32Op.MultiplyLong,
  A32Op.HalfwordMultiply,
  A32Op.DualMultiply,
  A32Op.MostSignificantMultiply,
  A32Op.Divide,
  A32Op.SaturatingAddSub,
  A32Op.Saturate,
  A32Op.Saturate16,
  A32Op.ParallelAddSub,
  A32Op.PackHalfword,
  A32Op.Extend,
  A32Op.Select,
  A32Op.Reverse,
  A32Op.SumAbsoluteDifferences,
  A32Op.BitfieldExtract,
  A32Op.BitfieldInsert,
  A32Op.LoadStoreWordByte,
  A32Op.LoadStoreExtra,
  A32Op.LoadStoreDual,
  A32Op.LoadStoreMultiple,
  A32Op.Barrier,
  A32Op.ClearExclusive,
]);

/**
 * A32 only (the T32 generator shares the set above): hints, preloads and MSR to the APSR, which
 * a User-mode sequence may run. Restricted in `userModeVariant`.
 */
const A32_USER_SYSTEM_OPS: ReadonlySet<number> = new Set<number>([A32Op.Hint, A32Op.Preload, A32Op.MoveToStatusReg, A32Op.MoveToStatusImm]);
const A32_OPS: ReadonlySet<number> = new Set<number>([...A32_SEQUENCE_OPS, ...A32_USER_SYSTEM_OPS]);

/** Left out, with the reason (reported by the test). */
export const A32_SEQUENCE_EXCLUSIONS: readonly string[] = [
  'branches and anything that writes or reads the PC (any register field = 15): the harness runs straight-line code, and PC values differ between harness and executor',
  'UNPREDICTABLE encodings (decoder kind "unpredictable"): the architecture allows QEMU and us to differ',
  'exclusives (LDREX/STREX...), SWP, LDA/STL: monitor state and SWP support are not part of a straight-line register comparison; acquire/release are Armv8 (qemu-arm runs a Cortex-A15)',
  'MRS (its bits other than NZCVQ and GE are UNKNOWN in User mode), MSR to the SPSR or with a mask other than nzcvq/g (UNPREDICTABLE or ignored at PL0), banked MRS/MSR, CPS/SETEND, hints that wait (WFI/WFE), SVC/BKPT/UDF/HVC/SMC/ERET/SRS/RFE, coprocessor moves: privileged, mode- or OS-dependent',
  'accesses our executor faults on at addresses the QEMU process maps (harnessMapped: the harness image, the vectors page, the mappings of qemu-arm from 0x40000000): QEMU may read or write its own memory there; other faults are compared (signal, PC, address)',
];

const MEMORY_OPS: ReadonlySet<number> = new Set<number>([A32Op.LoadStoreWordByte, A32Op.LoadStoreExtra, A32Op.LoadStoreDual, A32Op.LoadStoreMultiple]);
/** Base registers for loads/stores; they start pointing into the middle of the scratch buffer. */
export const A32_POINTER_REGISTERS = [8, 9, 10, 11] as const;

/** The rows a sequence instruction is drawn from: every row (both tables) of an operation above. */
export const A32_SEQUENCE_ROWS: readonly A32GenRow[] = A32_GEN_ROWS.filter((r) => A32_OPS.has(r.row.op));

/** Hints that do not wait (WFI and WFE stop the CPU), MSR to the APSR's nzcvq/g only (Arm ARM F5 "MSR (register)": the other mask bits are ignored at PL0, the SPSR is UNPREDICTABLE there). */
function userModeVariant(d: A32Instruction): boolean {
  if (d.op === A32Op.Hint) return d.sub !== HintOp.WFI && d.sub !== HintOp.WFE;
  if (d.op === A32Op.MoveToStatusReg || d.op === A32Op.MoveToStatusImm) return d.sub === 0 && (d.imm2 & 0b0011) === 0;
  return true;
}

/**
 * Reads or writes the PC. Rn == 15 is not the PC in the rows that fix it to 0b1111 as an opcode
 * (SXTB/UXTH... without an addend, BFC), and the decoder picks those rows for such words.
 */
function touchesPc(d: A32Instruction): boolean {
  const rnIsPc = d.rn === 15 && d.op !== A32Op.Extend && d.op !== A32Op.BitfieldInsert;
  return rnIsPc || d.rd === 15 || d.rm === 15 || d.rs === 15 || d.rt === 15 || d.rt2 === 15 || d.ra === 15 || d.rdHi === 15 || ((d.registers >>> 15) & 1) === 1;
}

/** One instruction word: from a random row (each equally likely), retried until it is acceptable. */
export function randomA32Instruction(rng: Prng): number {
  const all = A32_SEQUENCE_ROWS;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const r = rng.pick(all);
    let w = randomWordOfRow(r, rng);
    if (MEMORY_OPS.has(r.row.op)) {
      // Base register bits[19:16] (all A32 load/store classes) -> a scratch pointer.
      w = ((w & ~(0xf << 16)) | (rng.pick(A32_POINTER_REGISTERS) << 16)) >>> 0;
      // Keep immediate offsets small: imm12 bits[11:7] of the word/byte immediate form.
      if (r.row.op === A32Op.LoadStoreWordByte && ((w >>> 25) & 1) === 0) w = (w & ~0xf80) >>> 0;
      // Load/store multiple: at most eight registers, so most lists stay inside the buffer.
      if (r.row.op === A32Op.LoadStoreMultiple) w = (w & ~(rng.u32() & 0xff00)) >>> 0;
    }
    // MSR: the APSR (R = 0, bit 22) with mask nzcvq, g or both (bits[19:16] 1000, 0100, 1100).
    if (r.row.op === A32Op.MoveToStatusReg || r.row.op === A32Op.MoveToStatusImm) w = ((w & ~0x004f0000) | ((4 + 4 * rng.below(3)) << 16)) >>> 0;
    const d = decodeA32(w);
    if (d.kind !== 'ok' || !A32_OPS.has(d.op) || touchesPc(d) || !userModeVariant(d)) continue;
    if (d.op === A32Op.LoadStoreMultiple && d.registers === 0) continue;
    return w;
  }
  throw new Error('randomA32Instruction: no acceptable word in 1000 attempts (are the decoder rows there?)');
}

export function randomRegisterValue(rng: Prng): number {
  const k = rng.below(10);
  if (k < 4) return rng.u32();
  if (k < 7) return rng.below(64);
  if (k < 8) return (-1 - rng.below(64)) >>> 0;
  return [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000, 0xffff][rng.below(7)];
}

/** A sequence of 1..maxLength instructions with a random initial state. */
export function randomA32Case(rng: Prng, maxLength = 8): ExecCase {
  const n = 1 + rng.below(maxLength);
  const code = new Uint32Array(n);
  for (let i = 0; i < n; i++) code[i] = randomA32Instruction(rng);
  const regs = new Uint32Array(15);
  for (let r = 0; r < 15; r++) regs[r] = randomRegisterValue(rng);
  for (const p of A32_POINTER_REGISTERS) regs[p] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
  const scratch = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < SCRATCH_SIZE; i += 4) {
    const v = rng.u32();
    scratch[i] = v;
    scratch[i + 1] = v >>> 8;
    scratch[i + 2] = v >>> 16;
    scratch[i + 3] = v >>> 24;
  }
  // NZCVQ [31:27] and GE [19:16] random; the rest of the CPSR is the harness's business.
  const flags = (rng.u32() & 0xf80f0000) >>> 0;
  return { code, initial: { regs, flags, scratch } };
}
