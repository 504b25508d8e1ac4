/**
 * The bare-metal run the subject is compared with, advanced on demand: whenever the subject makes
 * a load and no reference load is queued, the reference machine runs a short chunk. Both machines
 * are separate object graphs, so the reference may run from inside the subject's memory access.
 */
import type { MemoryObserver } from '../../exec/memory-observer';
import { EXCEPTION_LOOP_LIMIT } from '../../exec/exception-loop-error';
import { isGuestCaused } from '../../hyp/guest-error';
import { LoadQueue } from './load-queue';
import type { GuestRun } from './guest-run';
import type { ReferenceLoads } from './reference-loads';

/** Instructions per step of the reference: small, so the queue stays short. */
const CHUNK = 4096;



export class ReferenceRun implements MemoryObserver, ReferenceLoads {
  readonly queue = new LoadQueue();
  /** Why the reference stopped ('halted', 'wfi', or the guest error's message); null while it runs. */
  stopped: string | null = null;
  instructions = 0;
  private idleChunks = 0;

  constructor(readonly guest: GuestRun) {
    guest.vcpu.port.observer = this;
  }

  load(va: number, pa: number, size: number, value: number): void {
    this.queue.push(va, pa, size, value);
  }

  store(): void {}

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
  get remaining(): number {
    return this.queue.length;
  }

  /** Advance until a load is queued; false when the reference stopped with none left. */
  fill(): boolean {
    while (this.queue.length === 0) {
      if (this.stopped !== null) return false;
      this.advance(CHUNK);
    }
    return true;
  }

  /** Run the reference to its end (after the subject finished). */
  finish(): void {
    while (this.stopped === null) this.advance(1 << 20);
  }

  /** Run to the end keeping every load, unless more than `maxLoads` pile up; true if it ended within that. */
  record(maxLoads: number): boolean {
    while (this.stopped === null) {
      this.advance(CHUNK * 16);
      if (this.queue.length > maxLoads) return false;
    }
    return true;
  }

  private advance(chunk: number): void {
    const { machine, vcpu, budget } = this.guest;
    try {
      const left = budget - this.instructions;
      if (left <= 0) {
        this.stopped = `ran past its budget of ${budget} instructions`;
        return;
      }
      const r = machine.advance(vcpu, Math.min(chunk, left));
      this.instructions += r.instructions;
      if (r.halted !== null) this.stopped = r.halted;
      this.idleChunks = r.instructions === 0 ? this.idleChunks + 1 : 0;
      if (this.idleChunks > EXCEPTION_LOOP_LIMIT) this.stopped = 'no instruction completed (exception loop)';
    } catch (e) {
      if (!isGuestCaused(e)) throw e;
      this.stopped = `${e.name}: ${e.message}`;
    }
  }
}
