/**
 * A bank of CFI parallel NOR flash with the Intel/Sharp extended command set (CFI primary command
 * set 0x0001), as QEMU's `virt` board has two of (hw/block/pflash_cfi01.c, placed by
 * hw/arm/virt.c): 64 MiB, 256 KiB erase blocks, a 32-bit bank of two x16 devices side by side,
 * manufacturer 0x89 (Intel), device 0x18. U-Boot's cfi_flash driver finds it, reads its geometry,
 * erases, programs (word or buffered) and keeps its environment in it.
 *
 * Behaviour follows QEMU's model, so a guest sees what it sees on QEMU:
 * - every operation completes at once: SR.7 (ready) is set by the time the guest can look;
 * - block erase happens at the setup command (0x20); the confirm (0xD0) only ends the sequence;
 * - program stores the written value (no AND with the old contents);
 * - lock-bit commands (0x60 + 0x01/0xD0) are accepted and change nothing: every block reads
 *   unlocked (read-ID offset 2 reads 0);
 * - an unknown command, or an unexpected second cycle, returns to read array;
 * - query mode is left only by read array (0xFF); other writes there are ignored;
 * - clear status (0x50) clears SR.7 too and returns to read array;
 * - a buffered write (0xE8) collects its data in a 4 KiB window (both devices' 2 KiB buffers)
 *   opened by the first data cycle and reaches the array only at the confirm; data outside the
 *   window sets SR.4, and a refused or missing confirm discards it all.
 * A buffered write of a single word (count 0) programs that word, as the QEMU 7.2.22 the oracle
 * test runs does. (Upstream's 2024 patch that opens the buffer at the first data cycle opens it
 * only for a non-zero count, so there the lone word fails with SR.4; U-Boot sends one when the
 * aligned part of a copy starts or ends one word from a 4 KiB boundary.)
 *
 * Width rule (QEMU with width 4, device-width 2; U-Boot's flash_map scales query addresses by
 * the port width likewise): each CFI byte i sits at bank offset 4i, and the two devices answer
 * side by side, each its byte zero-extended to 16 bits: 0x00XX00XX. The status register is likewise one byte per device:
 * a 4-byte read gives 0x00800080, a 1- or 2-byte read 0x80. A narrower read in query, ID or
 * status mode returns the low bytes of that bank word whatever its address's low bits (QEMU
 * answers from the whole bank word and truncates to the access size). Commands are the low byte
 * of the value written, at any offset and size.
 *
 * For a hypervisor: in read array mode the bank is plain read-only memory ("romd": QEMU maps it
 * so; a hypervisor maps it read-only at stage 2 so reads and instruction fetches do not trap);
 * every write traps and comes here. `onModeChange` says when the bank enters or leaves
 * read array mode, so the platform can map or unmap it; `bytes`/`readBytes` give it the contents.
 */
import { type AccessSize, type MmioDevice, MmioError, sizeMask } from './mmio-device';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bank and device width of QEMU virt's flash (bytes): two x16 devices on a 32-bit bus. */
export const BANK_WIDTH = 4;
export const DEVICE_WIDTH = 2;
const DEVICES = BANK_WIDTH / DEVICE_WIDTH;

/** Manufacturer and device codes QEMU virt gives its flash (id0, id1). */
export const CFI_MANUFACTURER_ID = 0x89;
export const CFI_DEVICE_ID = 0x18;

/** Commands (first cycle, low byte of the value written). */
export const CFI_CMD = {
  /** QEMU's read-array reset value; a write of 0 also returns to read array. */
  READ_ARRAY_ZERO: 0x00,
  PROGRAM_ALT: 0x10,
  BLOCK_ERASE: 0x20,
  PROGRAM: 0x40,
  CLEAR_STATUS: 0x50,
  LOCK_SETUP: 0x60,
  READ_STATUS: 0x70,
  READ_ID: 0x90,
  QUERY: 0x98,
  WRITE_TO_BUFFER: 0xe8,
  /** AMD reset: U-Boot's probe sends it to every flash; read array here. */
  AMD_RESET: 0xf0,
  READ_ARRAY: 0xff,
  /** Second cycle of erase, buffered write and lock clear. */
  CONFIRM: 0xd0,
  /** Second cycle of lock setup: set the lock bit. */
  LOCK_SET: 0x01,
} as const;

/** Status register bits (one copy per device). */
export const SR = {
  /** Write state machine ready. */
  READY: 0x80,
  /** Erase (or clear-lock) error. */
  ERASE_ERROR: 0x20,
  /** Program (or set-lock) error. */
  PROGRAM_ERROR: 0x10,
} as const;

/** Offsets of the CFI query structure (JESD68.01 tables 1-4), in query-address units. */
export const CFI_QUERY = {
  QRY: 0x10,
  PRIMARY_COMMAND_SET: 0x13,
  PRIMARY_EXTENDED_TABLE: 0x15,
  DEVICE_SIZE_LOG2: 0x27,
  INTERFACE: 0x28,
  WRITE_BUFFER_LOG2: 0x2a,
  ERASE_REGIONS: 0x2c,
  ERASE_REGION_1: 0x2d,
} as const;

/** QEMU's query table runs to 0x51; query addresses past it read 0. */
const CFI_TABLE_LENGTH = 0x52;
/** Read-ID addresses repeat every 256 entries (higher bits select a block's lock status). */
const ID_ADDRESS_MASK = 0xff;

/**
 * One device's CFI query table, as QEMU fills it for a bank of `size` bytes in blocks of
 * `sectorLength`: each device holds half of every block. Values are per device; U-Boot scales
 * size, block size and write buffer by the device count (bank width / device width).
 */
export function cfiQueryTable(size: number, sectorLength: number): Uint8Array {
  const blocks = size / sectorLength;
  const deviceBlock = sectorLength / DEVICES;
  const deviceBytes = deviceBlock * blocks;
  const rows: readonly (readonly [offset: number, value: number])[] = [
    [0x10, 0x51], [0x11, 0x52], [0x12, 0x59], // "QRY"
    [0x13, 0x01], [0x14, 0x00], // primary command set: Intel/Sharp extended
    [0x15, 0x31], [0x16, 0x00], // primary extended table at 0x31
    [0x1b, 0x45], [0x1c, 0x55], // Vcc 4.5-5.5 V; no Vpp (0x1d-0x1e zero)
    [0x1f, 0x07], [0x20, 0x07], [0x21, 0x0a], [0x22, 0x00], // typical timeouts (2^n us / ms)
    [0x23, 0x04], [0x24, 0x04], [0x25, 0x04], [0x26, 0x00], // maximum timeouts (2^n times typical)
    [0x27, trailingZeros(deviceBytes)], // device size 2^n bytes (QEMU takes the trailing zeros)
    [0x28, 0x02], [0x29, 0x00], // interface: x8/x16
    [0x2a, 0x0b], [0x2b, 0x00], // write buffer 2^11 bytes per device
    [0x2c, 0x01], // one erase block region
    [0x2d, (blocks - 1) & 0xff], [0x2e, ((blocks - 1) >>> 8) & 0xff], // its blocks - 1
    [0x2f, (deviceBlock >>> 8) & 0xff], [0x30, (deviceBlock >>> 16) & 0xff], // block size / 256
    [0x31, 0x50], [0x32, 0x52], [0x33, 0x49], [0x34, 0x31], [0x35, 0x30], // "PRI" version "1" "0"
    [0x3f, 0x01], // one protection field
  ];
  const table = new Uint8Array(CFI_TABLE_LENGTH);
  for (const [offset, value] of rows) table[offset] = value;
  return table;
}

function trailingZeros(n: number): number {
  let z = 0;
  while (n > 1 && n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
}

/** Bytes of one write-buffer window: 2^(table 0x2a) per device, both devices. */
const WRITE_BLOCK_SIZE = (1 << 0x0b) * DEVICES;

/** A flash bank that cannot be built as asked. */
export class CfiFlashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CfiFlashError';
  }
}

export interface CfiPflashOptions {
  readonly name?: string;
  /** Bytes in the bank (default 64 MiB, QEMU virt's): a whole number of blocks. */
  readonly size?: number;
  /** Erase block of the bank (default 256 KiB, QEMU virt's): a power of two from 512 bytes. */
  readonly sectorLength?: number;
  /**
   * Initial contents. Exactly `size` bytes: used as the backing store itself (writes show in
   * it, so the caller can save it). Shorter: copied to the start of the bank, as QEMU's `-bios`.
   */
  readonly contents?: Uint8Array;
  /** What the rest of the bank reads (default 0x00, as QEMU's unbacked virt flash reads). */
  readonly fill?: number;
  /** Read-only backing (QEMU: a read-only drive): erase sets SR.5, program SR.4. */
  readonly readOnly?: boolean;
  readonly onModeChange?: (arrayMode: boolean) => void;
  /** Called after bytes of the array changed (program, erase, buffered write, `writeBytes`). */
  readonly onContentsChange?: (offset: number, length: number) => void;
}

/** What a read returns. */
type ReadMode = 'array' | 'status' | 'id' | 'query';
/** What the next write means. */
type WriteState = 'command' | 'program' | 'erase-confirm' | 'lock-confirm' | 'query' | 'buffer-count' | 'buffer-data' | 'buffer-confirm';

export class CfiPflash implements MmioDevice {
  readonly name: string;
  readonly size: number;
  readonly sectorLength: number;
  readonly readOnly: boolean;
  /** Called when the bank enters (true) or leaves (false) read array mode. */
  onModeChange: ((arrayMode: boolean) => void) | undefined;
  /** Called after bytes of the array changed: a platform that maps the bank as memory copies them there. */
  onContentsChange: ((offset: number, length: number) => void) | undefined;

  private readonly fill: number;
  private readonly table: Uint8Array;
  /** Allocated on first write (or when `bytes` is asked for); until then every byte is `fill`. */
  private store: Uint8Array | null = null;

  private readMode: ReadMode = 'array';
  private writeState: WriteState = 'command';
  private sr: number = SR.READY;
  /** Buffered write: port words still to come after the next, as the count cycle gave it. */
  private counter = 0;
  /** Buffered write: the open window's bank offset, or -1; its bytes until confirm. */
  private windowBase = -1;
  private readonly window = new Uint8Array(WRITE_BLOCK_SIZE);

  constructor(options: CfiPflashOptions = {}) {
    this.name = options.name ?? 'cfi-pflash';
    this.size = options.size ?? 64 * MiB;
    this.sectorLength = options.sectorLength ?? 256 * KiB;
    this.readOnly = options.readOnly ?? false;
    this.fill = options.fill ?? 0;
    this.onModeChange = options.onModeChange;
    this.onContentsChange = options.onContentsChange;
    const { size, sectorLength } = this;
    if (!Number.isInteger(sectorLength) || sectorLength < 512 || (sectorLength & (sectorLength - 1)) !== 0 || sectorLength > 2 ** 24) {
      throw new CfiFlashError(`${this.name}: erase block of ${sectorLength} bytes is not a power of two from 512 bytes to 16 MiB`);
    }
    if (!Number.isSafeInteger(size) || size <= 0 || size % sectorLength !== 0 || size / sectorLength > 0x1_0000 || size > 2 ** 31) {
      throw new CfiFlashError(`${this.name}: ${size} bytes is not 1 to 65536 blocks of ${sectorLength} bytes within 2 GiB`);
    }
    if (!Number.isInteger(this.fill) || this.fill < 0 || this.fill > 0xff) throw new CfiFlashError(`${this.name}: fill ${this.fill} is not a byte`);
    const contents = options.contents;
    if (contents !== undefined) {
      if (contents.length > size) throw new CfiFlashError(`${this.name}: ${contents.length} bytes of contents exceed the ${size}-byte bank`);
      if (contents.length === size) this.store = contents;
      else this.bytes.set(contents, 0);
    }
    this.table = cfiQueryTable(size, sectorLength);
  }

  /** True while reads return the array (the bank may be mapped as read-only memory). */
  get arrayMode(): boolean {
    return this.readMode === 'array';
  }

  /** The whole bank's bytes, allocated now if nothing was written yet. Writes to it bypass the command state machine. */
  get bytes(): Uint8Array {
    if (this.store === null) {
      this.store = new Uint8Array(this.size);
      if (this.fill !== 0) this.store.fill(this.fill);
    }
    return this.store;
  }

  /** A copy of `length` bytes from `offset` (without allocating the bank). */
  readBytes(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length, 'read');
    if (this.store === null) return new Uint8Array(length).fill(this.fill);
    return this.store.slice(offset, offset + length);
  }

  /** Store `data` at `offset` directly, as a loader does (no command cycles, no status). */
  writeBytes(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length, 'write');
    this.bytes.set(data, offset);
    this.onContentsChange?.(offset, data.length);
  }

  /** Power-on / system reset: read array, SR ready, no buffered write open. Contents stay. */
  reset(): void {
    this.writeState = 'command';
    this.sr = SR.READY;
    this.windowBase = -1;
    this.setReadMode('array');
  }

  read(offset: number, size: AccessSize): number {
    this.checkRange(offset, size, 'read');
    switch (this.readMode) {
      case 'array':
        return this.loadArray(offset, size);
      case 'status':
        return size === 4 ? (this.sr | (this.sr << 16)) >>> 0 : this.sr;
      case 'id':
        return bankWord(this.idEntry(offset >>> 2)) & sizeMask(size);
      case 'query':
        return bankWord(this.queryEntry(offset >>> 2)) & sizeMask(size);
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.checkRange(offset, size, 'write');
    const cmd = value & 0xff;
    switch (this.writeState) {
      case 'command':
        return this.command(offset, cmd);
      case 'program':
        if (this.readOnly) this.sr |= SR.PROGRAM_ERROR;
        else this.storeArray(offset, size, value);
        this.sr |= SR.READY;
        this.writeState = 'command';
        return;
      case 'erase-confirm':
      case 'lock-confirm':
        if (cmd === CFI_CMD.CONFIRM || (this.writeState === 'lock-confirm' && cmd === CFI_CMD.LOCK_SET)) {
          this.sr |= SR.READY;
          this.writeState = 'command';
        } else {
          this.readArray(); // 0xFF, or a sequence QEMU does not know
        }
        return;
      case 'query':
        if (cmd === CFI_CMD.READ_ARRAY) this.readArray();
        return;
      case 'buffer-count':
        this.counter = value & 0xffff; // one device's width of the value
        this.writeState = 'buffer-data';
        return;
      case 'buffer-data':
        return this.bufferData(offset, size, value);
      case 'buffer-confirm':
        if (cmd === CFI_CMD.CONFIRM && (this.sr & SR.PROGRAM_ERROR) === 0) {
          this.bytes.set(this.window, this.windowBase);
          this.onContentsChange?.(this.windowBase, WRITE_BLOCK_SIZE);
          this.windowBase = -1;
          this.sr |= SR.READY;
          this.writeState = 'command';
        } else {
          this.windowBase = -1; // abort: nothing reaches the array
          this.readArray();
        }
        return;
    }
  }

  /** A first-cycle command. */
  private command(offset: number, cmd: number): void {
    switch (cmd) {
      case CFI_CMD.READ_ARRAY_ZERO:
      case CFI_CMD.AMD_RESET:
      case CFI_CMD.READ_ARRAY:
        return this.readArray();
      case CFI_CMD.PROGRAM_ALT:
      case CFI_CMD.PROGRAM:
        return this.enter('status', 'program');
      case CFI_CMD.BLOCK_ERASE:
        if (this.readOnly) this.sr |= SR.ERASE_ERROR;
        else this.eraseBlock(offset);
        this.sr |= SR.READY;
        return this.enter('status', 'erase-confirm');
      case CFI_CMD.CLEAR_STATUS:
        this.sr = 0;
        return this.readArray();
      case CFI_CMD.LOCK_SETUP:
        return this.enter('status', 'lock-confirm');
      case CFI_CMD.READ_STATUS:
        return this.enter('status', 'command');
      case CFI_CMD.READ_ID:
        return this.enter('id', 'command');
      case CFI_CMD.QUERY:
        return this.enter('query', 'query');
      case CFI_CMD.WRITE_TO_BUFFER:
        this.sr |= SR.READY; // a buffer is free at once
        return this.enter('status', 'buffer-count');
      default:
        return this.readArray();
    }
  }

  /** A data cycle of a buffered write: into the window (opened by the first), which is committed at confirm. */
  private bufferData(offset: number, size: AccessSize, value: number): void {
    if (this.windowBase < 0 && !this.readOnly) {
      this.windowBase = offset - (offset % WRITE_BLOCK_SIZE);
      this.window.set(this.readBytes(this.windowBase, WRITE_BLOCK_SIZE));
    }
    const at = offset - this.windowBase;
    if (this.windowBase < 0 || at < 0 || at + size > WRITE_BLOCK_SIZE) this.sr |= SR.PROGRAM_ERROR;
    else for (let i = 0; i < size; i++) this.window[at + i] = (value >>> (8 * i)) & 0xff;
    this.sr |= SR.READY;
    if (this.counter === 0) this.writeState = 'buffer-confirm';
    else this.counter--;
  }

  private enter(readMode: ReadMode, writeState: WriteState): void {
    this.writeState = writeState;
    this.setReadMode(readMode);
  }

  private readArray(): void {
    this.enter('array', 'command');
  }

  private setReadMode(mode: ReadMode): void {
    const was = this.readMode === 'array';
    this.readMode = mode;
    const now = mode === 'array';
    if (was !== now) this.onModeChange?.(now);
  }

  private eraseBlock(offset: number): void {
    const base = offset - (offset % this.sectorLength);
    this.bytes.fill(0xff, base, base + this.sectorLength);
    this.onContentsChange?.(base, this.sectorLength);
  }

  private loadArray(offset: number, size: AccessSize): number {
    const s = this.store;
    if (s === null) return this.fill * (size === 4 ? 0x01010101 : size === 2 ? 0x0101 : 1);
    if (size === 1) return s[offset];
    if (size === 2) return s[offset] | (s[offset + 1] << 8);
    return (s[offset] | (s[offset + 1] << 8) | (s[offset + 2] << 16) | (s[offset + 3] << 24)) >>> 0;
  }

  private storeArray(offset: number, size: AccessSize, value: number): void {
    const s = this.bytes;
    for (let i = 0; i < size; i++) s[offset + i] = (value >>> (8 * i)) & 0xff;
    this.onContentsChange?.(offset, size);
  }

  /** One device's CFI byte at query address `entry`. */
  private queryEntry(entry: number): number {
    return entry < CFI_TABLE_LENGTH ? this.table[entry] : 0;
  }

  /** One device's read-ID answer: manufacturer, device, then 0 (block lock status: unlocked). */
  private idEntry(entry: number): number {
    switch (entry & ID_ADDRESS_MASK) {
      case 0:
        return CFI_MANUFACTURER_ID;
      case 1:
        return CFI_DEVICE_ID;
      default:
        return 0;
    }
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new MmioError(`${this.name}: ${what} of ${length} bytes at offset ${offset} is outside the ${this.size}-byte bank`);
    }
  }
}

/** Both devices' 16-bit answers side by side on the 32-bit bank. */
function bankWord(deviceValue: number): number {
  return (deviceValue | (deviceValue << 16)) >>> 0;
}
