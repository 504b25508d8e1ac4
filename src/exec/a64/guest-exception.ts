/** An exception to EL1 under `exceptionPolicy = 'stop'`: the CPU stops instead of vectoring. */
export class GuestException extends Error {
  constructor(
    /** ESR_EL1.EC of the exception (D17 "ESR_EL1"). */
    readonly exceptionClass: number,
    /** Full ESR_EL1 value it would have had. */
    readonly esr: number,
    /** Address of the instruction that caused it. */
    readonly pc: number,
    /** The instruction word (0 when the fetch itself failed). */
    readonly word: number,
    detail: string,
  ) {
    super(`exception class 0x${exceptionClass.toString(16)} (${detail}) at PC 0x${pc.toString(16)}, instruction 0x${(word >>> 0).toString(16).padStart(8, '0')}`);
    this.name = 'GuestException';
  }
}
