/**
 * The device tree of setway's `virt` machine: the nodes QEMU's `virt` board writes for the same
 * CPU type, CPU count and RAM, for the devices setway models, with the same names, values and
 * order (checked node by node against QEMU's own DTB in test/platform/virt-dtb.test.ts). Debian's
 * kernels and U-Boot read nothing else to find the machine.
 *
 * Left out, because setway does not model them (a node without a device behind it would send
 * the guest into unmapped MMIO):
 *   - flash@0 (cfi-flash, two 64 MiB banks) unless `flash` is set (a firmware boot): a kernel
 *     booted directly never looks at it, and flash under stage 2 costs every flush by address;
 *   - fw-cfg@9020000 (qemu,fw-cfg-mmio);
 *   - pcie@10000000 (pci-host-ecam-generic) and its ECAM/MMIO/PIO windows;
 *   - platform-bus@c000000 (QEMU's dynamic sysbus devices, empty by default);
 *   - pmu (arm,armv8-pmuv3 on A64, an empty node on A32): no PMU is modelled;
 *   - /chosen kaslr-seed (random per QEMU run); rng-seed only when the caller passes one.
 * Added: /aliases with serial0 = the PL011 (newer QEMU releases write it; Debian 12's 7.2 does not).
 */
import { FdtNode, fdtValue as v, writeFdt } from './fdt-writer';
import { psci01FunctionIds } from './psci-function-ids';
import {
  LINUX_KEY_POWER,
  VIRT_APB_PCLK_HZ,
  VIRT_FLASH_BANKS,
  VIRT_GICV2_MAX_CPUS,
  VIRT_GIC_CPU,
  VIRT_GIC_DIST,
  VIRT_GIC_V2M,
  VIRT_GPIO,
  VIRT_GPIO_POWER_KEY_LINE,
  VIRT_PPI,
  VIRT_RAM_BASE,
  VIRT_RAM_MAX_BYTES,
  VIRT_RTC,
  VIRT_SPI,
  VIRT_UART,
  VIRT_VIRTIO_MMIO_SLOTS,
  virtioMmioSlot,
  type AddressRange,
} from './virt-memory-map';

/** Options setway cannot build a DTB for: says which and why. */
export class VirtDtbError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'VirtDtbError';
  }
}

export interface VirtDtbOptions {
  /** a32: Cortex-A15 cores (QEMU's qemu-system-arm default for virt); a64: Cortex-A53. */
  readonly isa: 'a32' | 'a64';
  /** 1..8 (a GICv2 targets 8 CPUs at most). */
  readonly cpus: number;
  /** RAM from 0x4000_0000, in bytes. */
  readonly ramBytes: number;
  /** The kernel command line (/chosen/bootargs). */
  readonly bootargs?: string;
  /** Where the initrd was loaded: [start, end) physical addresses. */
  readonly initrd?: { readonly start: number; readonly end: number };
  /** How the guest calls PSCI: HVC (default, as QEMU without EL2/EL3 in the guest) or SMC. */
  readonly psciMethod?: 'hvc' | 'smc';
  /** Bytes for /chosen/rng-seed (QEMU writes 32 random ones); derive them from the run's seed so a boot replays. */
  readonly rngSeed?: Uint8Array;
  /** List the two CFI flash banks at 0 (flash@0), as QEMU does; set when the machine has them. */
  readonly flash?: boolean;
  /** Zero bytes left free inside the blob's totalsize, for a loader that edits it in place. */
  readonly freeSpace?: number;
  /** Pad the blob to at least this totalsize. */
  readonly minTotalSize?: number;
}

// Interrupt specifier cells of the arm,gic binding (#interrupt-cells = 3): type, number, flags.
const GIC_SPI = 0;
const GIC_PPI = 1;
const IRQ_TYPE_EDGE_RISING = 1;
const IRQ_TYPE_LEVEL_HIGH = 4;
/** For a PPI on a GICv2, bits [15:8] of the flags cell say which CPUs it is wired to. */
const ppiCpuMask = (cpus: number): number => ((1 << cpus) - 1) << 8;

/** `node-name@unit-address`, the unit address in lower-case hex without leading zeros (DT spec 2.2.1). */
const at = (name: string, address: number): string => `${name}@${address.toString(16)}`;

/** A `reg` entry for a root-level node: #address-cells = #size-cells = 2. */
const reg = (...ranges: AddressRange[]): Uint8Array => v.u64(...ranges.flatMap((r) => [r.base, r.size]));

/** The phandles, numbered in the order QEMU allocates them so a DTS diff against QEMU's is quiet. */
interface Phandles {
  readonly apbClock: number;
  readonly cpu: (index: number) => number;
  readonly gic: number;
  readonly v2m: number;
  readonly gpio: number;
}

function phandles(cpus: number): Phandles {
  const first = 0x8000;
  return {
    apbClock: first,
    cpu: (i) => first + cpus - i, // allocated from the last CPU down, as the cpu-map is built
    gic: first + cpus + 1,
    v2m: first + cpus + 2,
    gpio: first + cpus + 3,
  };
}

function checkOptions(o: VirtDtbOptions): void {
  if (o.isa !== 'a32' && o.isa !== 'a64') throw new VirtDtbError(`isa ${String(o.isa)} is neither a32 nor a64`);
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > VIRT_GICV2_MAX_CPUS) {
    throw new VirtDtbError(`${o.cpus} CPUs: the virt board with a GICv2 has 1..${VIRT_GICV2_MAX_CPUS}`);
  }
  if (!Number.isSafeInteger(o.ramBytes) || o.ramBytes <= 0 || o.ramBytes > VIRT_RAM_MAX_BYTES) {
    throw new VirtDtbError(`RAM of ${o.ramBytes} bytes: the virt board holds 1 byte .. 255 GiB from 0x40000000`);
  }
  if (o.initrd) {
    const { start, end } = o.initrd;
    const ramEnd = VIRT_RAM_BASE + o.ramBytes;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < VIRT_RAM_BASE || end < start || end > ramEnd) {
      throw new VirtDtbError(`initrd [0x${start.toString(16)}, 0x${end.toString(16)}) is not inside RAM [0x${VIRT_RAM_BASE.toString(16)}, 0x${ramEnd.toString(16)})`);
    }
  }
}

/** An address for /chosen: one cell when it fits (as QEMU writes it), else two; Linux reads either. */
function chosenAddress(address: number, wide: boolean): Uint8Array {
  return wide ? v.u64(address) : v.u32(address);
}

/** The device tree of the machine as a node tree, for callers that add nodes before writing it. */
export function buildVirtTree(options: VirtDtbOptions): FdtNode {
  checkOptions(options);
  const { isa, cpus } = options;
  const ph = phandles(cpus);
  const root = new FdtNode('');

  root
    .prop('interrupt-parent', v.phandle(ph.gic))
    .prop('model', v.string('linux,dummy-virt'))
    .prop('#size-cells', v.u32(2))
    .prop('#address-cells', v.u32(2))
    .prop('compatible', v.string('linux,dummy-virt'));

  // PSCI (binding arm,psci): 1.0 firmware, with the 0.1 function IDs for old kernels.
  const ids = psci01FunctionIds(isa);
  root
    .child('psci')
    .prop('migrate', v.u32(ids.migrate))
    .prop('cpu_on', v.u32(ids.cpuOn))
    .prop('cpu_off', v.u32(ids.cpuOff))
    .prop('cpu_suspend', v.u32(ids.cpuSuspend))
    .prop('method', v.string(options.psciMethod ?? 'hvc'))
    .prop('compatible', v.strings('arm,psci-1.0', 'arm,psci-0.2', 'arm,psci'));

  root
    .child(at('memory', VIRT_RAM_BASE))
    .prop('reg', reg({ base: VIRT_RAM_BASE, size: options.ramBytes }))
    .prop('device_type', v.string('memory'));

  // virtio-mmio transports, lowest address first (QEMU creates the nodes in reverse so they end
  // up in this order); edge-triggered SPIs 16..47.
  for (let slot = 0; slot < VIRT_VIRTIO_MMIO_SLOTS; slot++) {
    const range = virtioMmioSlot(slot);
    root
      .child(at('virtio_mmio', range.base))
      .prop('dma-coherent', v.empty())
      .prop('interrupts', v.u32(GIC_SPI, VIRT_SPI.virtioMmioFirst + slot, IRQ_TYPE_EDGE_RISING))
      .prop('reg', reg(range))
      .prop('compatible', v.string('virtio,mmio'));
  }

  // The power button: PL061 line 3, active high, sends KEY_POWER (binding gpio-keys).
  const keys = root.child('gpio-keys').prop('compatible', v.string('gpio-keys'));
  keys
    .child('poweroff')
    .prop('gpios', v.u32(ph.gpio, VIRT_GPIO_POWER_KEY_LINE, 0))
    .prop('linux,code', v.u32(LINUX_KEY_POWER))
    .prop('label', v.string('GPIO Key Poweroff'));

  root
    .child(at('pl061', VIRT_GPIO.base))
    .prop('phandle', v.u32(ph.gpio))
    .prop('clock-names', v.string('apb_pclk'))
    .prop('clocks', v.phandle(ph.apbClock))
    .prop('interrupts', v.u32(GIC_SPI, VIRT_SPI.gpio, IRQ_TYPE_LEVEL_HIGH))
    .prop('gpio-controller', v.empty())
    .prop('#gpio-cells', v.u32(2))
    .prop('compatible', v.strings('arm,pl061', 'arm,primecell'))
    .prop('reg', reg(VIRT_GPIO));

  root
    .child(at('pl031', VIRT_RTC.base))
    .prop('clock-names', v.string('apb_pclk'))
    .prop('clocks', v.phandle(ph.apbClock))
    .prop('interrupts', v.u32(GIC_SPI, VIRT_SPI.rtc, IRQ_TYPE_LEVEL_HIGH))
    .prop('reg', reg(VIRT_RTC))
    .prop('compatible', v.strings('arm,pl031', 'arm,primecell'));

  const uartPath = `/${at('pl011', VIRT_UART.base)}`;
  root
    .child(at('pl011', VIRT_UART.base))
    .prop('clock-names', v.strings('uartclk', 'apb_pclk'))
    .prop('clocks', v.u32(ph.apbClock, ph.apbClock))
    .prop('interrupts', v.u32(GIC_SPI, VIRT_SPI.uart, IRQ_TYPE_LEVEL_HIGH))
    .prop('reg', reg(VIRT_UART))
    .prop('compatible', v.strings('arm,pl011', 'arm,primecell'));

  // GICv2 (binding arm,gic): distributor and CPU interface, and the v2m MSI frame as a child in
  // the same address space (`ranges;` maps it 1:1).
  const gic = root
    .child(at('intc', VIRT_GIC_DIST.base))
    .prop('phandle', v.u32(ph.gic))
    .prop('reg', reg(VIRT_GIC_DIST, VIRT_GIC_CPU))
    .prop('compatible', v.string('arm,cortex-a15-gic'))
    .prop('ranges', v.empty())
    .prop('#size-cells', v.u32(2))
    .prop('#address-cells', v.u32(2))
    .prop('interrupt-controller', v.empty())
    .prop('#interrupt-cells', v.u32(3));
  gic
    .child(at('v2m', VIRT_GIC_V2M.base))
    .prop('phandle', v.u32(ph.v2m))
    .prop('reg', reg(VIRT_GIC_V2M))
    .prop('msi-controller', v.empty())
    .prop('compatible', v.string('arm,gic-v2m-frame'));

  if (options.flash === true) {
    root
      .child(at('flash', VIRT_FLASH_BANKS[0].base))
      .prop('bank-width', v.u32(4))
      .prop('reg', reg(...VIRT_FLASH_BANKS))
      .prop('compatible', v.string('cfi-flash'));
  }

  // CPUs: reg is the MPIDR affinity (Aff0 = index, one cluster of at most 8). Secondaries are
  // started by PSCI; QEMU names the enable-method only when there are secondaries to start.
  const cpusNode = root.child('cpus').prop('#size-cells', v.u32(0)).prop('#address-cells', v.u32(1));
  const cluster = cpusNode.child('cpu-map').child('socket0').child('cluster0');
  for (let i = 0; i < cpus; i++) cluster.child(`core${i}`).prop('cpu', v.phandle(ph.cpu(i)));
  for (let i = 0; i < cpus; i++) {
    const cpu = cpusNode.child(at('cpu', i)).prop('phandle', v.u32(ph.cpu(i))).prop('reg', v.u32(i));
    if (cpus > 1) cpu.prop('enable-method', v.string('psci'));
    cpu.prop('compatible', v.string(isa === 'a64' ? 'arm,cortex-a53' : 'arm,cortex-a15')).prop('device_type', v.string('cpu'));
  }

  // Generic timer (binding arm,arch_timer): secure phys, non-secure phys, virtual, hypervisor
  // PPIs, level-high, wired to every CPU. always-on: the timer keeps counting in every power state
  // (QEMU writes it for every virt configuration). The frequency comes from CNTFRQ, not the DTB.
  const timerFlags = ppiCpuMask(cpus) | IRQ_TYPE_LEVEL_HIGH;
  const timerPpis = [VIRT_PPI.securePhysTimer, VIRT_PPI.nonSecurePhysTimer, VIRT_PPI.virtTimer, VIRT_PPI.hypTimer];
  root
    .child('timer')
    .prop('interrupts', v.u32(...timerPpis.flatMap((ppi) => [GIC_PPI, ppi, timerFlags])))
    .prop('always-on', v.empty())
    .prop('compatible', isa === 'a64' ? v.strings('arm,armv8-timer', 'arm,armv7-timer') : v.string('arm,armv7-timer'));

  root
    .child('apb-pclk')
    .prop('phandle', v.u32(ph.apbClock))
    .prop('clock-output-names', v.string('clk24mhz'))
    .prop('clock-frequency', v.u32(VIRT_APB_PCLK_HZ))
    .prop('#clock-cells', v.u32(0))
    .prop('compatible', v.string('fixed-clock'));

  const chosen = root.child('chosen');
  if (options.initrd) {
    const wide = options.initrd.end > 0xffff_ffff;
    chosen.prop('linux,initrd-end', chosenAddress(options.initrd.end, wide));
    chosen.prop('linux,initrd-start', chosenAddress(options.initrd.start, wide));
  }
  if (options.bootargs !== undefined) chosen.prop('bootargs', v.string(options.bootargs));
  chosen.prop('stdout-path', v.string(uartPath));
  if (options.rngSeed) chosen.prop('rng-seed', v.bytes(options.rngSeed));

  root.child('aliases').prop('serial0', v.string(uartPath));
  return root;
}

/** The DTB of setway's virt machine for `options`. */
export function buildVirtDtb(options: VirtDtbOptions): Uint8Array {
  const root = buildVirtTree(options);
  return writeFdt(root, { bootCpuidPhys: 0, freeSpace: options.freeSpace ?? 0, minTotalSize: options.minTotalSize });
}
