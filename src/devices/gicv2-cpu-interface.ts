/**
 * The GICv2 CPU interface register block (ARM IHI 0048B 4.4), 8 KiB with GICC_DIR in the second
 * page. Every register is banked: each access names the CPU interface that makes it (`cpu`).
 *
 * Without the Security Extensions, GICC_IAR/EOIR/HPPIR serve Group 0 (and Group 1 when
 * GICC_CTLR.AckCtl is set) and the aliased GICC_AIAR/AEOIR/AHPPIR/ABPR serve Group 1, as the
 * Non-secure copies would. GICC_APRn hold the active priorities of both groups (their layout is
 * IMPLEMENTATION DEFINED); GICC_NSAPRn read as zero.
 */
import { type AccessSize, type MmioDevice, readLanes } from './mmio-device';
import { checkCpu } from './gicv2-distributor';
import { GICC_CTLR, GROUP1_NOT_ACKNOWLEDGED, type Gicv2State, SPURIOUS } from './gicv2-state';

/** Register offsets (table 4-2). */
export const GICC = {
  CTLR: 0x0000,
  PMR: 0x0004,
  BPR: 0x0008,
  IAR: 0x000c,
  EOIR: 0x0010,
  RPR: 0x0014,
  HPPIR: 0x0018,
  ABPR: 0x001c,
  AIAR: 0x0020,
  AEOIR: 0x0024,
  AHPPIR: 0x0028,
  APR0: 0x00d0,
  NSAPR0: 0x00e0,
  IIDR: 0x00fc,
  DIR: 0x1000,
} as const;

/** GICC_IIDR of a GIC-400 (DDI 0471B): product 0x02, architecture version 2, implementer ARM. */
export const GICC_IIDR_VALUE = 0x0202143b;

export class Gicv2CpuInterface implements MmioDevice {
  readonly size = 0x2000;

  constructor(
    private readonly state: Gicv2State,
    readonly name = 'gic-cpu-interface',
  ) {}

  read(offset: number, size: AccessSize, cpu = 0): number {
    checkCpu(this.state, cpu);
    const value = this.readWord(offset & ~3, cpu);
    return readLanes(value, offset, size);
  }

  write(offset: number, size: AccessSize, value: number, cpu = 0): void {
    checkCpu(this.state, cpu);
    if (size !== 4) return; // word-only registers ("GIC register access")
    this.writeWord(offset, value >>> 0, cpu);
    this.state.updateOutputs();
  }

  /** GICC_IAR (aliased = false) or GICC_AIAR (true): acknowledge the signalled interrupt (4.4.4, 4.4.9). */
  acknowledge(cpu: number, aliased: boolean): number {
    const s = this.state;
    const id = s.signalled(cpu);
    if (id === SPURIOUS) return SPURIOUS;
    const group = s.groupOf(cpu, id);
    if (aliased && group === 0) return SPURIOUS; // the Group 1 view sees no Group 0 interrupt
    if (!aliased && group === 1 && !(s.cpuControl[cpu] & GICC_CTLR.ACK_CTL)) return GROUP1_NOT_ACKNOWLEDGED;
    let value = id;
    if (id < 16) {
      // SGI: acknowledge one source, lowest CPU first; others stay pending ("General handling of interrupts").
      const i = cpu * 16 + id;
      const sources = s.sgiSources[i];
      const source = 31 - Math.clz32(sources & -sources);
      s.sgiSources[i] = sources & (sources - 1);
      value |= source << 10;
    } else {
      s.clearPendingLatch(cpu, id);
    }
    s.setActive(cpu, id, true);
    s.markActivePriority(cpu, s.groupPriority(cpu, s.hppiPriority, group));
    s.updateOutputs();
    return value;
  }

  /**
   * GICC_EOIR (aliased = false) or GICC_AEOIR (true): priority drop, and deactivation unless the
   * group's EOImode splits it off to GICC_DIR (4.4.5, 4.4.10). Spurious IDs are ignored.
   */
  endOfInterrupt(cpu: number, value: number, aliased: boolean): void {
    const s = this.state;
    const id = value & 0x3ff;
    if (id >= s.numInterrupts) return;
    if (aliased && s.groupOf(cpu, id) === 0) return;
    s.dropRunningPriority(cpu);
    const splitMode = s.cpuControl[cpu] & (aliased ? GICC_CTLR.EOI_MODE_NS : GICC_CTLR.EOI_MODE_S);
    if (!splitMode) s.setActive(cpu, id, false);
  }

  private readWord(offset: number, cpu: number): number {
    const s = this.state;
    switch (offset) {
      case GICC.CTLR:
        return s.cpuControl[cpu];
      case GICC.PMR:
        return s.priorityMaskRegister[cpu];
      case GICC.BPR:
        return s.binaryPoint[cpu];
      case GICC.IAR:
        return this.acknowledge(cpu, false);
      case GICC.RPR:
        return s.runningPriority(cpu);
      case GICC.HPPIR:
        return this.highestPendingView(cpu, false);
      case GICC.ABPR:
        return s.aliasedBinaryPoint[cpu];
      case GICC.AIAR:
        return this.acknowledge(cpu, true);
      case GICC.AHPPIR:
        return this.highestPendingView(cpu, true);
      case GICC.IIDR:
        return GICC_IIDR_VALUE;
      default:
        if (offset >= GICC.APR0 && offset < GICC.NSAPR0) return s.activePriorities[cpu * 4 + ((offset - GICC.APR0) >>> 2)];
        return 0; // EOIR, AEOIR, DIR are write-only; NSAPRn and reserved space read as zero
    }
  }

  private writeWord(offset: number, value: number, cpu: number): void {
    const s = this.state;
    switch (offset) {
      case GICC.CTLR:
        s.writeCpuControl(cpu, value);
        return;
      case GICC.PMR:
        s.priorityMaskRegister[cpu] = value & s.priorityMask;
        return;
      case GICC.BPR:
        // A value below the minimum sets the minimum (4.4.3).
        s.binaryPoint[cpu] = Math.max(value & 7, s.minBpr);
        return;
      case GICC.EOIR:
        this.endOfInterrupt(cpu, value, false);
        return;
      case GICC.ABPR:
        s.aliasedBinaryPoint[cpu] = Math.max(value & 7, s.minBpr + 1);
        return;
      case GICC.AEOIR:
        this.endOfInterrupt(cpu, value, true);
        return;
      case GICC.DIR: {
        // Deactivate (4.4.15); meaningful when EOImode splits priority drop from deactivation.
        const id = value & 0x3ff;
        if (id < s.numInterrupts) s.setActive(cpu, id, false);
        return;
      }
      default:
        // GICC_APRn: software restoring saved state writes back what it read (4.4.12).
        if (offset >= GICC.APR0 && offset < GICC.NSAPR0) {
          const n = (offset - GICC.APR0) >>> 2;
          s.activePriorities[cpu * 4 + n] = value & activePriorityMask(s.preemptionBits, n);
        }
    }
  }

  /** GICC_HPPIR / GICC_AHPPIR: the highest priority pending interrupt, without acknowledging it (4.4.7, 4.4.11). */
  private highestPendingView(cpu: number, aliased: boolean): number {
    const s = this.state;
    const id = s.highestPending(cpu);
    if (id === SPURIOUS) return SPURIOUS;
    const group = s.groupOf(cpu, id);
    if (aliased && group === 0) return SPURIOUS;
    if (!aliased && group === 1 && !(s.cpuControl[cpu] & GICC_CTLR.ACK_CTL)) return GROUP1_NOT_ACKNOWLEDGED;
    if (id >= 16) return id;
    const sources = s.sgiSources[cpu * 16 + id];
    return id | ((31 - Math.clz32(sources & -sources)) << 10);
  }
}

/** The bits of GICC_APRn that stand for an implemented preemption level (2^preemptionBits of them). */
function activePriorityMask(preemptionBits: number, n: number): number {
  const levels = 1 << preemptionBits;
  if (n * 32 >= levels) return 0;
  return levels - n * 32 >= 32 ? 0xffffffff : (1 << (levels - n * 32)) - 1;
}
