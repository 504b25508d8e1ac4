/**
 * One vCPU's address translation: stage 1 (the guest's tables, any of the three formats), stage 2
 * (the p2m), the TLB in front of both, and the memory attributes of the result.
 *
 * The fast path is a TLB hit: one Map lookup keyed by VA page, a tag and permission check, and
 * the fields of a reused result object; nothing is allocated. Misses walk the tables (stage 1
 * descriptors are read at IPAs translated through stage 2, as hardware does) and fill the TLB.
 *
 * TLB behaviour follows the architecture where it matters to a hypervisor: entries are tagged by
 * VMID and ASID and survive TTBR, CONTEXTIDR and p2m changes until invalidated, so a missing TLBI
 * shows. Changes to SCTLR, TCR/TTBCR, MAIR/PRRR/NMRR, HCR.VM/DC/PTW and VTCR retire this
 * translator's entries (a TLB may always drop entries), because those controls also decide
 * attributes this model caches.
 */

import { type FaultAccess, type FaultInfo, MemoryAbort } from './fault';
import {
  attributesOf,
  combineStages,
  decodeStage2MemAttrFwb,
  DEVICE_nGnRnE,
  fetchView,
  isCacheableCode,
  isDeviceCode,
  type MemoryAttributes,
  NORMAL_NC,
  NORMAL_WB_NSH,
  NORMAL_WT_OSH,
  uncachedView,
} from './memory-attributes';
import { PhysicalAddressError } from './physical-memory';
import { PA_MAX_BITS } from './stage2-descriptor';
import { STAGE2_OFF, type Stage2Regime, vmidOfRegime } from './stage2-regime';
import { type DescriptorMemory, stage2FaultInfo, Stage2WalkResult, walkStage2 } from './stage2-walk';
import { walkLongDescriptor } from './stage1-long';
import { currentAsid, SCTLR, STAGE1_OFF, type Stage1Regime, stage1Enabled } from './stage1-regime';
import { walkShortDescriptor } from './stage1-short';
import { PERM, PERM_ALL, permissionNeeded, Stage1Walk, type TableReader } from './stage1-walk';
import { CombinedEntry, Stage2Entry, type Tlb, type TlbListener } from './tlb';
import { applyTlbMaintenance } from './tlb-maintenance';

/** Reads one 32-bit word of a stage 1 table at `pa`; `cacheable` says the walk is Normal Write-Back (route through the caches). */
export type DescriptorReadFn = (pa: number, cacheable: boolean) => number;

/** The result of `translate`; one object per translator, overwritten by every call. */
export class Translation {
  pa = 0;
  ipa = 0;
  /** Normal, inner and outer Write-Back: route through the caches. */
  cacheable = false;
  attrs: MemoryAttributes = attributesOf(DEVICE_nGnRnE);
}

const ACCESS_INDEX = { read: 0, write: 1, fetch: 2 } as const;
const NEED = [
  permissionNeeded('read', 0),
  permissionNeeded('write', 0),
  permissionNeeded('fetch', 0),
  permissionNeeded('read', 1),
  permissionNeeded('write', 1),
  permissionNeeded('fetch', 1),
];
/** Stage 2 permissions apply at both ELs: read, write, execute as PERM bits. */
const S2_READ = PERM.EL1_READ | PERM.EL0_READ;
const S2_WRITE = PERM.EL1_WRITE | PERM.EL0_WRITE;
const S2_EXEC = PERM.EL1_EXEC | PERM.EL0_EXEC;
const PA_LIMIT = 2 ** PA_MAX_BITS;

let nextGeneration = 1;

export class Translator implements TableReader {
  readonly result = new Translation();
  /** TableReader outputs (the descriptor halves of the last read64). */
  lo = 0;
  hi = 0;
  /** Counters (not architectural): TLB hits and misses of `translate`, stage 1 walks. */
  hits = 0;
  misses = 0;
  walks = 0;

  private s1: Stage1Regime = STAGE1_OFF;
  private s2: Stage2Regime = STAGE2_OFF;
  private s1On = false;
  private asid = 0;
  private vmid = 0;
  private generation = nextGeneration++;
  private combined: Map<number, CombinedEntry>;
  private stage2Map: Map<number, Stage2Entry>;
  private readonly walk = new Stage1Walk();
  private readonly s2walk = new Stage2WalkResult();
  private vttbr = { lo: 0, hi: 0 };
  private vtcr = { lo: 0, hi: 0 };
  // The access being translated, for faults raised from inside a stage 1 walk.
  private currentVa = 0;
  private currentAccess: FaultAccess = 'read';
  /** Copies of this translator's results (see addListener). */
  private readonly listeners: TlbListener[] = [];

  /**
   * @param mem physical memory holding the p2m (stage 2 walks read it directly, and set AF/dirty bits when VTCR_EL2.HA/HD)
   * @param readDescriptor how stage 1 table words are read (default: straight from `mem`)
   */
  constructor(
    private readonly mem: DescriptorMemory,
    private tlb: Tlb,
    private readonly readDescriptor: DescriptorReadFn = (pa) => mem.read32(pa),
  ) {
    this.combined = tlb.combinedFor(0);
    this.stage2Map = tlb.stage2For(0);
  }

  /**
   * Keep `l` (a copy of this translator's results, e.g. a data-access fast table) current: it is
   * flushed by every context change here and by every change to the TLB in use.
   */
  addListener(l: TlbListener): void {
    this.listeners.push(l);
    this.tlb.addListener(l);
  }

  private flushListeners(): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i].flush();
  }

  /** Stage 1 translation is on (SCTLR.M = 1 and HCR_EL2.DC = 0): `translate` counts TLB hits and misses. */
  get stage1On(): boolean {
    return this.s1On;
  }

  get stage1(): Stage1Regime {
    return this.s1;
  }

  get stage2(): Stage2Regime {
    return this.s2;
  }

  /** Current VMID (VTTBR_EL2[55:48]) and ASID. */
  get currentVmid(): number {
    return this.vmid;
  }

  get currentAsid(): number {
    return this.asid;
  }

  /** Install new stage 1 controls (after a write to SCTLR, TTBRn, TTBCR/TCR, MAIR, PRRR/NMRR, DACR, CONTEXTIDR). */
  setStage1(r: Stage1Regime): void {
    const o = this.s1;
    if (
      r.format !== o.format ||
      r.sctlr !== o.sctlr ||
      r.tcrLo !== o.tcrLo ||
      r.tcrHi !== o.tcrHi ||
      r.mairLo !== o.mairLo ||
      r.mairHi !== o.mairHi ||
      r.prrr !== o.prrr ||
      r.nmrr !== o.nmrr
    ) {
      this.generation = nextGeneration++;
    }
    this.s1 = r;
    this.s1On = stage1Enabled(r) && !this.s2.dc;
    this.asid = currentAsid(r);
    // Any of these may change a translation or its permissions (TTBRs and DACR too).
    this.flushListeners();
  }

  /** Install new stage 2 controls (after a write to HCR_EL2 VM/DC/PTW, VTTBR_EL2, VTCR_EL2). */
  setStage2(r: Stage2Regime): void {
    const o = this.s2;
    if (r.enabled !== o.enabled || r.dc !== o.dc || r.ptw !== o.ptw || r.fwb !== o.fwb || r.vtcrLo !== o.vtcrLo || r.vtcrHi !== o.vtcrHi) {
      this.generation = nextGeneration++;
    }
    this.s2 = r;
    this.vttbr = { lo: r.vttbrLo, hi: r.vttbrHi };
    this.vtcr = { lo: r.vtcrLo, hi: r.vtcrHi };
    this.vmid = vmidOfRegime(r);
    this.combined = this.tlb.combinedFor(this.vmid);
    this.stage2Map = this.tlb.stage2For(this.vmid);
    this.s1On = stage1Enabled(this.s1) && !r.dc;
    this.flushListeners();
  }

  /** Point at another TLB (the vCPU moved to another physical CPU). */
  setTlb(tlb: Tlb): void {
    for (const l of this.listeners) {
      this.tlb.removeListener(l);
      tlb.addListener(l);
    }
    this.flushListeners();
    this.tlb = tlb;
    this.combined = tlb.combinedFor(this.vmid);
    this.stage2Map = tlb.stage2For(this.vmid);
  }

  get currentTlb(): Tlb {
    return this.tlb;
  }

  /** A TLB maintenance instruction from this context (register name as the Arm ARM spells it). */
  tlbMaintenance(op: string, operandLo: number, operandHi: number): void {
    applyTlbMaintenance(this.tlb, op, operandLo, operandHi, this.vmid);
  }

  /**
   * Translate `va` for an access at `el`. Returns the shared result object; throws MemoryAbort
   * (stage 1 or stage 2 fault) when the access may not proceed.
   */
  translate(va: number, access: FaultAccess, el: 0 | 1): Translation {
    const need = NEED[el * 3 + ACCESS_INDEX[access]];
    if (this.s1On) {
      const vpn = Math.floor(va / 4096);
      const e = this.combined.get(vpn);
      if (e !== undefined && e.generation === this.generation && (e.global || e.asid === this.asid)) {
        let perms = e.perms;
        if (e.domain >= 0) {
          const d = (this.s1.dacr >>> (2 * e.domain)) & 3;
          perms = d === 3 ? e.s2Perms : d === 1 ? perms : 0;
        }
        if ((perms & need) !== 0) {
          this.hits++;
          const r = this.result;
          r.pa = e.paPage + (va - vpn * 4096);
          r.ipa = e.ipaPage + (va - vpn * 4096);
          const attrs = access === 'fetch' ? e.fetchAttrs : e.dataAttrs;
          r.attrs = attrs;
          r.cacheable = attrs.cacheable;
          return r;
        }
      }
      this.misses++;
      return this.translateWithWalk(va, access, need);
    }
    return this.translateStage1Off(va, access);
  }

  /** Like `translate`, but returns the fault instead of throwing (for AT-style probes); null on success. */
  probe(va: number, access: FaultAccess, el: 0 | 1): FaultInfo | null {
    try {
      this.translate(va, access, el);
      return null;
    } catch (e) {
      if (e instanceof MemoryAbort) return e.fault;
      throw e;
    }
  }

  // --- TableReader: stage 1 descriptor reads at IPAs ---

  read64(ipa: number, walkAttrCode: number): void {
    const pa = this.tablePa(ipa, walkAttrCode);
    const cacheable = this.tableCacheable;
    this.lo = this.readTableWord(pa, cacheable);
    this.hi = this.readTableWord(pa + 4, cacheable);
  }

  read32(ipa: number, walkAttrCode: number): number {
    const pa = this.tablePa(ipa, walkAttrCode);
    return this.readTableWord(pa, this.tableCacheable);
  }

  private tableCacheable = false;

  private tablePa(ipa: number, walkAttrCode: number): number {
    if (!this.s2.enabled) {
      this.tableCacheable = isCacheableCode(walkAttrCode);
      return ipa;
    }
    const e = this.stage2Translate(ipa, 'read', true);
    // HCR_EL2.PTW: a walk that stage 2 maps to Device memory is a stage 2 Permission fault (D17 "HCR_EL2", PTW).
    if (this.s2.ptw && isDeviceCode(e.attrCode)) {
      throw new MemoryAbort({ kind: 'permission', stage: 2, level: e.level, access: this.currentAccess, va: this.currentVa, ipa, s1ptw: true });
    }
    this.tableCacheable = isCacheableCode(combineStages(walkAttrCode, e.attrCode));
    return e.paPage + (ipa - e.ipn * 4096);
  }

  private readTableWord(pa: number, cacheable: boolean): number {
    try {
      return this.readDescriptor(pa, cacheable) >>> 0;
    } catch (e) {
      // A table in a hole of the physical map: a synchronous External abort on the walk.
      if (e instanceof PhysicalAddressError) {
        throw new MemoryAbort({ kind: 'external', stage: 1, level: -1, access: this.currentAccess, va: this.currentVa, ipa: 0, s1ptw: false });
      }
      throw e;
    }
  }

  // --- slow paths ---

  /**
   * Stage 1 alone, as AT S1E1R/W, S1E0R/W and ATS1CPR/W, ATS1CUR/W ask (D8 / G5 "Address
   * translation instructions"): the IPA and the stage 1 data attributes in `result` (pa = ipa),
   * nothing entered in the TLB. A stage 1 fault throws its MemoryAbort for the caller to report
   * in PAR; a stage 2 fault on a table walk (S1PTW) throws for EL2, as any access's would.
   */
  translateStage1(va: number, access: FaultAccess, el: 0 | 1): Translation {
    const r = this.result;
    if (!this.s1On) {
      if (!(va >= 0 && va < PA_LIMIT && Number.isInteger(va))) {
        throw new MemoryAbort({ kind: 'address-size', stage: 1, level: 0, access, va, ipa: 0, s1ptw: false });
      }
      r.ipa = va;
      r.attrs = attributesOf(this.s2.dc ? NORMAL_WB_NSH : DEVICE_nGnRnE);
    } else {
      const w = this.walkStage1(va, access, NEED[el * 3 + ACCESS_INDEX[access]]);
      r.ipa = w.ipa;
      r.attrs = attributesOf((this.s1.sctlr & SCTLR.C) !== 0 ? w.attrCode : uncachedView(w.attrCode));
    }
    r.pa = r.ipa;
    r.cacheable = r.attrs.cacheable;
    return r;
  }

  /** The stage 1 walk of `va` with its domain and permission checks; throws the stage 1 (or S1PTW) fault. */
  private walkStage1(va: number, access: FaultAccess, need: number): Stage1Walk {
    this.currentVa = va;
    this.currentAccess = access;
    this.walks++;
    const r1 = this.s1;
    const w = r1.format === 'short' ? walkShortDescriptor(r1, va, access, this, this.walk) : walkLongDescriptor(r1, va, access, this, this.walk);
    let s1Perms = w.perms;
    if (w.domain >= 0) {
      // DACR (G5.7 "Domains"): 00 no access and 10 (reserved) fault, 01 Client checks AP, 11 Manager does not.
      const d = (r1.dacr >>> (2 * w.domain)) & 3;
      if (d === 0 || d === 2) {
        throw new MemoryAbort({ kind: 'domain', stage: 1, level: w.level, access, va, ipa: 0, s1ptw: false, domain: w.domain });
      }
      if (d === 3) s1Perms = PERM_ALL;
    }
    if ((s1Perms & need) === 0) throw new MemoryAbort({ kind: 'permission', stage: 1, level: w.level, access, va, ipa: 0, s1ptw: false });
    return w;
  }

  private translateWithWalk(va: number, access: FaultAccess, need: number): Translation {
    const r1 = this.s1;
    const w = this.walkStage1(va, access, need);

    // SCTLR.C = 0 makes Normal data accesses Non-cacheable, SCTLR.I = 0 instruction fetches;
    // fetches see Device as Normal Non-cacheable (pseudocode AArch64.S1Translate).
    const s1Data = (r1.sctlr & SCTLR.C) !== 0 ? w.attrCode : uncachedView(w.attrCode);
    const s1Fetch = (r1.sctlr & SCTLR.I) !== 0 ? fetchView(w.attrCode) : NORMAL_NC;

    const e = new CombinedEntry();
    const ipa = w.ipa;
    const vpn = Math.floor(va / 4096);
    const pageOffset = va - vpn * 4096;
    let pa: number;
    if (this.s2.enabled) {
      const s2 = this.stage2Translate(ipa, access, false);
      pa = s2.paPage + (ipa - s2.ipn * 4096);
      e.s2Perms = s2.perms;
      e.dataAttrs = attributesOf(combineStages(s1Data, s2.attrCode));
      e.fetchAttrs = attributesOf(combineStages(s1Fetch, fetchView(s2.attrCode)));
      e.s2FirstIpn = s2.firstIpn;
      e.s2Pages = s2.pages;
    } else {
      pa = ipa;
      e.s2Perms = PERM_ALL;
      e.dataAttrs = attributesOf(s1Data);
      e.fetchAttrs = attributesOf(s1Fetch);
      e.s2FirstIpn = Math.floor(ipa / 4096);
      e.s2Pages = 1;
    }
    e.vpn = vpn;
    e.asid = this.asid;
    e.global = w.global;
    e.generation = this.generation;
    e.paPage = pa - pageOffset;
    e.ipaPage = ipa - pageOffset;
    e.s1Perms = w.perms;
    e.perms = w.perms & e.s2Perms;
    e.domain = w.domain;
    e.s1FirstVpn = Math.floor(w.blockVa / 4096);
    e.s1Pages = w.blockSize / 4096;
    this.tlb.insertCombined(this.vmid, e);

    const r = this.result;
    r.pa = pa;
    r.ipa = ipa;
    r.attrs = access === 'fetch' ? e.fetchAttrs : e.dataAttrs;
    r.cacheable = r.attrs.cacheable;
    return r;
  }

  /**
   * Stage 1 disabled (SCTLR.M = 0, or HCR_EL2.DC = 1): VA = IPA. Data accesses are Device-nGnRnE,
   * instruction fetches Normal, Write-Through when SCTLR.I = 1 (D8.2 "The effects of disabling a
   * stage of address translation"); with HCR_EL2.DC both are Normal Non-shareable Write-Back.
   * An address beyond the physical address size is a level 0 Address size fault.
   */
  private translateStage1Off(va: number, access: FaultAccess): Translation {
    if (!(va >= 0 && va < PA_LIMIT && Number.isInteger(va))) {
      throw new MemoryAbort({ kind: 'address-size', stage: 1, level: 0, access, va, ipa: 0, s1ptw: false });
    }
    let s1Code: number;
    if (this.s2.dc) s1Code = NORMAL_WB_NSH;
    else if (access === 'fetch') s1Code = (this.s1.sctlr & SCTLR.I) !== 0 ? NORMAL_WT_OSH : NORMAL_NC;
    else s1Code = DEVICE_nGnRnE;
    const r = this.result;
    r.ipa = va;
    if (this.s2.enabled) {
      this.currentVa = va;
      this.currentAccess = access;
      const s2 = this.stage2Translate(va, access, false);
      r.pa = s2.paPage + (va - s2.ipn * 4096);
      r.attrs = attributesOf(combineStages(s1Code, access === 'fetch' ? fetchView(s2.attrCode) : s2.attrCode));
    } else {
      r.pa = va;
      r.attrs = attributesOf(s1Code);
    }
    r.cacheable = r.attrs.cacheable;
    return r;
  }

  /** Stage 2 for one IPA through the stage 2 TLB; throws the stage 2 fault EL2 will see. */
  private stage2Translate(ipa: number, access: FaultAccess, s1ptw: boolean): Stage2Entry {
    const ipn = Math.floor(ipa / 4096);
    const need = access === 'read' ? S2_READ : access === 'write' ? S2_WRITE : S2_EXEC;
    const hit = this.stage2Map.get(ipn) ;
    if (hit !== undefined && (hit.perms & need) !== 0) return hit;
    const w = walkStage2(this.mem, this.vttbr, this.vtcr, ipa, access, this.s2walk);
    if (w.fault !== null) {
      throw new MemoryAbort(stage2FaultInfo(w, this.currentVa, ipa, s1ptw ? this.currentAccess : access, s1ptw));
    }
    const e = new Stage2Entry();
    e.ipn = ipn;
    e.paPage = w.pa - (ipa - ipn * 4096);
    e.perms = ((w.s2ap & 1) !== 0 ? S2_READ : 0) | ((w.s2ap & 2) !== 0 ? S2_WRITE : 0) | (w.xn ? 0 : S2_EXEC);
    e.attrCode = this.s2.fwb ? decodeStage2MemAttrFwb(w.memAttr, w.sh) : w.attrCode;
    e.firstIpn = Math.floor(w.blockIpa / 4096);
    e.pages = w.blockSize / 4096;
    e.level = w.level;
    this.tlb.insertStage2(this.vmid, e);
    return e;
  }
}
