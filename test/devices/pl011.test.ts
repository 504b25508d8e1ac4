import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CR, DR_OE, FR, INT, LCR_H, PL011, Pl011, RSR_OE } from '../../src/devices/pl011';
import { Wire } from './wire';

function uart(options: { transmitWhileDisabled?: boolean } = {}) {
  const sent: number[] = [];
  const irq = new Wire();
  const u = new Pl011({ onTransmit: (b) => sent.push(b), interrupt: irq, ...options });
  return { u, sent, irq };
}

const r = (u: Pl011, offset: number) => u.read(offset, 4);
const w = (u: Pl011, offset: number, value: number) => u.write(offset, 4, value);
const ENABLED = CR.UARTEN | CR.TXE | CR.RXE;

/** U-Boot's pl01x init for a PL011: disable, baud 115200 at 24 MHz, 8N1 with FIFOs, enable. */
function ubootInit(u: Pl011): void {
  w(u, PL011.CR, 0);
  w(u, PL011.IBRD, 13);
  w(u, PL011.FBRD, 1);
  w(u, PL011.LCR_H, LCR_H.WLEN_8 | LCR_H.FEN);
  w(u, PL011.CR, ENABLED | CR.RTS);
}

describe('PL011 reset values (DDI 0183 table 3-1)', () => {
  it('reads the TRM reset values and the PrimeCell IDs', () => {
    const { u } = uart();
    expect(r(u, PL011.DR)).toBe(0);
    expect(r(u, PL011.RSR_ECR)).toBe(0);
    expect(r(u, PL011.FR)).toBe(0x90); // TXFE | RXFE, modem inputs deasserted
    expect(r(u, PL011.ILPR)).toBe(0);
    expect(r(u, PL011.IBRD)).toBe(0);
    expect(r(u, PL011.FBRD)).toBe(0);
    expect(r(u, PL011.LCR_H)).toBe(0);
    expect(r(u, PL011.CR)).toBe(0x300);
    expect(r(u, PL011.IFLS)).toBe(0x12);
    expect(r(u, PL011.IMSC)).toBe(0);
    expect(r(u, PL011.RIS)).toBe(0);
    expect(r(u, PL011.MIS)).toBe(0);
    expect(r(u, PL011.DMACR)).toBe(0);
    const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => r(u, o));
    expect(ids).toEqual([0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    expect(r(u, 0x08)).toBe(0); // reserved
    expect(r(u, 0x80)).toBe(0); // test registers
  });

  it('keeps only the implemented bits of each register', () => {
    const { u } = uart();
    for (const [offset, mask] of [
      [PL011.ILPR, 0xff],
      [PL011.IBRD, 0xffff],
      [PL011.FBRD, 0x3f],
      [PL011.LCR_H, 0xff],
      [PL011.CR, 0xff87],
      [PL011.IFLS, 0x3f],
      [PL011.IMSC, 0x7ff],
      [PL011.DMACR, 0x7],
    ]) {
      w(u, offset, 0xffffffff);
      expect(r(u, offset), `offset 0x${offset.toString(16)}`).toBe(mask);
    }
    w(u, PL011.FR, 0);
    w(u, PL011.RIS, 0xffff);
    expect(r(u, PL011.RIS) & ~INT.TX).toBe(0); // RIS is read-only (TX is raised by nothing here either)
  });
});

describe('PL011 transmit', () => {
  it('sends bytes as a polling driver writes them (U-Boot pl01x_putc)', () => {
    const { u, sent } = uart();
    ubootInit(u);
    for (const ch of 'U-Boot\n') {
      while (r(u, PL011.FR) & FR.TXFF) {
        /* the line is infinitely fast: never full */
      }
      w(u, PL011.DR, ch.charCodeAt(0));
    }
    expect(String.fromCharCode(...sent)).toBe('U-Boot\n');
    expect(r(u, PL011.FR) & (FR.BUSY | FR.TXFE)).toBe(FR.TXFE);
  });

  it('takes earlycon\'s byte writes to DR and halfword reads of FR (Linux UPIO_MEM)', () => {
    const { u, sent } = uart();
    ubootInit(u);
    u.write(PL011.DR, 1, 0x4c);
    expect(u.read(PL011.FR, 2)).toBe(0x90);
    expect(u.read(PL011.CR, 2)).toBe(ENABLED | CR.RTS);
    u.write(PL011.CR, 2, ENABLED);
    expect(r(u, PL011.CR)).toBe(ENABLED);
    expect(sent).toEqual([0x4c]);
  });

  it('holds bytes in the FIFO while UARTEN or TXE is clear, then sends them in order', () => {
    const { u, sent } = uart();
    w(u, PL011.LCR_H, LCR_H.FEN);
    for (let i = 0; i < 20; i++) w(u, PL011.DR, 0x30 + i); // UARTEN clear since reset
    expect(sent).toEqual([]);
    expect(u.transmitLevel).toBe(16); // the last four were lost to a full FIFO
    expect(r(u, PL011.FR) & (FR.TXFF | FR.TXFE | FR.BUSY)).toBe(FR.TXFF | FR.BUSY);
    w(u, PL011.CR, CR.UARTEN | CR.RXE); // still no TXE
    expect(sent).toEqual([]);
    w(u, PL011.CR, ENABLED);
    expect(sent).toEqual(Array.from({ length: 16 }, (_, i) => 0x30 + i));
    expect(r(u, PL011.FR) & (FR.TXFF | FR.TXFE | FR.BUSY)).toBe(FR.TXFE);
  });

  it('is one byte deep without FIFOs: TXFF after a single held byte', () => {
    const { u } = uart();
    w(u, PL011.DR, 0x41);
    expect(r(u, PL011.FR) & FR.TXFF).toBe(FR.TXFF);
  });

  it('sends while disabled when asked to, as QEMU does', () => {
    const { u, sent } = uart({ transmitWhileDisabled: true });
    w(u, PL011.DR, 0x41);
    expect(sent).toEqual([0x41]);
  });

  it('raises TXRIS as the FIFO drains, clears it with ICR, and drives UARTINTR only when unmasked', () => {
    const { u, irq } = uart();
    ubootInit(u);
    w(u, PL011.DR, 0x41);
    expect(r(u, PL011.RIS) & INT.TX).toBe(INT.TX);
    expect(r(u, PL011.MIS)).toBe(0);
    expect(irq.level).toBe(false);
    w(u, PL011.IMSC, INT.TX);
    expect(r(u, PL011.MIS)).toBe(INT.TX);
    expect(irq.level).toBe(true);
    w(u, PL011.ICR, INT.TX);
    expect(r(u, PL011.RIS) & INT.TX).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('clears TXRIS when writes fill the held FIFO past its trigger level', () => {
    const { u } = uart();
    w(u, PL011.LCR_H, LCR_H.FEN);
    w(u, PL011.CR, ENABLED);
    w(u, PL011.DR, 0x41); // sent: TXRIS set
    w(u, PL011.CR, CR.UARTEN); // transmitter off: bytes accumulate
    for (let i = 0; i < 8; i++) w(u, PL011.DR, 0x41);
    expect(r(u, PL011.RIS) & INT.TX).toBe(INT.TX); // 8 held: at the 1/2 trigger, not past it
    w(u, PL011.DR, 0x41);
    expect(r(u, PL011.RIS) & INT.TX).toBe(0);
  });

  it('feeds transmitted bytes back to the receiver in loopback, and not to the line', () => {
    const { u, sent } = uart();
    ubootInit(u);
    w(u, PL011.CR, ENABLED | CR.LBE);
    w(u, PL011.DR, 0x5a);
    expect(sent).toEqual([]);
    expect(r(u, PL011.DR)).toBe(0x5a);
    expect(u.receive([1, 2, 3])).toBe(0); // UARTRXD is disconnected in loopback
  });
});

describe('PL011 receive', () => {
  it('fills a 16-entry FIFO with FEN, returns bytes in order and sets RXFE/RXFF', () => {
    const { u } = uart();
    ubootInit(u);
    const input = Array.from({ length: 20 }, (_, i) => 0x61 + i);
    expect(u.receive(input)).toBe(16); // the console keeps the other four
    expect(r(u, PL011.FR) & (FR.RXFE | FR.RXFF)).toBe(FR.RXFF);
    const got: number[] = [];
    while (!(r(u, PL011.FR) & FR.RXFE)) got.push(r(u, PL011.DR));
    expect(got).toEqual(input.slice(0, 16));
    expect(r(u, PL011.DR)).toBe(0);
  });

  it('holds one byte without FEN', () => {
    const { u } = uart();
    w(u, PL011.CR, ENABLED);
    expect(u.receive([1, 2])).toBe(1);
    expect(r(u, PL011.FR) & FR.RXFF).toBe(FR.RXFF);
  });

  it('takes nothing while UARTEN or RXE is clear', () => {
    const { u } = uart();
    expect(u.receive([1])).toBe(0); // UARTEN clear at reset
    w(u, PL011.CR, CR.UARTEN | CR.TXE);
    expect(u.receive([1])).toBe(0);
  });

  it('asserts RXRIS at the trigger level and RTRIS when the line goes idle; reads clear them', () => {
    const { u, irq } = uart();
    ubootInit(u);
    w(u, PL011.ICR, 0x7ff);
    w(u, PL011.IMSC, INT.RX | INT.RT); // Linux pl011_startup
    u.receive([1, 2, 3]);
    expect(r(u, PL011.RIS) & (INT.RX | INT.RT)).toBe(INT.RT); // below 1/2 = 8 entries: timeout only
    expect(irq.level).toBe(true);
    r(u, PL011.DR);
    r(u, PL011.DR);
    expect(r(u, PL011.RIS) & INT.RT).toBe(INT.RT);
    r(u, PL011.DR);
    expect(r(u, PL011.RIS) & INT.RT).toBe(0); // empty FIFO clears the timeout
    expect(irq.level).toBe(false);
    u.receive([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r(u, PL011.MIS)).toBe(INT.RX | INT.RT);
    r(u, PL011.DR);
    expect(r(u, PL011.RIS) & INT.RX).toBe(INT.RX); // 8 left: still at the trigger
    r(u, PL011.DR);
    expect(r(u, PL011.RIS) & INT.RX).toBe(0); // 7: below it
    w(u, PL011.ICR, INT.RT);
    expect(r(u, PL011.MIS)).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('follows IFLS: an RX trigger of 1/8 fires at 2 entries', () => {
    const { u } = uart();
    ubootInit(u);
    w(u, PL011.IFLS, 0 << 3);
    u.receive([1]);
    expect(r(u, PL011.RIS) & INT.RX).toBe(0);
    u.receive([2]);
    expect(r(u, PL011.RIS) & INT.RX).toBe(INT.RX);
  });

  it('serves an interrupt-driven driver: the handler drains until RXFE, the console refills', () => {
    const { u, irq } = uart();
    ubootInit(u);
    w(u, PL011.IMSC, INT.RX | INT.RT);
    const text = Array.from('the quick brown fox jumps', (c) => c.charCodeAt(0));
    let pending = text.slice();
    const got: number[] = [];
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      pending = pending.slice(u.receive(pending));
      // pl011_int: while MIS has RX/RT, read DR until RXFE.
      while (irq.level) {
        expect(r(u, PL011.MIS) & (INT.RX | INT.RT)).not.toBe(0);
        while (!(r(u, PL011.FR) & FR.RXFE)) got.push(r(u, PL011.DR) & 0xff);
        w(u, PL011.ICR, INT.RX | INT.RT);
      }
    }
    expect(got).toEqual(text);
  });

  it('reports an overrun from a sender that does not wait: RSR.OE, RIS.OE, DR.OE on the next byte', () => {
    const { u } = uart();
    ubootInit(u);
    expect(u.receive(Array.from({ length: 18 }, (_, i) => i), { overrun: true })).toBe(18);
    expect(u.receiveLevel).toBe(16);
    expect(r(u, PL011.RSR_ECR)).toBe(RSR_OE);
    expect(r(u, PL011.RIS) & INT.OE).toBe(INT.OE);
    for (let i = 0; i < 16; i++) expect(r(u, PL011.DR)).toBe(i); // the FIFO kept its contents
    u.receive([0x77]);
    expect(r(u, PL011.DR)).toBe(0x77 | DR_OE);
    w(u, PL011.RSR_ECR, 0);
    expect(r(u, PL011.RSR_ECR)).toBe(0);
  });

  it('keeps FIFO order and consistent flags under any mix of arrivals and reads (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }), fc.integer({ min: 1, max: 20 })), { maxLength: 30 }),
        fc.boolean(),
        (ops, fifo) => {
          const { u } = uart();
          w(u, PL011.LCR_H, fifo ? LCR_H.FEN : 0);
          w(u, PL011.CR, ENABLED);
          const depth = fifo ? 16 : 1;
          const model: number[] = [];
          for (const op of ops) {
            if (Array.isArray(op)) {
              const taken = u.receive(op);
              if (taken !== Math.min(op.length, depth - model.length)) return false;
              model.push(...op.slice(0, taken));
            } else {
              for (let i = 0; i < op; i++) {
                const fr = r(u, PL011.FR);
                if (((fr & FR.RXFE) !== 0) !== (model.length === 0)) return false;
                if (((fr & FR.RXFF) !== 0) !== (model.length >= depth)) return false;
                if (model.length === 0) break;
                if (r(u, PL011.DR) !== model.shift()) return false;
              }
            }
          }
          return true;
        },
      ),
      { seed: 5 },
    );
  });
});
