/**
 * Bare metal's run in a lockstep comparison, advanced a step at a time behind the subject: each
 * of its loads is matched, as it is made, by the vCPU's LockstepComparer. Live, it is a machine
 * (one vCPU run in chunks, or a whole VM a round at a time) whose loads can adopt the guest's
 * newer data; recorded (src/scenarios/lockstep/bare-metal-runs.ts), a fixed stream of loads.
 * Both machines are separate object graphs, so the subject may run from inside bare metal's
 * memory access.
 */
import { EXCEPTION_LOOP_LIMIT } from '../../exec/exception-loop-error';
import type { TranslatedMemory } from '../../exec/translated-memory';
import { isGuestCaused } from '../../hyp/guest-error';
import type { GuestRun } from './guest-run';
import type { AdoptingMachine, LockstepComparer } from './lockstep-comparer';

export interface ReferenceSide {
  /** Why bare metal stopped ('halted', 'wfi', how a boot ended, or a guest error); null while it runs. */
  readonly stopped: string | null;
  /** Bare metal itself failed (a guest error, its budget): a subject failure then is the guest's own. */
  readonly failed: boolean;
  /** It failed only by running out of budget: a subject's other failure is then not bare metal's too. */
  readonly outOfBudget: boolean;
  /** Bare metal's vCPUs, at their end once stopped. */
  readonly guests: readonly GuestRun[];
  /** What comparers adopt into: null for a recording. */
  readonly machine: AdoptingMachine | null;
  /** Comparer i sees vCPU i's loads (null: nobody). */
  attach(comparers: readonly LockstepComparer[] | null): void;
  step(): void;
}

/** How a bare-metal run ended. */
export interface ReferenceEnd {
  readonly reason: string;
  readonly failed: boolean;
  readonly outOfBudget: boolean;
}

/** The end of a bare-metal run a guest-caused error stopped. */
export function endedBy(e: Error): ReferenceEnd {
  return { reason: `${e.name}: ${e.message}`, failed: true, outOfBudget: e.name === 'BudgetExceeded' };
}

/** Instructions per step of a one-vCPU bare-metal run: small, so the subject runs little ahead. */
const CHUNK = 4096;

/** A bare-metal machine run live. */
export class LiveReference implements ReferenceSide {
  stopped: string | null = null;
  failed = false;
  outOfBudget = false;
  readonly machine: AdoptingMachine;

  /** `stepRun` runs one step (false: ended, then `ended` says how); `ports` are the vCPUs' memory ports. */
  constructor(
    readonly guests: readonly GuestRun[],
    private readonly ports: readonly TranslatedMemory[],
    private readonly stepRun: () => boolean,
    private readonly ended: () => ReferenceEnd,
  ) {
    this.machine = guests[0].machine;
  }

  attach(comparers: readonly LockstepComparer[] | null): void {
    this.ports.forEach((port, i) => (port.observer = comparers === null ? null : comparers[i]));
  }

  step(): void {
    try {
      if (this.stepRun()) return;
      const end = this.ended();
      this.stopped = end.reason;
      this.failed = end.failed;
      this.outOfBudget = end.outOfBudget;
    } catch (e) {
      if (!isGuestCaused(e)) throw e;
      ({ reason: this.stopped, failed: this.failed, outOfBudget: this.outOfBudget } = endedBy(e));
    }
  }

  /** One vCPU run in chunks until it halts or waits for an interrupt that never comes. */
  static single(guest: GuestRun): LiveReference {
    const steps = singleVcpuSteps(guest);
    return new LiveReference([guest], [guest.vcpu.port], steps.step, steps.ended);
  }
}

/** A one-vCPU bare-metal run in chunks, with no scheduling: its budget and exception loops end it. */
export function singleVcpuSteps(guest: GuestRun, chunk = CHUNK): { step(): boolean; ended(): ReferenceEnd } {
  const { machine, vcpu, budget } = guest;
  let instructions = 0;
  let idleChunks = 0;
  let end: ReferenceEnd = { reason: 'running', failed: false, outOfBudget: false };
  const step = (): boolean => {
    const left = budget - instructions;
    if (left <= 0) {
      end = { reason: `ran past its budget of ${budget} instructions`, failed: true, outOfBudget: true };
      return false;
    }
    const r = machine.advance(vcpu, Math.min(chunk, left));
    instructions += r.instructions;
    if (r.halted !== null) {
      end = { reason: r.halted, failed: false, outOfBudget: false };
      return false;
    }
    idleChunks = r.instructions === 0 ? idleChunks + 1 : 0;
    if (idleChunks > EXCEPTION_LOOP_LIMIT) {
      end = { reason: 'no instruction completed (exception loop)', failed: true, outOfBudget: false };
      return false;
    }
    return true;
  };
  return { step, ended: () => end };
}
