/**
 * The memory our executors see while they run a differential-test sequence: the scratch buffer
 * (data) and the sequence's code (fetch), at the addresses the QEMU harness used. Anything else
 * aborts, and every data access is logged so the caller can reject sequences QEMU would fault on.
 */
import type { GuestMemory } from '../../src/exec/guest-memory';
import { MemoryAbort, type FaultAccess } from '../../src/mmu/fault';
import { SCRATCH_ADDRESS, SCRATCH_SIZE } from './exec-harness';

export interface DataAccess {
  readonly address: number;
  readonly size: number;
  readonly write: boolean;
}

export class ScratchMemory implements GuestMemory {
  readonly scratch: Uint8Array;
  /** Data accesses since the last `clearLog()`. */
  readonly log: DataAccess[] = [];
  /** Set by the first access outside the scratch buffer or the code. */
  outside: DataAccess | null = null;

  constructor(
    initialScratch: Uint8Array,
    readonly codeAddress: number,
    readonly code: Uint32Array,
  ) {
    this.scratch = initialScratch.slice();
  }

  clearLog(): void {
    this.log.length = 0;
  }

  private offset(va: number, size: number, access: FaultAccess): number {
    const off = va - SCRATCH_ADDRESS;
    const acc = { address: va, size, write: access === 'write' };
    if (off < 0 || off + size > SCRATCH_SIZE) {
      this.outside ??= acc;
      throw new MemoryAbort({ kind: 'translation', stage: 1, level: 3, access, va, ipa: va, s1ptw: false });
    }
    this.log.push(acc);
    return off;
  }

  read8(va: number): number {
    return this.scratch[this.offset(va, 1, 'read')];
  }
  read16(va: number): number {
    const o = this.offset(va, 2, 'read');
    return this.scratch[o] | (this.scratch[o + 1] << 8);
  }
  read32(va: number): number {
    const o = this.offset(va, 4, 'read');
    const s = this.scratch;
    return (s[o] | (s[o + 1] << 8) | (s[o + 2] << 16) | (s[o + 3] << 24)) >>> 0;
  }
  write8(va: number, value: number): void {
    this.scratch[this.offset(va, 1, 'write')] = value;
  }
  write16(va: number, value: number): void {
    const o = this.offset(va, 2, 'write');
    this.scratch[o] = value;
    this.scratch[o + 1] = value >>> 8;
  }
  write32(va: number, value: number): void {
    const o = this.offset(va, 4, 'write');
    const s = this.scratch;
    s[o] = value;
    s[o + 1] = value >>> 8;
    s[o + 2] = value >>> 16;
    s[o + 3] = value >>> 24;
  }
  fetch16(va: number): number {
    const w = this.fetch32(va & ~3);
    return (va & 2) === 0 ? w & 0xffff : w >>> 16;
  }
  fetch32(va: number): number {
    const i = (va - this.codeAddress) / 4;
    if (!Number.isInteger(i) || i < 0 || i >= this.code.length) {
      this.outside ??= { address: va, size: 4, write: false };
      throw new MemoryAbort({ kind: 'translation', stage: 1, level: 3, access: 'fetch', va, ipa: va, s1ptw: false });
    }
    return this.code[i];
  }
}
