/**
 * ARM PrimeCell General Purpose Input/Output PL061 (ARM DDI 0190B): eight pins, as Linux's
 * gpio-pl061 driver uses it (QEMU's virt board wires its power button to pin 3 this way).
 *
 * Pins driven from outside enter through `setInput`; pins the guest drives (GPIODIR = 1, not
 * under hardware control) are reported through `onOutput`. The interrupt logic watches the pin
 * values: an input pin's external level, an output pin's driven level.
 */
import { type AccessSize, type InterruptLine, type MmioDevice, readLanes, writeLanes } from './mmio-device';
import { primeCellIdRegister } from './primecell-id';

/** Register offsets (DDI 0190B table 3-1). GPIODATA spans 0x000-0x3FC: address bits [9:2] mask it. */
export const PL061 = {
  DATA: 0x000,
  DIR: 0x400,
  IS: 0x404,
  IBE: 0x408,
  IEV: 0x40c,
  IE: 0x410,
  RIS: 0x414,
  MIS: 0x418,
  IC: 0x41c,
  AFSEL: 0x420,
} as const;

/** GPIOPeriphID0-3: part 0x061, designer 0x41, revision 0, as QEMU's virt PL061 reports (3.3.11). */
const PERIPH_ID = [0x61, 0x10, 0x04, 0x00] as const;

export interface Pl061Options {
  readonly name?: string;
  /** GPIOINTR, the combined interrupt: high while GPIOMIS is not zero. */
  readonly interrupt?: InterruptLine;
  /** The levels of the pins the guest drives changed: `levels` bit n is pin n, `mask` the driven pins. */
  readonly onOutput?: (levels: number, mask: number) => void;
}

export class Pl061 implements MmioDevice {
  readonly name: string;
  readonly size = 0x1000;

  private readonly line: InterruptLine | undefined;
  private readonly onOutput: ((levels: number, mask: number) => void) | undefined;
  private lineLevel = false;

  /** Levels applied to the pins from outside. */
  private inputs = 0;
  /** GPIODATA as written: the output levels of pins that are outputs. */
  private data = 0;
  private dir = 0;
  private is = 0;
  private ibe = 0;
  private iev = 0;
  private ie = 0;
  private afsel = 0;
  /** Latched edge-triggered interrupts (the edge part of GPIORIS). */
  private edgeStatus = 0;
  /** Pin values at the last evaluation, for edge detection. */
  private lastPins = 0;
  /** Driven levels | driven mask << 8 last reported to onOutput. */
  private lastOutputs = 0;

  constructor(options: Pl061Options = {}) {
    this.name = options.name ?? 'pl061';
    this.line = options.interrupt;
    this.onOutput = options.onOutput;
    this.reset();
  }

  /** Reset: every register 0, so every pin is an input with its interrupt masked (table 3-1). */
  reset(): void {
    this.data = this.dir = this.is = this.ibe = this.iev = this.ie = this.afsel = this.edgeStatus = 0;
    this.lastPins = this.pins();
    this.update();
  }

  /** Drive pin `pin` (0-7) from outside. Only pins configured as inputs read it. */
  setInput(pin: number, level: boolean): void {
    if (!Number.isInteger(pin) || pin < 0 || pin > 7) throw new RangeError(`${this.name}: pin ${pin} is not 0-7`);
    this.inputs = level ? this.inputs | (1 << pin) : this.inputs & ~(1 << pin);
    this.update();
  }

  /** The current level of every pin (bit n = pin n). */
  pins(): number {
    const driven = this.drivenMask();
    return ((this.data & driven) | (this.inputs & ~driven)) & 0xff;
  }

  read(offset: number, size: AccessSize): number {
    return readLanes(this.readRegister(offset & ~3), offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.writeRegister(offset & ~3, writeLanes(offset, size, value));
    this.update();
  }

  private readRegister(offset: number): number {
    if (offset < PL061.DIR) {
      // GPIODATA: PADDR[9:2] select which bits read; the others read 0 (3.3.1).
      return this.pins() & (offset >>> 2);
    }
    switch (offset) {
      case PL061.DIR:
        return this.dir;
      case PL061.IS:
        return this.is;
      case PL061.IBE:
        return this.ibe;
      case PL061.IEV:
        return this.iev;
      case PL061.IE:
        return this.ie;
      case PL061.RIS:
        return this.rawStatus();
      case PL061.MIS:
        return this.rawStatus() & this.ie;
      case PL061.AFSEL:
        return this.afsel;
      default:
        return primeCellIdRegister(offset, PERIPH_ID) ?? 0;
    }
  }

  private writeRegister(offset: number, value: number): void {
    const v = value & 0xff;
    if (offset < PL061.DIR) {
      // Only the bits PADDR[9:2] select change (3.3.1); input pins keep the written value unseen.
      const mask = offset >>> 2;
      this.data = (this.data & ~mask) | (v & mask);
      return;
    }
    switch (offset) {
      case PL061.DIR:
        this.dir = v;
        break;
      case PL061.IS:
        this.is = v;
        break;
      case PL061.IBE:
        this.ibe = v;
        break;
      case PL061.IEV:
        this.iev = v;
        break;
      case PL061.IE:
        this.ie = v;
        break;
      case PL061.IC:
        this.edgeStatus &= ~v; // clears edge-detected interrupts; level ones follow the pin (GPIOIC)
        break;
      case PL061.AFSEL:
        this.afsel = v;
        break;
      default:
        break;
    }
  }

  /** Pins the guest drives: outputs not handed to hardware control (GPIOAFSEL). */
  private drivenMask(): number {
    return this.dir & ~this.afsel & 0xff;
  }

  /** GPIORIS: latched edges, plus level-sensitive pins at their active level (GPIOIS, GPIOIEV). */
  private rawStatus(): number {
    const pins = this.pins();
    const active = (pins & this.iev) | (~pins & ~this.iev & 0xff);
    return ((this.edgeStatus & ~this.is) | (active & this.is)) & 0xff;
  }

  /** Detect edges since the last evaluation and drive the outputs and the interrupt line. */
  private update(): void {
    const pins = this.pins();
    const changed = pins ^ this.lastPins;
    if (changed) {
      const rising = changed & pins;
      const falling = changed & ~pins;
      // Edge-sensitive pins: both edges with GPIOIBE, else the edge GPIOIEV names (GPIOIBE, GPIOIEV).
      const edges = (changed & this.ibe) | (rising & this.iev & ~this.ibe) | (falling & ~this.iev & ~this.ibe);
      this.edgeStatus |= edges & ~this.is & 0xff;
      this.lastPins = pins;
    }
    const driven = this.drivenMask();
    const outputs = pins & driven;
    const key = outputs | (driven << 8);
    if (key !== this.lastOutputs) {
      this.lastOutputs = key;
      this.onOutput?.(outputs, driven);
    }
    const level = (this.rawStatus() & this.ie) !== 0;
    if (level !== this.lineLevel) {
      this.lineLevel = level;
      this.line?.set(level);
    }
  }
}
