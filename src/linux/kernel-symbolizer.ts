/**
 * Names code addresses in a kernel from its kallsyms: "v7_invalidate_l1+0x1c". A kernel runs at
 * its link addresses with the MMU on and at the physical addresses it was loaded to with the MMU
 * off (its first instructions, and every secondary CPU's way up), so both ranges are named.
 */
import type { KallsymsSymbol } from './kallsyms';

const FUNCTION_TYPES = new Set(['T', 't', 'W', 'w']);
/** A function is never this long: farther past the last symbol, an address is left unnamed. */
const MAX_OFFSET = 0x10_0000;

export class KernelSymbolizer {
  private readonly addresses: Uint32Array;
  private readonly names: string[];

  /**
   * `linkAddress` is the virtual address of Image offset 0, `physicalAddress` where the Image
   * sits in guest physical memory, `size` its length in bytes.
   */
  constructor(
    symbols: readonly KallsymsSymbol[],
    private readonly linkAddress: number,
    private readonly physicalAddress: number,
    private readonly size: number,
  ) {
    const code = symbols.filter((s) => FUNCTION_TYPES.has(s.type)).sort((a, b) => a.address - b.address);
    this.addresses = Uint32Array.from(code, (s) => s.address >>> 0);
    this.names = code.map((s) => s.name);
  }

  /** "name+0xoff" for `pc` (virtual, or physical within the loaded Image), or undefined. */
  nameOf(pc: number): string | undefined {
    pc >>>= 0;
    const fromPhysical = pc - this.physicalAddress;
    const va = fromPhysical >= 0 && fromPhysical < this.size ? this.linkAddress + fromPhysical : pc;
    if (va - this.linkAddress < 0 || va - this.linkAddress >= this.size) return undefined;
    let lo = 0;
    let hi = this.addresses.length - 1;
    if (hi < 0 || va < this.addresses[0]) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.addresses[mid] <= va) lo = mid;
      else hi = mid - 1;
    }
    const offset = va - this.addresses[lo];
    if (offset >= MAX_OFFSET) return undefined;
    return offset === 0 ? this.names[lo] : `${this.names[lo]}+0x${offset.toString(16)}`;
  }
}
