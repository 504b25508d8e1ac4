/**
 * A GICv2 interrupt controller (ARM IHI 0048B) without the Security Extensions, as QEMU's virt
 * board gives non-secure guests: a Distributor (`distributor`, 4 KiB) and the CPU interfaces
 * (`cpuInterface`, 8 KiB), identified as a GIC-400.
 *
 * Banking: one distributor and one CPU-interface device serve every CPU, and each access carries
 * the index of the CPU that makes it (MmioDevice's optional `cpu`), as the AXI requester ID does
 * on real hardware. The trap handler knows which vCPU took the stage-2 abort, so it passes that
 * index and one bus serves all vCPUs. (The alternative, one MmioDevice per CPU view, would need
 * one bus per vCPU with every other device mapped into each.)
 *
 * Inputs: devices drive SPIs through `spiLine(id)` / `setSpi(id, level)` and per-CPU PPIs through
 * `ppiLine(cpu, id)` / `setPpi(cpu, id, level)`, all by GIC interrupt ID (a DT's `<GIC_SPI n>` is
 * ID 32 + n, `<GIC_PPI n>` is ID 16 + n). Outputs: each CPU's IRQ (and FIQ) line, high while its
 * CPU interface signals an interrupt.
 */
import type { InterruptLine } from './mmio-device';
import { Gicv2CpuInterface } from './gicv2-cpu-interface';
import { Gicv2Distributor } from './gicv2-distributor';
import { Gicv2Error, Gicv2State } from './gicv2-state';

export { SPURIOUS, GROUP1_NOT_ACKNOWLEDGED, GICC_CTLR, GICD_CTLR, Gicv2Error } from './gicv2-state';
export { GICD } from './gicv2-distributor';
export { GICC } from './gicv2-cpu-interface';

export interface Gicv2Options {
  /** CPU interfaces, 1-8. Default 1. */
  readonly numCpus?: number;
  /** Interrupt IDs including the 32 private ones. Default 288, QEMU virt's (256 SPIs): GICD_TYPER.ITLinesNumber = 8. */
  readonly numInterrupts?: number;
  /** Implemented priority bits. Default 5 (32 levels), a GIC-400's. */
  readonly priorityBits?: number;
  /** Each CPU's IRQ input, by CPU index. */
  readonly irq?: readonly (InterruptLine | undefined)[];
  /** Each CPU's FIQ input (Group 0 interrupts with GICC_CTLR.FIQEn). */
  readonly fiq?: readonly (InterruptLine | undefined)[];
}

export class Gicv2 {
  readonly distributor: Gicv2Distributor;
  readonly cpuInterface: Gicv2CpuInterface;
  private readonly state: Gicv2State;

  constructor(options: Gicv2Options = {}) {
    this.state = new Gicv2State(
      { numCpus: options.numCpus ?? 1, numInterrupts: options.numInterrupts ?? 288, priorityBits: options.priorityBits ?? 5 },
      options.irq,
      options.fiq,
    );
    this.distributor = new Gicv2Distributor(this.state);
    this.cpuInterface = new Gicv2CpuInterface(this.state);
  }

  get numCpus(): number {
    return this.state.numCpus;
  }

  get numInterrupts(): number {
    return this.state.numInterrupts;
  }

  reset(): void {
    this.state.reset();
  }

  /** Drive SPI `id` (32 to numInterrupts - 1). */
  setSpi(id: number, level: boolean): void {
    this.checkSpi(id);
    this.state.setInput(0, id, level);
  }

  /** Drive PPI `id` (16-31) of CPU `cpu`. */
  setPpi(cpu: number, id: number, level: boolean): void {
    this.checkPpi(cpu, id);
    this.state.setInput(cpu, id, level);
  }

  /** The input wire of SPI `id`, to hand to a device. */
  spiLine(id: number): InterruptLine {
    this.checkSpi(id);
    return { set: (level) => this.state.setInput(0, id, level) };
  }

  /** The input wire of PPI `id` of CPU `cpu`, e.g. a generic timer's. */
  ppiLine(cpu: number, id: number): InterruptLine {
    this.checkPpi(cpu, id);
    return { set: (level) => this.state.setInput(cpu, id, level) };
  }

  /** Whether CPU `cpu`'s IRQ line is high (a WFI would wake). */
  irqLevel(cpu: number): boolean {
    return this.state.irqLevel(cpu);
  }

  fiqLevel(cpu: number): boolean {
    return this.state.fiqLevel(cpu);
  }

  private checkSpi(id: number): void {
    if (!Number.isInteger(id) || id < 32 || id >= this.state.numInterrupts) {
      throw new Gicv2Error(`SPI ID ${id} is outside 32-${this.state.numInterrupts - 1} (a DT's <GIC_SPI n> is ID 32 + n)`);
    }
  }

  private checkPpi(cpu: number, id: number): void {
    if (!Number.isInteger(id) || id < 16 || id > 31) throw new Gicv2Error(`PPI ID ${id} is outside 16-31 (a DT's <GIC_PPI n> is ID 16 + n)`);
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.state.numCpus) {
      throw new Gicv2Error(`PPI ${id} of CPU ${cpu}: this GIC has CPU interfaces 0-${this.state.numCpus - 1}`);
    }
  }
}
