/** The A32 executor. */
export { A32Cpu, type A32CpuOptions, type GuestAbortInfo, type StopReason, accessSyndromeOf } from './cpu';
export { GuestException, type GuestExceptionKind } from './errors';
export { Mode, Psr, Bank } from './modes';
export { hvcSyndrome, smcSyndrome, wfxSyndrome, abortSyndrome, ExceptionClass } from './syndrome';
