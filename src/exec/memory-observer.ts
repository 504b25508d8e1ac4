/**
 * What a lockstep comparison needs to see of a vCPU's data accesses: every load with the value
 * the guest received, and every store with the value it wrote, in program order. Instruction
 * fetches and translation-table walks are not guest observations in this sense (a stale one shows
 * up later as a different load address or value).
 */
export interface MemoryObserver {
  /** A data load of `size` bytes at `va` (physical `pa`) returned `value` (unsigned). */
  load(va: number, pa: number, size: number, value: number): void;
  /** A data store of `size` bytes at `va` (physical `pa`) of `value` (DC ZVA: one call per word, zero). */
  store(va: number, pa: number, size: number, value: number): void;
}
