/**
 * decodeA32: word -> A32Instruction, by table lookup. The conditional space (cond != 0b1111) and
 * the unconditional space (cond == 0b1111) are separate tables, as in the Arm ARM F4 index.
 * Words no row matches are UNDEFINED (VFP, Advanced SIMD, coprocessors other than p14/p15 and
 * unallocated encodings all land there).
 */
import { compilePattern, DecodeTable } from '../bit-pattern';
import { A32Instruction } from './instruction';
import type { A32Row } from './row';
import { dataProcessingTable } from './rows-data-processing';
import { multiplyTable } from './rows-multiply';
import { mediaTable } from './rows-media';
import { loadStoreTable } from './rows-load-store';
import { systemTable, unconditionalTable } from './rows-system';
import { line } from './format';

/** Every conditional-space row (patterns start with `cccc`). */
export const conditionalRows: readonly A32Row[] = [...dataProcessingTable, ...multiplyTable, ...mediaTable, ...loadStoreTable, ...systemTable];
/** Every unconditional-space row (patterns start with `1111`), plus UDF whose cond is fixed AL. */
export const unconditionalRows: readonly A32Row[] = unconditionalTable;

interface CompiledRow {
  readonly row: A32Row;
  readonly fieldNames: readonly string[];
  readonly extractors: readonly ((w: number) => number)[];
  readonly sbzMask: number;
  readonly sboMask: number;
}

function compileRow(row: A32Row): CompiledRow {
  const p = compilePattern(row.pattern);
  const names = Object.keys(p.fields).filter((k) => k !== 'c' && k !== 'x' && k !== 'X');
  return {
    row,
    fieldNames: names,
    extractors: names.map((k) => p.fields[k].extract),
    sbzMask: p.fields.x?.mask ?? 0,
    sboMask: p.fields.X?.mask ?? 0,
  };
}

// Key bits: the op1/op fields of the top-level A32 index (bits 27:20) and bits 7:4.
const KEY_BITS = [27, 26, 25, 24, 23, 22, 21, 20, 7, 6, 5, 4];
const conditionalTable = new DecodeTable(
  conditionalRows.map((r) => ({ pattern: r.pattern, data: compileRow(r) })),
  { keyBits: KEY_BITS },
);
const unconditionalDecodeTable = new DecodeTable(
  unconditionalRows.map((r) => ({ pattern: r.pattern, data: compileRow(r) })),
  { keyBits: KEY_BITS },
);

function undefinedFormat(insn: A32Instruction): string {
  return line(insn, 'udf', '') + `\t@ 0x${insn.word.toString(16).padStart(8, '0')}`;
}

/** Decode one A32 instruction word. Pure: the same word always gives an equal record. */
export function decodeA32(word: number): A32Instruction {
  const insn = new A32Instruction(word);
  const w = insn.word;
  const entry = insn.cond === 0xf ? unconditionalDecodeTable.lookup(w) : conditionalTable.lookup(w);
  if (entry === undefined) {
    insn.kind = 'undefined';
    insn.reason = 'no instruction is allocated to (or implemented for) this encoding';
    insn.mnemonic = 'undefined';
    insn.format = undefinedFormat;
    return insn;
  }
  const { row } = entry;
  insn.mnemonic = row.mnemonic;
  insn.op = row.op;
  insn.format = row.format;
  const fields: Record<string, number> = {};
  for (let k = 0; k < entry.fieldNames.length; k++) fields[entry.fieldNames[k]] = entry.extractors[k](w);
  row.decode(insn, fields);
  // (0) and (1) bits (Arm ARM F1 "Fixed values in AArch32 instruction encodings"): other values are UNPREDICTABLE.
  if (insn.kind === 'ok' && ((w & entry.sbzMask) !== 0 || (w & entry.sboMask) >>> 0 !== entry.sboMask)) {
    insn.kind = 'unpredictable';
    insn.reason = `${insn.mnemonic}: a should-be-zero or should-be-one bit has the other value`;
  }
  return insn;
}

/** The text llvm-mc prints for the instruction (`pc` is accepted for symmetry with the other disassemblers; branch targets stay PC-relative as llvm-mc prints them). */
export function disassembleA32(insn: A32Instruction, pc?: number): string {
  return insn.format === null ? undefinedFormat(insn) : insn.format(insn, pc);
}
