/** Typed errors of the A32 executor. */

export type GuestExceptionKind =
  | 'undefined'
  | 'supervisor-call'
  | 'prefetch-abort'
  | 'data-abort'
  | 'breakpoint'
  | 'secure-monitor-call'
  | 'hypervisor-call';

/**
 * An exception the guest raised while `exceptionPolicy` is 'stop': instead of vectoring, the run
 * stops and this is thrown. The CPU state is that of the instruction that raised it (PC = its address).
 */
export class GuestException extends Error {
  constructor(
    readonly kind: GuestExceptionKind,
    readonly pc: number,
    readonly word: number,
    readonly detail: string,
  ) {
    super(`${kind} at PC 0x${(pc >>> 0).toString(16).padStart(8, '0')} (instruction 0x${(word >>> 0).toString(16).padStart(8, '0')}): ${detail}`);
    this.name = 'GuestException';
  }
}
