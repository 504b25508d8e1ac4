/**
 * Compares the subject's loads, one by one as they happen, with the bare-metal reference's loads
 * in the same order. It also keeps a shadow of the subject's stores (copy-on-first-write pages),
 * so each differing load can be classed: the guest's latest store (newer than bare metal: not a
 * loss) or anything else (stale: the guest saw data it should not have).
 */
import type { CacheSystem } from '../../cache/cache-system';
import type { MemoryObserver } from '../../exec/memory-observer';
import type { PhysicalMemory } from '../../mmu/physical-memory';
import type { ReferenceLoads } from './reference-loads';
import { describeDivergence, type ControlFlowCause, type Divergence } from './verdict';

const PAGE = 4096;
/**
 * Reference loads kept after the subject consumed them, for an instruction the hypervisor
 * restarts: a restarted load pair or multiple repeats at most this many of its accesses.
 */
const RECENT = 32;
const MAX_REPEATED = 16;

interface ReplayedLoad {
  readonly va: number;
  readonly pa: number;
  readonly size: number;
  readonly value: number;
}

export interface GuestPosition {
  readonly instructions: number;
  readonly pc: number;
}

export class LockstepComparer implements MemoryObserver {
  loads = 0;
  staleReads = 0;
  fresherReads = 0;
  first: Divergence | null = null;
  controlFlowDiverged = false;
  controlFlowCause: ControlFlowCause | null = null;
  /** When `first` happened on the shared clock of loads (several vCPUs: the earliest wins). */
  firstAt = Infinity;
  /** Loads a restarted instruction made again (bare metal made them once). */
  repeatedLoads = 0;

  // The last RECENT reference loads consumed, as a ring; `consumed` counts them all.
  private readonly recentVa = new Float64Array(RECENT);
  private readonly recentPa = new Float64Array(RECENT);
  private readonly recentSize = new Uint8Array(RECENT);
  private readonly recentValue = new Uint32Array(RECENT);
  private consumed = 0;
  /** Reference loads to match again before the queue's next one (a restarted instruction's). */
  private replay: ReplayedLoad[] = [];
  private restartPending = false;

  /**
   * `shadow`: pages the guest stored to, with the data of its latest stores (host PA page ->
   * bytes), shared by the comparers of one VM's vCPUs; `clock` counts loads across them.
   */
  constructor(
    private readonly reference: ReferenceLoads,
    private readonly memory: PhysicalMemory,
    private readonly caches: CacheSystem,
    private readonly position: () => GuestPosition,
    readonly shadow: Map<number, Uint8Array> = new Map(),
    private readonly clock: { loads: number } = { loads: 0 },
  ) {}

  load(va: number, pa: number, size: number, value: number): void {
    if (this.controlFlowDiverged) return;
    const index = this.loads++;
    this.clock.loads++;
    if (this.restartPending) {
      this.restartPending = false;
      this.rewindForRestart(va, size);
    }
    let expectedVa: number;
    let expectedPa: number;
    let expectedSize: number;
    let expected: number;
    if (this.replay.length > 0) {
      const r = this.replay.shift()!;
      expectedVa = r.va;
      expectedPa = r.pa;
      expectedSize = r.size;
      expected = r.value;
    } else {
      const ref = this.reference;
      if (!ref.fill()) {
        this.diverge('control-flow', index, va, pa, size, null, value);
        return;
      }
      expectedVa = ref.headVa;
      expectedPa = ref.headPa;
      expectedSize = ref.headSize;
      expected = ref.headValue;
      ref.shift();
    }
    const slot = this.consumed++ % RECENT;
    this.recentVa[slot] = expectedVa;
    this.recentPa[slot] = expectedPa;
    this.recentSize[slot] = expectedSize;
    this.recentValue[slot] = expected;
    if (expectedVa !== va || expectedSize !== size) {
      this.diverge('control-flow', index, va, pa, size, expected, value);
      return;
    }
    if (expected === value) return;
    if (value === this.latest(pa, size)) {
      this.fresherReads++;
      return;
    }
    this.staleReads++;
    if (this.first === null) this.diverge('stale', index, va, pa, size, expected, value);
  }

  restart(): void {
    this.restartPending = true;
  }

  /**
   * The first load after a restart: if it is not the load bare metal made next but one the
   * subject made just before the fault, the restarted instruction is making its accesses again,
   * from that one on: match them against the same reference loads again.
   */
  private rewindForRestart(va: number, size: number): void {
    if (this.replay.length > 0 ? this.replay[0].va === va && this.replay[0].size === size : this.reference.fill() && this.reference.headVa === va && this.reference.headSize === size) return;
    const back = Math.min(MAX_REPEATED, this.consumed);
    for (let k = 1; k <= back; k++) {
      const slot = (this.consumed - k) % RECENT;
      if (this.recentVa[slot] !== va || this.recentSize[slot] !== size) continue;
      const again: ReplayedLoad[] = [];
      for (let j = k; j >= 1; j--) {
        const at = (this.consumed - j) % RECENT;
        again.push({ va: this.recentVa[at], pa: this.recentPa[at], size: this.recentSize[at], value: this.recentValue[at] });
      }
      this.replay = again.concat(this.replay);
      this.repeatedLoads += k;
      return;
    }
  }

  store(_va: number, pa: number, size: number, value: number): void {
    const page = this.shadowPage(pa);
    let off = pa % PAGE;
    for (let i = 0; i < size; i++, off++) page[off] = (value >>> (8 * i)) & 0xff;
  }

  /** The subject made its last load: bare metal loads still queued (or to come) mean control flow diverged. */
  finish(): void {
    if (this.controlFlowDiverged) return;
    const ref = this.reference;
    ref.finish();
    if (ref.remaining > 0) this.diverge('control-flow', this.loads, ref.headVa, ref.headPa, ref.headSize, ref.headValue, null);
  }

  /** Value of the guest's latest store at `pa` (memory's value where it never stored). */
  latest(pa: number, size: number): number {
    const page = this.shadow.get(Math.floor(pa / PAGE));
    if (page === undefined || (pa % PAGE) + size > PAGE) return readMemory(this.memory, pa, size);
    let v = 0;
    const off = pa % PAGE;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | page[off + i];
    return v >>> 0;
  }

  private shadowPage(pa: number): Uint8Array {
    const ppn = Math.floor(pa / PAGE);
    let page = this.shadow.get(ppn);
    if (page === undefined) {
      // First store to this page: until now memory held what the guest last "wrote" here.
      page = new Uint8Array(PAGE);
      this.memory.readBytes(ppn * PAGE, page);
      this.shadow.set(ppn, page);
    }
    return page;
  }

  private diverge(kind: Divergence['kind'], loadIndex: number, va: number, pa: number, size: number, expected: number | null, actual: number | null): void {
    if (kind === 'control-flow') {
      this.controlFlowDiverged = true;
      this.controlFlowCause = this.staleReads > 0 ? 'after-stale-read' : this.fresherReads > 0 ? 'after-newer-read' : 'unexplained';
    }
    if (this.first !== null) return;
    this.firstAt = this.clock.loads;
    const pos = this.position();
    const latest = actual === null ? null : this.latest(pa, size);
    const d = { kind, loadIndex, instructions: pos.instructions, pc: pos.pc, va, pa, size, expected, actual, latest, whereUpToDate: latest === null ? '' : this.whereIs(pa, size, latest) };
    const why =
      this.controlFlowCause === 'after-newer-read'
        ? ` (after ${this.fresherReads} reads of newer data than bare metal had: bare metal went its own way, not a loss)`
        : this.controlFlowCause === 'unexplained'
          ? ' (no earlier load differed: stale code or translation tables, or other ID values)'
          : '';
    this.first = { ...d, text: describeDivergence(d) + why };
  }

  /** Every copy of the line holding `pa` in the subject, and which of them holds `latest`. */
  private whereIs(pa: number, size: number, latest: number): string {
    const lineBytes = this.caches.lineBytes;
    const off = pa % lineBytes;
    const parts: string[] = [];
    let found = false;
    for (const c of this.caches.inspectLine(pa)) {
      let v = 0;
      for (let i = size - 1; i >= 0; i--) v = (v << 8) | c.bytes[off + i];
      const upToDate = v >>> 0 === latest;
      found ||= upToDate;
      parts.push(`${c.cache} ${c.dirty ? 'dirty' : 'clean'}${upToDate ? ' (up to date)' : ''}`);
    }
    const memUpToDate = readMemory(this.memory, pa, size) === latest;
    found ||= memUpToDate;
    parts.push(`memory${memUpToDate ? ' (up to date)' : ''}`);
    return `${found ? '' : 'no copy holds the latest data; '}line held by ${parts.join(', ')}`;
  }
}

export function readMemory(memory: PhysicalMemory, pa: number, size: number): number {
  return size === 1 ? memory.read8(pa) : size === 2 ? memory.read16(pa) : memory.read32(pa) >>> 0;
}
