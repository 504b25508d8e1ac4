/** What the lockstep comparer reads of a bare-metal run: its loads in order, and how it ended. */
import type { GuestRun } from './guest-run';

export interface ReferenceLoads {
  /** Make a load available at the head; false when the reference ended with none left. */
  fill(): boolean;
  readonly headVa: number;
  readonly headPa: number;
  readonly headSize: number;
  readonly headValue: number;
  shift(): void;
  /** Run the reference to its end (the subject has finished). */
  finish(): void;
  /** Loads the subject has not matched (after finish: bare metal made more loads than the guest). */
  readonly remaining: number;
  /** How the reference ended ('halted', 'wfi', or a guest error), null while it runs. */
  readonly stopped: string | null;
  /** The reference machine, at its end after finish(). */
  readonly guest: GuestRun;
}
