/**
 * decodeA64: one 32-bit word to the shared instruction record, through the encoding table.
 * Decoding is the cold path (the executor caches records per address), so it may allocate.
 */
import { DecodeTable } from '../bit-pattern';
import type { CompiledPattern } from '../bit-pattern';
import { A64Op, A64Record } from './instruction';
import type { A64Instruction } from './instruction';
import { A64_ROWS } from './table';
import type { A64Row } from './table';

const table = new DecodeTable<A64Row>(A64_ROWS.map((r) => ({ pattern: r.pattern, data: r })));

function fieldValues(p: CompiledPattern, word: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name in p.fields) out[name] = p.fields[name].extract(word);
  return out;
}

function unallocated(word: number): A64Record {
  const r = new A64Record(word);
  r.kind = 'unallocated';
  r.op = A64Op.UNALLOCATED;
  r.mnemonic = '';
  return r;
}

/** Decode one A64 instruction word (Arm ARM C4.1). Never throws: unknown words are `unallocated`. */
export function decodeA64(word: number): A64Instruction {
  word >>>= 0;
  const hit = table.match(word);
  if (hit === undefined) return unallocated(word);
  const row = hit.data;
  const r = new A64Record(word);
  r.op = row.op;
  r.mnemonic = row.mnemonic;
  if (!row.build(r, fieldValues(hit.pattern, word))) return unallocated(word);
  if (r.op === A64Op.UNDEFINED) r.kind = 'undefined';
  else if (r.op === A64Op.FPSIMD) r.kind = 'fpsimd';
  return r;
}

/** A row of the table as tests see it: the pattern, its fixed bits, and where each field letter sits (read-only). */
export interface A64RowView {
  readonly mask: number;
  readonly value: number;
  readonly mnemonic: string;
  /** The row's operation before its build refines it (the `ldr` rows also yield STR/LDRS/PRFM). */
  readonly op: A64Op;
  readonly pattern: string;
  /** Field letter (table.ts legend) -> the bits it occupies. */
  readonly fields: Readonly<Record<string, number>>;
}

/** The table's rows, most specific first (for generators in tests: words matching a row). */
export function a64Rows(): readonly A64RowView[] {
  return table.rows.map((r) => {
    const fields: Record<string, number> = {};
    for (const name in r.pattern.fields) fields[name] = r.pattern.fields[name].mask;
    return { mask: r.pattern.mask, value: r.pattern.value, mnemonic: r.data.mnemonic, op: r.data.op, pattern: r.data.pattern, fields };
  });
}
