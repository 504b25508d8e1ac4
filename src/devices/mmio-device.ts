/**
 * The one interface every memory-mapped device model implements, and the bus that places them in
 * the guest's physical address space. The hypervisor emulates a guest access from its stage-2 data
 * abort (ESR_EL2/HSR ISV, SAS, SRT, WnR give address, size and direction) and calls `MmioBus.read`
 * or `write`; the bus finds the device and hands it an offset within its region.
 */

export type AccessSize = 1 | 2 | 4;

/**
 * A device register block. Offsets are within the device's region; values are unsigned and no
 * wider than `size` bytes. `cpu` is the index of the CPU interface that makes the access (the
 * requester ID on the interconnect): only banked devices such as the GIC look at it.
 */
export interface MmioDevice {
  readonly name: string;
  /** Bytes of address space the device decodes. */
  readonly size: number;
  read(offset: number, size: AccessSize, cpu?: number): number;
  write(offset: number, size: AccessSize, value: number, cpu?: number): void;
}

/** An interrupt output: a wire the device drives high (true) or low. */
export interface InterruptLine {
  set(level: boolean): void;
}

/** An access to an address no device decodes (or one that runs past a device's end). */
export interface UnmappedAccess {
  readonly pa: number;
  readonly size: AccessSize;
  readonly write: boolean;
  /** The value written; undefined for reads. */
  readonly value: number | undefined;
  readonly cpu: number;
}

/** One device on the bus with its access counts. */
export interface MmioMapping {
  readonly base: number;
  readonly device: MmioDevice;
  reads: number;
  writes: number;
}

/** A device placed where it cannot be, or an access the bus cannot carry. */
export class MmioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MmioError';
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Mask of the low `size` bytes. */
export function sizeMask(size: AccessSize): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}

/** The bytes of a 32-bit register a narrow read at `offset` returns (little-endian lanes). */
export function readLanes(word: number, offset: number, size: AccessSize): number {
  return size === 4 ? word >>> 0 : (word >>> ((offset & 3) * 8)) & sizeMask(size);
}

/**
 * The 32-bit value a narrow write at `offset` presents to a word-wide register: the data in its
 * byte lanes, the other lanes zero (an APB slave has no byte strobes; every PrimeCell register a
 * driver writes narrowly holds its bits in the lanes it writes).
 */
export function writeLanes(offset: number, size: AccessSize, value: number): number {
  return size === 4 ? value >>> 0 : ((value & sizeMask(size)) << ((offset & 3) * 8)) >>> 0;
}

/**
 * Maps guest physical addresses to devices. Regions may not overlap. Accesses to addresses no
 * device decodes go to `onUnmapped` (the platform lists them) and read as zero, writes ignored.
 */
export class MmioBus {
  /** Sorted by base. */
  private readonly regions: MmioMapping[] = [];

  constructor(private readonly onUnmapped?: (access: UnmappedAccess) => void) {}

  /** Place `device` at `base`; throws MmioError if it overlaps another device. */
  map(base: number, device: MmioDevice): MmioMapping {
    if (!Number.isSafeInteger(base) || base < 0) {
      throw new MmioError(`${device.name}: base ${base} is not a physical address`);
    }
    if (!Number.isSafeInteger(device.size) || device.size <= 0) {
      throw new MmioError(`${device.name} at ${hex(base)}: region size ${device.size} is not a positive integer`);
    }
    const end = base + device.size;
    for (const r of this.regions) {
      const rEnd = r.base + r.device.size;
      if (base < rEnd && r.base < end) {
        throw new MmioError(
          `${device.name} at ${hex(base)}-${hex(end - 1)} overlaps ${r.device.name} at ${hex(r.base)}-${hex(rEnd - 1)}`,
        );
      }
    }
    const mapping: MmioMapping = { base, device, reads: 0, writes: 0 };
    let i = this.regions.length;
    while (i > 0 && this.regions[i - 1].base > base) i--;
    this.regions.splice(i, 0, mapping);
    return mapping;
  }

  /** The device whose region holds `pa`, or undefined. */
  find(pa: number): MmioMapping | undefined {
    const regions = this.regions;
    let lo = 0;
    let hi = regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = regions[mid];
      if (pa < r.base) hi = mid - 1;
      else if (pa >= r.base + r.device.size) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** Every mapping, lowest base first (for the platform's DTB and its access statistics). */
  mappings(): readonly MmioMapping[] {
    return this.regions;
  }

  read(pa: number, size: AccessSize, cpu = 0): number {
    const r = this.route(pa, size, false, 0, cpu);
    if (r === undefined) return 0;
    r.reads++;
    return r.device.read(pa - r.base, size, cpu) >>> 0;
  }

  write(pa: number, size: AccessSize, value: number, cpu = 0): void {
    const masked = (value & sizeMask(size)) >>> 0;
    const r = this.route(pa, size, true, masked, cpu);
    if (r === undefined) return;
    r.writes++;
    r.device.write(pa - r.base, size, masked, cpu);
  }

  private route(pa: number, size: AccessSize, write: boolean, value: number, cpu: number): MmioMapping | undefined {
    if (size !== 1 && size !== 2 && size !== 4) throw new MmioError(`access size ${size} at ${hex(pa)} is not 1, 2 or 4 bytes`);
    // Device memory faults unaligned accesses at stage 1 (Arm ARM B2.5.2): one reaching here is a caller's bug.
    if (pa % size !== 0) throw new MmioError(`${size}-byte access at ${hex(pa)} is not naturally aligned`);
    const r = this.find(pa);
    if (r !== undefined && pa + size <= r.base + r.device.size) return r;
    this.onUnmapped?.({ pa, size, write, value: write ? value : undefined, cpu });
    return undefined;
  }
}
