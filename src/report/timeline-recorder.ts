/**
 * Records one run for the report's timeline: counters per window of guest instructions, never per
 * instruction. Attached as the machine's trace sink (MachineTraceSink), it counts S/W ops by level,
 * cache toggles and migrations as they happen and, after an executor run that fills the window,
 * closes it: traps by class and EL2 time from the cost meter's deltas, the longest EL2 stretch,
 * each vCPU's caches on or off, and the guest's dirty lines in every data cache (a scan of the
 * cache model, at most once per a quarter of its slots in instructions). When `maxWindows` are
 * full, neighbours merge and the window doubles, so a run of any length keeps at most that many.
 */
import type { Machine, MachineTraceSink } from '../hyp/machine';
import type { Vcpu, VcpuTraceSink } from '../hyp/vcpu';
import type { TrappedVcpu } from '../exec/el2-gate';

/** How two neighbouring windows' values combine when they merge. */
type Merge = 'sum' | 'last' | 'max';

class Series {
  constructor(
    readonly merge: Merge,
    public values: number[],
  ) {}

  halve(): void {
    const v = this.values;
    const out: number[] = [];
    for (let i = 0; i + 1 < v.length; i += 2) out.push(this.merge === 'sum' ? v[i] + v[i + 1] : this.merge === 'max' ? Math.max(v[i], v[i + 1]) : v[i + 1]);
    if (v.length % 2 === 1) out.push(v[v.length - 1]);
    this.values = out;
  }
}

export interface MigrationEvent {
  /** Guest instructions (all vCPUs) retired before it. */
  readonly at: number;
  readonly vcpu: number;
  readonly from: number;
  readonly to: number;
  /** S/W ops the vCPU had issued before it moved. */
  readonly setWayOps: number;
}

export interface ToggleEvent {
  readonly at: number;
  readonly vcpu: number;
  /** SCTLR.M and SCTLR.C both set after the write. */
  readonly on: boolean;
}

export interface CacheSeries {
  readonly cache: string;
  readonly level: number;
  /** The CPU owning a private cache; -1 for a shared one. */
  readonly cpu: number;
  readonly counts: readonly number[];
}

/** What one run recorded: columns of one value per window, and the events themselves (the first MAX_EVENTS). */
export interface TimelineData {
  /** Guest instructions of all vCPUs at the end. */
  readonly instructions: number;
  /** The window length the run ended with (the first one, doubled at every merge). */
  readonly windowInstructions: number;
  /** Where each window ends, in guest instructions (the first starts at 0). */
  readonly ends: readonly number[];
  readonly pcpus: number;
  readonly vcpus: readonly number[];
  /** S/W ops per window by the level their operand names (Level field, bits [3:1], plus 1). */
  readonly setWayByLevel: readonly { readonly level: number; readonly counts: readonly number[] }[];
  /** Traps per window by exception class (ESR_EL2.EC / HSR.EC); only the classes that occurred. */
  readonly trapsByClass: readonly { readonly ec: number; readonly counts: readonly number[] }[];
  readonly migrationsPerWindow: readonly number[];
  readonly migrations: readonly MigrationEvent[];
  readonly migrationsTotal: number;
  /** Simulated EL2 time per window (cost model cycles beyond the guest's own, in µs). */
  readonly el2Us: readonly number[];
  /** The longest non-preemptible EL2 stretch that ended in each window (µs). */
  readonly el2LongestUs: readonly number[];
  /** Each vCPU's SCTLR.M and C at each window's end: 1 on, 0 off. */
  readonly cachesOn: readonly { readonly vcpu: number; readonly on: readonly number[] }[];
  readonly toggles: readonly ToggleEvent[];
  readonly togglesTotal: number;
  /** The pCPU each vCPU was on at each window's end. */
  readonly pcpuOf: readonly { readonly vcpu: number; readonly pcpus: readonly number[] }[];
  /** Instructions each vCPU had retired at each window's end. */
  readonly retired: readonly { readonly vcpu: number; readonly counts: readonly number[] }[];
  /** Dirty lines of guest RAM in each data or unified cache at each window's end. */
  readonly dirtyLines: readonly CacheSeries[];
}

/** Events kept in full; past this only their count (and the per-window columns) grows. */
export const MAX_EVENTS = 1000;

export interface TimelineRecorderOptions {
  /** Instructions in a window at first (default 512). */
  readonly window?: number;
  /** Windows kept before neighbours merge (default 1024; even). */
  readonly maxWindows?: number;
  /** Another sink (a trace printer) that hears every trap and policy action as before. */
  readonly forward?: VcpuTraceSink;
}

export class TimelineRecorder implements MachineTraceSink {
  private window: number;
  private readonly maxWindows: number;
  private machine: Machine | null = null;
  private readonly ends: number[] = [];
  private readonly series = new Map<string, Series>();
  /** Per-window accumulators filled by the hooks. */
  private readonly setWayNow = new Float64Array(8);
  private migrationsNow = 0;
  /** The cost meter's figures at the last window's end. */
  private readonly trapsBefore = new Float64Array(64);
  private el2CyclesBefore = 0;
  private readonly retiredAtRun = new Map<number, number>();
  private dirty = new Float64Array(0);
  /** Slots of every cache (what one dirty-line scan reads), and the instruction count at the last scan. */
  private scanSlots = 0;
  private scannedAt = 0;
  private dataCaches: { index: number; name: string; level: number; cpu: number }[] = [];
  private ramLow = 0;
  private ramHigh = 0;
  private readonly migrations: MigrationEvent[] = [];
  private migrationsTotal = 0;
  private readonly toggles: ToggleEvent[] = [];
  private togglesTotal = 0;
  private readonly forward: VcpuTraceSink | undefined;

  constructor(options: TimelineRecorderOptions = {}) {
    this.forward = options.forward;
    this.window = options.window ?? 512;
    this.maxWindows = options.maxWindows ?? 1024;
    if (!(this.window >= 1 && this.maxWindows >= 2 && this.maxWindows % 2 === 0)) throw new Error('timeline recorder: window >= 1 and an even maxWindows >= 2');
  }

  // ---- VcpuTraceSink: nothing to count per trap (the cost meter counts traps by class already) ----

  trap(vcpu: Vcpu, esr: number, regs: TrappedVcpu): void {
    this.forward?.trap(vcpu, esr, regs);
  }

  action(vcpu: Vcpu, message: string): void {
    this.forward?.action(vcpu, message);
  }

  setWay(_vcpu: Vcpu, operand: number): void {
    // DC ISW/CSW/CISW (and DCISW/DCCSW/DCCISW): Level, bits [3:1], is the cache level minus 1.
    this.setWayNow[(operand >>> 1) & 7]++;
  }

  cachesToggled(vcpu: Vcpu, on: boolean): void {
    this.togglesTotal++;
    if (this.toggles.length < MAX_EVENTS) this.toggles.push({ at: this.position(vcpu), vcpu: vcpu.id, on });
  }

  // ---- MachineTraceSink ----

  room(vcpu: Vcpu): number {
    return Math.max(1, this.windowStart + this.window - vcpu.cost.guestInstructions);
  }

  ran(machine: Machine, vcpu: Vcpu): void {
    if (this.machine === null) this.attach(machine);
    this.retiredAtRun.set(vcpu.id, vcpu.cpu.instructionsRetired);
    if (machine.cost.guestInstructions - this.windowStart >= this.window) this.closeWindow();
  }

  migrated(vcpu: Vcpu, from: number, to: number): void {
    this.migrationsNow++;
    this.migrationsTotal++;
    if (this.migrations.length < MAX_EVENTS) this.migrations.push({ at: this.position(vcpu), vcpu: vcpu.id, from, to, setWayOps: vcpu.setWayOps });
  }

  /** Close the last window and hand the data over (an empty timeline if the guest never ran). */
  finish(): TimelineData {
    const m = this.machine;
    if (m !== null && (this.ends.length === 0 || m.cost.guestInstructions > this.windowStart)) this.closeWindow(true);
    const column = (key: string) => this.series.get(key)?.values ?? [];
    const keyed = (prefix: string) =>
      [...this.series.keys()].filter((k) => k.startsWith(prefix)).map((k) => ({ id: Number(k.slice(prefix.length)), counts: column(k) })).sort((a, b) => a.id - b.id);
    const vcpus = m === null ? [] : m.vcpus.map((v) => v.id);
    return {
      instructions: m?.cost.guestInstructions ?? 0,
      windowInstructions: this.window,
      ends: [...this.ends],
      pcpus: m?.pcpuCount ?? 0,
      vcpus,
      setWayByLevel: keyed('sw:').map((s) => ({ level: s.id, counts: s.counts })),
      trapsByClass: keyed('trap:').map((s) => ({ ec: s.id, counts: s.counts })),
      migrationsPerWindow: column('migrations'),
      migrations: [...this.migrations],
      migrationsTotal: this.migrationsTotal,
      el2Us: column('el2'),
      el2LongestUs: column('el2-longest'),
      cachesOn: vcpus.map((vcpu) => ({ vcpu, on: column(`on:${vcpu}`) })),
      toggles: [...this.toggles],
      togglesTotal: this.togglesTotal,
      pcpuOf: vcpus.map((vcpu) => ({ vcpu, pcpus: column(`pcpu:${vcpu}`) })),
      retired: vcpus.map((vcpu) => ({ vcpu, counts: column(`retired:${vcpu}`) })),
      dirtyLines: this.dataCaches.map((c) => ({ cache: c.name, level: c.level, cpu: c.cpu, counts: column(`dirty:${c.index}`) })),
    };
  }

  private get windowStart(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1];
  }

  /** Guest instructions (all vCPUs) before `vcpu`'s current instruction: the accounted ones plus its run so far. */
  private position(vcpu: Vcpu): number {
    return vcpu.cost.guestInstructions + vcpu.cpu.instructionsRetired - (this.retiredAtRun.get(vcpu.id) ?? 0);
  }

  private attach(machine: Machine): void {
    this.machine = machine;
    const caches = machine.caches.caches;
    this.dirty = new Float64Array(caches.length);
    this.scanSlots = caches.reduce((n, c) => n + c.state.length, 0);
    this.dataCaches = caches.flatMap((c, index) => (c.geometry.kind === 'instruction' ? [] : [{ index, name: c.name, level: c.level, cpu: c.ownerCpu }]));
    this.ramLow = Math.min(...machine.vms.map((vm) => vm.ramPa));
    this.ramHigh = Math.max(...machine.vms.map((vm) => vm.ramPa + vm.ramBytes));
  }

  /** Append this window's value; a series seen first now gets 0 for the windows before. */
  private put(key: string, merge: Merge, value: number, always = true): void {
    let s = this.series.get(key);
    if (s === undefined) {
      if (!always && value === 0) return;
      s = new Series(merge, new Array<number>(this.ends.length - 1).fill(0));
      this.series.set(key, s);
    }
    s.values.push(value);
  }

  private closeWindow(final = false): void {
    const m = this.machine!;
    const cost = m.cost;
    this.ends.push(cost.guestInstructions);
    for (let i = 0; i < 8; i++) {
      this.put(`sw:${i + 1}`, 'sum', this.setWayNow[i], false);
      this.setWayNow[i] = 0;
    }
    for (let ec = 0; ec < 64; ec++) {
      const n = cost.trapsByClass[ec];
      this.put(`trap:${ec}`, 'sum', n - this.trapsBefore[ec], false);
      this.trapsBefore[ec] = n;
    }
    const moved = this.migrationsNow > 0;
    this.put('migrations', 'sum', this.migrationsNow);
    this.migrationsNow = 0;
    // EL2 time: every cycle the cost model counts beyond the guest's own instructions.
    const el2Cycles = cost.cycles - cost.guestInstructions * cost.model.guestInstruction;
    const usPerCycle = 1e6 / cost.model.clockHz;
    this.put('el2', 'sum', (el2Cycles - this.el2CyclesBefore) * usPerCycle);
    this.el2CyclesBefore = el2Cycles;
    this.put('el2-longest', 'max', cost.recentLongestEl2Cycles * usPerCycle);
    cost.recentLongestEl2Cycles = 0;
    for (const v of m.vcpus) {
      this.put(`on:${v.id}`, 'last', v.guestCachesOn ? 1 : 0);
      this.put(`retired:${v.id}`, 'last', v.cpu.instructionsRetired);
      this.put(`pcpu:${v.id}`, 'last', v.pcpu);
    }
    // The scan reads every slot of every cache, as costly as a few hundred guest instructions on
    // a large cache: it runs at most once per scanSlots / 4 instructions (a window in between
    // repeats the last count), and always in a window with a migration (the report says what the
    // vCPU left behind) and at the end, so it stays a small part of any run.
    if (final || moved || this.ends.length === 1 || cost.guestInstructions - this.scannedAt >= this.scanSlots / 4) {
      m.caches.countDirtyLines(this.ramLow, this.ramHigh, this.dirty);
      this.scannedAt = cost.guestInstructions;
    }
    for (const c of this.dataCaches) this.put(`dirty:${c.index}`, 'last', this.dirty[c.index]);
    if (this.ends.length >= this.maxWindows) this.halve();
  }

  private halve(): void {
    const ends = this.ends;
    const merged = ends.filter((_, i) => i % 2 === 1 || i === ends.length - 1);
    ends.length = 0;
    ends.push(...merged);
    for (const s of this.series.values()) s.halve();
    this.window *= 2;
  }
}
