/**
 * The state of a GICv2 (ARM IHI 0048B) without the Security Extensions, shared by its distributor
 * and CPU interface register blocks (gicv2-distributor.ts, gicv2-cpu-interface.ts), and the
 * decision both need: which interrupt a CPU interface would signal now ("General handling of
 * interrupts", "Interrupt prioritization").
 *
 * SPIs (IDs 32 and up) are one global copy; SGIs and PPIs (IDs 0-31) are banked per CPU
 * interface ("Banking"). State is kept as 32-bit words of bits, one per interrupt, so a scan skips 32
 * idle interrupts at a time.
 */
import type { InterruptLine } from './mmio-device';

export const SPURIOUS = 1023;
/** GICC_IAR's answer when the highest priority pending interrupt is Group 1 and GICC_CTLR.AckCtl is 0 (4.4.4). */
export const GROUP1_NOT_ACKNOWLEDGED = 1022;

/** GICD_CTLR bits without the Security Extensions (4.3.1). */
export const GICD_CTLR = { ENABLE_GRP0: 1 << 0, ENABLE_GRP1: 1 << 1 } as const;

/** GICC_CTLR bits without the Security Extensions (4.4.1, the layout of the Secure copy). */
export const GICC_CTLR = {
  ENABLE_GRP0: 1 << 0,
  ENABLE_GRP1: 1 << 1,
  ACK_CTL: 1 << 2,
  FIQ_EN: 1 << 3,
  CBPR: 1 << 4,
  FIQ_BYP_DIS_GRP0: 1 << 5,
  IRQ_BYP_DIS_GRP0: 1 << 6,
  FIQ_BYP_DIS_GRP1: 1 << 7,
  IRQ_BYP_DIS_GRP1: 1 << 8,
  EOI_MODE_S: 1 << 9,
  EOI_MODE_NS: 1 << 10,
} as const;
const GICC_CTLR_WRITABLE = 0x7ff;

/** Idle priority: what GICC_RPR reads with no interrupt active (4.4.6). */
export const IDLE_PRIORITY = 0xff;

export interface Gicv2Config {
  /** CPU interfaces, 1-8 (GICD_TYPER.CPUNumber + 1). */
  readonly numCpus: number;
  /** Interrupt IDs, a multiple of 32 from 64 to 1024 (IDs 1020-1023 are never implemented). */
  readonly numInterrupts: number;
  /** Implemented priority bits, 4-8 ("Interrupt prioritization": at least 16 levels). */
  readonly priorityBits: number;
}

/** A GIC configured outside what the architecture allows, or an input out of range. */
export class Gicv2Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Gicv2Error';
  }
}

export class Gicv2State {
  readonly numCpus: number;
  readonly numInterrupts: number;
  readonly words: number;
  /** The implemented bits of a priority field (e.g. 0xf8 for 5 bits). */
  readonly priorityMask: number;
  /** Bits of group priority the active-priority registers track: min(priorityBits, 7). */
  readonly preemptionBits: number;
  /** The smallest GICC_BPR value ("Priority grouping"): 7 - preemptionBits; GICC_ABPR's is one more. */
  readonly minBpr: number;
  /** Bit mask of the implemented CPU interfaces, for SPI targets and SGI sources. */
  readonly cpuMask: number;

  /** GICD_CTLR. */
  distributorControl = 0;

  // Per-interrupt bits by word (IDs 32w..32w+31). Word 0 (SGIs, PPIs) lives in the banked copies.
  readonly enabled: Uint32Array;
  /** Pending latched by an edge, by GICD_ISPENDR, and not yet acknowledged or cleared. */
  readonly pendingLatch: Uint32Array;
  /** Input levels of the interrupt lines. */
  readonly level: Uint32Array;
  readonly active: Uint32Array;
  /** GICD_IGROUPR: 1 = Group 1. */
  readonly group: Uint32Array;
  /** GICD_ICFGR Int_config[1]: 1 = edge-triggered, 0 = level-sensitive. */
  readonly edge: Uint32Array;
  readonly priority: Uint8Array;
  /** GICD_ITARGETSR of each SPI: CPU interface bit mask. */
  readonly targets: Uint8Array;

  // Banked copies of word 0, one per CPU interface.
  readonly privateEnabled: Uint32Array;
  readonly privatePendingLatch: Uint32Array;
  readonly privateLevel: Uint32Array;
  readonly privateActive: Uint32Array;
  readonly privateGroup: Uint32Array;
  readonly privateEdge: Uint32Array;
  /** Priorities of IDs 0-31 per CPU at [cpu * 32 + id]. */
  readonly privatePriority: Uint8Array;
  /** Pending SGIs per source at [cpu * 16 + sgi]: bit s = pending from CPU interface s (4.3.17). */
  readonly sgiSources: Uint8Array;

  // CPU interfaces.
  readonly cpuControl: Uint32Array;
  readonly priorityMaskRegister: Uint8Array;
  readonly binaryPoint: Uint8Array;
  readonly aliasedBinaryPoint: Uint8Array;
  /** Active priorities, GICC_APR0-3 per CPU at [cpu * 4 + n]: bit k = group priority k is active. */
  readonly activePriorities: Uint32Array;

  private readonly irqLines: readonly (InterruptLine | undefined)[];
  private readonly fiqLines: readonly (InterruptLine | undefined)[];
  private readonly irqLevels: boolean[];
  private readonly fiqLevels: boolean[];

  /** Priority of the interrupt `highestPending` last returned. */
  hppiPriority = IDLE_PRIORITY;

  constructor(
    config: Gicv2Config,
    irqLines: readonly (InterruptLine | undefined)[] = [],
    fiqLines: readonly (InterruptLine | undefined)[] = [],
  ) {
    const { numCpus, numInterrupts, priorityBits } = config;
    if (!Number.isInteger(numCpus) || numCpus < 1 || numCpus > 8) throw new Gicv2Error(`GICv2: ${numCpus} CPU interfaces (1-8 allowed)`);
    if (!Number.isInteger(numInterrupts) || numInterrupts % 32 !== 0 || numInterrupts < 64 || numInterrupts > 1024) {
      throw new Gicv2Error(`GICv2: ${numInterrupts} interrupts (a multiple of 32 from 64 to 1024)`);
    }
    if (!Number.isInteger(priorityBits) || priorityBits < 4 || priorityBits > 8) {
      throw new Gicv2Error(`GICv2: ${priorityBits} priority bits (4-8 allowed)`);
    }
    this.numCpus = numCpus;
    // IDs 1020-1023 are special ("Interrupt IDs"): a 1024-ID GIC implements 1020 of them.
    this.numInterrupts = Math.min(numInterrupts, 1020);
    this.words = numInterrupts / 32;
    this.priorityMask = (0xff << (8 - priorityBits)) & 0xff;
    this.preemptionBits = Math.min(priorityBits, 7);
    this.minBpr = 7 - this.preemptionBits;
    this.cpuMask = (1 << numCpus) - 1;

    const w = this.words;
    this.enabled = new Uint32Array(w);
    this.pendingLatch = new Uint32Array(w);
    this.level = new Uint32Array(w);
    this.active = new Uint32Array(w);
    this.group = new Uint32Array(w);
    this.edge = new Uint32Array(w);
    this.priority = new Uint8Array(w * 32);
    this.targets = new Uint8Array(w * 32);
    this.privateEnabled = new Uint32Array(numCpus);
    this.privatePendingLatch = new Uint32Array(numCpus);
    this.privateLevel = new Uint32Array(numCpus);
    this.privateActive = new Uint32Array(numCpus);
    this.privateGroup = new Uint32Array(numCpus);
    this.privateEdge = new Uint32Array(numCpus);
    this.privatePriority = new Uint8Array(numCpus * 32);
    this.sgiSources = new Uint8Array(numCpus * 16);
    this.cpuControl = new Uint32Array(numCpus);
    this.priorityMaskRegister = new Uint8Array(numCpus);
    this.binaryPoint = new Uint8Array(numCpus);
    this.aliasedBinaryPoint = new Uint8Array(numCpus);
    this.activePriorities = new Uint32Array(numCpus * 4);
    this.irqLines = irqLines;
    this.fiqLines = fiqLines;
    this.irqLevels = new Array<boolean>(numCpus).fill(false);
    this.fiqLevels = new Array<boolean>(numCpus).fill(false);
    this.reset();
  }

  /**
   * Reset values (table 4-1, table 4-2 and each register's description): everything disabled, inactive, not
   * pending, Group 0, priority 0, no SPI targets, SPIs level-sensitive; GICC_BPR and GICC_ABPR
   * at their minimum. Input line levels are the devices' and survive.
   */
  reset(): void {
    this.distributorControl = 0;
    for (const a of [this.enabled, this.pendingLatch, this.active, this.group, this.edge, this.privateEnabled,
      this.privatePendingLatch, this.privateActive, this.privateGroup, this.cpuControl, this.activePriorities]) a.fill(0);
    this.priority.fill(0);
    this.targets.fill(0);
    this.privatePriority.fill(0);
    this.sgiSources.fill(0);
    this.priorityMaskRegister.fill(0);
    // SGIs are edge-triggered (4.3.13); PPIs reset level-sensitive, as the timers drive them.
    this.privateEdge.fill(0x0000ffff);
    this.binaryPoint.fill(this.minBpr);
    this.aliasedBinaryPoint.fill(this.minBpr + 1);
    this.updateOutputs();
  }

  // --- per-interrupt views, word 0 banked by CPU ---

  /** The bits of word `w` that are implemented interrupt IDs (the last word of a 1024-ID GIC lacks 1020-1023). */
  implementedMask(w: number): number {
    const beyond = (w + 1) * 32 - this.numInterrupts;
    return beyond <= 0 ? 0xffffffff : (0xffffffff >>> beyond) >>> 0;
  }

  enabledWord(cpu: number, w: number): number {
    return w === 0 ? this.privateEnabled[cpu] : this.enabled[w];
  }

  activeWord(cpu: number, w: number): number {
    return w === 0 ? this.privateActive[cpu] : this.active[w];
  }

  groupWord(cpu: number, w: number): number {
    return w === 0 ? this.privateGroup[cpu] : this.group[w];
  }

  /** Pending: latched, or a level-sensitive input held high ("General handling of interrupts"); SGIs pending from any source. */
  pendingWord(cpu: number, w: number): number {
    if (w !== 0) return (this.pendingLatch[w] | (this.level[w] & ~this.edge[w])) >>> 0;
    let sgis = 0;
    const base = cpu * 16;
    for (let i = 0; i < 16; i++) if (this.sgiSources[base + i] !== 0) sgis |= 1 << i;
    const ppis = (this.privatePendingLatch[cpu] | (this.privateLevel[cpu] & ~this.privateEdge[cpu])) & 0xffff0000;
    return (sgis | ppis) >>> 0;
  }

  priorityOf(cpu: number, id: number): number {
    return id < 32 ? this.privatePriority[cpu * 32 + id] : this.priority[id];
  }

  groupOf(cpu: number, id: number): 0 | 1 {
    return (this.groupWord(cpu, id >>> 5) >>> (id & 31)) & 1 ? 1 : 0;
  }

  /** An SPI is forwarded to `cpu` if GICD_ITARGETSR names it; with one CPU interface, always (4.3.12). */
  forwardsSpiTo(cpu: number, id: number): boolean {
    return this.numCpus === 1 || (this.targets[id] & (1 << cpu)) !== 0;
  }

  /** Set or clear the active state of `id` as seen by `cpu`. */
  setActive(cpu: number, id: number, on: boolean): void {
    const bit = 1 << (id & 31);
    if (id < 32) this.privateActive[cpu] = on ? this.privateActive[cpu] | bit : this.privateActive[cpu] & ~bit;
    else {
      const w = id >>> 5;
      this.active[w] = on ? this.active[w] | bit : this.active[w] & ~bit;
    }
  }

  /** Clear the latched pending state (acknowledge, GICD_ICPENDR); a level held high stays pending. */
  clearPendingLatch(cpu: number, id: number): void {
    const bit = ~(1 << (id & 31));
    if (id < 32) this.privatePendingLatch[cpu] &= bit;
    else this.pendingLatch[id >>> 5] &= bit;
  }

  /** Drive an interrupt input. `cpu` picks the bank for a PPI. Edge-triggered inputs latch on a rising edge ("General handling of interrupts"). */
  setInput(cpu: number, id: number, high: boolean): void {
    const bit = 1 << (id & 31);
    if (id < 32) {
      const was = (this.privateLevel[cpu] & bit) !== 0;
      this.privateLevel[cpu] = high ? this.privateLevel[cpu] | bit : this.privateLevel[cpu] & ~bit;
      if (high && !was && this.privateEdge[cpu] & bit) this.privatePendingLatch[cpu] |= bit;
    } else {
      const w = id >>> 5;
      const was = (this.level[w] & bit) !== 0;
      this.level[w] = high ? this.level[w] | bit : this.level[w] & ~bit;
      if (high && !was && this.edge[w] & bit) this.pendingLatch[w] |= bit;
    }
    this.updateOutputs();
  }

  // --- prioritization ---

  /** Group priority of `priority` for an interrupt of `group` under `cpu`'s binary point ("Priority grouping", 4.4.3). */
  groupPriority(cpu: number, priority: number, group: 0 | 1): number {
    const ctl = this.cpuControl[cpu];
    // Group 0, or Group 1 with CBPR, use GICC_BPR: group priority is bits [7:BPR+1].
    // Group 1 otherwise uses GICC_ABPR: group priority is bits [7:ABPR] (table 3-4 footnote).
    const shift = group === 0 || ctl & GICC_CTLR.CBPR ? this.binaryPoint[cpu] + 1 : this.aliasedBinaryPoint[cpu];
    return (priority & (0xff << shift)) & 0xff;
  }

  /** GICC_RPR: the highest active group priority, as with the minimum binary point, or idle (4.4.6). */
  runningPriority(cpu: number): number {
    for (let n = 0; n < 4; n++) {
      const bits = this.activePriorities[cpu * 4 + n];
      if (bits !== 0) return (n * 32 + (31 - Math.clz32(bits & -bits))) << (8 - this.preemptionBits);
    }
    return IDLE_PRIORITY;
  }

  /** Record `groupPriority` as active (the acknowledge side of GICC_APRn). */
  markActivePriority(cpu: number, groupPriority: number): void {
    const k = groupPriority >>> (8 - this.preemptionBits);
    this.activePriorities[cpu * 4 + (k >>> 5)] |= 1 << (k & 31);
  }

  /** Priority drop: clear the highest active priority (4.4.5). False if none was active. */
  dropRunningPriority(cpu: number): boolean {
    for (let n = 0; n < 4; n++) {
      const bits = this.activePriorities[cpu * 4 + n];
      if (bits !== 0) {
        this.activePriorities[cpu * 4 + n] = bits & (bits - 1);
        return true;
      }
    }
    return false;
  }

  /**
   * The highest priority pending interrupt the distributor forwards to `cpu` (pending, not active,
   * enabled, targeted at it, of a group enabled in GICD_CTLR and GICC_CTLR), the lowest ID on a
   * tie; SPURIOUS if none. Its priority is left in `hppiPriority`.
   */
  highestPending(cpu: number): number {
    const dctl = this.distributorControl;
    const cctl = this.cpuControl[cpu];
    const grp0 = (dctl & GICD_CTLR.ENABLE_GRP0) !== 0 && (cctl & GICC_CTLR.ENABLE_GRP0) !== 0;
    const grp1 = (dctl & GICD_CTLR.ENABLE_GRP1) !== 0 && (cctl & GICC_CTLR.ENABLE_GRP1) !== 0;
    let bestId = SPURIOUS;
    let best = 0x100;
    if (grp0 || grp1) {
      for (let w = 0; w < this.words; w++) {
        let candidates = this.pendingWord(cpu, w) & this.enabledWord(cpu, w) & ~this.activeWord(cpu, w);
        if (candidates === 0) continue;
        const groups = this.groupWord(cpu, w);
        if (!grp0) candidates &= groups;
        if (!grp1) candidates &= ~groups;
        while (candidates !== 0) {
          const bit = 31 - Math.clz32(candidates & -candidates);
          candidates &= candidates - 1;
          const id = w * 32 + bit;
          if (id >= this.numInterrupts) break;
          if (w !== 0 && !this.forwardsSpiTo(cpu, id)) continue;
          const p = this.priorityOf(cpu, id);
          if (p < best) {
            best = p;
            bestId = id;
          }
        }
      }
    }
    this.hppiPriority = bestId === SPURIOUS ? IDLE_PRIORITY : best;
    return bestId;
  }

  /**
   * The interrupt `cpu` signals: the highest priority pending one if its priority is above the
   * priority mask and its group priority above the running priority ("Preemption"), else
   * SPURIOUS. Its priority is left in `hppiPriority`.
   */
  signalled(cpu: number): number {
    const id = this.highestPending(cpu);
    if (id === SPURIOUS) return SPURIOUS;
    const p = this.hppiPriority;
    if (p >= this.priorityMaskRegister[cpu]) return SPURIOUS;
    if (this.groupPriority(cpu, p, this.groupOf(cpu, id)) >= this.runningPriority(cpu)) return SPURIOUS;
    return id;
  }

  writeCpuControl(cpu: number, value: number): void {
    this.cpuControl[cpu] = value & GICC_CTLR_WRITABLE;
  }

  /** Recompute every CPU's IRQ and FIQ and drive the lines that changed. */
  updateOutputs(): void {
    for (let cpu = 0; cpu < this.numCpus; cpu++) {
      const id = this.signalled(cpu);
      let irq = false;
      let fiq = false;
      if (id !== SPURIOUS) {
        // Group 0 is signalled as FIQ when GICC_CTLR.FIQEn is set; Group 1 always as IRQ ("The effect of interrupt grouping on interrupt handling").
        if (this.groupOf(cpu, id) === 0 && this.cpuControl[cpu] & GICC_CTLR.FIQ_EN) fiq = true;
        else irq = true;
      }
      if (irq !== this.irqLevels[cpu]) {
        this.irqLevels[cpu] = irq;
        this.irqLines[cpu]?.set(irq);
      }
      if (fiq !== this.fiqLevels[cpu]) {
        this.fiqLevels[cpu] = fiq;
        this.fiqLines[cpu]?.set(fiq);
      }
    }
  }

  irqLevel(cpu: number): boolean {
    return this.irqLevels[cpu];
  }

  fiqLevel(cpu: number): boolean {
    return this.fiqLevels[cpu];
  }
}
