/** T32 (AArch32 Thumb state) decoder: `decodeT32` and `disassembleT32`. */
export { decodeT32, decodeT32Word, disassembleT32, isT32Wide, rows16, rows32 } from './decoder';
export { T32Instruction, T32Op } from './instruction';
export type { T32Row } from './row';
export { itMnemonic } from './rows-16-misc';
export { ORN } from './rows-32-data-processing';
