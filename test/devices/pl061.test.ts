import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PL061, Pl061 } from '../../src/devices/pl061';
import { Wire } from './wire';

function gpio() {
  const irq = new Wire();
  const outputs: [number, number][] = [];
  const dev = new Pl061({ interrupt: irq, onOutput: (levels, mask) => outputs.push([levels, mask]) });
  return { dev, irq, outputs };
}
const r = (d: Pl061, o: number) => d.read(o, 4);
const w = (d: Pl061, o: number, v: number) => d.write(o, 4, v);
/** Linux gpio-pl061's per-pin data access: GPIODATA at address bit (pin + 2). */
const dataAt = (pin: number) => 1 << (pin + 2);

describe('PL061 GPIO (DDI 0190)', () => {
  it('resets every register to 0 and identifies itself', () => {
    const { dev } = gpio();
    for (const o of [PL061.DATA + 0x3fc, PL061.DIR, PL061.IS, PL061.IBE, PL061.IEV, PL061.IE, PL061.RIS, PL061.MIS, PL061.AFSEL]) {
      expect(r(dev, o), `offset 0x${o.toString(16)}`).toBe(0);
    }
    const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => r(dev, o));
    expect(ids).toEqual([0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  });

  it('masks GPIODATA by address bits [9:2] on reads and writes, as gpio-pl061 uses with byte accesses', () => {
    const { dev, outputs } = gpio();
    dev.write(PL061.DIR, 1, 0x0f); // pins 0-3 outputs
    dev.write(dataAt(1), 1, 0xff); // only pin 1 changes
    expect(r(dev, 0x3fc)).toBe(0x02);
    dev.write(0x3fc, 1, 0x05); // all bits: pins 0, 2 high, 1 low
    expect(r(dev, 0x3fc)).toBe(0x05);
    expect(dev.read(dataAt(2), 1)).toBe(0x04);
    expect(dev.read(dataAt(1), 1)).toBe(0);
    expect(r(dev, (0x03 << 2))).toBe(0x01); // mask pins 0-1
    expect(outputs.at(-1)).toEqual([0x05, 0x0f]);
    // Inputs read their external level whatever was written.
    dev.setInput(6, true);
    dev.write(dataAt(6), 1, 0);
    expect(dev.read(dataAt(6), 1)).toBe(0x40);
    expect(dev.read(PL061.DIR, 1)).toBe(0x0f);
  });

  it('latches edges (rising, falling, both) until GPIOIC clears them', () => {
    const { dev, irq } = gpio();
    w(dev, PL061.IEV, 0x01); // pin 0 rising, pin 1 falling
    w(dev, PL061.IBE, 0x04); // pin 2 both
    w(dev, PL061.IE, 0x07);
    dev.setInput(0, true);
    expect(r(dev, PL061.RIS)).toBe(0x01);
    expect(irq.level).toBe(true);
    dev.setInput(1, true);
    expect(r(dev, PL061.RIS)).toBe(0x01); // rising on a falling-edge pin: nothing
    dev.setInput(1, false);
    expect(r(dev, PL061.RIS)).toBe(0x03);
    dev.setInput(2, true);
    dev.setInput(0, false); // falling on a rising-edge pin: stays latched, nothing new
    expect(r(dev, PL061.RIS)).toBe(0x07);
    w(dev, PL061.IC, 0x03);
    expect(r(dev, PL061.RIS)).toBe(0x04);
    expect(irq.level).toBe(true);
    w(dev, PL061.IE, 0x03);
    expect(r(dev, PL061.MIS)).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('follows level-sensitive pins; GPIOIC does not clear them', () => {
    const { dev, irq } = gpio();
    w(dev, PL061.IS, 0x18); // pins 3, 4 level
    w(dev, PL061.IEV, 0x08); // pin 3 high, pin 4 low
    w(dev, PL061.IE, 0x18);
    expect(r(dev, PL061.RIS)).toBe(0x10); // pin 4 is low now
    dev.setInput(3, true); // QEMU virt's power button
    dev.setInput(4, true);
    expect(r(dev, PL061.RIS)).toBe(0x08);
    w(dev, PL061.IC, 0xff);
    expect(r(dev, PL061.MIS)).toBe(0x08);
    expect(irq.level).toBe(true);
    dev.setInput(3, false);
    expect(r(dev, PL061.RIS)).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('hands pins under GPIOAFSEL to hardware control: the data register no longer drives them', () => {
    const { dev } = gpio();
    w(dev, PL061.DIR, 0x01);
    w(dev, 0x3fc, 0x01);
    expect(dev.pins() & 1).toBe(1);
    w(dev, PL061.AFSEL, 0x01);
    expect(dev.pins() & 1).toBe(0);
    expect(r(dev, PL061.AFSEL)).toBe(1);
  });

  it('a write changes exactly the data bits its address selects (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (before, mask, value) => {
        const { dev } = gpio();
        w(dev, PL061.DIR, 0xff);
        w(dev, 0x3fc, before);
        w(dev, mask << 2, value);
        return r(dev, 0x3fc) === ((before & ~mask) | (value & mask)) && r(dev, mask << 2) === (((before & ~mask) | (value & mask)) & mask);
      }),
      { seed: 3 },
    );
  });
});
