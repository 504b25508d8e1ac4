/**
 * A bare-metal VM (every vCPU, its devices and timers) advanced a round at a time as the
 * subject's loads need it: each vCPU's loads go to its own queue, so vCPU i of the subject is
 * compared with vCPU i of bare metal. Both VMs run the same deterministic runner, so while their
 * control flow agrees their vCPUs interleave the same way.
 */
import type { MemoryObserver } from '../../exec/memory-observer';
import type { TranslatedMemory } from '../../exec/translated-memory';
import { isGuestCaused } from '../../hyp/guest-error';
import type { GuestRun } from './guest-run';
import { LoadQueue } from './load-queue';
import type { ReferenceLoads } from './reference-loads';

export class ReferenceVmRun {
  private readonly queues: LoadQueue[];
  stopped: string | null = null;
  /** Bare metal itself failed (the guest's own problem, not the policy's). */
  failed = false;

  /** `ports` are the reference vCPUs' memory ports; `round` advances the whole VM (false: ended). */
  constructor(
    ports: readonly TranslatedMemory[],
    private readonly round: () => boolean,
    private readonly ended: () => string,
    private readonly guests: readonly GuestRun[],
  ) {
    this.queues = ports.map(() => new LoadQueue());
    ports.forEach((port, i) => {
      const q = this.queues[i];
      const observer: MemoryObserver = { load: (va, pa, size, value) => q.push(va, pa, size, value), store: () => {} };
      port.observer = observer;
    });
  }

  /** The loads of vCPU `i`, as the comparer reads them. */
  loadsOf(i: number): ReferenceLoads {
    return new VcpuLoads(this, this.queues[i], i, this.guests[i]);
  }

  /** Advance until vCPU i has a load queued; false when bare metal ended with none left. */
  fill(i: number): boolean {
    while (this.queues[i].length === 0) {
      if (this.stopped !== null) return false;
      this.advance();
    }
    return true;
  }

  finish(): void {
    while (this.stopped === null) this.advance();
  }

  private advance(): void {
    try {
      if (!this.round()) this.stopped = this.ended();
    } catch (e) {
      if (!isGuestCaused(e)) throw e;
      this.stopped = `${e.name}: ${e.message}`;
      this.failed = true;
    }
  }
}

/** One vCPU's view of a ReferenceVmRun. */
class VcpuLoads implements ReferenceLoads {
  constructor(
    private readonly run: ReferenceVmRun,
    private readonly queue: LoadQueue,
    private readonly index: number,
    readonly guest: GuestRun,
  ) {}
  fill(): boolean {
    return this.run.fill(this.index);
  }
  get headVa(): number {
    return this.queue.headVa;
  }
  get headPa(): number {
    return this.queue.headPa;
  }
  get headSize(): number {
    return this.queue.headSize;
  }
  get headValue(): number {
    return this.queue.headValue;
  }
  shift(): void {
    this.queue.shift();
  }
  finish(): void {
    this.run.finish();
  }
  get remaining(): number {
    return this.queue.length;
  }
  get stopped(): string | null {
    return this.run.stopped;
  }
}
