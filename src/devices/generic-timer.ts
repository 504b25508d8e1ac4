/**
 * One PE's Generic Timer (Arm ARM DDI 0487 D11 "The Generic Timer in AArch64 state", G8 for
 * AArch32): the EL1 physical timer (CNTP_*), the virtual timer (CNTV_*, counting CNTVCT =
 * CNTPCT - CNTVOFF), the EL2 physical timer (CNTHP_*) and the secure physical timer (CNTPS_*).
 *
 * These are system registers, not MMIO: the system-register code calls the plain methods below.
 * 64-bit register values cross this interface as two unsigned 32-bit halves (lo, hi), as the
 * system-register file stores them, so a guest's CVAL or CNTVOFF of any 64-bit value reads back
 * exactly. The system counter is the caller's `counter` callback, an integer tick count below
 * 2^53 derived from retired instructions, so runs are deterministic.
 *
 * Each timer drives its InterruptLine (the PPI it is wired to) high while ENABLE = 1, IMASK = 0 and
 * its condition (count >= CVAL, unsigned 64-bit) holds. Time moves without register accesses: the
 * caller calls `update()` once the counter reaches `nextDeadline()`.
 */
import type { InterruptLine } from './mmio-device';

/** Which timer: index into the per-timer state. */
export const Timer = {
  /** EL1 physical timer, CNTP_CTL_EL0 / CNTP_CVAL_EL0 / CNTP_TVAL_EL0. */
  Physical: 0,
  /** Virtual timer, CNTV_CTL_EL0 / CNTV_CVAL_EL0 / CNTV_TVAL_EL0, on the virtual count. */
  Virtual: 1,
  /** EL2 physical timer, CNTHP_CTL_EL2 / CNTHP_CVAL_EL2 / CNTHP_TVAL_EL2. */
  HypPhysical: 2,
  /** Secure EL1 physical timer, CNTPS_CTL_EL1 / CNTPS_CVAL_EL1 / CNTPS_TVAL_EL1. */
  SecurePhysical: 3,
} as const;
export type Timer = (typeof Timer)[keyof typeof Timer];

/** GIC interrupt IDs (PPIs) of each timer, as the Arm Base System Architecture and QEMU's virt assign them. */
export const TIMER_PPI: Readonly<Record<Timer, number>> = {
  [Timer.Physical]: 30,
  [Timer.Virtual]: 27,
  [Timer.HypPhysical]: 26,
  [Timer.SecurePhysical]: 29,
};

/** CNTx_CTL bits (D11.2.4 / D17 "CNTP_CTL_EL0"). */
export const CNT_CTL = { ENABLE: 1 << 0, IMASK: 1 << 1, ISTATUS: 1 << 2 } as const;

/** CNTFRQ's reset value here: 62.5 MHz, as QEMU's Arm CPUs count (a 16 ns tick). */
export const DEFAULT_COUNTER_FREQUENCY = 62_500_000;

const TWO_POW_32 = 0x1_0000_0000;
const TIMER_COUNT = 4;

export interface GenericTimerOptions {
  /** The physical count CNTPCT: a non-negative integer below 2^53 that never goes backwards. */
  readonly counter: () => number;
  /** CNTFRQ at reset, in Hz. Default 62.5 MHz. */
  readonly frequency?: number;
  /** The PPI each timer drives (see TIMER_PPI). */
  readonly interrupts?: {
    readonly physical?: InterruptLine;
    readonly virtual?: InterruptLine;
    readonly hypPhysical?: InterruptLine;
    readonly securePhysical?: InterruptLine;
  };
}

/** A timer argument outside 0-3. */
export class GenericTimerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenericTimerError';
  }
}

export class GenericTimer {
  private readonly counter: () => number;
  private readonly resetFrequency: number;
  private readonly lines: readonly (InterruptLine | undefined)[];
  private readonly levels = [false, false, false, false];

  private readonly ctl = new Uint8Array(TIMER_COUNT);
  private readonly cvalLo = new Uint32Array(TIMER_COUNT);
  private readonly cvalHi = new Uint32Array(TIMER_COUNT);
  private offLo = 0;
  private offHi = 0;
  private frequency = 0;

  /** The count of the timer last asked for, split by `sampleCount`. */
  private countLo = 0;
  private countHi = 0;

  constructor(options: GenericTimerOptions) {
    this.counter = options.counter;
    this.resetFrequency = options.frequency ?? DEFAULT_COUNTER_FREQUENCY;
    const i = options.interrupts ?? {};
    this.lines = [i.physical, i.virtual, i.hypPhysical, i.securePhysical];
    this.reset();
  }

  /** Reset: timers disabled (ENABLE = 0 on a Warm reset), CVAL and CNTVOFF 0, CNTFRQ its reset value. */
  reset(): void {
    this.ctl.fill(0);
    this.cvalLo.fill(0);
    this.cvalHi.fill(0);
    this.offLo = this.offHi = 0;
    this.frequency = this.resetFrequency;
    this.update();
  }

  // --- CNTFRQ, counters, CNTVOFF ---

  /** CNTFRQ_EL0: the frequency the firmware advertises (the model does not use it). */
  readCntfrq(): number {
    return this.frequency;
  }

  writeCntfrq(value: number): void {
    this.frequency = value >>> 0;
  }

  /** CNTPCT_EL0 as a number (below 2^53). */
  physicalCount(): number {
    return this.counter();
  }

  /** CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2 (D11.1.2), low half. */
  readCntvctLo(): number {
    this.sampleCount(Timer.Virtual);
    return this.countLo;
  }

  /** CNTVCT_EL0, high half. */
  readCntvctHi(): number {
    this.sampleCount(Timer.Virtual);
    return this.countHi;
  }

  readCntvoffLo(): number {
    return this.offLo;
  }

  readCntvoffHi(): number {
    return this.offHi;
  }

  /** CNTVOFF_EL2: moves the virtual count, and so when the virtual timer fires. */
  writeCntvoff(lo: number, hi: number): void {
    this.offLo = lo >>> 0;
    this.offHi = hi >>> 0;
    this.update();
  }

  // --- CNTx_CTL, CNTx_CVAL, CNTx_TVAL ---

  /** CNTx_CTL: ENABLE, IMASK as written; ISTATUS set while enabled and the condition holds (0 while disabled, an UNKNOWN the Arm ARM allows). */
  readCtl(timer: Timer): number {
    check(timer);
    this.update();
    const ctl = this.ctl[timer];
    return ctl & CNT_CTL.ENABLE && this.conditionMet(timer) ? ctl | CNT_CTL.ISTATUS : ctl;
  }

  /** CNTx_CTL write: ENABLE and IMASK; ISTATUS is read-only. */
  writeCtl(timer: Timer, value: number): void {
    check(timer);
    this.ctl[timer] = value & (CNT_CTL.ENABLE | CNT_CTL.IMASK);
    this.update();
  }

  readCvalLo(timer: Timer): number {
    check(timer);
    return this.cvalLo[timer];
  }

  readCvalHi(timer: Timer): number {
    check(timer);
    return this.cvalHi[timer];
  }

  /** CNTx_CVAL: the compare value, any 64-bit value. */
  writeCval(timer: Timer, lo: number, hi: number): void {
    check(timer);
    this.cvalLo[timer] = lo >>> 0;
    this.cvalHi[timer] = hi >>> 0;
    this.update();
  }

  /**
   * CNTx_TVAL read: (CVAL - count)[31:0] (D11.2.4), the signed distance to the deadline as
   * register bits; `| 0` gives the signed value (negative once the deadline has passed).
   */
  readTval(timer: Timer): number {
    check(timer);
    this.sampleCount(timer);
    return (this.cvalLo[timer] - this.countLo) >>> 0;
  }

  /** CNTx_TVAL write: CVAL = count + SignExtend(value[31:0], 64) (D11.2.4). */
  writeTval(timer: Timer, value: number): void {
    check(timer);
    this.sampleCount(timer);
    const delta = value | 0;
    const lo = this.countLo + delta;
    // Carry or borrow into the high half; a negative delta adds 2^64 - |delta|.
    const carry = Math.floor(lo / TWO_POW_32);
    this.cvalLo[timer] = lo >>> 0;
    this.cvalHi[timer] = (this.countHi + carry) >>> 0;
    this.update();
  }

  // --- interrupt outputs and idle skipping ---

  /** Whether timer `timer`'s interrupt is asserted (ENABLE, !IMASK, ISTATUS). */
  asserted(timer: Timer): boolean {
    check(timer);
    return this.levelOf(timer);
  }

  /**
   * The physical count at which timer `timer` next asserts its interrupt: the current count if it
   * asserts now, Infinity if it is disabled or masked, or its deadline lies past 2^53 ticks.
   */
  deadline(timer: Timer): number {
    check(timer);
    const ctl = this.ctl[timer];
    if ((ctl & (CNT_CTL.ENABLE | CNT_CTL.IMASK)) !== CNT_CTL.ENABLE) return Infinity;
    const now = this.counter();
    this.sampleCount(timer);
    // Ticks until count reaches CVAL: (CVAL - count) as an unsigned 64-bit value.
    let lo = this.cvalLo[timer] - this.countLo;
    let hi = this.cvalHi[timer] - this.countHi;
    if (lo < 0) {
      lo += TWO_POW_32;
      hi -= 1;
    }
    if (hi < 0 || (hi === 0 && lo === 0)) return now; // count >= CVAL: asserting now
    const ticks = hi * TWO_POW_32 + lo;
    return ticks > Number.MAX_SAFE_INTEGER - now ? Infinity : now + ticks;
  }

  /** The earliest `deadline` of the four timers: an idle PE can skip time to it. */
  nextDeadline(): number {
    let next = Infinity;
    for (let t = 0; t < TIMER_COUNT; t++) next = Math.min(next, this.deadline(t as Timer));
    return next;
  }

  /** Re-evaluate every timer at the current count and drive the interrupt lines that changed. */
  update(): void {
    for (let t = 0; t < TIMER_COUNT; t++) {
      const level = this.levelOf(t as Timer);
      if (level !== this.levels[t]) {
        this.levels[t] = level;
        this.lines[t]?.set(level);
      }
    }
  }

  private levelOf(timer: Timer): boolean {
    return (this.ctl[timer] & (CNT_CTL.ENABLE | CNT_CTL.IMASK)) === CNT_CTL.ENABLE && this.conditionMet(timer);
  }

  /** TimerConditionMet: count - CVAL >= 0, i.e. count >= CVAL as unsigned 64-bit values (D11.2.4). */
  private conditionMet(timer: Timer): boolean {
    this.sampleCount(timer);
    const hi = this.cvalHi[timer];
    return this.countHi !== hi ? this.countHi > hi : this.countLo >= this.cvalLo[timer];
  }

  /** Split the count `timer` compares against into countLo/countHi. */
  private sampleCount(timer: Timer): void {
    const c = this.counter();
    let lo = c >>> 0;
    let hi = Math.floor(c / TWO_POW_32) >>> 0;
    if (timer === Timer.Virtual) {
      // CNTVCT = CNTPCT - CNTVOFF, modulo 2^64.
      const diffLo = lo - this.offLo;
      hi = (hi - this.offHi - (diffLo < 0 ? 1 : 0)) >>> 0;
      lo = diffLo >>> 0;
    }
    this.countLo = lo;
    this.countHi = hi;
  }
}

function check(timer: number): void {
  if (timer !== 0 && timer !== 1 && timer !== 2 && timer !== 3) {
    throw new GenericTimerError(`timer ${timer} is not one of Physical (0), Virtual (1), HypPhysical (2), SecurePhysical (3)`);
  }
}
