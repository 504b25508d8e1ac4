/**
 * The GICv2m MSI frame QEMU's virt places at 0x0802_0000 (Arm "Server Base System Architecture"
 * GICv2m; the DTB advertises it, so Linux probes it): MSI_TYPER tells which SPIs it hands out.
 * setway has no PCIe, so nothing ever writes MSI_SETSPI; the frame only identifies itself.
 */
import type { AccessSize, MmioDevice } from './mmio-device';
import { readLanes } from './mmio-device';

/** Register offsets (GICv2m: MSI_TYPER 0x008, MSI_SETSPI_NS 0x040, MSI_IIDR 0xFCC). */
const MSI_TYPER = 0x008;
const MSI_IIDR = 0xfcc;

export class Gicv2m implements MmioDevice {
  readonly name = 'gicv2m';
  readonly size = 0x1000;

  /** `firstSpi` as an interrupt ID (32 + n), and how many SPIs the frame owns. */
  constructor(
    private readonly firstSpi: number,
    private readonly count: number,
  ) {}

  read(offset: number, size: AccessSize): number {
    const word = offset & ~3;
    // MSI_TYPER: base SPI ID in [25:16], count in [9:0].
    if (word === MSI_TYPER) return readLanes(((this.firstSpi & 0x3ff) << 16) | (this.count & 0x3ff), offset, size);
    if (word === MSI_IIDR) return 0;
    return 0;
  }

  write(): void {}
}
