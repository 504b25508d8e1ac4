/**
 * Bare metal's side of a lockstep comparison: the observer of one bare-metal vCPU's loads. Each
 * load is matched with the load the guest under the policy made at the same point (the subject
 * runs ahead: src/scenarios/lockstep/subject-loads.ts), before bare metal uses its value:
 *  - same data: nothing to say;
 *  - the guest read the latest data the guest stored and bare metal an older copy: not a loss.
 *    The architecture lets any dirty line be written back at any time, so bare metal could have
 *    read it too: bare metal adopts it (the line is written back, the load returns it) and both
 *    runs go on alike. Without this, bare metal would go its own way and nothing after would be
 *    compared;
 *  - anything else the guest read is stale: a loss;
 *  - another address (or no load at all): control flow diverged, and the comparison ends.
 */
import type { CacheSystem } from '../../cache/cache-system';
import type { MemoryObserver } from '../../exec/memory-observer';
import type { PhysicalMemory } from '../../mmu/physical-memory';
import { readMemory, writeMemory } from './store-shadow';
import type { SubjectLoads, SubjectSide } from './subject-loads';
import { describeDivergence, type ControlFlowCause, type Divergence } from './verdict';

/** Bare metal cannot take the guest's newer data (a recorded run): the caller reruns live. */
export class AdoptionNeeded extends Error {
  constructor() {
    super('bare metal must adopt newer data the guest read, and a recorded run cannot');
    this.name = 'AdoptionNeeded';
  }
}

/** The bare-metal machine a comparer adopts data into. */
export interface AdoptingMachine {
  readonly caches: CacheSystem;
  readonly memory: PhysicalMemory;
}

export class LockstepComparer implements MemoryObserver {
  /** Loads compared. */
  loads = 0;
  staleReads = 0;
  fresherReads = 0;
  first: Divergence | null = null;
  controlFlowDiverged = false;
  controlFlowCause: ControlFlowCause | null = null;
  /** When `first` happened on the subject's shared clock of loads (several vCPUs: the earliest wins). */
  firstAt = Infinity;
  /** The comparison of this vCPU is over (control flow diverged). */
  done = false;

  private readonly recorder: SubjectLoads;

  /**
   * `index`: the vCPU (the same in both runs); `machine`: bare metal's caches and memory, or null
   * when bare metal is a recording that cannot change (a needed adoption throws AdoptionNeeded).
   */
  constructor(
    private readonly subject: SubjectSide,
    private readonly index: number,
    private readonly machine: AdoptingMachine | null,
  ) {
    this.recorder = subject.recorders[index];
  }

  load(va: number, pa: number, size: number, value: number): number {
    if (this.done) return value;
    if (!this.subject.fill(this.index)) {
      this.diverge('control-flow', this.loads, va, size, value, null, -1);
      return value;
    }
    const q = this.recorder.queue;
    const h = q.head;
    this.loads++;
    if (q.va[h] !== va || q.size[h] !== size) {
      this.diverge('control-flow', this.loads - 1, q.va[h], q.size[h], value, q.value[h], h);
      return value;
    }
    const theirs = q.value[h];
    if (theirs === value) {
      q.shift();
      return value;
    }
    if (theirs === q.latest[h]) {
      this.fresherReads++;
      q.shift();
      return this.adopt(pa, size, theirs);
    }
    this.staleReads++;
    if (this.first === null) this.diverge('stale', this.loads - 1, va, size, value, theirs, h);
    q.shift();
    return value;
  }

  store(): void {}

  /** The comparison ends here by choice (a window of the run): nothing more is matched or queued. */
  stopComparing(): void {
    this.done = true;
    this.recorder.stop();
  }

  /** Bare metal ended: loads the guest made beyond bare metal's are a divergence. */
  referenceEnded(): void {
    if (this.done) return;
    const q = this.recorder.queue;
    if (q.length > 0) this.diverge('control-flow', this.loads, q.va[q.head], q.size[q.head], null, q.value[q.head], q.head);
  }

  /**
   * Bare metal takes the guest's data at `pa`: the line is cleaned and invalidated from every
   * cache (a write-back the hardware may make at any time), and if memory still holds older
   * data (bare metal discarded the line, DC ISW) the guest's bytes are written there.
   */
  private adopt(pa: number, size: number, value: number): number {
    const m = this.machine;
    if (m === null) throw new AdoptionNeeded();
    m.caches.cleanInvalidateLineToPoC(pa);
    if (readMemory(m.memory, pa, size) !== value) writeMemory(m.memory, pa, size, value);
    return value;
  }

  /** `at`: the subject load's slot in its queue (-1: the guest made none). */
  private diverge(kind: Divergence['kind'], loadIndex: number, va: number, size: number, expected: number | null, actual: number | null, at: number): void {
    const q = this.recorder.queue;
    if (kind === 'control-flow') {
      this.done = true;
      this.controlFlowDiverged = true;
      this.controlFlowCause = this.staleReads > 0 ? 'after-stale-read' : 'unexplained';
    }
    if (this.first === null) {
      const seq = at >= 0 ? q.seq[at] : Infinity;
      this.firstAt = seq;
      const vcpu = this.recorder;
      const position = at >= 0 ? { instructions: q.instructions[at], pc: q.pc[at] } : vcpu.position();
      const latest = at >= 0 ? q.latest[at] : null;
      const d = {
        kind,
        loadIndex,
        instructions: position.instructions,
        pc: position.pc,
        va,
        pa: at >= 0 ? q.pa[at] : 0,
        size,
        expected,
        actual,
        latest,
        whereUpToDate: at >= 0 ? (vcpu.notes.get(seq) ?? '') : '',
      };
      const why = this.controlFlowCause === 'unexplained' ? ' (no earlier load differed: stale code or translation tables, or other ID values)' : '';
      this.first = { ...d, text: describeDivergence(d) + why };
    }
    if (this.done) this.recorder.stop();
  }
}
