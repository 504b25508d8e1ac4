/**
 * The physical address map and interrupt numbers of QEMU's `virt` board, the machine Debian's
 * armmp/arm64 kernels and U-Boot's qemu_arm/qemu_arm64 configurations boot on unmodified. One
 * place for the facts, so the stage-2 holes, the device models and the DTB (`virt-dtb.ts`) cannot
 * disagree. Every value is checked against the DTB QEMU itself writes
 * (`qemu-system-arm|aarch64 -M virt,dumpdtb=…`, test/platform/virt-memory-map.test.ts); those the
 * DTB does not carry (CNTFRQ, the GICv2m SPI range) against a guest running on QEMU.
 *
 * Interrupt numbers are the ones the DTB uses (devicetree binding arm,gic: cell 0 is the type, 0
 * SPI / 1 PPI, cell 1 the number within that type): the GIC INTID is SPI + 32 or PPI + 16
 * (GIC architecture, IHI 0048B 2.2.1 "Interrupt IDs").
 */

/** An address range: `base` and `size` in bytes. */
export interface AddressRange {
  readonly base: number;
  readonly size: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

// ---- Address map (QEMU virt, the "low" map below 4 GiB plus RAM) ----

/** Two CFI flash banks of 64 MiB each; bank 0 holds `-bios`, execution starts at 0. */
export const VIRT_FLASH_BANK_SIZE = 64 * MiB;
export const VIRT_FLASH_BANKS: readonly AddressRange[] = [
  { base: 0x0000_0000, size: VIRT_FLASH_BANK_SIZE },
  { base: 0x0400_0000, size: VIRT_FLASH_BANK_SIZE },
];
/** GICv2 distributor (GICD_*), 64 KiB frame. */
export const VIRT_GIC_DIST: AddressRange = { base: 0x0800_0000, size: 0x1_0000 };
/** GICv2 CPU interface (GICC_*), 64 KiB frame. */
export const VIRT_GIC_CPU: AddressRange = { base: 0x0801_0000, size: 0x1_0000 };
/** GICv2m MSI frame (one 4 KiB page: MSI_TYPER at 0x008, MSI_SETSPI_NS at 0x040). */
export const VIRT_GIC_V2M: AddressRange = { base: 0x0802_0000, size: 0x1000 };
/**
 * GIC virtualization extensions: hypervisor control (GICH) and virtual CPU interface (GICV).
 * QEMU lists them only with `virtualization=on` (a guest that runs its own EL2); setway's guests
 * run at EL1, so the DTB leaves them out. Kept here so nothing else is ever placed there.
 */
export const VIRT_GIC_HYP: AddressRange = { base: 0x0803_0000, size: 0x1_0000 };
export const VIRT_GIC_VCPU: AddressRange = { base: 0x0804_0000, size: 0x1_0000 };
/** PL011 UART (the console, ttyAMA0). */
export const VIRT_UART: AddressRange = { base: 0x0900_0000, size: 0x1000 };
/** PL031 real-time clock. */
export const VIRT_RTC: AddressRange = { base: 0x0901_0000, size: 0x1000 };
/** QEMU's firmware configuration interface (selector, data, DMA registers): 0x18 bytes. */
export const VIRT_FW_CFG: AddressRange = { base: 0x0902_0000, size: 0x18 };
/** PL061 GPIO controller (line 3 is the power key). */
export const VIRT_GPIO: AddressRange = { base: 0x0903_0000, size: 0x1000 };
/** virtio-mmio transports: 32 slots of 0x200 bytes each from here. */
export const VIRT_VIRTIO_MMIO_BASE = 0x0a00_0000;
export const VIRT_VIRTIO_MMIO_SLOT_SIZE = 0x200;
export const VIRT_VIRTIO_MMIO_SLOTS = 32;
/** Guest RAM starts at 1 GiB. */
export const VIRT_RAM_BASE = 0x4000_0000;
/** The most RAM the board's low map holds (up to 256 GiB, where QEMU's high regions begin). */
export const VIRT_RAM_MAX_BYTES = 255 * GiB;

/** The address range of virtio-mmio slot `slot` (0..31). */
export function virtioMmioSlot(slot: number): AddressRange {
  if (!Number.isInteger(slot) || slot < 0 || slot >= VIRT_VIRTIO_MMIO_SLOTS) {
    throw new RangeError(`virtio-mmio slot ${slot} outside 0..${VIRT_VIRTIO_MMIO_SLOTS - 1}`);
  }
  return { base: VIRT_VIRTIO_MMIO_BASE + slot * VIRT_VIRTIO_MMIO_SLOT_SIZE, size: VIRT_VIRTIO_MMIO_SLOT_SIZE };
}

// ---- Interrupts (numbers as in the DTB's GIC specifiers) ----

/** Shared peripheral interrupts, numbered from 0 = INTID 32. */
export const VIRT_SPI = {
  uart: 1,
  rtc: 2,
  /** PCIe INTA..INTD are SPIs 3..6 (setway has no PCIe; reserved). */
  pcieIntA: 3,
  gpio: 7,
  /** virtio-mmio slot n raises SPI 16 + n (16..47). */
  virtioMmioFirst: 16,
  /** The GICv2m frame hands out SPIs 48..111 for MSIs (not in the DTB: the frame's MSI_TYPER says it). */
  v2mFirst: 48,
  v2mCount: 64,
} as const;

/** Private peripheral interrupts, numbered from 0 = INTID 16. */
export const VIRT_PPI = {
  /** GIC virtual interface maintenance interrupt (only with the GIC virtualization extensions). */
  gicMaintenance: 9,
  /** Arm generic timers (Arm ARM D11 / binding arm,arch_timer, in the binding's order below). */
  hypTimer: 10,
  virtTimer: 11,
  securePhysTimer: 13,
  nonSecurePhysTimer: 14,
  /** PMU overflow (QEMU lists it for v8 CPUs; setway models no PMU). */
  pmu: 7,
} as const;

/** INTID of an SPI / a PPI as numbered in the DTB. */
export const spiIntId = (spi: number): number => spi + 32;
export const ppiIntId = (ppi: number): number => ppi + 16;

/** The GPIO line of the PL061 wired to the power button, and the key it sends (Linux KEY_POWER). */
export const VIRT_GPIO_POWER_KEY_LINE = 3;
export const LINUX_KEY_POWER = 116;

// ---- Clocks and limits ----

/** CNTFRQ of QEMU's generic timer for these cores: 62.5 MHz (one tick per 16 ns). */
export const VIRT_CNTFRQ_HZ = 62_500_000;
/** The fixed 24 MHz clock the PL011/PL031/PL061 name as apb_pclk (and uartclk). */
export const VIRT_APB_PCLK_HZ = 24_000_000;
/** A GICv2 targets at most 8 CPUs, and so does QEMU's virt board with it. */
export const VIRT_GICV2_MAX_CPUS = 8;
