/**
 * A vCPU's data-access fast table, in the spirit of a software TLB: direct-mapped, indexed by VA
 * page, one bank per (exception level, read/write), each slot remembering a translation the full
 * path (stage 1 + stage 2 through the Translator and its TLB, permissions, attributes, devices)
 * has already made and checked. A hit is one tag compare; a miss takes the full path, which
 * refills the slot.
 *
 * A slot is only ever a copy of what the full path would compute now, so it must go whenever that
 * could change: every TLB invalidation and every TLB entry replaced or dropped (the Tlb tells its
 * listeners), and every translation-context change (SCTLR, TTBRs, TCR, MAIR, DACR, CONTEXTIDR,
 * HCR_EL2.VM/DC/PTW, VTTBR/VTCR: the Translator flushes). The exception level is part of the
 * index, so EL changes need no flush; the physical CPU is not part of a slot (the caches are
 * looked up per access), so migration needs none either.
 *
 * Slots hold plain numbers in typed arrays, and the host page of non-cacheable RAM, so a hit
 * allocates nothing.
 */
import type { TlbListener } from '../mmu/tlb';

/** Slots per bank (a power of two). */
const BANK_SLOTS = 256;
const BANK_MASK = BANK_SLOTS - 1;
const BANK_SHIFT = 8;
/** Banks: EL0 read, EL0 write, EL1 read, EL1 write, and one never filled (see EMPTY_BANK). */
const BANKS = 5;

/** Slot flags. */
export const SoftTlbFlag = {
  /** Normal Write-Back: the access goes through the caches (else straight to the host page). */
  Cacheable: 1,
  /** The full path would have counted a Translator TLB hit (stage 1 on). */
  CountsTlbHit: 2,
} as const;

const EMPTY_PAGE = new Uint8Array(4096);

export class SoftTlb implements TlbListener {
  /** VA page number held by each slot; NaN (equal to nothing) when empty. */
  readonly tags = new Float64Array(BANKS * BANK_SLOTS).fill(NaN);
  /** PA of the first byte of the page. */
  readonly paPage = new Float64Array(BANKS * BANK_SLOTS);
  readonly flags = new Uint8Array(BANKS * BANK_SLOTS);
  /** Cache line number of the page's first byte (paPage / line size), for compiled blocks. */
  readonly linePage = new Float64Array(BANKS * BANK_SLOTS);
  /** Host bytes of a non-cacheable RAM page (PhysicalMemory keeps a page's array for its life). */
  readonly hostPage: Uint8Array[] = new Array<Uint8Array>(BANKS * BANK_SLOTS).fill(EMPTY_PAGE);
  /** Counters (not architectural): whole-table and single-page flushes. */
  flushes = 0;

  /** First slot of a bank that stays empty: a lookup there always misses. */
  static readonly EMPTY_BANK = 4 << BANK_SHIFT;

  /** `lineBytes`: the data caches' line size (a power of two up to 2 KiB). */
  constructor(readonly lineBytes: number) {}

  /** Slot of VA page `vpn` for an access at `el` (0 or 1), `write` 0 or 1. */
  static slot(vpn: number, el: number, write: number): number {
    return (((el << 1) | write) << BANK_SHIFT) | (vpn & BANK_MASK);
  }

  fill(slot: number, vpn: number, paPage: number, flags: number, hostPage: Uint8Array | null): void {
    this.tags[slot] = vpn;
    this.paPage[slot] = paPage;
    this.linePage[slot] = paPage / this.lineBytes;
    this.flags[slot] = flags;
    this.hostPage[slot] = hostPage ?? EMPTY_PAGE;
  }

  flush(): void {
    this.flushes++;
    // Host pages stay referenced: harmless (PhysicalMemory keeps them anyway), and cheaper.
    this.tags.fill(NaN);
  }

  /** Drop VA page `vpn` from every bank (a TLB entry for it was replaced). */
  flushPage(vpn: number): void {
    const i = vpn & BANK_MASK;
    const tags = this.tags;
    for (let b = 0; b < BANKS - 1; b++) {
      const s = (b << BANK_SHIFT) | i;
      if (tags[s] === vpn) tags[s] = NaN;
    }
  }
}
