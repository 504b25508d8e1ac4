/**
 * ARM PrimeCell Real Time Clock PL031 (ARM DDI 0224B), as Linux's rtc-pl031 and U-Boot's pl031
 * drivers use it.
 *
 * The 1 Hz counter is the `clock` callback (seconds, e.g. a fixed epoch plus virtual time), always
 * running like a battery-backed counter. The RTC value the guest sees is that counter plus an
 * offset, zero at reset, that a write to RTCLR sets (functional description, "Update block"); the match interrupt
 * fires when the RTC value reaches RTCMR. Time moves without register accesses, so the platform
 * calls `update()` when virtual time advances (`secondsToMatch()` says when it matters).
 */
import { type AccessSize, type InterruptLine, type MmioDevice, readLanes, writeLanes } from './mmio-device';
import { primeCellIdRegister } from './primecell-id';

/** Register offsets (DDI 0224B table 3-1). */
export const PL031 = {
  DR: 0x000,
  MR: 0x004,
  LR: 0x008,
  CR: 0x00c,
  IMSC: 0x010,
  RIS: 0x014,
  MIS: 0x018,
  ICR: 0x01c,
} as const;

/** RTCPeriphID0-3: part 0x031, designer 0x41, revision 1, as QEMU's virt PL031 reports (3.3.9). */
const PERIPH_ID = [0x31, 0x10, 0x14, 0x00] as const;
const TWO_POW_32 = 0x1_0000_0000;

export interface Pl031Options {
  readonly name?: string;
  /** The 1 Hz counter's time in seconds (fractions are dropped). */
  readonly clock: () => number;
  /** RTCINTR: high while RTCRIS & RTCIMSC. */
  readonly interrupt?: InterruptLine;
  /**
   * RTCCR.RTCStart reads 1 from reset, as on QEMU's virt board, where the RTC runs before any
   * driver starts it. Default true; false gives the TRM's reset value 0.
   */
  readonly startedAtReset?: boolean;
}

export class Pl031 implements MmioDevice {
  readonly name: string;
  readonly size = 0x1000;

  private readonly clock: () => number;
  private readonly line: InterruptLine | undefined;
  private readonly startedAtReset: boolean;
  private lineLevel = false;

  /** RTC value = (counter + offset) mod 2^32. */
  private offset = 0;
  private match = 0;
  private load = 0;
  private started = false;
  private imsc = 0;
  private ris = 0;
  /** The RTC value at the last evaluation of the match comparator. */
  private lastValue = 0;

  constructor(options: Pl031Options) {
    this.name = options.name ?? 'pl031';
    this.clock = options.clock;
    this.line = options.interrupt;
    this.startedAtReset = options.startedAtReset ?? true;
    this.reset();
  }

  /** Reset: offset, match, load, mask and raw status 0 (table 3-1). */
  reset(): void {
    this.offset = this.match = this.load = this.imsc = this.ris = 0;
    this.started = this.startedAtReset;
    this.lastValue = this.rtcValue();
    this.updateLine();
  }

  /** The value RTCDR reads now. */
  rtcValue(): number {
    return (Math.floor(this.clock()) + this.offset) >>> 0;
  }

  /** Seconds until the RTC value next equals RTCMR (0 if it does now), for the platform's scheduler. */
  secondsToMatch(): number {
    return (this.match - this.rtcValue()) >>> 0;
  }

  /**
   * Evaluate the match comparator at the current time: RTCRIS sets if the RTC value reached
   * RTCMR since the last evaluation (a value skipped over by idle time still matches).
   */
  update(): void {
    const now = this.rtcValue();
    const stepped = (now - this.lastValue) >>> 0;
    const toMatch = (this.match - this.lastValue) >>> 0;
    // The value passed through RTCMR if RTCMR lies in (last, now].
    if (stepped !== 0 && toMatch !== 0 && toMatch <= stepped) this.ris = 1;
    this.lastValue = now;
    this.updateLine();
  }

  read(offset: number, size: AccessSize): number {
    this.update();
    return readLanes(this.readRegister(offset & ~3), offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.update();
    this.writeRegister(offset & ~3, writeLanes(offset, size, value));
    this.updateLine();
  }

  private readRegister(offset: number): number {
    switch (offset) {
      case PL031.DR:
        return this.rtcValue();
      case PL031.MR:
        return this.match;
      case PL031.LR:
        return this.load; // the last value written (3.3.3)
      case PL031.CR:
        return this.started ? 1 : 0;
      case PL031.IMSC:
        return this.imsc;
      case PL031.RIS:
        return this.ris;
      case PL031.MIS:
        return this.ris & this.imsc;
      default:
        return primeCellIdRegister(offset, PERIPH_ID) ?? 0;
    }
  }

  private writeRegister(offset: number, value: number): void {
    switch (offset) {
      case PL031.MR:
        this.match = value >>> 0;
        // The comparator sees the new match value against the current RTC value ("Update block").
        if (this.match === this.rtcValue()) this.ris = 1;
        break;
      case PL031.LR: {
        // Loading sets the offset so that RTCDR reads `value` now ("Update block").
        this.load = value >>> 0;
        const counter = Math.floor(this.clock());
        this.offset = (((value >>> 0) - (counter % TWO_POW_32)) >>> 0);
        this.lastValue = this.rtcValue();
        if (this.lastValue === this.match) this.ris = 1;
        break;
      }
      case PL031.CR:
        // RTCStart: once set, writes have no effect until reset (3.3.4).
        if (value & 1) this.started = true;
        break;
      case PL031.IMSC:
        this.imsc = value & 1;
        break;
      case PL031.ICR:
        if (value & 1) this.ris = 0;
        break;
      default:
        break; // DR, RIS, MIS and IDs are read-only
    }
  }

  private updateLine(): void {
    const level = (this.ris & this.imsc) !== 0;
    if (level !== this.lineLevel) {
      this.lineLevel = level;
      this.line?.set(level);
    }
  }
}
