/**
 * A guest that keeps taking exceptions without completing an instruction (typically a vector
 * table that is itself unmapped, so the exception entry faults again). Real hardware livelocks;
 * the executors stop and say where.
 */
export class ExceptionLoopError extends Error {
  constructor(
    readonly pc: number,
    readonly entries: number,
    detail: string,
  ) {
    super(`${entries} exceptions taken at PC 0x${(pc >>> 0).toString(16)} without an instruction completing (${detail}); is the vector table mapped?`);
    this.name = 'ExceptionLoopError';
  }
}

/** Exception entries in a row, with no instruction retired, that make an exception loop. */
export const EXCEPTION_LOOP_LIMIT = 64;

/** Counts exception entries since an instruction last retired; throws past the limit. */
export class ExceptionLoopGuard {
  private entries = 0;
  private lastRetired = -1;

  /** An exception is being taken at `pc` with `retired` instructions retired so far. */
  note(retired: number, pc: number, detail: string): void {
    if (retired !== this.lastRetired) {
      this.lastRetired = retired;
      this.entries = 0;
    }
    if (++this.entries > EXCEPTION_LOOP_LIMIT) {
      this.entries = 0;
      throw new ExceptionLoopError(pc, EXCEPTION_LOOP_LIMIT, detail);
    }
  }
}
