/**
 * Random straight-line A64 sequences for the execution differential test, generated from the
 * decoder's own rows: every integer data-processing form in its X and W variants, every
 * flag-setting form (ADDS/SUBS/ANDS/BICS/ADCS/SBCS, CCMP/CCMN, MSR NZCV), conditional selects,
 * multiplies and divides, CRC32/CRC32C, and loads/stores to the scratch buffer.
 */
import { A64Op, AddrMode, a64Rows, decodeA64, type A64Instruction } from '../../src/decode/a64';
import { SCRATCH_ADDRESS, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import type { Prng } from '../oracles/prng';

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
  'loads/stores outside the scratch buffer and unaligned LDAR/STLR (found by a pre-run in our executor): they fault in QEMU',
];

const MEMORY_OPS: ReadonlySet<number> = new Set<number>([A64Op.LDR, A64Op.LDRS, A64Op.STR, A64Op.PRFM, A64Op.LDP, A64Op.STP, A64Op.LDPSW, A64Op.LDAR, A64Op.STLR]);
/** Base registers for loads/stores; they start pointing into the middle of the scratch buffer. */
export const A64_POINTER_REGISTERS = [20, 21, 22, 23] as const;

/** MRS Xt, NZCV and MSR NZCV, Xt (C5.2 "NZCV": op0 3, op1 3, CRn 4, CRm 2, op2 0), Rt in [4:0]. */
const MRS_NZCV = 0xd53b4200;
const MSR_NZCV = 0xd51b4200;

let rowsCache: { mask: number; value: number }[] | null = null;
function rows(): { mask: number; value: number }[] {
  if (rowsCache === null) rowsCache = a64Rows().filter((r) => r.mnemonic !== 'fpsimd');
  return rowsCache;
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

export function randomA64Instruction(rng: Prng): number {
  if (rng.chance(0.03)) return ((rng.chance(0.5) ? MRS_NZCV : MSR_NZCV) | rng.below(31)) >>> 0;
  const all = rows();
  for (let attempt = 0; attempt < 2000; attempt++) {
    const r = rng.pick(all);
    let w = (r.value | (rng.u32() & ~r.mask)) >>> 0;
    let d = decodeA64(w);
    if (!acceptable(d)) continue;
    if (MEMORY_OPS.has(d.op)) {
      // Base register Rn, bits[9:5] in every load/store class -> a scratch pointer.
      w = ((w & ~(31 << 5)) | (rng.pick(A64_POINTER_REGISTERS) << 5)) >>> 0;
      // Unsigned scaled offset imm12 [21:10]: keep below 16 (class bits[29:27,25:24] = 111x01).
      if (((w >>> 24) & 0x3b) === 0x39) w = (w & ~(0xff << 14)) >>> 0;
      // Pair offset imm7 [21:15]: within -8..7 (bits [21:18] copies of the sign).
      if (((w >>> 27) & 7) === 0b101) w = (((w >>> 21) & 1) === 1 ? w | (0xf << 18) : w & ~(0xf << 18)) >>> 0;
      d = decodeA64(w);
      if (!acceptable(d)) continue;
    }
    return w;
  }
  throw new Error('randomA64Instruction: no acceptable word in 2000 attempts (are the decoder rows there?)');
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
  const scratch = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < SCRATCH_SIZE; i++) scratch[i] = rng.below(256);
  return { code, initial: { regs, flags: (rng.u32() & 0xf0000000) >>> 0, scratch } };
}
