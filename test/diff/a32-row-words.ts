/**
 * A32 words generated from the decoder's own rows with their fixed bits honoured: the `0`/`1`
 * bits of the pattern, the (0) bits (`x`) zero and the (1) bits (`X`) one (Arm ARM F1 "Fixed values
 * in AArch32 instruction encodings"), so a row whose (0)/(1) bits would otherwise be filled at
 * random (REV, RBIT, CLZ, SEL, SDIV...) yields encodings with a defined meaning. Also names the
 * row a word decodes by, for coverage per row.
 */
import { compilePattern, DecodeTable, type CompiledPattern } from '../../src/decode/bit-pattern';
import { conditionalRows, unconditionalRows, type A32Row } from '../../src/decode/a32';
import type { Prng } from '../oracles/prng';

export interface A32GenRow {
  readonly row: A32Row;
  readonly pattern: CompiledPattern;
  /** The row's mnemonic, with `/k` (k-th row of that mnemonic in table order) where several rows share it. */
  readonly label: string;
  /** cccc rows: any condition but 0b1111; the others fix bits[31:28]. */
  readonly conditional: boolean;
  /** Bits that must be zero (`x`) and must be one (`X`). */
  readonly sbz: number;
  readonly sbo: number;
}

function labelled(rows: readonly A32Row[]): A32GenRow[] {
  const total = new Map<string, number>();
  for (const r of rows) total.set(r.mnemonic, (total.get(r.mnemonic) ?? 0) + 1);
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const k = (seen.get(row.mnemonic) ?? 0) + 1;
    seen.set(row.mnemonic, k);
    const pattern = compilePattern(row.pattern);
    return {
      row,
      pattern,
      label: (total.get(row.mnemonic) ?? 0) > 1 ? `${row.mnemonic}/${k}` : row.mnemonic,
      conditional: row.pattern.startsWith('cccc'),
      sbz: pattern.fields.x?.mask ?? 0,
      sbo: pattern.fields.X?.mask ?? 0,
    };
  });
}

/** Every row of both A32 tables, conditional rows first, in table order. */
export const A32_GEN_ROWS: readonly A32GenRow[] = labelled([...conditionalRows, ...unconditionalRows]);

/** Condition for a conditional row: AL half the time, otherwise any of EQ..LE. */
export function randomCondition(rng: Prng): number {
  return rng.chance(0.5) ? 0xe : rng.below(15);
}

/** A word of `r`: fixed bits as the row has them, (0)/(1) bits honoured, fields from `noise`. */
export function wordOfRow(r: A32GenRow, noise: number, cond: number): number {
  let w = (r.pattern.value | (noise & ~r.pattern.mask & ~r.sbz) | r.sbo) >>> 0;
  if (r.conditional) w = ((w & 0x0fffffff) | (cond << 28)) >>> 0;
  return w;
}

/** A random word of `r` with a random condition. */
export function randomWordOfRow(r: A32GenRow, rng: Prng): number {
  return wordOfRow(r, rng.u32(), randomCondition(rng));
}

// The same priority rule as the decoder (most fixed bits first, then table order), so a word's row here is the decoder's.
// UDF sits in the conditional table although it fixes cond = AL, as in the decoder.
const inTable = (rows: readonly A32Row[]) => A32_GEN_ROWS.filter((r) => rows.includes(r.row)).map((r) => ({ pattern: r.pattern, data: r }));
const condTable = new DecodeTable(inTable(conditionalRows));
const uncondTable = new DecodeTable(inTable(unconditionalRows));

/** The row the decoder picks for `word`, or undefined for an unallocated word. */
export function rowOfWord(word: number): A32GenRow | undefined {
  return word >>> 28 === 0xf ? uncondTable.lookup(word) : condTable.lookup(word);
}
