/**
 * decodeT32: one or two halfwords -> T32Instruction, by table lookup (Arm ARM F3 "T32
 * instruction set encoding": a first halfword whose bits[15:11] are 0b11101, 0b11110 or 0b11111
 * starts a 32-bit instruction). Unmatched encodings are UNDEFINED (VFP, Advanced SIMD, other
 * coprocessors and unallocated space all land there).
 */
import { compilePattern, DecodeTable } from '../bit-pattern';
import { T32Instruction } from './instruction';
import type { T32Row } from './row';
import { dataProcessing16Table } from './rows-16-data-processing';
import { loadStore16Table } from './rows-16-load-store';
import { misc16Table } from './rows-16-misc';
import { dataProcessing32Table } from './rows-32-data-processing';
import { multiply32Table } from './rows-32-multiply';
import { loadStore32Table } from './rows-32-load-store';
import { branchMisc32Table } from './rows-32-branch-misc';

export const rows16: readonly T32Row[] = [...dataProcessing16Table, ...loadStore16Table, ...misc16Table];
export const rows32: readonly T32Row[] = [...dataProcessing32Table, ...multiply32Table, ...loadStore32Table, ...branchMisc32Table];

interface CompiledRow {
  readonly row: T32Row;
  readonly fieldNames: readonly string[];
  readonly extractors: readonly ((w: number) => number)[];
  readonly sbzMask: number;
  readonly sboMask: number;
}

function compileRow(row: T32Row): CompiledRow {
  const p = compilePattern(row.pattern);
  const names = Object.keys(p.fields).filter((k) => k !== 'x' && k !== 'X');
  return { row, fieldNames: names, extractors: names.map((k) => p.fields[k].extract), sbzMask: p.fields.x?.mask ?? 0, sboMask: p.fields.X?.mask ?? 0 };
}

function table(rows: readonly T32Row[], width: number, keyBits: readonly number[]): DecodeTable<CompiledRow> {
  for (const r of rows) {
    const p = compilePattern(r.pattern);
    if (p.width !== width) throw new Error(`T32 row ${r.mnemonic} "${r.pattern}" has ${p.width} bits, expected ${width}`);
  }
  return new DecodeTable(rows.map((r) => ({ pattern: r.pattern, data: compileRow(r) })), { keyBits });
}

// Key bits: the op fields of the T32 index (16-bit: bits[15:10]; 32-bit: op1 [28:27], op2 [26:20], op [15]).
const table16 = table(rows16, 16, [15, 14, 13, 12, 11, 10, 9, 8]);
const table32 = table(rows32, 32, [28, 27, 26, 25, 24, 23, 22, 21, 20, 15, 14, 12]);

/** True when `hw1` is the first halfword of a 32-bit T32 instruction. */
export function isT32Wide(hw1: number): boolean {
  return (hw1 & 0xffff) >>> 11 >= 0b11101;
}

function undefinedFormat(insn: T32Instruction): string {
  return `udf\t@ 0x${insn.word.toString(16).padStart(insn.length * 2, '0')}`;
}

/**
 * Decode the instruction starting with halfword `hw1` (`hw2` is the following halfword, read
 * only for a 32-bit encoding) at a position with ITSTATE `itState` (0 outside an IT block). Pure.
 */
export function decodeT32(hw1: number, hw2 = 0, itState = 0): T32Instruction {
  const wide = isT32Wide(hw1);
  const word = wide ? (((hw1 & 0xffff) << 16) | (hw2 & 0xffff)) >>> 0 : hw1 & 0xffff;
  const insn = new T32Instruction(word, wide ? 4 : 2, itState);
  const entry = wide ? table32.lookup(word) : table16.lookup(word);
  if (entry === undefined) {
    insn.kind = 'undefined';
    insn.reason = 'no instruction is allocated to (or implemented for) this encoding';
    insn.mnemonic = 'undefined';
    insn.format = (i) => undefinedFormat(i as T32Instruction);
    return insn;
  }
  const { row } = entry;
  insn.mnemonic = row.mnemonic;
  insn.op = row.op as T32Instruction['op'];
  insn.format = (i) => row.format(i as T32Instruction);
  const fields: Record<string, number> = {};
  for (let k = 0; k < entry.fieldNames.length; k++) fields[entry.fieldNames[k]] = entry.extractors[k](word);
  row.decode(insn, fields);
  if (insn.kind === 'ok' && ((word & entry.sbzMask) !== 0 || (word & entry.sboMask) >>> 0 !== entry.sboMask)) {
    insn.kind = 'unpredictable';
    insn.reason = `${insn.mnemonic}: a should-be-zero or should-be-one bit has the other value`;
  }
  return insn;
}

/** Decode a T32 instruction written as llvm-objdump prints it: 16-bit `word` < 0x10000, or first halfword << 16 | second. */
export function decodeT32Word(word: number, itState = 0): T32Instruction {
  return word > 0xffff ? decodeT32(word >>> 16, word & 0xffff, itState) : decodeT32(word, 0, itState);
}

/** The text llvm-mc prints for the instruction. */
export function disassembleT32(insn: T32Instruction): string {
  return insn.format === null ? undefinedFormat(insn) : insn.format(insn, undefined);
}
