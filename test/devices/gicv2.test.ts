import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GICC, GICC_CTLR, GICD, Gicv2, Gicv2Error, SPURIOUS } from '../../src/devices/gicv2';
import { Wire } from './wire';

function makeGic(numCpus = 1, options: { priorityBits?: number; numInterrupts?: number } = {}) {
  const irq = Array.from({ length: numCpus }, () => new Wire());
  const fiq = Array.from({ length: numCpus }, () => new Wire());
  const gic = new Gicv2({ numCpus, irq, fiq, ...options });
  const d = {
    r: (o: number, cpu = 0) => gic.distributor.read(o, 4, cpu),
    w: (o: number, v: number, cpu = 0) => gic.distributor.write(o, 4, v, cpu),
    rb: (o: number, cpu = 0) => gic.distributor.read(o, 1, cpu),
    wb: (o: number, v: number, cpu = 0) => gic.distributor.write(o, 1, v, cpu),
  };
  const c = {
    r: (o: number, cpu = 0) => gic.cpuInterface.read(o, 4, cpu),
    w: (o: number, v: number, cpu = 0) => gic.cpuInterface.write(o, 4, v, cpu),
  };
  const ack = (cpu = 0) => c.r(GICC.IAR, cpu);
  const eoi = (v: number, cpu = 0) => c.w(GICC.EOIR, v, cpu);
  return { gic, irq, fiq, d, c, ack, eoi };
}
type Gic = ReturnType<typeof makeGic>;

/** What Linux's irq-gic does at boot: gic_dist_init on CPU 0, gic_cpu_init on every CPU. */
function linuxInit({ gic, d, c }: Gic): void {
  d.w(GICD.CTLR, 0);
  const words = gic.numInterrupts / 32;
  for (let id = 32; id < gic.numInterrupts; id += 4) d.w(GICD.ITARGETSR + id, 0x01010101); // to CPU 0
  for (let id = 32; id < gic.numInterrupts; id += 16) d.w(GICD.ICFGR + id / 4, 0); // level
  for (let id = 32; id < gic.numInterrupts; id += 4) d.w(GICD.IPRIORITYR + id, 0xa0a0a0a0);
  for (let w = 1; w < words; w++) {
    d.w(GICD.ICACTIVER + 4 * w, 0xffffffff);
    d.w(GICD.ICENABLER + 4 * w, 0xffffffff);
  }
  d.w(GICD.CTLR, 1);
  for (let cpu = 0; cpu < gic.numCpus; cpu++) {
    d.w(GICD.ICACTIVER, 0xffffffff, cpu);
    d.w(GICD.ICENABLER, 0xffff0000, cpu);
    d.w(GICD.ISENABLER, 0x0000ffff, cpu);
    for (let id = 0; id < 32; id += 4) d.w(GICD.IPRIORITYR + id, 0xa0a0a0a0, cpu);
    c.w(GICC.PMR, 0xf0, cpu);
    c.w(GICC.CTLR, (c.r(GICC.CTLR, cpu) & 0x1e0) | 1, cpu);
  }
}

const enable = (g: Gic, id: number, cpu = 0) => g.d.w(GICD.ISENABLER + 4 * (id >>> 5), 1 << (id & 31), cpu);

describe('GICv2 identification and reset values (IHI 0048B 4.3, 4.4)', () => {
  it('reports ITLinesNumber and CPUNumber in GICD_TYPER, a GIC-400 IIDR and PIDR2 architecture revision 2', () => {
    const { d, c } = makeGic(2);
    expect(d.r(GICD.TYPER)).toBe(8 | (1 << 5)); // 288 IDs, 2 CPUs, no Security Extensions
    expect(d.r(GICD.IIDR)).toBe(0x0200143b);
    expect((d.r(0xfe8) >>> 4) & 0xf).toBe(2);
    expect([0xff0, 0xff4, 0xff8, 0xffc].map((o) => d.r(o))).toEqual([0x0d, 0xf0, 0x05, 0xb1]);
    expect(c.r(GICC.IIDR)).toBe(0x0202143b);
    expect(makeGic(1, { numInterrupts: 96 }).d.r(GICD.TYPER)).toBe(2);
  });

  it('resets disabled, inactive, not pending, Group 0, priority 0, SGIs edge and SPIs level', () => {
    const { d, c } = makeGic(2);
    expect(d.r(GICD.CTLR)).toBe(0);
    for (const base of [GICD.IGROUPR, GICD.ISENABLER, GICD.ICENABLER, GICD.ISPENDR, GICD.ICPENDR, GICD.ISACTIVER, GICD.ICACTIVER]) {
      for (let w = 0; w < 9; w++) expect(d.r(base + 4 * w)).toBe(0);
      expect(d.r(base + 4 * 9)).toBe(0); // beyond ITLinesNumber: RAZ
    }
    expect(d.r(GICD.IPRIORITYR + 40)).toBe(0);
    expect(d.r(GICD.ITARGETSR + 32)).toBe(0);
    expect(d.r(GICD.ICFGR)).toBe(0xaaaaaaaa);
    expect(d.r(GICD.ICFGR + 4)).toBe(0);
    expect(d.r(GICD.ICFGR + 8)).toBe(0);
    expect(c.r(GICC.CTLR)).toBe(0);
    expect(c.r(GICC.PMR)).toBe(0);
    expect(c.r(GICC.BPR)).toBe(2); // the minimum with 5 priority bits
    expect(c.r(GICC.ABPR)).toBe(3);
    expect(c.r(GICC.IAR)).toBe(SPURIOUS);
    expect(c.r(GICC.RPR)).toBe(0xff);
    expect(c.r(GICC.HPPIR)).toBe(SPURIOUS);
    expect(c.r(GICC.APR0)).toBe(0);
  });

  it('implements only the top priority bits and the minimum binary point', () => {
    const { d, c } = makeGic(1);
    d.wb(GICD.IPRIORITYR + 40, 0xff);
    expect(d.rb(GICD.IPRIORITYR + 40)).toBe(0xf8);
    c.w(GICC.PMR, 0xff);
    expect(c.r(GICC.PMR)).toBe(0xf8);
    c.w(GICC.BPR, 0);
    expect(c.r(GICC.BPR)).toBe(2);
    c.w(GICC.ABPR, 0);
    expect(c.r(GICC.ABPR)).toBe(3);
    c.w(GICC.BPR, 5);
    expect(c.r(GICC.BPR)).toBe(5);
    const eight = makeGic(1, { priorityBits: 8 });
    eight.d.wb(GICD.IPRIORITYR + 40, 0xff);
    expect(eight.d.rb(GICD.IPRIORITYR + 40)).toBe(0xff);
    expect(eight.c.r(GICC.BPR)).toBe(0);
  });

  it('takes IPRIORITYR and ITARGETSR by byte and by word', () => {
    const g = makeGic(4);
    const { d } = g;
    d.w(GICD.IPRIORITYR + 32, 0x10203040);
    expect([0, 1, 2, 3].map((i) => d.rb(GICD.IPRIORITYR + 32 + i))).toEqual([0x40, 0x30, 0x20, 0x10]);
    d.wb(GICD.IPRIORITYR + 34, 0x80);
    expect(d.r(GICD.IPRIORITYR + 32)).toBe(0x10803040);
    expect(g.gic.distributor.read(0x422, 2, 0)).toBe(0x1080);
    d.w(GICD.ITARGETSR + 32, 0xff0f0201);
    expect(d.r(GICD.ITARGETSR + 32)).toBe(0x0f0f0201); // only 4 CPU interfaces
    d.wb(GICD.ITARGETSR + 33, 0x08);
    expect(d.rb(GICD.ITARGETSR + 33)).toBe(0x08);
    g.gic.distributor.write(GICD.CTLR, 1, 1, 0); // byte write to a word-only register: ignored
    expect(d.r(GICD.CTLR)).toBe(0);
  });

  it('rejects a CPU index the GIC does not have, and inputs outside the SPI and PPI ranges', () => {
    const { gic } = makeGic(2);
    expect(() => gic.distributor.read(0, 4, 2)).toThrow(Gicv2Error);
    expect(() => gic.cpuInterface.read(0, 4, -1)).toThrow(/CPU interface -1/);
    expect(() => gic.setSpi(1, true)).toThrow(/SPI ID 1 is outside 32-287/);
    expect(() => gic.setPpi(0, 32, true)).toThrow(/PPI ID 32/);
    expect(() => gic.setPpi(2, 27, true)).toThrow(/CPU interfaces 0-1/);
  });
});

describe('GICv2 interrupt flow', () => {
  it('enable, pend, acknowledge, end of interrupt for a level-sensitive SPI (the UART)', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, irq, d, c, ack, eoi } = g;
    const uart = gic.spiLine(33);
    uart.set(true);
    expect(irq[0].level).toBe(false); // not enabled yet
    expect(d.r(GICD.ISPENDR + 4)).toBe(1 << 1);
    enable(g, 33);
    expect(irq[0].level).toBe(true);
    expect(c.r(GICC.HPPIR)).toBe(33);
    expect(ack()).toBe(33);
    expect(irq[0].level).toBe(false); // active: not signalled again
    expect(c.r(GICC.RPR)).toBe(0xa0);
    expect(d.r(GICD.ISACTIVER + 4)).toBe(1 << 1);
    expect(d.r(GICD.ISPENDR + 4)).toBe(1 << 1); // active and pending: the line is still high
    uart.set(false); // the handler drained the UART
    expect(d.r(GICD.ISPENDR + 4)).toBe(0);
    eoi(33);
    expect(c.r(GICC.RPR)).toBe(0xff);
    expect(d.r(GICD.ISACTIVER + 4)).toBe(0);
    expect(ack()).toBe(SPURIOUS);
  });

  it('re-signals a level-sensitive interrupt whose line stays high after EOI', () => {
    const g = makeGic(1);
    linuxInit(g);
    enable(g, 40);
    g.gic.setSpi(40, true);
    expect(g.ack()).toBe(40);
    g.eoi(40);
    expect(g.irq[0].level).toBe(true);
    expect(g.ack()).toBe(40);
  });

  it('keeps a level-sensitive interrupt pending against GICD_ICPENDR while its line is high, but not a latched one', () => {
    const g = makeGic(1);
    linuxInit(g);
    g.gic.setSpi(40, true);
    g.d.w(GICD.ICPENDR + 4, 1 << 8);
    expect(g.d.r(GICD.ISPENDR + 4)).toBe(1 << 8);
    g.gic.setSpi(40, false);
    g.d.w(GICD.ISPENDR + 4, 1 << 8); // software-pended
    expect(g.d.r(GICD.ISPENDR + 4)).toBe(1 << 8);
    g.d.w(GICD.ICPENDR + 4, 1 << 8);
    expect(g.d.r(GICD.ISPENDR + 4)).toBe(0);
  });

  it('latches an edge-triggered interrupt, and a new edge while active makes it active and pending', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, d, irq, ack, eoi } = g;
    d.w(GICD.ICFGR + (48 / 16) * 4, 2 << ((48 % 16) * 2)); // ID 48 edge-triggered
    expect(d.r(GICD.ICFGR + 12)).toBe(2);
    enable(g, 48);
    gic.setSpi(48, true);
    gic.setSpi(48, false);
    expect(irq[0].level).toBe(true); // latched after the pulse
    expect(ack()).toBe(48);
    expect(d.r(GICD.ISPENDR + 4)).toBe(0);
    gic.setSpi(48, true); // second edge while active
    gic.setSpi(48, true); // no edge: still high
    gic.setSpi(48, false);
    expect(d.r(GICD.ISPENDR + 4)).toBe(1 << 16);
    expect(irq[0].level).toBe(false);
    eoi(48);
    expect(irq[0].level).toBe(true);
    expect(ack()).toBe(48);
    eoi(48);
    expect(ack()).toBe(SPURIOUS);
  });

  it('acknowledges the highest priority first (lowest ID on a tie) and masks at and below GICC_PMR', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, d, c, ack, eoi } = g;
    for (const id of [40, 41, 42, 43]) enable(g, id);
    d.wb(GICD.IPRIORITYR + 40, 0x80);
    d.wb(GICD.IPRIORITYR + 41, 0x40);
    d.wb(GICD.IPRIORITYR + 42, 0x40);
    d.wb(GICD.IPRIORITYR + 43, 0xf0); // equal to PMR: masked
    for (const id of [40, 41, 42, 43]) gic.setSpi(id, true);
    expect(c.r(GICC.HPPIR)).toBe(41);
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const id = ack();
      if (id === SPURIOUS) break;
      order.push(id);
      gic.setSpi(id, false);
      eoi(id);
    }
    expect(order).toEqual([41, 42, 40]);
    expect(c.r(GICC.HPPIR)).toBe(43); // pending, only masked
    c.w(GICC.PMR, 0xf8);
    expect(ack()).toBe(43);
    d.wb(GICD.IPRIORITYR + 40, 0xf8); // the lowest priority equals the highest mask: never signalled
    gic.setSpi(40, true);
    expect(c.r(GICC.HPPIR)).toBe(40);
    expect(ack()).toBe(SPURIOUS);
  });

  it('lets a higher group priority preempt a running interrupt, not an equal or lower one', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, d, c, irq, ack, eoi } = g;
    for (const id of [50, 51, 52]) enable(g, id);
    d.wb(GICD.IPRIORITYR + 50, 0x80);
    d.wb(GICD.IPRIORITYR + 51, 0x80);
    d.wb(GICD.IPRIORITYR + 52, 0x40);
    gic.setSpi(50, true);
    expect(ack()).toBe(50);
    gic.setSpi(51, true);
    expect(irq[0].level).toBe(false); // same priority: waits
    expect(ack()).toBe(SPURIOUS);
    gic.setSpi(52, true);
    expect(irq[0].level).toBe(true); // preempts
    expect(ack()).toBe(52);
    expect(c.r(GICC.RPR)).toBe(0x40);
    expect(c.r(GICC.APR0)).toBe((1 << (0x40 >> 3)) | (1 << (0x80 >> 3)));
    gic.setSpi(52, false);
    eoi(52);
    expect(c.r(GICC.RPR)).toBe(0x80);
    gic.setSpi(50, false);
    eoi(50);
    expect(ack()).toBe(51);
  });

  it('groups priorities by the binary point: with BPR 4 only bits [7:5] preempt', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, d, c, ack } = g;
    c.w(GICC.BPR, 4);
    for (const id of [60, 61, 62]) enable(g, id);
    d.wb(GICD.IPRIORITYR + 60, 0x28);
    d.wb(GICD.IPRIORITYR + 61, 0x20); // same group priority 0x20: no preemption
    d.wb(GICD.IPRIORITYR + 62, 0x08); // group priority 0x00: preempts
    gic.setSpi(60, true);
    expect(ack()).toBe(60);
    expect(c.r(GICC.RPR)).toBe(0x20);
    gic.setSpi(61, true);
    expect(ack()).toBe(SPURIOUS);
    gic.setSpi(62, true);
    expect(ack()).toBe(62);
  });

  it('returns 1023 with nothing pending, with the distributor or the CPU interface disabled', () => {
    const g = makeGic(1);
    linuxInit(g);
    enable(g, 33);
    expect(g.ack()).toBe(SPURIOUS);
    g.gic.setSpi(33, true);
    g.d.w(GICD.CTLR, 0);
    expect(g.ack()).toBe(SPURIOUS);
    expect(g.irq[0].level).toBe(false);
    g.d.w(GICD.CTLR, 1);
    g.c.w(GICC.CTLR, 0);
    expect(g.ack()).toBe(SPURIOUS);
    g.c.w(GICC.CTLR, 1);
    expect(g.ack()).toBe(33);
    g.eoi(SPURIOUS); // ignored
    expect(g.d.r(GICD.ISACTIVER + 4)).toBe(1 << 1);
  });

  it('splits priority drop (EOIR) from deactivation (DIR) with EOImode', () => {
    const g = makeGic(1);
    linuxInit(g);
    const { gic, d, c, ack, eoi } = g;
    c.w(GICC.CTLR, GICC_CTLR.ENABLE_GRP0 | GICC_CTLR.EOI_MODE_S);
    enable(g, 70);
    gic.setSpi(70, true);
    expect(ack()).toBe(70);
    gic.setSpi(70, false);
    eoi(70);
    expect(c.r(GICC.RPR)).toBe(0xff);
    expect(d.r(GICD.ISACTIVER + 8)).toBe(1 << 6);
    c.w(GICC.DIR, 70);
    expect(d.r(GICD.ISACTIVER + 8)).toBe(0);
  });

  it('serves Group 1 through the aliased registers; GICC_IAR answers 1022 unless AckCtl; FIQEn sends Group 0 to FIQ', () => {
    const g = makeGic(1);
    const { gic, d, c, irq, fiq } = g;
    d.w(GICD.CTLR, 3);
    c.w(GICC.PMR, 0xff);
    c.w(GICC.CTLR, GICC_CTLR.ENABLE_GRP0 | GICC_CTLR.ENABLE_GRP1 | GICC_CTLR.FIQ_EN);
    d.w(GICD.IGROUPR + 4, 1 << 2); // ID 34 in Group 1
    enable(g, 34);
    enable(g, 35);
    d.wb(GICD.IPRIORITYR + 35, 0x80);
    gic.setSpi(34, true);
    expect(irq[0].level).toBe(true);
    expect(fiq[0].level).toBe(false);
    expect(c.r(GICC.HPPIR)).toBe(1022);
    expect(c.r(GICC.AHPPIR)).toBe(34);
    expect(c.r(GICC.IAR)).toBe(1022);
    expect(c.r(GICC.AIAR)).toBe(34);
    gic.setSpi(34, false);
    c.w(GICC.EOIR, 34); // AckCtl-style EOI through GICC_EOIR: priority drop and deactivation
    expect(c.r(GICC.RPR)).toBe(0xff);
    gic.setSpi(35, true);
    expect(fiq[0].level).toBe(true);
    expect(irq[0].level).toBe(false);
    expect(c.r(GICC.AIAR)).toBe(SPURIOUS); // Group 0 is invisible to the alias
    expect(c.r(GICC.IAR)).toBe(35);
    c.w(GICC.AEOIR, 35); // ignored for Group 0
    expect(d.r(GICD.ISACTIVER + 4)).toBe(1 << 3);
    c.w(GICC.EOIR, 35);
    expect(d.r(GICD.ISACTIVER + 4)).toBe(0);
    c.w(GICC.CTLR, GICC_CTLR.ENABLE_GRP0 | GICC_CTLR.ENABLE_GRP1 | GICC_CTLR.ACK_CTL);
    gic.setSpi(34, true);
    expect(c.r(GICC.IAR)).toBe(34);
  });
});

describe('GICv2 banking and SGIs', () => {
  it('banks SGI/PPI enables, priorities and targets per CPU; ITARGETSR0-7 name the reader', () => {
    const g = makeGic(2);
    const { d } = g;
    d.w(GICD.ISENABLER, 1 << 27, 1);
    expect(d.r(GICD.ISENABLER, 0)).toBe(0);
    expect(d.r(GICD.ISENABLER, 1)).toBe(1 << 27);
    d.wb(GICD.IPRIORITYR + 27, 0x50, 0);
    expect(d.rb(GICD.IPRIORITYR + 27, 1)).toBe(0);
    expect(d.r(GICD.ITARGETSR, 0)).toBe(0x01010101);
    expect(d.r(GICD.ITARGETSR + 28, 1)).toBe(0x02020202);
    d.w(GICD.ITARGETSR, 0, 1); // read-only
    expect(d.r(GICD.ITARGETSR, 1)).toBe(0x02020202);
    d.w(GICD.ICFGR + 4, 0xffffffff, 1); // PPIs of CPU 1 edge
    expect(d.r(GICD.ICFGR + 4, 1)).toBe(0xaaaaaaaa);
    expect(d.r(GICD.ICFGR + 4, 0)).toBe(0);
    d.w(GICD.ICFGR, 0, 0);
    expect(d.r(GICD.ICFGR, 0)).toBe(0xaaaaaaaa); // SGIs: read-only
    expect(makeGic(1).d.r(GICD.ITARGETSR)).toBe(0); // uniprocessor: RAZ
  });

  it('delivers a PPI only to its CPU and an SPI only to the CPUs ITARGETSR names', () => {
    const g = makeGic(2);
    linuxInit(g);
    const { gic, d, irq, ack } = g;
    enable(g, 27, 1);
    gic.setPpi(1, 27, true);
    expect(irq.map((l) => l.level)).toEqual([false, true]);
    expect(ack(0)).toBe(SPURIOUS);
    expect(ack(1)).toBe(27);
    enable(g, 40);
    d.wb(GICD.ITARGETSR + 40, 0x02);
    gic.setSpi(40, true);
    expect(irq.map((l) => l.level)).toEqual([false, false]); // CPU 1 is busy with PPI 27 at the same priority
    d.wb(GICD.ITARGETSR + 40, 0x03);
    expect(irq[0].level).toBe(true);
    expect(ack(0)).toBe(40);
    expect(ack(1)).toBe(SPURIOUS); // 1-N: taken by CPU 0
  });

  it('sends SGIs by target list, to all but self, and to self, with the source CPU in GICC_IAR', () => {
    const g = makeGic(4);
    linuxInit(g);
    const { d, ack, eoi } = g;
    d.w(GICD.SGIR, (0 << 24) | (0b1010 << 16) | 3, 0); // list: CPUs 1 and 3
    expect([0, 1, 2, 3].map((cpu) => g.irq[cpu].level)).toEqual([false, true, false, true]);
    expect(ack(1)).toBe(3 | (0 << 10));
    eoi(3 | (0 << 10), 1);
    d.w(GICD.SGIR, (1 << 24) | 5, 2); // all but CPU 2
    expect([0, 1, 2, 3].map((cpu) => g.irq[cpu].level)).toEqual([true, true, false, true]);
    expect(ack(0)).toBe(5 | (2 << 10));
    d.w(GICD.SGIR, (2 << 24) | (0xff << 16) | 7, 2); // self only; the list is ignored
    expect(ack(2)).toBe(7 | (2 << 10));
    d.w(GICD.SGIR, (3 << 24) | (0xff << 16) | 8, 0); // reserved filter: nothing
    expect(g.c.r(GICC.HPPIR, 1)).toBe(5 | (2 << 10));
  });

  it('keeps one pending bit per source: a second source is acknowledged after the first is deactivated', () => {
    const g = makeGic(3);
    linuxInit(g);
    const { d, ack, eoi } = g;
    d.w(GICD.SGIR, (0b10 << 16) | 1, 2);
    d.w(GICD.SGIR, (0b10 << 16) | 1, 0);
    expect(d.rb(GICD.SPENDSGIR + 1, 1)).toBe(0b101);
    expect(ack(1)).toBe(1 | (0 << 10));
    expect(ack(1)).toBe(SPURIOUS); // SGI 1 is active
    eoi(1, 1);
    expect(ack(1)).toBe(1 | (2 << 10));
    eoi(1 | (2 << 10), 1);
    expect(ack(1)).toBe(SPURIOUS);
  });

  it('sets and clears SGI pending state through SPENDSGIR/CPENDSGIR, not ISPENDR/ICPENDR', () => {
    const g = makeGic(2);
    linuxInit(g);
    const { d } = g;
    d.w(GICD.ISPENDR, 0xffff, 0);
    expect(d.r(GICD.ISPENDR, 0)).toBe(0);
    d.wb(GICD.SPENDSGIR + 6, 0xff, 0); // sources beyond CPU 1 do not exist
    expect(d.rb(GICD.SPENDSGIR + 6, 0)).toBe(0x03);
    expect(d.r(GICD.ISPENDR, 0)).toBe(1 << 6);
    expect(d.r(GICD.SPENDSGIR + 4, 0)).toBe(0x00030000);
    d.w(GICD.ICPENDR, 0xffff, 0);
    expect(d.r(GICD.ISPENDR, 0)).toBe(1 << 6);
    d.wb(GICD.CPENDSGIR + 6, 0x01, 0);
    expect(d.rb(GICD.CPENDSGIR + 6, 0)).toBe(0x02);
    expect(g.ack(0)).toBe(6 | (1 << 10));
  });

  it('reaches exactly the CPUs the target list filter selects (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 15 }),
        (numCpus, senderSeed, filter, list, sgi) => {
          const g = makeGic(numCpus);
          linuxInit(g);
          const sender = senderSeed % numCpus;
          g.d.w(GICD.SGIR, (filter << 24) | (list << 16) | sgi, sender);
          for (let cpu = 0; cpu < numCpus; cpu++) {
            const expected = filter === 0 ? (list >> cpu) & 1 : filter === 1 ? +(cpu !== sender) : filter === 2 ? +(cpu === sender) : 0;
            const got = g.ack(cpu);
            if (expected ? got !== (sgi | (sender << 10)) : got !== SPURIOUS) return false;
            if (g.irq[cpu].level !== false) return false;
          }
          return true;
        },
      ),
      { seed: 17 },
    );
  });

  it('acknowledges any set of pending interrupts in priority order, lowest ID first on ties, then 1023 (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 16, max: 287 }), { minLength: 1, maxLength: 20 }),
        // 0xf8, the lowest priority, equals the highest PMR: never signalled (checked elsewhere).
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 20, maxLength: 20 }),
        fc.boolean(),
        (ids, levels, edge) => {
          const g = makeGic(1);
          linuxInit(g);
          g.c.w(GICC.PMR, 0xff);
          g.c.w(GICC.BPR, 7); // no preemption: acknowledge one by one
          ids.forEach((id, i) => {
            if (edge) g.d.w(GICD.ICFGR + 4 * (id >>> 4), g.d.r(GICD.ICFGR + 4 * (id >>> 4)) | (2 << ((id & 15) * 2)));
            g.d.wb(GICD.IPRIORITYR + id, levels[i] << 3);
            enable(g, id);
            if (id < 32) g.gic.setPpi(0, id, true);
            else g.gic.setSpi(id, true);
            if (edge) {
              if (id < 32) g.gic.setPpi(0, id, false);
              else g.gic.setSpi(id, false);
            }
          });
          const expected = ids.map((id, i) => ({ id, p: levels[i] << 3 })).sort((a, b) => a.p - b.p || a.id - b.id).map((x) => x.id);
          const got: number[] = [];
          for (let i = 0; i < ids.length; i++) {
            const id = g.ack();
            got.push(id);
            if (id < 32) g.gic.setPpi(0, id, false);
            else if (id < 1020) g.gic.setSpi(id, false);
            g.eoi(id);
          }
          return JSON.stringify(got) === JSON.stringify(expected) && g.ack() === SPURIOUS && g.c.r(GICC.RPR) === 0xff;
        },
      ),
      { seed: 23 },
    );
  });
});
