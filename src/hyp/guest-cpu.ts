/** What the machine needs of an executor (A32Cpu or A64Cpu): run, stop, and its counters. */
export interface GuestCpu {
  run(maxInstructions: number): number;
  requestStop(): void;
  readonly stopReason: string;
  exceptionPolicy: 'take' | 'stop';
  readonly instructionsRetired: number;
  /**
   * Instructions retired before the one executing now, and its address: exact even from inside a
   * compiled block's memory access (what an observer of loads reports as the load's position).
   */
  readonly retiredNow: number;
  readonly instructionPc: number;
  /** Address of the next instruction (signed 64-bit value for AArch64). */
  readonly pc: number;
}
