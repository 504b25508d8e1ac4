/** What the machine needs of an executor (A32Cpu or A64Cpu): run, stop, and its counters. */
export interface GuestCpu {
  run(maxInstructions: number): number;
  requestStop(): void;
  readonly stopReason: string;
  exceptionPolicy: 'take' | 'stop';
  readonly instructionsRetired: number;
  /** Address of the next instruction (signed 64-bit value for AArch64). */
  readonly pc: number;
}
