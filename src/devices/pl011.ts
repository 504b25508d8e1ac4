/**
 * ARM PrimeCell UART PL011 (ARM DDI 0183G) with 16-entry FIFOs, as Linux's amba-pl011 driver (and its earlycon)
 * and U-Boot's pl01x driver use it, polled or interrupt driven.
 *
 * The line is infinitely fast: a byte the transmitter may send goes to `onTransmit` as the guest
 * writes UARTDR, so the transmit FIFO only ever holds bytes while the transmitter is disabled.
 * Received bytes enter through `receive()`; baud rate, framing, parity and break have no effect
 * on the data and are only stored. Modem inputs (nUARTCTS, nUARTDSR, nUARTDCD, nUARTRI) are
 * deasserted, as on QEMU's virt board, and hardware flow control (CR.CTSEn/RTSEn) never holds a
 * byte back.
 */
import { type AccessSize, type InterruptLine, type MmioDevice, readLanes, writeLanes } from './mmio-device';
import { primeCellIdRegister } from './primecell-id';

/** Register offsets (DDI 0183G table 3-1). */
export const PL011 = {
  DR: 0x000,
  RSR_ECR: 0x004,
  FR: 0x018,
  ILPR: 0x020,
  IBRD: 0x024,
  FBRD: 0x028,
  LCR_H: 0x02c,
  CR: 0x030,
  IFLS: 0x034,
  IMSC: 0x038,
  RIS: 0x03c,
  MIS: 0x040,
  ICR: 0x044,
  DMACR: 0x048,
} as const;

/** UARTFR bits (3.3.3). */
export const FR = { CTS: 1 << 0, DSR: 1 << 1, DCD: 1 << 2, BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7, RI: 1 << 8 } as const;
/** UARTLCR_H bits (3.3.7). */
export const LCR_H = { BRK: 1 << 0, PEN: 1 << 1, EPS: 1 << 2, STP2: 1 << 3, FEN: 1 << 4, WLEN_8: 3 << 5, SPS: 1 << 7 } as const;
/** UARTCR bits (3.3.8). */
export const CR = { UARTEN: 1 << 0, SIREN: 1 << 1, SIRLP: 1 << 2, LBE: 1 << 7, TXE: 1 << 8, RXE: 1 << 9, DTR: 1 << 10, RTS: 1 << 11, OUT1: 1 << 12, OUT2: 1 << 13, RTSEN: 1 << 14, CTSEN: 1 << 15 } as const;
/** Interrupt bits shared by IMSC, RIS, MIS and ICR (3.3.10-3.3.13). */
export const INT = { RIM: 1 << 0, CTSM: 1 << 1, DCDM: 1 << 2, DSRM: 1 << 3, RX: 1 << 4, TX: 1 << 5, RT: 1 << 6, FE: 1 << 7, PE: 1 << 8, BE: 1 << 9, OE: 1 << 10 } as const;
/** UARTDR read error bits (3.3.1) and UARTRSR bits (3.3.2). */
export const DR_OE = 1 << 11;
export const RSR_OE = 1 << 3;

const INT_ALL = 0x7ff;
const FIFO_DEPTH = 16;
/** UARTIFLS trigger points in entries of 16: 1/8, 1/4, 1/2, 3/4, 7/8 (3.3.9); reserved codes act as 1/2. */
const TRIGGER_ENTRIES = [2, 4, 8, 12, 14, 8, 8, 8] as const;
/**
 * UARTPeriphID0-3 (3.3.15): part 0x011, designer 0x41, revision 1, as QEMU's virt PL011 reports.
 * Linux sizes the FIFOs from the revision (16 entries below revision 3, 32 from r1p5 on), so
 * revision 1 matches the 16-entry FIFOs modelled here.
 */
const PERIPH_ID = [0x11, 0x10, 0x14, 0x00] as const;

export interface Pl011Options {
  readonly name?: string;
  /** The console: each byte the transmitter sends. */
  readonly onTransmit?: (byte: number) => void;
  /** UARTINTR, the combined interrupt: high while RIS & IMSC is not zero. */
  readonly interrupt?: InterruptLine;
  /**
   * Send bytes even while CR.UARTEN or CR.TXE is clear, as QEMU's model does. A real PL011 keeps
   * them in the FIFO until the transmitter is enabled; a guest whose earlycon writes to a UART no
   * firmware enabled then spins on FR.TXFF. Default false (the TRM's behaviour).
   */
  readonly transmitWhileDisabled?: boolean;
}

export class Pl011 implements MmioDevice {
  readonly name: string;
  readonly size = 0x1000;

  private readonly onTransmit: (byte: number) => void;
  private readonly line: InterruptLine | undefined;
  private readonly transmitWhileDisabled: boolean;
  private lineLevel = false;

  /** Receive FIFO entries: data in [7:0], error bits in [11:8] as UARTDR reads them. */
  private readonly rxFifo = new Uint16Array(FIFO_DEPTH);
  private rxHead = 0;
  private rxCount = 0;
  /** An overrun happened: the next byte that fits carries DR.OE (3.3.1). */
  private overrunPending = false;
  private readonly txFifo = new Uint8Array(FIFO_DEPTH);
  private txHead = 0;
  private txCount = 0;

  private rsr = 0;
  private ilpr = 0;
  private ibrd = 0;
  private fbrd = 0;
  private lcrH = 0;
  private cr = 0;
  private ifls = 0;
  private imsc = 0;
  private ris = 0;
  private dmacr = 0;

  constructor(options: Pl011Options = {}) {
    this.name = options.name ?? 'pl011';
    this.onTransmit = options.onTransmit ?? (() => {});
    this.line = options.interrupt;
    this.transmitWhileDisabled = options.transmitWhileDisabled ?? false;
    this.reset();
  }

  /** Reset values of table 3-1: CR = 0x300 (TXE, RXE), IFLS = 0x12 (1/2, 1/2), FIFOs empty. */
  reset(): void {
    this.rxHead = this.rxCount = this.txHead = this.txCount = 0;
    this.overrunPending = false;
    this.rsr = this.ilpr = this.ibrd = this.fbrd = this.lcrH = 0;
    this.cr = CR.TXE | CR.RXE;
    this.ifls = 0x12;
    this.imsc = this.ris = this.dmacr = 0;
    this.updateLine();
  }

  /**
   * Bytes arriving on UARTRXD. Returns how many the receiver took: it takes none while disabled
   * (CR.UARTEN or CR.RXE clear, or in loopback) and stops when its FIFO is full, so the console
   * keeps the rest for later, like a sender honouring flow control. With `overrun` the sender does
   * not wait: bytes past a full FIFO are lost and raise the overrun error (RSR.OE, RIS.OE).
   * After the burst the line is idle, so a non-empty FIFO raises the receive timeout (RTRIS).
   */
  receive(bytes: ArrayLike<number>, options: { overrun?: boolean } = {}): number {
    if ((this.cr & (CR.UARTEN | CR.RXE)) !== (CR.UARTEN | CR.RXE) || this.cr & CR.LBE) return 0;
    let taken = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (this.rxCount >= this.fifoDepth()) {
        if (!options.overrun) break;
        this.overrun();
        taken++;
        continue;
      }
      this.pushReceived(bytes[i] & 0xff);
      taken++;
    }
    this.lineIdle();
    return taken;
  }

  /** Bytes waiting in the receive FIFO. */
  get receiveLevel(): number {
    return this.rxCount;
  }

  /** Bytes held in the transmit FIFO (only while the transmitter is disabled). */
  get transmitLevel(): number {
    return this.txCount;
  }

  read(offset: number, size: AccessSize): number {
    return readLanes(this.readRegister(offset & ~3), offset, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.writeRegister(offset & ~3, writeLanes(offset, size, value));
  }

  private readRegister(offset: number): number {
    switch (offset) {
      case PL011.DR:
        return this.readData();
      case PL011.RSR_ECR:
        return this.rsr;
      case PL011.FR:
        return this.flags();
      case PL011.ILPR:
        return this.ilpr;
      case PL011.IBRD:
        return this.ibrd;
      case PL011.FBRD:
        return this.fbrd;
      case PL011.LCR_H:
        return this.lcrH;
      case PL011.CR:
        return this.cr;
      case PL011.IFLS:
        return this.ifls;
      case PL011.IMSC:
        return this.imsc;
      case PL011.RIS:
        return this.ris;
      case PL011.MIS:
        return this.ris & this.imsc;
      case PL011.DMACR:
        return this.dmacr;
      default:
        return primeCellIdRegister(offset, PERIPH_ID) ?? 0; // reserved and test registers read as zero
    }
  }

  private writeRegister(offset: number, value: number): void {
    switch (offset) {
      case PL011.DR:
        this.writeData(value & 0xff);
        break;
      case PL011.RSR_ECR:
        this.rsr = 0; // a write to UARTECR clears every error (3.3.2)
        break;
      case PL011.ILPR:
        this.ilpr = value & 0xff;
        break;
      case PL011.IBRD:
        this.ibrd = value & 0xffff;
        break;
      case PL011.FBRD:
        this.fbrd = value & 0x3f;
        break;
      case PL011.LCR_H:
        this.lcrH = value & 0xff;
        break;
      case PL011.CR: {
        this.cr = value & 0xff87; // bits [6:3] are reserved in r1p5
        this.drainTransmitFifo();
        break;
      }
      case PL011.IFLS:
        this.ifls = value & 0x3f;
        break;
      case PL011.IMSC:
        this.imsc = value & INT_ALL;
        break;
      case PL011.ICR:
        this.ris &= ~value & INT_ALL;
        break;
      case PL011.DMACR:
        this.dmacr = value & 0x7;
        break;
      default:
        return; // FR, RIS, MIS, IDs are read-only; reserved offsets ignore writes
    }
    this.updateLine();
  }

  private fifoDepth(): number {
    return this.lcrH & LCR_H.FEN ? FIFO_DEPTH : 1;
  }

  private flags(): number {
    const depth = this.fifoDepth();
    let fr = 0;
    if (this.txCount > 0) fr |= FR.BUSY; // BUSY: the transmitter holds data (3.3.3)
    if (this.rxCount === 0) fr |= FR.RXFE;
    if (this.txCount >= depth) fr |= FR.TXFF;
    if (this.rxCount >= depth) fr |= FR.RXFF;
    if (this.txCount === 0) fr |= FR.TXFE;
    return fr;
  }

  private readData(): number {
    if (this.rxCount === 0) return 0;
    const entry = this.rxFifo[this.rxHead];
    this.rxHead = (this.rxHead + 1) % FIFO_DEPTH;
    this.rxCount--;
    // RSR's FE/PE/BE describe the character just read; OE stays until UARTECR is written (3.3.2).
    this.rsr = (this.rsr & RSR_OE) | ((entry >>> 8) & 0x7);
    // RXRIS clears when the FIFO falls below its trigger level, RTRIS when it empties ("Interrupts").
    if (this.rxCount < this.rxTrigger()) this.ris &= ~INT.RX;
    if (this.rxCount === 0) this.ris &= ~INT.RT;
    this.updateLine();
    return entry;
  }

  private writeData(byte: number): void {
    const depth = this.fifoDepth();
    if (this.txCount >= depth) return; // a write to a full transmit FIFO is lost
    this.txFifo[(this.txHead + this.txCount) % FIFO_DEPTH] = byte;
    this.txCount++;
    // TXRIS clears once writes fill the FIFO past its trigger level ("Interrupts").
    if (this.txCount > this.txTrigger()) this.ris &= ~INT.TX;
    this.drainTransmitFifo();
    this.updateLine();
  }

  /** Send what the transmit FIFO holds if the transmitter is enabled. */
  private drainTransmitFifo(): void {
    if (this.txCount === 0) return;
    const enabled = (this.cr & (CR.UARTEN | CR.TXE)) === (CR.UARTEN | CR.TXE);
    if (!enabled && !this.transmitWhileDisabled) return;
    const loopback = (this.cr & CR.LBE) !== 0;
    while (this.txCount > 0) {
      const byte = this.txFifo[this.txHead];
      this.txHead = (this.txHead + 1) % FIFO_DEPTH;
      this.txCount--;
      // Loopback feeds UARTTXD to the receiver instead of the line (3.3.8 LBE).
      if (loopback) {
        if ((this.cr & (CR.UARTEN | CR.RXE)) === (CR.UARTEN | CR.RXE)) {
          if (this.rxCount < this.fifoDepth()) this.pushReceived(byte);
          else this.overrun();
        }
      } else {
        this.onTransmit(byte);
      }
    }
    // The FIFO drained to (or below) its trigger level: the transmit interrupt asserts ("Interrupts").
    // Each sent byte counts as such an event here, since the line is infinitely fast.
    this.ris |= INT.TX;
    if (loopback) this.lineIdle();
  }

  private pushReceived(byte: number): void {
    let entry = byte;
    if (this.overrunPending) {
      entry |= DR_OE;
      this.overrunPending = false;
    }
    this.rxFifo[(this.rxHead + this.rxCount) % FIFO_DEPTH] = entry;
    this.rxCount++;
    // RXRIS asserts when the FIFO reaches its trigger level, or holds a byte without FIFOs ("Interrupts").
    if (this.rxCount >= this.rxTrigger()) this.ris |= INT.RX;
    this.updateLine();
  }

  /** A byte arrived with the receive FIFO full: it is lost, the FIFO keeps its contents (3.3.2). */
  private overrun(): void {
    this.rsr |= RSR_OE;
    this.ris |= INT.OE;
    this.overrunPending = true;
    this.updateLine();
  }

  /** No further data for 32 bit periods: RTRIS asserts if the receive FIFO is not empty ("Interrupts"). */
  private lineIdle(): void {
    if (this.rxCount > 0) this.ris |= INT.RT;
    this.updateLine();
  }

  private rxTrigger(): number {
    return this.lcrH & LCR_H.FEN ? TRIGGER_ENTRIES[(this.ifls >>> 3) & 7] : 1;
  }

  private txTrigger(): number {
    return this.lcrH & LCR_H.FEN ? TRIGGER_ENTRIES[this.ifls & 7] : 0;
  }

  private updateLine(): void {
    const level = (this.ris & this.imsc) !== 0;
    if (level !== this.lineLevel) {
      this.lineLevel = level;
      this.line?.set(level);
    }
  }
}
