/**
 * The subject's side of a lockstep comparison: every load each vCPU of the guest under the policy
 * makes, queued with what a coherent memory held there at that moment, until bare metal makes the
 * same load (src/scenarios/lockstep/lockstep-comparer.ts). The subject runs ahead of bare metal
 * a step at a time, so bare metal can adopt the newer data the guest read before it uses its own.
 */
import type { CacheSystem } from '../../cache/cache-system';
import type { MemoryObserver } from '../../exec/memory-observer';
import type { PhysicalMemory } from '../../mmu/physical-memory';
import { isGuestCaused } from '../../hyp/guest-error';
import type { Vcpu } from '../../hyp/vcpu';
import { LoadQueue } from './load-queue';
import { readMemory, type StoreShadow } from './store-shadow';

/** Where-the-line-was notes kept for loads that did not return the latest data (usually few). */
const MAX_NOTES = 4096;
/** A restarted load pair or multiple repeats at most this many accesses. */
const MAX_REPEATED = 16;

/** The subject's loads: the ring of LoadQueue plus what the comparer reports a load with. */
export class SubjectLoadQueue extends LoadQueue {
  /** What a coherent memory held at the load (the guest's latest store there, or memory). */
  latest: Uint32Array = new Uint32Array(this.va.length);
  instructions: Float64Array = new Float64Array(this.va.length);
  pc: Float64Array = new Float64Array(this.va.length);
  /** The load's number among every subject vCPU's loads (keys the where-notes). */
  seq: Float64Array = new Float64Array(this.va.length);

  record(va: number, pa: number, size: number, value: number, latest: number, instructions: number, pc: number, seq: number): void {
    const i = this.reserve();
    this.va[i] = va;
    this.pa[i] = pa;
    this.size[i] = size;
    this.value[i] = value;
    this.latest[i] = latest;
    this.instructions[i] = instructions;
    this.pc[i] = pc;
    this.seq[i] = seq;
  }

  protected override columns(): (Float64Array | Uint32Array | Uint8Array)[] {
    return [...super.columns(), this.latest, this.instructions, this.pc, this.seq];
  }

  protected override setColumns(c: (Float64Array | Uint32Array | Uint8Array)[]): void {
    super.setColumns(c);
    this.latest = c[4] as Uint32Array;
    this.instructions = c[5] as Float64Array;
    this.pc = c[6] as Float64Array;
    this.seq = c[7] as Float64Array;
  }
}

/** One subject vCPU's observer: queues its loads and keeps the shared shadow of its stores. */
export class SubjectLoads implements MemoryObserver {
  readonly queue = new SubjectLoadQueue();
  /** Off once this vCPU's comparison has ended (nothing more to queue). */
  recording = true;
  /** Loads a restarted instruction made again (bare metal made them once). */
  repeatedLoads = 0;
  /** For loads that did not return the latest data: where copies of the line were (by seq). */
  readonly notes = new Map<number, string>();
  // Set by restart() until the next load: the faulting access's VA (low 32 bits).
  private restartedAt: number | null = null;

  constructor(
    private readonly vcpu: Vcpu,
    private readonly shadow: StoreShadow,
    private readonly caches: CacheSystem,
    private readonly memory: PhysicalMemory,
    private readonly clock: { loads: number },
  ) {}

  load(va: number, pa: number, size: number, value: number): number {
    if (!this.recording) return value;
    if (this.restartedAt !== null) this.dropRepeated(va, size);
    const latest = this.shadow.latest(pa, size);
    const seq = this.clock.loads++;
    const cpu = this.vcpu.cpu;
    this.queue.record(va, pa, size, value, latest, cpu.retiredNow, cpu.instructionPc, seq);
    if (value !== latest && this.notes.size < MAX_NOTES) this.notes.set(seq, whereIs(this.caches, this.memory, pa, size, latest));
    return value;
  }

  store(_va: number, pa: number, size: number, value: number): void {
    // The retried access is a store (the fault was a store's: dirty tracking, a read-only page):
    // the instruction made no load before it that could be repeated.
    this.restartedAt = null;
    if (this.recording) this.shadow.store(pa, size, value);
  }

  /**
   * The instruction took a stage-2 fault at `faultVa` that the hypervisor resolved, and runs
   * again from its first access: the loads it made before the fault are made twice, bare metal
   * made them once.
   */
  restart(faultVa?: number): void {
    this.restartedAt = faultVa === undefined ? -1 : faultVa >>> 0;
  }

  /**
   * The first load after a restart: if it is not the faulting access itself but one of the last
   * few queued, the restarted instruction is repeating its accesses from that one on: they are
   * dropped from the queue (the repeats take their place, with the values the guest keeps).
   * Queued loads are never matched before the subject's step ends, so the whole instruction is
   * still there.
   */
  private dropRepeated(va: number, size: number): void {
    const fault = this.restartedAt;
    this.restartedAt = null;
    if (fault === va >>> 0) return;
    const q = this.queue;
    for (let i = q.tail - 1; i >= Math.max(q.head, q.tail - MAX_REPEATED); i--) {
      if (q.va[i] !== va || q.size[i] !== size) continue;
      const k = q.tail - i;
      for (let j = 0; j < k; j++) {
        this.notes.delete(q.seq[q.tail - 1]);
        q.pop();
      }
      this.repeatedLoads += k;
      return;
    }
  }

  /** Instructions retired and the instruction being executed, now. */
  position(): { instructions: number; pc: number } {
    return { instructions: this.vcpu.cpu.retiredNow, pc: this.vcpu.cpu.instructionPc };
  }

  /** Stop queueing: this vCPU's comparison is over. */
  stop(): void {
    this.recording = false;
    this.queue.clear();
    this.notes.clear();
  }
}

/** Every copy of the line holding `pa`, and which of them holds `latest`. */
export function whereIs(caches: CacheSystem, memory: PhysicalMemory, pa: number, size: number, latest: number): string {
  const off = pa % caches.lineBytes;
  const parts: string[] = [];
  let found = false;
  for (const c of caches.inspectLine(pa)) {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | c.bytes[off + i];
    const upToDate = v >>> 0 === latest;
    found ||= upToDate;
    parts.push(`${c.cache} ${c.dirty ? 'dirty' : 'clean'}${upToDate ? ' (up to date)' : ''}`);
  }
  const memUpToDate = readMemory(memory, pa, size) === latest;
  found ||= memUpToDate;
  parts.push(`memory${memUpToDate ? ' (up to date)' : ''}`);
  return `${found ? '' : 'no copy holds the latest data; '}line held by ${parts.join(', ')}`;
}

/**
 * The subject run, advanced a step at a time (a scheduling slice, a round of every vCPU) as bare
 * metal needs its loads. A guest error ends it: the verdict reports it as the guest's failure.
 */
export class SubjectSide {
  stopped = false;
  failure: Error | null = null;

  constructor(
    readonly recorders: readonly SubjectLoads[],
    /** Run one step; false once the run has ended. */
    private readonly stepRun: () => boolean,
  ) {}

  step(): void {
    try {
      if (!this.stepRun()) this.stopped = true;
    } catch (e) {
      if (!isGuestCaused(e)) throw e;
      this.failure = e;
      this.stopped = true;
    }
  }

  /** Advance until vCPU i has a load queued; false when the subject ended with none. */
  fill(i: number): boolean {
    const q = this.recorders[i].queue;
    while (q.length === 0) {
      if (this.stopped) return false;
      this.step();
    }
    return true;
  }
}
