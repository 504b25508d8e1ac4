import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type AccessSize,
  type MmioDevice,
  MmioBus,
  MmioError,
  type UnmappedAccess,
  readLanes,
  writeLanes,
} from '../../src/devices/mmio-device';

/** A device that records what reaches it and reads back offset + 1. */
class Probe implements MmioDevice {
  readonly log: string[] = [];
  constructor(
    readonly name: string,
    readonly size: number,
  ) {}
  read(offset: number, size: AccessSize, cpu?: number): number {
    this.log.push(`r ${offset} ${size} ${cpu}`);
    return offset + 1;
  }
  write(offset: number, size: AccessSize, value: number, cpu?: number): void {
    this.log.push(`w ${offset} ${size} ${value} ${cpu}`);
  }
}

describe('MmioBus', () => {
  it('routes an access to the device with its offset, the requesting CPU and per-device counts', () => {
    const bus = new MmioBus();
    const uart = new Probe('uart', 0x1000);
    const rtc = new Probe('rtc', 0x1000);
    bus.map(0x0901_0000, rtc);
    bus.map(0x0900_0000, uart);
    expect(bus.read(0x0900_0018, 4)).toBe(0x19);
    bus.write(0x0901_0008, 4, 0x1234, 1);
    bus.write(0x0900_0000, 1, 0x41);
    expect(uart.log).toEqual(['r 24 4 0', 'w 0 1 65 0']);
    expect(rtc.log).toEqual(['w 8 4 4660 1']);
    expect(bus.mappings().map((m) => [m.device.name, m.base, m.reads, m.writes])).toEqual([
      ['uart', 0x0900_0000, 1, 1],
      ['rtc', 0x0901_0000, 0, 1],
    ]);
    expect(bus.find(0x0901_0fff)?.device).toBe(rtc);
    expect(bus.find(0x0901_1000)).toBeUndefined();
  });

  it('refuses overlapping regions, naming both devices and their addresses', () => {
    const bus = new MmioBus();
    bus.map(0x0800_0000, new Probe('gic-distributor', 0x1000));
    expect(() => bus.map(0x0800_0800, new Probe('intruder', 0x1000))).toThrow(MmioError);
    expect(() => bus.map(0x07ff_f800, new Probe('intruder', 0x1000))).toThrow(
      'intruder at 0x7fff800-0x80007ff overlaps gic-distributor at 0x8000000-0x8000fff',
    );
    expect(() => bus.map(0x0800_1000, new Probe('neighbour', 0x1000))).not.toThrow();
    expect(() => bus.map(-4, new Probe('bad', 4))).toThrow(/not a physical address/);
    expect(() => bus.map(0x1000_0000, new Probe('empty', 0))).toThrow(/positive integer/);
  });

  it('reports accesses nobody decodes (and ones that run past a device) and reads them as zero', () => {
    const seen: UnmappedAccess[] = [];
    const bus = new MmioBus((a) => seen.push(a));
    const dev = new Probe('small', 6);
    bus.map(0x1000, dev);
    expect(bus.read(0x2000, 4, 1)).toBe(0);
    bus.write(0x2004, 2, 0x1ffff);
    expect(bus.read(0x1004, 4)).toBe(0); // 0x1004-0x1007 runs past the 6-byte region
    expect(seen).toEqual([
      { pa: 0x2000, size: 4, write: false, value: undefined, cpu: 1 },
      { pa: 0x2004, size: 2, write: true, value: 0xffff, cpu: 0 },
      { pa: 0x1004, size: 4, write: false, value: undefined, cpu: 0 },
    ]);
    expect(dev.log).toEqual([]);
  });

  it('rejects unaligned accesses and impossible sizes (Device memory faults them before a trap)', () => {
    const bus = new MmioBus();
    bus.map(0, new Probe('d', 0x100));
    expect(() => bus.read(2, 4)).toThrow(/not naturally aligned/);
    expect(() => bus.read(0, 8 as AccessSize)).toThrow(/not 1, 2 or 4/);
  });

  it('finds the right device for any address among random non-overlapping regions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 0x3000 }), size: fc.integer({ min: 1, max: 0x2000 }) }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 0x40000 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (layout, probes, reverse) => {
          const placed: { base: number; dev: Probe }[] = [];
          let at = 0;
          layout.forEach(({ gap, size }, i) => {
            at += gap;
            placed.push({ base: at, dev: new Probe(`d${i}`, size) });
            at += size;
          });
          const bus = new MmioBus();
          for (const p of reverse ? [...placed].reverse() : placed) bus.map(p.base, p.dev);
          for (const pa of probes) {
            const want = placed.find((p) => pa >= p.base && pa < p.base + p.dev.size);
            if (bus.find(pa)?.device !== want?.dev) return false;
          }
          return true;
        },
      ),
      { seed: 11 },
    );
  });
});

describe('byte lanes', () => {
  it('a narrow read returns the addressed lanes of the word; a narrow write presents its data in them', () => {
    expect(readLanes(0x11223344, 0, 4)).toBe(0x11223344);
    expect(readLanes(0x11223344, 1, 1)).toBe(0x33);
    expect(readLanes(0x11223344, 2, 2)).toBe(0x1122);
    expect(readLanes(0xfffffffe, 0, 4)).toBe(0xfffffffe);
    expect(writeLanes(3, 1, 0xab)).toBe(0xab000000);
    expect(writeLanes(2, 2, 0x1abcd)).toBe(0xabcd0000);
    expect(writeLanes(0, 4, -1)).toBe(0xffffffff);
  });
});
