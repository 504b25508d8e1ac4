/** The A64 executor: an AArch64 PE at EL0/EL1 over a GuestMemory, trapping to a virtual EL2. */
export { A64Cpu, UNDEFINED_SYSTEM } from './cpu';
export type { A64CpuOptions, ExceptionPolicy, StopReason } from './cpu';
export { GuestException } from './guest-exception';
export { EC, syndrome, wfxSyndrome, fpAccessSyndrome, sysTrapSyndrome, dataAbortIss, instructionAbortIss } from './syndrome';
export type { DataAbortInfo } from './syndrome';
