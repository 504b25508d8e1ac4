/**
 * What a lockstep comparison needs to see of a vCPU's data accesses: every load with the value
 * the guest received, and every store with the value it wrote, in program order. Instruction
 * fetches and translation-table walks are not guest observations in this sense (a stale one shows
 * up later as a different load address or value).
 */
export interface MemoryObserver {
  /**
   * A data load of `size` bytes at `va` (physical `pa`) returned `value` (unsigned). Returns the
   * value the load gives the guest: `value`, or another value the architecture also allows here
   * (a bare-metal reference adopting the newer data a hypervisor's guest read: a dirty line may
   * be written back at any time).
   */
  load(va: number, pa: number, size: number, value: number): number;
  /** A data store of `size` bytes at `va` (physical `pa`) of `value` (DC ZVA: one call per word, zero). */
  store(va: number, pa: number, size: number, value: number): void;
  /**
   * The instruction being executed took an abort to EL2 at `faultVa` that will return to it (a
   * stage-2 fault the hypervisor resolved): the accesses it made before the faulting one, if any (a load pair
   * or multiple that crosses into the faulting page), will be made again. Bare metal makes them
   * once; the hypervisor's guest twice.
   */
  restart?(faultVa: number): void;
}
