/**
 * What an executor sees of memory: virtual addresses in, values out. The memory system
 * (stage 1, stage 2, caches) implements it; `FlatMemory` serves tests before that exists.
 *
 * Addresses are JS numbers. AArch32 addresses are 0..2^32-1. AArch64 virtual addresses are the
 * signed 64-bit value of the address, so the TTBR1 half (0xFFFF_xxxx_xxxx_xxxx) is a small
 * negative number and stays exact; an address whose magnitude exceeds 2^53 is not canonical for
 * any translation regime setway models and faults.
 *
 * A failed access throws `MemoryAbort` (from src/mmu/fault.ts): the executor catches it at the
 * instruction boundary and turns it into a guest abort or an EL2 trap. Aborts are rare, so the
 * throw is off the fast path.
 *
 * Executors cache decoded instructions per address and reuse a record only while the fetched
 * word is unchanged, so self-modifying code and remapping need no separate invalidation signal.
 */
export interface GuestMemory {
  read8(va: number): number;
  read16(va: number): number;
  read32(va: number): number;
  write8(va: number, value: number): void;
  write16(va: number, value: number): void;
  write32(va: number, value: number): void;
  /** Instruction fetch: checked for execute permission, may use a different cacheability. */
  fetch16(va: number): number;
  fetch32(va: number): number;
}
