/**
 * The guest's registers seen from EL2 while it emulates a trapped access: a SystemAccessContext
 * for the register model that forwards to the trapped vCPU. One reusable object per vCPU, so the
 * trap path allocates nothing.
 */
import type { TrappedVcpu } from '../exec/el2-gate';
import type { SystemAccessContext } from '../exec/system-instructions';

export class EmulationContext implements SystemAccessContext {
  target!: TrappedVcpu;
  /** Trapped accesses come from EL1: EL0 accesses that would trap are UNDEFINED first. */
  readonly el = 1;
  readonly cond = 0xe;
  readonly is16bit = false;

  readRegister(n: number): number {
    return this.target.readRegister(n);
  }
  readRegisterHigh(n: number): number {
    return this.target.readRegisterHigh(n);
  }
  writeRegister(n: number, low: number, high?: number): void {
    this.target.writeRegister(n, low, high);
  }
  // The emulated access itself never moves the PC or raises exceptions: the trap handler does.
  skipInstruction(): void {}
  injectUndefined(): void {}
  injectDataAbort(): void {}
  halt(reason: string): void {
    this.target.halt(reason);
  }
}
