/** A guest that cannot go on: it left its memory, took an exception nobody handles, ran away. */
export class GuestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestError';
  }
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
