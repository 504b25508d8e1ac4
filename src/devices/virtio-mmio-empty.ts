/**
 * An empty virtio-mmio transport slot (Virtio 1.2 spec, 4.2.2 "MMIO Device Register Layout"), as
 * QEMU's virt board places 32 of them at 0x0a000000, 0x200 apart, with no backend plugged in.
 *
 * The transport identifies itself (MagicValue "virt", Version, VendorID "QEMU") and reports
 * DeviceID 0, which the spec reserves for "no device": Linux's virtio_mmio probe then leaves the
 * slot alone. Every other register reads 0; writes are ignored.
 *
 * Version: QEMU 7.2's virt (Debian 12's qemu-system-arm) creates these transports legacy
 * (virtio-mmio.force-legacy defaults to true), so they read Version 1; checked on Debian's QEMU
 * 7.2 with `xp /4wx 0x0a000000` in its monitor: 0x74726976 0x00000001 0x00000000 0x554d4551.
 */
import { type AccessSize, type MmioDevice, readLanes } from './mmio-device';

/** Register offsets (4.2.2). */
export const VIRTIO_MMIO = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
} as const;

/** "virt" in little-endian ASCII. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;
/** "QEMU" in little-endian ASCII: QEMU's vendor ID. */
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d4551;

export interface VirtioMmioEmptyOptions {
  readonly name?: string;
  /** 1 = legacy interface (QEMU 7.2 virt's default), 2 = virtio 1.0+ (force-legacy=false). */
  readonly version?: 1 | 2;
}

export class VirtioMmioEmpty implements MmioDevice {
  readonly name: string;
  readonly size = 0x200;
  readonly version: 1 | 2;

  constructor(options: VirtioMmioEmptyOptions = {}) {
    this.name = options.name ?? 'virtio-mmio';
    this.version = options.version ?? 1;
  }

  read(offset: number, size: AccessSize): number {
    let word: number;
    switch (offset & ~3) {
      case VIRTIO_MMIO.MAGIC_VALUE:
        word = VIRTIO_MMIO_MAGIC;
        break;
      case VIRTIO_MMIO.VERSION:
        word = this.version;
        break;
      case VIRTIO_MMIO.VENDOR_ID:
        word = VIRTIO_MMIO_VENDOR_QEMU;
        break;
      default:
        word = 0; // DeviceID 0: no device; features, queues, status and config space read 0
    }
    return readLanes(word, offset, size);
  }

  write(_offset: number, _size: AccessSize, _value: number): void {
    // Nothing is behind the transport: writes (Status, QueueSel, ...) are ignored.
  }
}
