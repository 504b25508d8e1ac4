/**
 * A64 words generated from the decoder's own rows (a64Rows), each a valid encoding of its row:
 * the row's fixed bits, the should-be-one fields the table does not draw honoured (Arm ARM C6.2
 * "LDXR", "LDAR", "STLR", "STXR", "LDXP": Rs and Rt2 are (1)(1)(1)(1)(1) where the instruction
 * does not use them), and reserved field combinations (build returns false) drawn again. Also
 * names a decoded instruction by its architectural mnemonic and form (C6.2 headings, e.g.
 * "LDRSH (immediate, post-index)"), the unit the differentials count coverage in.
 */
import { A64Op, AddrMode, a64Rows, decodeA64, type A64Instruction, type A64RowView } from '../../src/decode/a64';
import type { Prng } from '../oracles/prng';

/** Every row but the FP/SIMD space (classified as a whole, not executed), most specific first. */
export const A64_GEN_ROWS: readonly A64RowView[] = a64Rows().filter((r) => r.op !== A64Op.FPSIMD);

/** The row the decoder picks for `word` (its first match, most specific first), or undefined. */
export function a64RowOfWord(word: number): A64RowView | undefined {
  return A64_GEN_ROWS.find((r) => ((word & r.mask) >>> 0) === r.value);
}

const field = (r: A64RowView, letter: string): number => r.fields[letter] ?? 0;

/** `w` with the row's should-be-one fields set (the exclusive/ordered row: o2 a, L b, o1 c, Rs s, Rt2 u). */
export function honourA64(r: A64RowView, w: number): number {
  if (r.op !== A64Op.LDXR) return w >>> 0;
  const load = (w & field(r, 'b')) !== 0;
  const pair = (w & field(r, 'c')) !== 0 && (w & field(r, 'a')) === 0;
  if (load) w |= field(r, 's');
  if (!pair) w |= field(r, 'u');
  return w >>> 0;
}

/** A word of row `r` with its fixed and should-be-one bits honoured; fields from `noise`. May be a reserved combination. */
export function wordOfA64Row(r: A64RowView, noise: number): number {
  return honourA64(r, (r.value | (noise & ~r.mask)) >>> 0);
}

/** A valid (allocated) word of `r` accepted by `accept`, or null when 200 draws found none. */
export function validWordOfA64Row(r: A64RowView, rng: Prng, accept: (d: A64Instruction) => boolean = () => true): number | null {
  for (let i = 0; i < 200; i++) {
    const w = wordOfA64Row(r, rng.u32());
    const d = decodeA64(w);
    if (d.kind !== 'unallocated' && accept(d)) return w;
  }
  return null;
}

const ADDRESSING: Readonly<Record<number, string>> = {
  [AddrMode.OFFSET]: 'immediate, unsigned offset',
  [AddrMode.PRE_INDEX]: 'immediate, pre-index',
  [AddrMode.POST_INDEX]: 'immediate, post-index',
  [AddrMode.REGISTER]: 'register',
};
const PAIR_ADDRESSING: Readonly<Record<number, string>> = {
  [AddrMode.OFFSET]: 'signed offset',
  [AddrMode.PRE_INDEX]: 'pre-index',
  [AddrMode.POST_INDEX]: 'post-index',
};
const SIZE_SUFFIX = ['B', 'H', '', ''];

function registerTransferName(d: A64Instruction): string {
  let base: string;
  if (d.op === A64Op.PRFM) base = 'PRFM';
  else if (d.op === A64Op.LDRS) base = `LDRS${'BHW'[d.size]}`;
  else base = (d.op === A64Op.STR ? 'STR' : 'LDR') + SIZE_SUFFIX[d.size];
  if (d.variant === AddrMode.UNSCALED) return base.replace(/^(LD|ST|PRF)(R|M)/, (_, a: string) => (a === 'PRF' ? 'PRFUM' : `${a}UR`));
  if (d.variant === AddrMode.UNPRIVILEGED) return base.replace(/^(LD|ST)R/, '$1TR');
  return `${base} (${ADDRESSING[d.variant]})`;
}

/**
 * The Arm ARM C6.2 name of an instruction of the sequence rows: mnemonic (no alias) and the form
 * where C6.2 has several. Operand size (W/X) is not part of it, as in C6.2.
 */
export function a64Form(d: A64Instruction): string {
  const s = d.setFlags ? 'S' : '';
  switch (d.op) {
    case A64Op.ADD_SUB_IMM:
      return `${d.variant ? 'SUB' : 'ADD'}${s} (immediate)`;
    case A64Op.ADD_SUB_SHIFTED:
      return `${d.variant ? 'SUB' : 'ADD'}${s} (shifted register)`;
    case A64Op.ADD_SUB_EXT:
      return `${d.variant ? 'SUB' : 'ADD'}${s} (extended register)`;
    case A64Op.ADC_SBC:
      return `${d.variant ? 'SBC' : 'ADC'}${s}`;
    case A64Op.LOGIC_IMM:
      return `${['AND', 'ORR', 'EOR', 'ANDS'][d.variant]} (immediate)`;
    case A64Op.LOGIC_SHIFTED:
      return `${(d.imm2 ? ['BIC', 'ORN', 'EON', 'BICS'] : ['AND', 'ORR', 'EOR', 'ANDS'])[d.variant]} (shifted register)`;
    case A64Op.CCMP_REG:
    case A64Op.CCMP_IMM:
      return `${d.variant ? 'CCMP' : 'CCMN'} (${d.op === A64Op.CCMP_IMM ? 'immediate' : 'register'})`;
    case A64Op.CSEL:
      return ['CSEL', 'CSINC', 'CSINV', 'CSNEG'][d.variant];
    case A64Op.LDR:
    case A64Op.LDRS:
    case A64Op.STR:
    case A64Op.PRFM:
      return registerTransferName(d);
    case A64Op.LDP:
    case A64Op.STP:
    case A64Op.LDPSW:
      if (d.variant === AddrMode.NON_TEMPORAL) return d.op === A64Op.LDP ? 'LDNP' : 'STNP';
      return `${d.mnemonic.toUpperCase()} (${PAIR_ADDRESSING[d.variant]})`;
    case A64Op.LDAR:
    case A64Op.STLR:
      return (d.op === A64Op.LDAR ? 'LDAR' : 'STLR') + SIZE_SUFFIX[d.size];
    case A64Op.HINT:
      return d.imm === 0 ? 'NOP' : d.imm === 1 ? 'YIELD' : 'HINT';
    case A64Op.REV64:
      return 'REV';
    case A64Op.MRS:
    case A64Op.MSR_REG:
      return `${d.op === A64Op.MRS ? 'MRS' : 'MSR (register)'}`;
    default:
      return d.mnemonic.toUpperCase();
  }
}
