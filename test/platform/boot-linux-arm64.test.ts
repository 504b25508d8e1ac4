/** Debian's arm64 kernel (linux-image-6.1.0-*-arm64, an Image) on the virt platform. */
import { describeLinuxBoot } from './linux-boot-acceptance';

describeLinuxBoot({
  flavour: 'arm64',
  /**
   * QEMU's DTB carries a kaslr-seed, setway's does not: QEMU's kernel randomizes its placement and
   * so forces page table isolation on, and its early allocations land elsewhere.
   */
  knownDifferences: [/^CPU features: kernel page table isolation forced ON by KASLR/, /^CPU features: detected: Kernel page table isolation \(KPTI\)/, /^NUMA: NODE_DATA \[mem /],
});
