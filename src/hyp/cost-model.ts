/**
 * Simulated time. Raw counts (traps, lines cleaned) say what happened; the cost model says what it
 * would cost on a machine, so policies can be compared on one axis. Every figure is a parameter:
 * the defaults are round numbers of the order published for Cortex-A7/A15 class cores and Xen/KVM
 * exit paths, not measurements of any one board.
 */
export interface CostModel {
  /** Clock used to turn cycles into time (Hz). */
  readonly clockHz: number;
  /** One guest instruction retired. */
  readonly guestInstruction: number;
  /** Guest -> EL2 -> guest round trip for a trapped instruction, excluding the work done. */
  readonly trapRoundTrip: number;
  /** Extra cost of a stage-2 fault over a plain trap (syndrome decode, p2m lookup, TLB refill). */
  readonly stage2Fault: number;
  /** One set/way maintenance operation executed on hardware. */
  readonly setWayOp: number;
  /** One cache line cleaned and/or invalidated by address (DC CIVAC), excluding write-back. */
  readonly lineByAddress: number;
  /** Writing one dirty line back to memory. */
  readonly lineWriteBack: number;
  /** Visiting one p2m leaf page while walking the tables for a flush. */
  readonly p2mPageWalked: number;
  /** Full local cache flush (by set/way) of one physical CPU, as kvm-2013 does on migration. */
  readonly fullCpuFlush: number;
  /** A TLB invalidation by VMID after changing p2m entries. */
  readonly tlbInvalidateVmid: number;
}

export const DEFAULT_COST_MODEL: CostModel = {
  clockHz: 1_000_000_000,
  guestInstruction: 1,
  trapRoundTrip: 1_500,
  stage2Fault: 2_500,
  setWayOp: 10,
  lineByAddress: 20,
  lineWriteBack: 100,
  p2mPageWalked: 30,
  fullCpuFlush: 20_000,
  tlbInvalidateVmid: 500,
};

/** Counts of everything that costs time, kept per vCPU run and summed per scenario. */
export class CostMeter {
  guestInstructions = 0;
  traps = 0;
  /** Traps by exception class (ESR_EL2.EC / HSR.EC, 0..63). */
  readonly trapsByClass = new Float64Array(64);
  setWayOps = 0;
  setWayOpsTrapped = 0;
  stage2Faults = 0;
  /** Guest accesses to emulated devices (stage-2 data aborts answered by a device model). */
  mmioAccesses = 0;
  /** HVC/SMC calls a platform handled (PSCI). */
  hypercalls = 0;
  linesByAddress = 0;
  lineWriteBacks = 0;
  pagesFlushed = 0;
  p2mPagesWalked = 0;
  fullCpuFlushes = 0;
  tlbInvalidations = 0;
  migrations = 0;
  /** Longest stretch of EL2 work between two guest instructions, in cycles (a latency figure). */
  longestEl2Cycles = 0;
  /** The same since a reader last set it to 0 (src/report's timeline, once per window). */
  recentLongestEl2Cycles = 0;
  private el2RunCycles = 0;

  constructor(readonly model: CostModel = DEFAULT_COST_MODEL) {}

  /** Cycles spent in EL2 since the last call to `endEl2Run`; closes a non-preemptible stretch. */
  endEl2Run(): void {
    const run = this.el2RunCycles;
    if (run > this.longestEl2Cycles) this.longestEl2Cycles = run;
    if (run > this.recentLongestEl2Cycles) this.recentLongestEl2Cycles = run;
    this.el2RunCycles = 0;
  }

  /** Add EL2 work to the current non-preemptible stretch. */
  el2Work(cycles: number): void {
    this.el2RunCycles += cycles;
  }

  get cycles(): number {
    const m = this.model;
    return (
      this.guestInstructions * m.guestInstruction +
      this.traps * m.trapRoundTrip +
      this.stage2Faults * m.stage2Fault +
      this.setWayOps * m.setWayOp +
      this.linesByAddress * m.lineByAddress +
      this.lineWriteBacks * m.lineWriteBack +
      this.p2mPagesWalked * m.p2mPageWalked +
      this.fullCpuFlushes * m.fullCpuFlush +
      this.tlbInvalidations * m.tlbInvalidateVmid
    );
  }

  /** Simulated time in microseconds. */
  get microseconds(): number {
    return (this.cycles / this.model.clockHz) * 1e6;
  }
}
