/** The T32 (Thumb) step of the AArch32 CPU (src/exec/a32/cpu.ts dispatches to it while CPSR.T is set). */
export { T32Executor, itAdvance } from './executor';
