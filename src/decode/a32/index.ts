/** A32 (AArch32 ARM state) decoder: `decodeA32` and `disassembleA32`. */
export { decodeA32, disassembleA32, conditionalRows, unconditionalRows } from './decoder';
export { A32Instruction, A32Op, Shift, type A32Kind, type A32Formatter } from './instruction';
export type { A32Row } from './row';
export { DpOpcode } from './rows-data-processing';
export { MulOp, LongMulOp, HalfMulOp, DualMulOp } from './rows-multiply';
export { HintOp, BarrierOp, bankedRegisterName } from './rows-system';
