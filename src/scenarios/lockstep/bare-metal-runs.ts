/**
 * Bare-metal runs recorded once and replayed for every subject of the same guest: a demo or a
 * sweep runs one guest under many policies, schedules and seeds, and bare metal (no hypervisor,
 * no migration, LRU replacement) is the same run for all of them. A recording keeps every load
 * (21 bytes each) and the finished machine; guests with more loads than the cap are compared
 * against a live reference instead.
 */
import type { GuestRun } from './guest-run';
import type { ReferenceLoads } from './reference-loads';
import { ReferenceRun } from './reference-run';

/** About 90 MB of loads. */
const MAX_RECORDED_LOADS = 1 << 22;

/** Reads a finished recording from the start; the recording itself is never changed. */
class ReplayedReference implements ReferenceLoads {
  private i = 0;
  constructor(private readonly run: ReferenceRun) {}
  fill(): boolean {
    return this.i < this.run.queue.length;
  }
  get headVa(): number {
    return this.run.queue.vaAt(this.i);
  }
  get headPa(): number {
    return this.run.queue.paAt(this.i);
  }
  get headSize(): number {
    return this.run.queue.sizeAt(this.i);
  }
  get headValue(): number {
    return this.run.queue.valueAt(this.i);
  }
  shift(): void {
    this.i++;
  }
  finish(): void {}
  get remaining(): number {
    return this.run.queue.length - this.i;
  }
  get stopped(): string | null {
    return this.run.stopped;
  }
  get guest(): GuestRun {
    return this.run.guest;
  }
}

export class BareMetalRuns {
  private readonly recorded = new Map<string, ReferenceRun | 'too-long'>();
  /** Recordings made and replays served (for benches and tests). */
  recordings = 0;
  replays = 0;

  /** The bare-metal loads for the guest `key` names, recorded on first use with `build`. */
  reference(key: string, build: () => GuestRun): ReferenceLoads {
    let run = this.recorded.get(key);
    if (run === undefined) {
      const live = new ReferenceRun(build());
      const complete = live.record(MAX_RECORDED_LOADS);
      live.guest.vcpu.port.observer = null;
      run = complete ? live : 'too-long';
      this.recorded.set(key, run);
      this.recordings++;
    }
    if (run === 'too-long') return new ReferenceRun(build());
    this.replays++;
    return new ReplayedReference(run);
  }
}
