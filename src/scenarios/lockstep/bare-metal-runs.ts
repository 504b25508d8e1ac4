/**
 * Bare-metal runs recorded once and replayed for every subject of the same guest: a demo or a
 * sweep runs one guest under many policies, schedules and seeds, and bare metal (no hypervisor,
 * no migration, LRU replacement) is the same run for all of them. A recording keeps every load
 * (21 bytes each) and the finished machine; guests with more loads than the cap, and subjects
 * whose newer reads bare metal must adopt, are compared against a live reference instead.
 */
import { isGuestCaused } from '../../hyp/guest-error';
import type { GuestRun } from './guest-run';
import { LoadQueue } from './load-queue';
import type { LockstepComparer } from './lockstep-comparer';
import { endedBy, LiveReference, singleVcpuSteps, type ReferenceEnd, type ReferenceSide } from './reference-run';

/** About 90 MB of loads. */
const MAX_RECORDED_LOADS = 1 << 22;
/** Recorded loads handed to the comparer per step. */
const REPLAY_STEP = 4096;

/** A finished bare-metal run: its loads in order, how it ended, and the machine at its end. */
interface Recording {
  readonly loads: LoadQueue;
  readonly guest: GuestRun;
  readonly end: ReferenceEnd;
}

/** Run bare metal to its end keeping every load; null if more than `maxLoads` pile up. */
function record(guest: GuestRun, maxLoads: number): Recording | null {
  const loads = new LoadQueue();
  guest.vcpu.port.observer = {
    load: (va, pa, size, value) => {
      loads.push(va, pa, size, value);
      return value;
    },
    store: () => {},
  };
  const steps = singleVcpuSteps(guest, REPLAY_STEP * 16);
  let end: ReferenceEnd;
  try {
    while (steps.step()) if (loads.length > maxLoads) return null;
    end = steps.ended();
  } catch (e) {
    if (!isGuestCaused(e)) throw e;
    end = endedBy(e);
  } finally {
    guest.vcpu.port.observer = null;
  }
  return { loads, guest, end };
}

/** Replays a recording from the start to the comparer; the recording itself is never changed. */
class ReplayedReference implements ReferenceSide {
  private i = 0;
  private comparer: LockstepComparer | null = null;
  stopped: string | null = null;
  readonly machine = null;
  constructor(private readonly run: Recording) {}
  get failed(): boolean {
    return this.run.end.failed;
  }
  get outOfBudget(): boolean {
    return this.run.end.outOfBudget;
  }
  get guests(): readonly GuestRun[] {
    return [this.run.guest];
  }
  attach(comparers: readonly LockstepComparer[] | null): void {
    this.comparer = comparers === null ? null : comparers[0];
  }
  step(): void {
    const q = this.run.loads;
    const end = Math.min(q.length, this.i + REPLAY_STEP);
    for (; this.i < end; this.i++) this.comparer?.load(q.vaAt(this.i), q.paAt(this.i), q.sizeAt(this.i), q.valueAt(this.i));
    if (this.i === q.length) this.stopped = this.run.end.reason;
  }
}

export class BareMetalRuns {
  private readonly recorded = new Map<string, Recording | 'too-long'>();
  /** Recordings made and replays served (for benches and tests). */
  recordings = 0;
  replays = 0;

  /**
   * Bare metal for the guest `key` names, recorded on first use with `build`. A recording cannot
   * adopt the guest's newer data (LockstepComparer): the comparer throws AdoptionNeeded and the
   * caller compares again against `live()`.
   */
  reference(key: string, build: () => GuestRun): ReferenceSide {
    let run = this.recorded.get(key);
    if (run === undefined) {
      run = record(build(), MAX_RECORDED_LOADS) ?? 'too-long';
      this.recorded.set(key, run);
      this.recordings++;
    }
    if (run === 'too-long') return LiveReference.single(build());
    this.replays++;
    return new ReplayedReference(run);
  }
}
