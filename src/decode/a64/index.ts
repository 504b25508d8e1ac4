/** The A64 decoder: words to shared instruction records, and records to llvm-mc style text. */
export { decodeA64, a64Rows } from './decode';
export type { A64RowView } from './decode';
export { disassembleA64 } from './disassemble';
export { A64Op, AddrMode, RegIndex } from './instruction';
export type { A64Instruction, A64Kind } from './instruction';
export { decodeBitMasks, moveWidePreferred } from './bit-masks';
export type { BitMasks } from './bit-masks';
