/**
 * The GICv2 Distributor register block (ARM IHI 0048B 4.3), 4 KiB. Registers for IDs 0-31 are
 * banked: each access names the CPU interface that makes it (`cpu`), as the requester ID on a
 * real interconnect does.
 *
 * Byte access is honoured where the architecture requires it (GICD_IPRIORITYRn, GICD_ITARGETSRn,
 * GICD_CPENDSGIRn, GICD_SPENDSGIRn: "GIC register access"); a narrower write to a word-only register is
 * UNPREDICTABLE there and ignored here.
 */
import { type AccessSize, type MmioDevice, readLanes } from './mmio-device';
import { GICD_CTLR, Gicv2Error, type Gicv2State } from './gicv2-state';

/** Register offsets (table 4-1). */
export const GICD = {
  CTLR: 0x000,
  TYPER: 0x004,
  IIDR: 0x008,
  IGROUPR: 0x080,
  ISENABLER: 0x100,
  ICENABLER: 0x180,
  ISPENDR: 0x200,
  ICPENDR: 0x280,
  ISACTIVER: 0x300,
  ICACTIVER: 0x380,
  IPRIORITYR: 0x400,
  ITARGETSR: 0x800,
  ICFGR: 0xc00,
  NSACR: 0xe00,
  SGIR: 0xf00,
  CPENDSGIR: 0xf10,
  SPENDSGIR: 0xf20,
  PIDR4: 0xfd0,
} as const;

/** GICD_IIDR of a GIC-400 (DDI 0471B): implementer ARM (0x43B), product 0x02. */
export const GICD_IIDR_VALUE = 0x0200143b;
/**
 * PIDR4-7, PIDR0-3, CIDR0-3 at 0xFD0-0xFFC, a GIC-400's (DDI 0471B 3.3): PIDR2 bits [7:4] = 2,
 * the GIC architecture revision.
 */
const ID_REGISTERS = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

/** GICD_SGIR.TargetListFilter (4.3.15). */
const SGIR_FILTER = { LIST: 0, ALL_BUT_SELF: 1, SELF: 2 } as const;

export class Gicv2Distributor implements MmioDevice {
  readonly size = 0x1000;

  constructor(
    private readonly state: Gicv2State,
    readonly name = 'gic-distributor',
  ) {}

  read(offset: number, size: AccessSize, cpu = 0): number {
    checkCpu(this.state, cpu);
    if (isByteAccessible(offset)) {
      let value = 0;
      for (let i = 0; i < size; i++) value |= this.readByte(offset + i, cpu) << (8 * i);
      return value >>> 0;
    }
    return readLanes(this.readWord(offset & ~3, cpu), offset, size);
  }

  write(offset: number, size: AccessSize, value: number, cpu = 0): void {
    checkCpu(this.state, cpu);
    if (isByteAccessible(offset)) {
      for (let i = 0; i < size; i++) this.writeByte(offset + i, (value >>> (8 * i)) & 0xff, cpu);
    } else if (size === 4) {
      this.writeWord(offset, value >>> 0, cpu);
    } else {
      return;
    }
    this.state.updateOutputs();
  }

  private readWord(offset: number, cpu: number): number {
    const s = this.state;
    if (offset === GICD.CTLR) return s.distributorControl;
    // ITLinesNumber = IDs/32 - 1, CPUNumber = CPUs - 1, SecurityExtn = 0 (4.3.2).
    if (offset === GICD.TYPER) return (s.words - 1) | ((s.numCpus - 1) << 5);
    if (offset === GICD.IIDR) return GICD_IIDR_VALUE;
    if (offset >= GICD.IGROUPR && offset < GICD.IPRIORITYR) {
      const w = (offset & 0x7f) >>> 2;
      if (w >= s.words) return 0;
      switch (offset & ~0x7f) {
        case GICD.IGROUPR:
          return s.groupWord(cpu, w) >>> 0;
        case GICD.ISENABLER:
        case GICD.ICENABLER:
          return s.enabledWord(cpu, w) >>> 0;
        case GICD.ISPENDR:
        case GICD.ICPENDR:
          return s.pendingWord(cpu, w) & s.implementedMask(w);
        case GICD.ISACTIVER:
        case GICD.ICACTIVER:
          return s.activeWord(cpu, w) >>> 0;
      }
    }
    if (offset >= GICD.ICFGR && offset < GICD.ICFGR + 0x100) return this.readConfig((offset - GICD.ICFGR) >>> 2, cpu);
    if (offset >= GICD.PIDR4) return ID_REGISTERS[(offset - GICD.PIDR4) >>> 2];
    return 0; // GICD_SGIR is write-only; NSACR and reserved space read as zero
  }

  private writeWord(offset: number, value: number, cpu: number): void {
    const s = this.state;
    if (offset === GICD.CTLR) {
      s.distributorControl = value & (GICD_CTLR.ENABLE_GRP0 | GICD_CTLR.ENABLE_GRP1);
      return;
    }
    if (offset === GICD.SGIR) {
      this.generateSgi(value, cpu);
      return;
    }
    if (offset >= GICD.ICFGR && offset < GICD.ICFGR + 0x100) {
      this.writeConfig((offset - GICD.ICFGR) >>> 2, value, cpu);
      return;
    }
    if (offset < GICD.IGROUPR || offset >= GICD.IPRIORITYR) return;
    const w = (offset & 0x7f) >>> 2;
    if (w >= s.words) return;
    const v = value & s.implementedMask(w);
    const banked = w === 0;
    switch (offset & ~0x7f) {
      case GICD.IGROUPR:
        if (banked) s.privateGroup[cpu] = v;
        else s.group[w] = v;
        break;
      case GICD.ISENABLER:
        if (banked) s.privateEnabled[cpu] |= v;
        else s.enabled[w] |= v;
        break;
      case GICD.ICENABLER:
        if (banked) s.privateEnabled[cpu] &= ~v;
        else s.enabled[w] &= ~v;
        break;
      case GICD.ISPENDR:
        // SGI set-pending bits are read-only: GICD_SPENDSGIRn sets SGIs per source (4.3.7).
        if (banked) s.privatePendingLatch[cpu] |= v & 0xffff0000;
        else s.pendingLatch[w] |= v;
        break;
      case GICD.ICPENDR:
        // Clears what was latched; a level-sensitive input still high keeps it pending (4.3.8).
        if (banked) s.privatePendingLatch[cpu] &= ~(v & 0xffff0000);
        else s.pendingLatch[w] &= ~v;
        break;
      case GICD.ISACTIVER:
        if (banked) s.privateActive[cpu] |= v;
        else s.active[w] |= v;
        break;
      case GICD.ICACTIVER:
        if (banked) s.privateActive[cpu] &= ~v;
        else s.active[w] &= ~v;
        break;
    }
  }

  private readByte(offset: number, cpu: number): number {
    const s = this.state;
    if (offset >= GICD.CPENDSGIR) {
      // GICD_CPENDSGIRn / GICD_SPENDSGIRn: one byte per SGI, one bit per source CPU (4.3.16-17).
      const sgi = (offset - GICD.CPENDSGIR) & 0xf;
      return s.sgiSources[cpu * 16 + sgi];
    }
    if (offset >= GICD.ITARGETSR) {
      const id = offset - GICD.ITARGETSR;
      if (id >= s.numInterrupts || s.numCpus === 1) return 0; // uniprocessor: RAZ/WI (4.3.12)
      // IDs 0-31: read-only, each byte names the reading CPU interface.
      return id < 32 ? 1 << cpu : s.targets[id];
    }
    const id = offset - GICD.IPRIORITYR;
    return id < s.numInterrupts ? s.priorityOf(cpu, id) : 0;
  }

  private writeByte(offset: number, value: number, cpu: number): void {
    const s = this.state;
    if (offset >= GICD.CPENDSGIR) {
      const sgi = (offset - GICD.CPENDSGIR) & 0xf;
      const sources = value & s.cpuMask;
      if (offset < GICD.SPENDSGIR) s.sgiSources[cpu * 16 + sgi] &= ~sources;
      else s.sgiSources[cpu * 16 + sgi] |= sources;
      return;
    }
    if (offset >= GICD.ITARGETSR) {
      const id = offset - GICD.ITARGETSR;
      if (id >= 32 && id < s.numInterrupts && s.numCpus > 1) s.targets[id] = value & s.cpuMask;
      return;
    }
    const id = offset - GICD.IPRIORITYR;
    if (id >= s.numInterrupts) return;
    // Unimplemented low-order priority bits are RAZ/WI ("Interrupt prioritization").
    const p = value & s.priorityMask;
    if (id < 32) s.privatePriority[cpu * 32 + id] = p;
    else s.priority[id] = p;
  }

  /** GICD_ICFGRn: Int_config[1] of 16 interrupts, bit 2F+1 = edge-triggered (4.3.13). */
  private readConfig(n: number, cpu: number): number {
    const s = this.state;
    if (n * 16 >= s.numInterrupts) return 0;
    if (n === 0) return 0xaaaaaaaa; // SGIs: always edge-triggered, read-only
    const word = n === 1 ? s.privateEdge[cpu] : s.edge[n >>> 1];
    const half = (word >>> ((n & 1) * 16)) & 0xffff;
    let value = 0;
    for (let i = 0; i < 16; i++) if (half & (1 << i)) value |= 2 << (2 * i);
    return value >>> 0;
  }

  private writeConfig(n: number, value: number, cpu: number): void {
    const s = this.state;
    if (n === 0 || n * 16 >= s.numInterrupts) return;
    let half = 0;
    for (let i = 0; i < 16; i++) if (value & (2 << (2 * i))) half |= 1 << i;
    const shift = (n & 1) * 16;
    const keep = ~(0xffff << shift);
    if (n === 1) s.privateEdge[cpu] = (s.privateEdge[cpu] & keep) | (half << shift);
    else s.edge[n >>> 1] = (s.edge[n >>> 1] & keep) | (half << shift);
  }

  /** GICD_SGIR: make SGI `SGIINTID` pending from `cpu` on the CPU interfaces the filter selects (4.3.15). */
  private generateSgi(value: number, cpu: number): void {
    const s = this.state;
    const sgi = value & 0xf;
    let targets: number;
    switch ((value >>> 24) & 3) {
      case SGIR_FILTER.LIST:
        targets = (value >>> 16) & s.cpuMask;
        break;
      case SGIR_FILTER.ALL_BUT_SELF:
        targets = s.cpuMask & ~(1 << cpu);
        break;
      case SGIR_FILTER.SELF:
        targets = 1 << cpu;
        break;
      default:
        return; // reserved filter: no SGI
    }
    for (let t = 0; t < s.numCpus; t++) if (targets & (1 << t)) s.sgiSources[t * 16 + sgi] |= 1 << cpu;
  }
}

function isByteAccessible(offset: number): boolean {
  return (offset >= GICD.IPRIORITYR && offset < GICD.ICFGR) || (offset >= GICD.CPENDSGIR && offset < GICD.SPENDSGIR + 0x10);
}

export function checkCpu(state: Gicv2State, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= state.numCpus) {
    throw new Gicv2Error(`GICv2 access from CPU interface ${cpu}: this GIC has ${state.numCpus} (0-${state.numCpus - 1})`);
  }
}
