/**
 * Random straight-line A64 sequences for the execution differential test, generated from the
 * decoder's own rows: every integer data-processing form in its X and W variants, every
 * flag-setting form (ADDS/SUBS/ANDS/BICS/ADCS/SBCS, CCMP/CCMN, MSR NZCV), conditional selects,
 * multiplies and divides, CRC32/CRC32C, and loads/stores to the scratch buffer (LDAR/STLR with
 * their should-be-one Rs/Rt2, register offsets from small index registers). Each Arm ARM form is
 * drawn as often as any other (A64_SEQUENCE_FORMS).
 */
import { A64Op, AddrMode, decodeA64, type A64Instruction, type A64RowView } from '../../src/decode/a64';
import { SCRATCH_ADDRESS, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';
import { A64_GEN_ROWS, a64Form, validWordOfA64Row, wordOfA64Row } from './a64-row-words';

export const A64_SEQUENCE_OPS: ReadonlySet<number> = new Set<number>([
  A64Op.ADR, A64Op.ADRP, A64Op.ADD_SUB_IMM, A64Op.LOGIC_IMM, A64Op.MOVN, A64Op.MOVZ, A64Op.MOVK,
  A64Op.SBFM, A64Op.BFM, A64Op.UBFM, A64Op.EXTR, A64Op.LOGIC_SHIFTED, A64Op.ADD_SUB_SHIFTED,
  A64Op.ADD_SUB_EXT, A64Op.ADC_SBC, A64Op.CCMP_REG, A64Op.CCMP_IMM, A64Op.CSEL, A64Op.RBIT,
  A64Op.REV16, A64Op.REV32, A64Op.REV64, A64Op.CLZ, A64Op.CLS, A64Op.UDIV, A64Op.SDIV,
  A64Op.LSLV, A64Op.LSRV, A64Op.ASRV, A64Op.RORV, A64Op.MADD, A64Op.MSUB, A64Op.SMADDL,
  A64Op.SMSUBL, A64Op.UMADDL, A64Op.UMSUBL, A64Op.SMULH, A64Op.UMULH, A64Op.LDR, A64Op.LDRS,
  A64Op.STR, A64Op.PRFM, A64Op.LDP, A64Op.STP, A64Op.LDPSW, A64Op.LDAR, A64Op.STLR,
  A64Op.HINT, A64Op.DMB, A64Op.DSB, A64Op.ISB, A64Op.CLREX, A64Op.CRC32, A64Op.CRC32C,
]);

export const A64_SEQUENCE_EXCLUSIONS: readonly string[] = [
  'branches, exception generation (SVC/HVC/BRK...), ERET, WFI/WFE/SEV: straight-line code only',
  'system registers other than NZCV (MRS/MSR/SYS): privileged or OS-dependent at EL0',
  'CONSTRAINED UNPREDICTABLE load/store register combinations (LDP t == t2, writeback with n == t): the decoder accepts them, QEMU and we may legitimately differ',
  'exclusives (LDXR/STXR...): monitor state is not part of a straight-line comparison',
  'PC-relative literal loads (LDR literal): they read the harness code, not the scratch buffer',
  'FP/SIMD: not executed by the model',
  'accesses our executor faults on at addresses the harness image maps in QEMU (harnessMapped): QEMU may read its own code or data there; other faults are compared (signal, PC, address)',
];

const MEMORY_OPS: ReadonlySet<number> = new Set<number>([A64Op.LDR, A64Op.LDRS, A64Op.STR, A64Op.PRFM, A64Op.LDP, A64Op.STP, A64Op.LDPSW, A64Op.LDAR, A64Op.STLR]);
/** Base registers for loads/stores; they start pointing into the middle of the scratch buffer. */
export const A64_POINTER_REGISTERS = [20, 21, 22, 23] as const;

/** MRS Xt, NZCV and MSR NZCV, Xt (C5.2 "NZCV": op0 3, op1 3, CRn 4, CRm 2, op2 0), Rt in [4:0]. */
const MRS_NZCV = 0xd53b4200;
const MSR_NZCV = 0xd51b4200;

/** Registers that start as small indexes (X24 0..15, X25 -16..-1 as 64 bits) for LDR/STR (register) offsets. */
const INDEX_REGISTERS = [24, 25] as const;

/**
 * The forms the sequences are drawn from (Arm ARM C6.2 names, a64Form), frozen: the exec
 * differential fails when one was never compared, and a form the rows stop yielding fails here.
 */
export const A64_SEQUENCE_FORMS: readonly string[] = [
  'ADC', 'ADCS', 'ADD (extended register)', 'ADD (immediate)', 'ADD (shifted register)', 'ADDS (extended register)', 'ADDS (immediate)',
  'ADDS (shifted register)', 'ADR', 'ADRP', 'AND (immediate)', 'AND (shifted register)', 'ANDS (immediate)', 'ANDS (shifted register)',
  'ASRV', 'BFM', 'BIC (shifted register)', 'BICS (shifted register)', 'CCMN (immediate)', 'CCMN (register)', 'CCMP (immediate)',
  'CCMP (register)', 'CLREX', 'CLS', 'CLZ', 'CRC32B', 'CRC32CB', 'CRC32CH', 'CRC32CW', 'CRC32CX', 'CRC32H', 'CRC32W', 'CRC32X', 'CSEL',
  'CSINC', 'CSINV', 'CSNEG', 'DMB', 'DSB', 'EON (shifted register)', 'EOR (immediate)', 'EOR (shifted register)', 'EXTR', 'HINT', 'ISB',
  'LDAR', 'LDARB', 'LDARH', 'LDNP', 'LDP (post-index)', 'LDP (pre-index)', 'LDP (signed offset)', 'LDPSW (post-index)',
  'LDPSW (pre-index)', 'LDPSW (signed offset)', 'LDR (immediate, post-index)', 'LDR (immediate, pre-index)',
  'LDR (immediate, unsigned offset)', 'LDR (register)', 'LDRB (immediate, post-index)', 'LDRB (immediate, pre-index)',
  'LDRB (immediate, unsigned offset)', 'LDRB (register)', 'LDRH (immediate, post-index)', 'LDRH (immediate, pre-index)',
  'LDRH (immediate, unsigned offset)', 'LDRH (register)', 'LDRSB (immediate, post-index)', 'LDRSB (immediate, pre-index)',
  'LDRSB (immediate, unsigned offset)', 'LDRSB (register)', 'LDRSH (immediate, post-index)', 'LDRSH (immediate, pre-index)',
  'LDRSH (immediate, unsigned offset)', 'LDRSH (register)', 'LDRSW (immediate, post-index)', 'LDRSW (immediate, pre-index)',
  'LDRSW (immediate, unsigned offset)', 'LDRSW (register)', 'LDTR', 'LDTRB', 'LDTRH', 'LDTRSB', 'LDTRSH', 'LDTRSW', 'LDUR', 'LDURB',
  'LDURH', 'LDURSB', 'LDURSH', 'LDURSW', 'LSLV', 'LSRV', 'MADD', 'MOVK', 'MOVN', 'MOVZ', 'MRS', 'MSR (register)', 'MSUB', 'NOP',
  'ORN (shifted register)', 'ORR (immediate)', 'ORR (shifted register)', 'PRFM (immediate, unsigned offset)', 'PRFM (register)',
  'PRFUM', 'RBIT', 'REV', 'REV16', 'REV32', 'RORV', 'SBC', 'SBCS', 'SBFM', 'SDIV', 'SMADDL', 'SMSUBL', 'SMULH', 'STLR', 'STLRB',
  'STLRH', 'STNP', 'STP (post-index)', 'STP (pre-index)', 'STP (signed offset)', 'STR (immediate, post-index)',
  'STR (immediate, pre-index)', 'STR (immediate, unsigned offset)', 'STR (register)', 'STRB (immediate, post-index)',
  'STRB (immediate, pre-index)', 'STRB (immediate, unsigned offset)', 'STRB (register)', 'STRH (immediate, post-index)',
  'STRH (immediate, pre-index)', 'STRH (immediate, unsigned offset)', 'STRH (register)', 'STTR', 'STTRB', 'STTRH', 'STUR', 'STURB',
  'STURH', 'SUB (extended register)', 'SUB (immediate)', 'SUB (shifted register)', 'SUBS (extended register)', 'SUBS (immediate)',
  'SUBS (shifted register)', 'UBFM', 'UDIV', 'UMADDL', 'UMSUBL', 'UMULH', 'YIELD',
];

/** The rows that yield each sequence form, found once by drawing valid words of every row. */
let formRowsCache: Map<string, A64RowView[]> | null = null;
function formRows(): Map<string, A64RowView[]> {
  if (formRowsCache !== null) return formRowsCache;
  const m = new Map<string, A64RowView[]>();
  const rng = new Prng(0xf0e5);
  for (const r of A64_GEN_ROWS) {
    for (let i = 0; i < 600; i++) {
      const w = validWordOfA64Row(r, rng);
      if (w === null) break;
      const d = decodeA64(w);
      if (!A64_SEQUENCE_OPS.has(d.op)) continue;
      const f = a64Form(d);
      const rows = m.get(f) ?? [];
      if (!rows.includes(r)) rows.push(r);
      m.set(f, rows);
    }
  }
  const unknown = [...m.keys()].filter((f) => !A64_SEQUENCE_FORMS.includes(f));
  const unreached = A64_SEQUENCE_FORMS.filter((f) => f !== 'MRS' && f !== 'MSR (register)' && !m.has(f));
  if (unknown.length > 0 || unreached.length > 0) throw new Error(`A64 sequence forms changed: new ${unknown.join(', ')}; gone ${unreached.join(', ')}`);
  formRowsCache = m;
  return m;
}

const PAIR_LOADS: ReadonlySet<number> = new Set<number>([A64Op.LDP, A64Op.LDPSW]);
const PAIRS: ReadonlySet<number> = new Set<number>([A64Op.LDP, A64Op.LDPSW, A64Op.STP]);

/**
 * The CONSTRAINED UNPREDICTABLE register combinations of the load/store encodings (Arm ARM C6.2
 * "LDP": t == t2; every writeback form: n == t (or n == t2 for pairs) with n != 31): QEMU and
 * we may both be right and still differ, so they are not generated.
 */
function constrainedUnpredictable(d: A64Instruction): boolean {
  if (PAIR_LOADS.has(d.op) && d.rt === d.rt2) return true;
  const wback = d.variant === AddrMode.PRE_INDEX || d.variant === AddrMode.POST_INDEX;
  if (wback && MEMORY_OPS.has(d.op) && d.rn !== 31 && (d.rn === d.rt || (PAIRS.has(d.op) && d.rn === d.rt2))) return true;
  return false;
}

function acceptable(d: A64Instruction): boolean {
  if (d.kind !== 'ok' || !A64_SEQUENCE_OPS.has(d.op)) return false;
  return !constrainedUnpredictable(d);
}

/** Memory operands aimed at the scratch buffer: base a pointer register, offsets small, register offsets an index register. */
function aimAtScratch(w: number, rng: Prng): number {
  // Base register Rn, bits[9:5] in every load/store class -> a scratch pointer.
  w = ((w & ~(31 << 5)) | (rng.pick(A64_POINTER_REGISTERS) << 5)) >>> 0;
  if (((w >>> 24) & 0x3b) === 0x39) {
    // Unsigned scaled offset imm12 [21:10]: keep below 16 (class bits[29:27,25:24] = 111x01).
    w = (w & ~(0xff << 14)) >>> 0;
  } else if (((w >>> 27) & 7) === 0b101) {
    // Pair offset imm7 [21:15]: within -8..7 (bits [21:18] copies of the sign).
    w = (((w >>> 21) & 1) === 1 ? w | (0xf << 18) : w & ~(0xf << 18)) >>> 0;
  } else if (((w >>> 24) & 0x3b) === 0x38 && ((w >>> 21) & 1) === 1) {
    // Register offset (bit 21 set, bits[11:10] 10): Rm [20:16] an index register.
    w = ((w & ~(31 << 16)) | (rng.pick(INDEX_REGISTERS) << 16)) >>> 0;
  } else if (((w >>> 24) & 0x3b) === 0x38) {
    // imm9 [20:12] (unscaled, pre/post-index, unprivileged): within -64..63 (bits [20:18] copies of the sign).
    w = (((w >>> 20) & 1) === 1 ? w | (7 << 18) : w & ~(7 << 18)) >>> 0;
  }
  return w;
}

/**
 * One sequence instruction: a form drawn uniformly from A64_SEQUENCE_FORMS (so LDARH is as
 * likely as ADD), then a valid word of a row that yields it, fixed bits honoured (a64-row-words).
 */
export function randomA64Instruction(rng: Prng): number {
  const forms = formRows();
  const form = rng.pick(A64_SEQUENCE_FORMS);
  if (form === 'MRS' || form === 'MSR (register)') return ((form === 'MRS' ? MRS_NZCV : MSR_NZCV) | rng.below(31)) >>> 0;
  const rows = forms.get(form) ?? [];
  for (let attempt = 0; attempt < 4000; attempt++) {
    const r = rng.pick(rows);
    let w = wordOfA64Row(r, rng.u32());
    let d = decodeA64(w);
    if (!acceptable(d) || a64Form(d) !== form) continue;
    if (MEMORY_OPS.has(d.op)) {
      w = aimAtScratch(w, rng);
      d = decodeA64(w);
      if (!acceptable(d) || a64Form(d) !== form) continue;
    }
    return w;
  }
  throw new Error(`randomA64Instruction: no acceptable ${form} word in 4000 attempts`);
}

function randomHalf(rng: Prng): [number, number] {
  const k = rng.below(10);
  if (k < 4) return [rng.u32(), rng.u32()];
  if (k < 6) return [rng.below(64), 0];
  if (k < 7) return [(-1 - rng.below(64)) >>> 0, 0xffffffff];
  if (k < 8) return [rng.u32(), 0];
  const specials: [number, number][] = [[0, 0], [1, 0], [0xffffffff, 0xffffffff], [0, 0x80000000], [0xffffffff, 0x7fffffff], [0x80000000, 0], [0x7fffffff, 0]];
  return specials[rng.below(specials.length)];
}

export function randomA64Case(rng: Prng, maxLength = 8): ExecCase {
  const n = 1 + rng.below(maxLength);
  const code = new Uint32Array(n);
  for (let i = 0; i < n; i++) code[i] = randomA64Instruction(rng);
  const regs = new Uint32Array(64);
  for (let r = 0; r < 32; r++) [regs[2 * r], regs[2 * r + 1]] = randomHalf(rng);
  regs[62] = (regs[62] & ~15) >>> 0; // SP: 16-byte aligned, never a base register here
  for (const p of A64_POINTER_REGISTERS) {
    regs[2 * p] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
    regs[2 * p + 1] = 0;
  }
  const k = rng.below(16);
  [regs[2 * INDEX_REGISTERS[0]], regs[2 * INDEX_REGISTERS[0] + 1]] = [k, 0];
  [regs[2 * INDEX_REGISTERS[1]], regs[2 * INDEX_REGISTERS[1] + 1]] = [(-1 - k) >>> 0, 0xffffffff];
  const scratch = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < SCRATCH_SIZE; i++) scratch[i] = rng.below(256);
  return { code, initial: { regs, flags: (rng.u32() & 0xf0000000) >>> 0, scratch } };
}
