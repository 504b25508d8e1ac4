/** The virt board: boot placement for Linux kernels, the device tree, the assembled machine, its devices. */
export { placeKernel, dtbAddress, type KernelPlacement, type KernelKind } from '../platform/linux-boot';
export { buildVirtDtb, buildVirtTree, type VirtDtbOptions } from '../platform/virt-dtb';
export { writeFdt, fdtValue, type FdtNode } from '../platform/fdt-writer';
export { bootVirt, assembleVirt, type VirtBootOptions, type VirtBootResult, type VirtAssembly } from '../platform/virt-machine';
export * as memoryMap from '../platform/virt-memory-map';
export { MmioBus, type MmioDevice, type InterruptLine } from '../devices/mmio-device';
export { Gicv2 } from '../devices/gicv2';
export { Pl011 } from '../devices/pl011';
export { Pl031 } from '../devices/pl031';
export { Pl061 } from '../devices/pl061';
export { VirtioMmioEmpty } from '../devices/virtio-mmio-empty';
export { Psci, PSCI_RET, type PsciTarget } from '../hyp/psci';
export { VmRunner, type VmPlatform, type VmRunResult } from '../hyp/vm-runner';
