/**
 * Emulated MMIO, as Xen and KVM do it: device pages are absent from stage 2, so a guest access
 * takes a stage-2 data abort to EL2 whose syndrome describes the access (ISV=1: SAS, SSE, SRT,
 * SF, WnR; D17 "ESR_EL2" ISS for data aborts). EL2 performs it on the device model and returns
 * the result in the register the syndrome names. Devices are behind this one interface; the
 * platform (src/platform) maps IPAs to them.
 */

export interface MmioHandler {
  /**
   * Whether `ipa` is MMIO space this handler answers for (a device, or an empty part of the
   * device map that reads as zero). Addresses it does not claim stay stage-2 faults.
   */
  claims(ipa: number): boolean;
  /** A read of `size` bytes by vCPU `vcpu` (the GIC CPU interface is banked per CPU). Unsigned. */
  read(vcpu: number, ipa: number, size: 1 | 2 | 4): number;
  write(vcpu: number, ipa: number, size: 1 | 2 | 4, value: number): void;
}

/** Sign- or zero-extend an MMIO read of `bytes` to 32 bits, as the load instruction would (SSE). */
export function extendMmioRead(value: number, bytes: number, signed: boolean): number {
  if (!signed || bytes === 4) return value >>> 0;
  const shift = 32 - 8 * bytes;
  return ((value << shift) >> shift) >>> 0;
}
