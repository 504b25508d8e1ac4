/**
 * A TLB: stage 1 + stage 2 ("combined") entries tagged by VMID and ASID (or global), and
 * stage-2-only entries tagged by VMID, each keyed by page number in a Map per VMID, so a hit is
 * one Map lookup and allocates nothing. Entries are per 4 KiB page but remember the extent of the
 * leaf they came from, so an invalidation by address removes every page of a block, as it must.
 *
 * Architecturally a TLB may drop any entry at any time (D8.13 "Translation Lookaside Buffers"),
 * so the capacity limit simply empties a VMID's map when it fills, and invalidations may remove
 * more than they must: by-IPA invalidation also removes combined entries built from that IPA.
 */

import type { MemoryAttributes } from './memory-attributes';

/** A VA-to-PA translation cached for one page. */
export class CombinedEntry {
  /** VA page number (va / 4096, signed for AArch64 TTBR1 addresses). */
  vpn = 0;
  /** ASID of a non-global entry. */
  asid = 0;
  global = false;
  /** Translation-context generation the entry was made under (see Translator). */
  generation = 0;
  /** PA and IPA of the first byte of the page. */
  paPage = 0;
  ipaPage = 0;
  /** Stage 1 and stage 2 PERM bits, and their intersection. */
  s1Perms = 0;
  s2Perms = 0;
  perms = 0;
  /** Short-descriptor domain, -1 for long descriptors (the DACR is checked on every hit). */
  domain = -1;
  dataAttrs!: MemoryAttributes;
  fetchAttrs!: MemoryAttributes;
  /** Stage 1 leaf extent in VA pages, stage 2 leaf extent in IPA pages. */
  s1FirstVpn = 0;
  s1Pages = 1;
  s2FirstIpn = 0;
  s2Pages = 1;
}

/** An IPA-to-PA translation cached for one page. */
export class Stage2Entry {
  ipn = 0;
  paPage = 0;
  /** Stage 2 PERM bits (read/write/exec at both ELs). */
  perms = 0;
  /** Interned attribute code of the stage 2 leaf. */
  attrCode = 0;
  /** Lookup level of the stage 2 leaf (reported by faults raised on a hit, e.g. HCR_EL2.PTW). */
  level = 3;
  firstIpn = 0;
  pages = 1;
}

interface VmidMaps {
  readonly combined: Map<number, CombinedEntry>;
  readonly stage2: Map<number, Stage2Entry>;
  // Entries from leaves larger than a page: invalidation by address must scan for them.
  largeCombined: number;
  largeStage2: number;
}

export const ALL_ASIDS = -1;

/**
 * Something that keeps copies of this TLB's translations (a vCPU's data-access fast table): told
 * whenever entries may disappear or be replaced, so its copies never outlive them.
 */
export interface TlbListener {
  /** Every entry may have gone. */
  flush(): void;
  /** The entries for page `pageNumber` (a VA page, or an IPA page of stage 2) may have changed. */
  flushPage(pageNumber: number): void;
}

export class Tlb {
  private readonly vmids = new Map<number, VmidMaps>();
  /** Counters for the bench and for tests (not architectural). */
  invalidations = 0;
  private listeners: TlbListener[] = [];

  constructor(readonly capacityPerVmid = 1 << 16) {}

  /** The combined map of a VMID. The same Map object lives as long as the TLB, so callers may keep it. */
  combinedFor(vmid: number): Map<number, CombinedEntry> {
    return this.maps(vmid).combined;
  }

  stage2For(vmid: number): Map<number, Stage2Entry> {
    return this.maps(vmid).stage2;
  }

  addListener(l: TlbListener): void {
    if (!this.listeners.includes(l)) this.listeners.push(l);
  }

  removeListener(l: TlbListener): void {
    this.listeners = this.listeners.filter((x) => x !== l);
  }

  insertCombined(vmid: number, e: CombinedEntry): void {
    const m = this.maps(vmid);
    if (m.combined.size >= this.capacityPerVmid) {
      m.combined.clear();
      m.largeCombined = 0;
      this.notifyFlush();
    } else {
      this.notifyPage(e.vpn);
    }
    if (e.s1Pages > 1 || e.s2Pages > 1) m.largeCombined++;
    m.combined.set(e.vpn, e);
  }

  insertStage2(vmid: number, e: Stage2Entry): void {
    const m = this.maps(vmid);
    if (m.stage2.size >= this.capacityPerVmid) {
      m.stage2.clear();
      m.largeStage2 = 0;
      this.notifyFlush();
    } else {
      // With stage 1 off a VA page is its IPA page.
      this.notifyPage(e.ipn);
    }
    if (e.pages > 1) m.largeStage2++;
    m.stage2.set(e.ipn, e);
  }

  /** Entries held (all VMIDs). */
  get size(): number {
    let n = 0;
    for (const m of this.vmids.values()) n += m.combined.size + m.stage2.size;
    return n;
  }

  /** Everything, all VMIDs (TLBI ALLE1, TLBIALLNSNH). */
  invalidateAll(): void {
    this.invalidations++;
    this.notifyFlush();
    for (const m of this.vmids.values()) clearMaps(m, true);
  }

  /** Stage 1 and stage 2 entries of one VMID (TLBI VMALLS12E1). */
  invalidateVmid(vmid: number): void {
    this.invalidations++;
    this.notifyFlush();
    const m = this.vmids.get(vmid);
    if (m !== undefined) clearMaps(m, true);
  }

  /** Stage 1 (combined) entries of one VMID (TLBI VMALLE1; AArch32 TLBIALL). */
  invalidateStage1(vmid: number): void {
    this.invalidations++;
    this.notifyFlush();
    const m = this.vmids.get(vmid);
    if (m !== undefined) clearMaps(m, false);
  }

  /**
   * Entries that translate `va` for `asid` (or any ASID with ALL_ASIDS), global ones included
   * (TLBI VAE1/VAAE1; AArch32 TLBIMVA/TLBIMVAA).
   */
  invalidateVa(vmid: number, va: number, asid: number): void {
    this.invalidations++;
    this.notifyFlush();
    const m = this.vmids.get(vmid);
    if (m === undefined) return;
    const vpn = Math.floor(va / 4096);
    const match = (e: CombinedEntry): boolean => asid === ALL_ASIDS || e.global || e.asid === asid;
    const e = m.combined.get(vpn);
    if (e !== undefined && match(e)) m.combined.delete(vpn);
    if (m.largeCombined > 0) {
      for (const [k, x] of m.combined) {
        if (vpn >= x.s1FirstVpn && vpn < x.s1FirstVpn + x.s1Pages && match(x)) m.combined.delete(k);
      }
    }
  }

  /** Non-global entries of one ASID (TLBI ASIDE1; AArch32 TLBIASID). */
  invalidateAsid(vmid: number, asid: number): void {
    this.invalidations++;
    this.notifyFlush();
    const m = this.vmids.get(vmid);
    if (m === undefined) return;
    for (const [k, x] of m.combined) if (!x.global && x.asid === asid) m.combined.delete(k);
  }

  /** Stage 2 entries for `ipa`, and the combined entries built on them (TLBI IPAS2E1; AArch32 TLBIIPAS2). */
  invalidateIpa(vmid: number, ipa: number): void {
    this.invalidations++;
    this.notifyFlush();
    const m = this.vmids.get(vmid);
    if (m === undefined) return;
    const ipn = Math.floor(ipa / 4096);
    m.stage2.delete(ipn);
    if (m.largeStage2 > 0) {
      for (const [k, x] of m.stage2) if (ipn >= x.firstIpn && ipn < x.firstIpn + x.pages) m.stage2.delete(k);
    }
    for (const [k, x] of m.combined) {
      if (ipn >= x.s2FirstIpn && ipn < x.s2FirstIpn + x.s2Pages) m.combined.delete(k);
    }
  }

  private notifyFlush(): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i].flush();
  }

  private notifyPage(pageNumber: number): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i].flushPage(pageNumber);
  }

  private maps(vmid: number): VmidMaps {
    let m = this.vmids.get(vmid);
    if (m === undefined) {
      m = { combined: new Map(), stage2: new Map(), largeCombined: 0, largeStage2: 0 };
      this.vmids.set(vmid, m);
    }
    return m;
  }
}

function clearMaps(m: VmidMaps, stage2Too: boolean): void {
  m.combined.clear();
  m.largeCombined = 0;
  if (stage2Too) {
    m.stage2.clear();
    m.largeStage2 = 0;
  }
}
