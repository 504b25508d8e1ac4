import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CNT_CTL, DEFAULT_COUNTER_FREQUENCY, GenericTimer, GenericTimerError, TIMER_PPI, Timer } from '../../src/devices/generic-timer';
import { GICC, GICD, Gicv2, SPURIOUS } from '../../src/devices/gicv2';
import { Wire } from './wire';

const TWO_64 = 1n << 64n;
const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const halves = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];

function timer(start = 1000) {
  const clock = { ticks: start };
  const lines = { physical: new Wire(), virtual: new Wire(), hypPhysical: new Wire(), securePhysical: new Wire() };
  const t = new GenericTimer({ counter: () => clock.ticks, interrupts: lines });
  return { t, clock, lines };
}

describe('generic timer registers (Arm ARM D11.2)', () => {
  it('resets disabled with CVAL and CNTVOFF 0 and CNTFRQ 62.5 MHz; PPIs are the GIC IDs QEMU virt uses', () => {
    const { t, lines } = timer();
    for (const k of [Timer.Physical, Timer.Virtual, Timer.HypPhysical, Timer.SecurePhysical]) {
      expect(t.readCtl(k)).toBe(0);
      expect([t.readCvalLo(k), t.readCvalHi(k)]).toEqual([0, 0]);
    }
    expect([t.readCntvoffLo(), t.readCntvoffHi()]).toEqual([0, 0]);
    expect(t.readCntfrq()).toBe(62_500_000);
    expect(DEFAULT_COUNTER_FREQUENCY).toBe(62_500_000);
    t.writeCntfrq(24_000_000);
    expect(t.readCntfrq()).toBe(24_000_000);
    expect(TIMER_PPI).toEqual({ 0: 30, 1: 27, 2: 26, 3: 29 });
    expect(Object.values(lines).every((l) => l.changes.length === 0)).toBe(true);
    expect(() => t.readCtl(4 as Timer)).toThrow(GenericTimerError);
  });

  it('sets ISTATUS once the count reaches CVAL, asserts the line unless IMASK, and ignores writes to ISTATUS', () => {
    const { t, clock, lines } = timer(1000);
    t.writeCval(Timer.Physical, 1500, 0);
    t.writeCtl(Timer.Physical, CNT_CTL.ENABLE | CNT_CTL.ISTATUS);
    expect(t.readCtl(Timer.Physical)).toBe(CNT_CTL.ENABLE);
    clock.ticks = 1499;
    t.update();
    expect(lines.physical.level).toBe(false);
    clock.ticks = 1500;
    expect(t.readCtl(Timer.Physical)).toBe(CNT_CTL.ENABLE | CNT_CTL.ISTATUS);
    expect(lines.physical.level).toBe(true);
    t.writeCtl(Timer.Physical, CNT_CTL.ENABLE | CNT_CTL.IMASK);
    expect(t.readCtl(Timer.Physical)).toBe(CNT_CTL.ENABLE | CNT_CTL.IMASK | CNT_CTL.ISTATUS);
    expect(lines.physical.level).toBe(false);
    t.writeCtl(Timer.Physical, 0);
    expect(t.readCtl(Timer.Physical)).toBe(0); // disabled: ISTATUS reads 0
    t.writeCtl(Timer.Physical, CNT_CTL.ENABLE);
    expect(lines.physical.level).toBe(true);
    t.writeCval(Timer.Physical, 5000, 0); // a new deadline in the future drops the line
    expect(lines.physical.level).toBe(false);
    expect(lines.virtual.changes).toEqual([]);
  });

  it('reads TVAL as the signed 32-bit distance to CVAL and writes CVAL = count + SignExtend(TVAL)', () => {
    const { t, clock } = timer(0x1_0000_0010);
    t.writeTval(Timer.Virtual, 100);
    expect([t.readCvalLo(Timer.Virtual), t.readCvalHi(Timer.Virtual)]).toEqual([0x74, 1]);
    expect(t.readTval(Timer.Virtual)).toBe(100);
    clock.ticks += 150;
    expect(t.readTval(Timer.Virtual) | 0).toBe(-50);
    expect(t.readTval(Timer.Virtual)).toBe(0xffffffce);
    t.writeTval(Timer.Virtual, -0x20); // borrows from the high half
    expect(u64(t.readCvalLo(Timer.Virtual), t.readCvalHi(Timer.Virtual))).toBe(BigInt(clock.ticks) - 0x20n);
    expect(t.readCtl(Timer.Virtual) & CNT_CTL.ISTATUS).toBe(0); // not enabled
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE);
    expect(t.readCtl(Timer.Virtual) & CNT_CTL.ISTATUS).toBe(CNT_CTL.ISTATUS);
  });

  it('counts the virtual timer on CNTVCT = CNTPCT - CNTVOFF, modulo 2^64', () => {
    const { t, clock, lines } = timer(10_000);
    t.writeCntvoff(4000, 0);
    expect([t.readCntvctLo(), t.readCntvctHi()]).toEqual([6000, 0]);
    t.writeCval(Timer.Virtual, 7000, 0);
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE);
    clock.ticks = 10_999;
    t.update();
    expect(lines.virtual.level).toBe(false);
    clock.ticks = 11_000;
    t.update();
    expect(lines.virtual.level).toBe(true);
    expect(lines.physical.level).toBe(false);
    t.writeCntvoff(20_000, 0); // virtual count wraps below zero
    expect(u64(t.readCntvctLo(), t.readCntvctHi())).toBe(TWO_64 - 9000n);
    expect(lines.virtual.level).toBe(true); // 2^64 - 9000 >= 7000
    t.writeCval(Timer.Virtual, 0xffffffff, 0xffffffff);
    expect(lines.virtual.level).toBe(false);
  });

  it('never fires a CVAL of 2^64 - 1 written as halves, and reads it back exactly', () => {
    const { t, clock } = timer(123);
    t.writeCval(Timer.Physical, 0xffffffff, 0xffffffff);
    t.writeCtl(Timer.Physical, CNT_CTL.ENABLE);
    clock.ticks = Number.MAX_SAFE_INTEGER;
    expect(t.readCtl(Timer.Physical)).toBe(CNT_CTL.ENABLE);
    expect([t.readCvalLo(Timer.Physical), t.readCvalHi(Timer.Physical)]).toEqual([0xffffffff, 0xffffffff]);
    expect(t.nextDeadline()).toBe(Infinity);
  });

  it('gives the next deadline of the enabled, unmasked timers so an idle PE can skip to it', () => {
    const { t, clock, lines } = timer(1000);
    expect(t.nextDeadline()).toBe(Infinity);
    t.writeCval(Timer.Physical, 9000, 0);
    t.writeCtl(Timer.Physical, CNT_CTL.ENABLE);
    t.writeCntvoff(500, 0);
    t.writeCval(Timer.Virtual, 4000, 0); // virtual 4000 = physical 4500
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE);
    t.writeCval(Timer.HypPhysical, 2000, 0);
    t.writeCtl(Timer.HypPhysical, CNT_CTL.ENABLE | CNT_CTL.IMASK); // masked: cannot wake
    expect(t.deadline(Timer.Virtual)).toBe(4500);
    expect(t.deadline(Timer.HypPhysical)).toBe(Infinity);
    expect(t.nextDeadline()).toBe(4500);
    clock.ticks = t.nextDeadline();
    t.update();
    expect(lines.virtual.level).toBe(true);
    expect(t.asserted(Timer.Virtual)).toBe(true);
    expect(t.nextDeadline()).toBe(4500); // asserting now
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE | CNT_CTL.IMASK);
    expect(t.nextDeadline()).toBe(9000);
    expect(lines.hypPhysical.changes).toEqual([]);
  });

  it('agrees with 64-bit arithmetic for any count, CVAL, CNTVOFF and TVAL (property)', () => {
    const u64arb = fc.bigInt({ min: 0n, max: TWO_64 - 1n });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), u64arb, u64arb, fc.integer({ min: -0x80000000, max: 0x7fffffff }), (count, cval, off, tval) => {
        const { t } = timer(count);
        t.writeCntvoff(...halves(off));
        const vcount = (BigInt(count) - off + TWO_64) % TWO_64;
        if (u64(t.readCntvctLo(), t.readCntvctHi()) !== vcount) return false;
        for (const [k, c] of [[Timer.Physical, BigInt(count)], [Timer.Virtual, vcount]] as const) {
          t.writeCval(k, ...halves(cval));
          t.writeCtl(k, CNT_CTL.ENABLE);
          const met = c >= cval;
          if (((t.readCtl(k) & CNT_CTL.ISTATUS) !== 0) !== met) return false;
          if (t.asserted(k) !== met) return false;
          if (BigInt(t.readTval(k)) !== (cval - c + TWO_64) % (1n << 32n)) return false;
          const deadline = t.deadline(k);
          const expected = met ? count : cval - c + BigInt(count) > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(cval - c + BigInt(count));
          if (deadline !== expected) return false;
          t.writeTval(k, tval);
          if (u64(t.readCvalLo(k), t.readCvalHi(k)) !== (c + BigInt(tval) + TWO_64) % TWO_64) return false;
          if ((t.readTval(k) | 0) !== tval) return false;
        }
        return true;
      }),
      { seed: 29, numRuns: 300 },
    );
  });
});

describe('generic timer wired to the GIC', () => {
  it('takes Linux\'s arch timer round trip: PPI 27 pends, the handler masks it, EOI leaves nothing pending', () => {
    const clock = { ticks: 0 };
    const cpuIrq = new Wire();
    const gic = new Gicv2({ numCpus: 1, irq: [cpuIrq] });
    const t = new GenericTimer({ counter: () => clock.ticks, interrupts: { virtual: gic.ppiLine(0, TIMER_PPI[Timer.Virtual]) } });
    const d = gic.distributor;
    const c = gic.cpuInterface;
    d.write(GICD.CTLR, 4, 1);
    d.write(GICD.IPRIORITYR + 27, 1, 0xa0);
    d.write(GICD.ISENABLER, 4, 1 << 27);
    c.write(GICC.PMR, 4, 0xf0);
    c.write(GICC.CTLR, 4, 1);
    // set_next_event: CVAL = now + delta, ENABLE, clear IMASK.
    t.writeTval(Timer.Virtual, 625_000); // 10 ms at 62.5 MHz
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE);
    expect(cpuIrq.level).toBe(false);
    clock.ticks = t.nextDeadline(); // the vCPU idles in WFI until then
    t.update();
    expect(cpuIrq.level).toBe(true);
    expect(c.read(GICC.IAR, 4)).toBe(27);
    // arch_timer_handler_virt: ISTATUS set, so mask the timer and run the event handler.
    expect(t.readCtl(Timer.Virtual) & CNT_CTL.ISTATUS).toBe(CNT_CTL.ISTATUS);
    t.writeCtl(Timer.Virtual, CNT_CTL.ENABLE | CNT_CTL.IMASK);
    c.write(GICC.EOIR, 4, 27);
    expect(cpuIrq.level).toBe(false);
    expect(d.read(GICD.ISPENDR, 4) & (1 << 27)).toBe(0);
    expect(c.read(GICC.IAR, 4)).toBe(SPURIOUS);
  });
});
