/**
 * GuestMemory over a PhysicalMemory with VA = PA and no caches: what executors use before the
 * memory system (stage 1, stage 2, caches) exists, and in unit tests. An access outside RAM is a
 * synchronous external abort (Arm ARM D17 DFSC 0b010000), reported as a stage-1 MemoryAbort.
 */
import { MemoryAbort, type FaultAccess } from '../mmu/fault';
import { PhysicalMemory, PhysicalAddressError } from '../mmu/physical-memory';
import type { GuestMemory } from './guest-memory';

export class FlatMemory implements GuestMemory {
  constructor(readonly physical: PhysicalMemory = new PhysicalMemory()) {}

  read8(va: number): number {
    try {
      return this.physical.read8(va);
    } catch (e) {
      throw this.abort(e, va, 'read');
    }
  }
  read16(va: number): number {
    try {
      return this.physical.read16(va);
    } catch (e) {
      throw this.abort(e, va, 'read');
    }
  }
  read32(va: number): number {
    try {
      return this.physical.read32(va);
    } catch (e) {
      throw this.abort(e, va, 'read');
    }
  }
  write8(va: number, value: number): void {
    try {
      this.physical.write8(va, value & 0xff);
    } catch (e) {
      throw this.abort(e, va, 'write');
    }
  }
  write16(va: number, value: number): void {
    try {
      this.physical.write16(va, value & 0xffff);
    } catch (e) {
      throw this.abort(e, va, 'write');
    }
  }
  write32(va: number, value: number): void {
    try {
      this.physical.write32(va, value >>> 0);
    } catch (e) {
      throw this.abort(e, va, 'write');
    }
  }
  fetch16(va: number): number {
    try {
      return this.physical.read16(va);
    } catch (e) {
      throw this.abort(e, va, 'fetch');
    }
  }
  fetch32(va: number): number {
    try {
      return this.physical.read32(va);
    } catch (e) {
      throw this.abort(e, va, 'fetch');
    }
  }

  /** Copy bytes into memory (loading a test program). */
  load(address: number, bytes: Uint8Array): void {
    this.physical.writeBytes(address, bytes);
  }

  private abort(e: unknown, va: number, access: FaultAccess): unknown {
    if (e instanceof PhysicalAddressError) {
      return new MemoryAbort({ kind: 'external', stage: 1, level: -1, access, va, ipa: va, s1ptw: false });
    }
    return e;
  }
}
