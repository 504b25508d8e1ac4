/** A guest that cannot go on: it left its memory, took an exception nobody handles, ran away. */
export class GuestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestError';
  }
}

/** Errors a guest can cause (their class names, from every layer); anything else is a bug in setway. */
const GUEST_CAUSED = new Set(['GuestError', 'GuestException', 'BudgetExceeded', 'ExceptionLoopError', 'MemoryAbort', 'PhysicalAddressError']);

export function isGuestCaused(e: unknown): e is Error {
  return e instanceof Error && GUEST_CAUSED.has(e.name);
}

/** The guest ran past its instruction budget without finishing. */
export class BudgetExceeded extends Error {
  constructor(
    readonly budget: number,
    readonly pc: number,
  ) {
    super(`guest ran past its budget of ${budget} instructions (PC 0x${(pc >>> 0).toString(16)}): a runaway loop, or raise --budget`);
    this.name = 'BudgetExceeded';
  }
}
