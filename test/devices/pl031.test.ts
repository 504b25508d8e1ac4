import { describe, expect, it } from 'vitest';
import { PL031, Pl031 } from '../../src/devices/pl031';
import { Wire } from './wire';

function rtc(startedAtReset?: boolean) {
  const clock = { seconds: 1_700_000_000.75 };
  const irq = new Wire();
  const dev = new Pl031({ clock: () => clock.seconds, interrupt: irq, startedAtReset });
  return { dev, clock, irq };
}
const r = (d: Pl031, o: number) => d.read(o, 4);
const w = (d: Pl031, o: number, v: number) => d.write(o, 4, v);

describe('PL031 RTC (DDI 0224)', () => {
  it('resets MR, LR, IMSC, RIS to 0, reads the clock in whole seconds, and identifies itself', () => {
    const { dev } = rtc();
    expect(r(dev, PL031.DR)).toBe(1_700_000_000);
    expect(r(dev, PL031.MR)).toBe(0);
    expect(r(dev, PL031.LR)).toBe(0);
    expect(r(dev, PL031.CR)).toBe(1); // started, as on QEMU's virt
    expect(r(dev, PL031.IMSC)).toBe(0);
    expect(r(dev, PL031.RIS)).toBe(0);
    expect(r(dev, PL031.MIS)).toBe(0);
    const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => r(dev, o));
    expect(ids).toEqual([0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  });

  it('reads RTCCR 0 from reset with the TRM reset value; the start bit then sticks at 1', () => {
    const { dev } = rtc(false);
    expect(r(dev, PL031.CR)).toBe(0);
    w(dev, PL031.CR, 1);
    w(dev, PL031.CR, 0);
    expect(r(dev, PL031.CR)).toBe(1);
  });

  it('loads a new time through RTCLR and counts on from it', () => {
    const { dev, clock } = rtc();
    w(dev, PL031.LR, 1000);
    expect(r(dev, PL031.DR)).toBe(1000);
    expect(r(dev, PL031.LR)).toBe(1000);
    clock.seconds += 61;
    expect(r(dev, PL031.DR)).toBe(1061);
    w(dev, PL031.LR, 0xffffffff);
    clock.seconds += 2;
    expect(r(dev, PL031.DR)).toBe(1); // the 32-bit value wraps
  });

  it('raises the match interrupt when the RTC value reaches RTCMR, even across skipped seconds (Linux alarm flow)', () => {
    const { dev, clock, irq } = rtc();
    w(dev, PL031.LR, 500);
    w(dev, PL031.MR, 510);
    w(dev, PL031.IMSC, 1);
    expect(dev.secondsToMatch()).toBe(10);
    clock.seconds += 9;
    dev.update();
    expect(r(dev, PL031.RIS)).toBe(0);
    clock.seconds += 30; // an idle skip past the match value
    dev.update();
    expect(r(dev, PL031.RIS)).toBe(1);
    expect(r(dev, PL031.MIS)).toBe(1);
    expect(irq.level).toBe(true);
    w(dev, PL031.ICR, 1);
    expect(r(dev, PL031.RIS)).toBe(0);
    expect(irq.level).toBe(false);
    w(dev, PL031.IMSC, 0);
    w(dev, PL031.MR, r(dev, PL031.DR)); // matching now
    expect(r(dev, PL031.RIS)).toBe(1);
    expect(r(dev, PL031.MIS)).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('ignores writes to read-only registers', () => {
    const { dev } = rtc();
    w(dev, PL031.DR, 5);
    w(dev, PL031.RIS, 1);
    expect(r(dev, PL031.DR)).toBe(1_700_000_000);
    expect(r(dev, PL031.RIS)).toBe(0);
  });
});
