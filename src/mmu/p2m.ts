/**
 * The p2m: a guest's stage 2 translation tables, built the way a hypervisor builds them. Every
 * operation reads and writes real VMSAv8-64 stage 2 descriptors in `PhysicalMemory` (tables come
 * from a FrameAllocator region the guest cannot see); nothing is kept on the side, so the
 * hardware walker (stage2-walk.ts) and this builder always agree on what memory says.
 *
 * Ownership marker: each entry the p2m writes carries software bit 55 (bits [58:55] are reserved
 * for software in stage 2 descriptors, D8.3), so an entry whose valid bit was cleared for access
 * tracking is still known to be a table or a mapping, as Xen keeps the p2m type in those bits.
 */

import type { FrameAllocator } from './frame-allocator';
import { PAGE_SIZE, type PhysicalMemory } from './physical-memory';
import {
  decodeStage2Attributes,
  HI_ADDRESS_MASK,
  HI_DBM,
  HI_PRESENT,
  leafHi,
  leafLo,
  levelBlockSize,
  LO_ADDRESS_MASK,
  LO_S2AP_WRITE,
  LO_TABLE,
  LO_VALID,
  makeVtcr,
  makeVttbr,
  PA_MAX_BITS,
  type Stage2Attributes,
  tableHi,
  tableLo,
} from './stage2-descriptor';
import { preferredStartLevel, type Stage2Geometry, stage2Geometry, TranslationConfigError } from './stage2-geometry';
import { addressBits47To12, hex, type Reg64, TWO_POW_32 } from './u64';

export class P2mError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'P2mError';
  }
}

export interface P2mOptions {
  /** VMID written to VTTBR_EL2[55:48] (8 bits). Default 1. */
  vmid?: number;
  /** IPA size in bits (VTCR_EL2.T0SZ = 64 - ipaBits). Default 40. */
  ipaBits?: number;
  /** Initial lookup level; default the deepest one that needs at most 16 concatenated tables. */
  startLevel?: number;
  /** Output size (VTCR_EL2.PS). Default 48. */
  paBits?: number;
  /** VTCR_EL2.HA and HD (FEAT_HAFDBS). Default off. */
  hardwareAccessFlag?: boolean;
  hardwareDirty?: boolean;
  /** Use 1 GiB / 2 MiB blocks where a mapping is aligned. Default true. */
  useBlocks?: boolean;
  /**
   * Largest leaf `map` writes: 1 GiB (a level 1 block), 2 MiB (level 2) or 4 KiB (pages only).
   * Default 1 GiB, as Xen's toolstack populates guest RAM in the largest aligned extents.
   */
  maxLeafBytes?: number;
}

/** Leaf sizes of the 4 KB granule (Arm ARM D8.2.7 "Translation using the 4KB granule"). */
export const P2M_LEAF_SIZES = [2 ** 30, 2 ** 21, 2 ** 12] as const;

/** One leaf of the p2m as software sees it (valid bits included, not honoured). */
export interface P2mLeaf {
  /** IPA of the start of the leaf. */
  readonly ipa: number;
  /** PA of the start of the leaf. */
  readonly pa: number;
  readonly size: number;
  readonly level: number;
  readonly attrs: Stage2Attributes;
  /** Valid bit of the leaf and of every table entry above it. */
  readonly valid: boolean;
  readonly descriptorPa: number;
}

/** `valid`: the AND of the valid bits on the leaf's path; `leafValid`: the leaf's own bit (what Xen's p2m_get_entry reports). */
export type MappedRangeCallback = (ipa: number, pa: number, size: number, attrs: Stage2Attributes, valid: boolean, leafValid: boolean) => void;

interface RangeVisitor {
  /** A leaf wholly inside the range. */
  leaf(dpa: number, lo: number, hi: number, level: number, ipa: number): void;
  /** A table entry wholly inside the range; return true when handled without descending. */
  wholeTable?(dpa: number, lo: number, hi: number, level: number): boolean;
  /** Split blocks down to pages even when wholly covered (dirty tracking is per page). */
  splitToPages?: boolean;
  /** Free tables the operation left empty. */
  prune?: boolean;
}

const LEVELS = 4;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class P2m {
  readonly geometry: Stage2Geometry;
  /** PA of the (possibly concatenated) root table. */
  readonly rootPa: number;
  readonly vmid: number;
  /** VTTBR_EL2 for this p2m: BADDR = root, VMID. */
  readonly vttbr: Reg64;
  /** VTCR_EL2 for this p2m (4 KB granule, walks Inner Shareable Write-Back). */
  readonly vtcr: Reg64;
  /** Shallowest level a leaf written by `map` may sit at (1: 1 GiB blocks, 2: 2 MiB, 3: pages). */
  private readonly shallowestLeafLevel: number;
  private tableFrames: number;
  // One scratch view per level so recursive scans do not clobber each other.
  private readonly scratch: Uint32Array[] = [];
  // Set while forEachMapped runs: the scan reads tables through the scratch views.
  private scanning = false;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly frames: FrameAllocator,
    opts: P2mOptions = {},
  ) {
    const ipaBits = opts.ipaBits ?? 40;
    const paBits = opts.paBits ?? PA_MAX_BITS;
    let startLevel: number;
    try {
      startLevel = opts.startLevel ?? preferredStartLevel(ipaBits);
    } catch (e) {
      throw new P2mError((e as TranslationConfigError).message);
    }
    const vtcrLo = makeVtcr({ ipaBits, startLevel, paBits, ha: opts.hardwareAccessFlag, hd: opts.hardwareDirty });
    this.geometry = stage2Geometry(vtcrLo);
    if (!this.geometry.valid) throw new P2mError(`invalid stage 2 configuration: ${this.geometry.problem}`);
    this.vmid = (opts.vmid ?? 1) & 0xff;
    const maxLeaf = opts.useBlocks === false ? 2 ** 12 : (opts.maxLeafBytes ?? 2 ** 30);
    const leafLevel = P2M_LEAF_SIZES.indexOf(maxLeaf as (typeof P2M_LEAF_SIZES)[number]);
    if (leafLevel < 0) throw new P2mError(`largest p2m leaf must be 1 GiB, 2 MiB or 4 KiB, not ${maxLeaf} bytes`);
    this.shallowestLeafLevel = leafLevel + 1;
    const rootBytes = this.geometry.rootEntries * 8;
    const rootFrames = Math.max(1, rootBytes / PAGE_SIZE);
    this.rootPa = frames.allocateContiguous(rootFrames, Math.max(PAGE_SIZE, rootBytes));
    this.tableFrames = rootFrames;
    this.vttbr = makeVttbr(this.rootPa, this.vmid);
    this.vtcr = { lo: vtcrLo, hi: 0 };
    for (let l = 0; l < LEVELS; l++) this.scratch.push(new Uint32Array((l === startLevel ? Math.max(PAGE_SIZE, rootBytes) : PAGE_SIZE) / 4));
  }

  /** Translation table frames this p2m holds (root included). */
  get tablePages(): number {
    return this.tableFrames;
  }

  /** Map `size` bytes of IPA space at `ipa` to `pa`, with blocks where both are aligned. */
  map(ipa: number, pa: number, size: number, attrs: Stage2Attributes): void {
    this.checkRange('map', ipa, size);
    if (pa % PAGE_SIZE !== 0 || pa < 0 || pa + size > 2 ** this.geometry.paBits) {
      throw new P2mError(`map: PA ${hex(pa)}+${hex(size)} is not page aligned or exceeds the ${this.geometry.paBits}-bit output size`);
    }
    let done = 0;
    while (done < size) {
      const level = this.leafLevelFor(ipa + done, pa + done, size - done);
      const dpa = this.descendTo(ipa + done, level);
      this.replaceEntry(dpa, level, leafLo(pa + done, level, attrs), leafHi(pa + done, attrs));
      done += levelBlockSize(level);
    }
  }

  /** Remove every mapping in [ipa, ipa+size); tables left empty are freed. */
  unmap(ipa: number, size: number): void {
    this.checkRange('unmap', ipa, size);
    this.visitRange(ipa, ipa + size, {
      leaf: (dpa) => this.writeEntry(dpa, 0, 0),
      wholeTable: (dpa, lo, hi, level) => {
        this.freeSubtree(addressBits47To12(lo, hi), level + 1);
        this.writeEntry(dpa, 0, 0);
        return true;
      },
      prune: true,
    });
  }

  /** Replace the attributes of every mapped page in the range, keeping output addresses and valid bits. */
  protect(ipa: number, size: number, attrs: Stage2Attributes): void {
    this.checkRange('protect', ipa, size);
    this.visitRange(ipa, ipa + size, {
      leaf: (dpa, lo, hi, level) => {
        const oa = addressBits47To12(lo, hi);
        this.writeEntry(dpa, (leafLo(oa, level, attrs) & ~LO_VALID) | (lo & LO_VALID), leafHi(oa, attrs));
      },
    });
  }

  /**
   * Start dirty tracking: leaves in the range lose write permission S2AP[1] and gain DBM
   * (FEAT_HAFDBS stage 2 dirty state). With VTCR_EL2.HA/HD the walker sets S2AP[1] again on the
   * first write, per leaf, so `splitToPages` (the default) splits blocks first to track pages.
   * Without HD, the first write takes a Permission fault and the hypervisor can split only the
   * block written to (KVM splits lazily on such faults), so blocks may stay whole.
   */
  writeProtect(ipa: number, size: number, options: { splitToPages?: boolean } = {}): void {
    this.checkRange('writeProtect', ipa, size);
    this.visitRange(ipa, ipa + size, {
      leaf: (dpa, lo, hi) => this.writeEntry(dpa, lo & ~LO_S2AP_WRITE, hi | HI_DBM),
      splitToPages: options.splitToPages ?? true,
    });
  }

  /** A page under dirty tracking (DBM) that has been written since (S2AP[1] set again). */
  isDirty(ipa: number): boolean {
    const leaf = this.lookup(ipa);
    return leaf !== null && leaf.attrs.dbm && (leaf.attrs.s2ap & 2) !== 0;
  }

  /** Mark DBM pages in the range clean again (clear S2AP[1]); the hypervisor then invalidates the TLB. */
  clearDirty(ipa: number, size: number): void {
    this.checkRange('clearDirty', ipa, size);
    this.visitRange(ipa, ipa + size, {
      leaf: (dpa, lo, hi) => {
        if ((hi & HI_DBM) !== 0) this.writeEntry(dpa, lo & ~LO_S2AP_WRITE, hi);
      },
    });
  }

  /** Clear bit 0 of every root entry, keeping its other bits (Xen's access tracking after a flush). */
  invalidateRootEntries(): void {
    for (let i = 0; i < this.geometry.rootEntries; i++) {
      const dpa = this.rootPa + i * 8;
      const lo = this.mem.read32(dpa);
      if ((lo & LO_VALID) !== 0) this.mem.write32(dpa, (lo & ~LO_VALID) >>> 0);
    }
  }

  /**
   * Set the valid bit of the first invalid entry on the path to `ipa`; when that entry is a table,
   * clear the valid bit of each of its children, so the next level is revalidated by a later
   * fault. One level per call. Returns whether anything changed (false: the path is all valid,
   * or `ipa` is not mapped at all).
   */
  revalidate(ipa: number): boolean {
    if (ipa < 0 || ipa >= 2 ** this.geometry.ipaBits) return false;
    let table = this.rootPa;
    let level = this.geometry.startLevel;
    let index = this.indexAt(ipa, level, true);
    for (;;) {
      const dpa = table + index * 8;
      const lo = this.mem.read32(dpa);
      const hi = this.mem.read32(dpa + 4);
      if (!isPresent(lo, hi)) return false;
      const isTable = isTableEntry(lo, level);
      if ((lo & LO_VALID) === 0) {
        this.mem.write32(dpa, (lo | LO_VALID) >>> 0);
        if (isTable) {
          const child = addressBits47To12(lo, hi);
          for (let k = 0; k < 512; k++) {
            const cpa = child + k * 8;
            const clo = this.mem.read32(cpa);
            if ((clo & LO_VALID) !== 0) this.mem.write32(cpa, (clo & ~LO_VALID) >>> 0);
          }
        }
        return true;
      }
      if (!isTable) return false;
      table = addressBits47To12(lo, hi);
      level++;
      index = this.indexAt(ipa, level, false);
    }
  }

  /** The leaf mapping `ipa`, valid or not; null when unmapped. Reads the tables. */
  lookup(ipa: number): P2mLeaf | null {
    if (ipa < 0 || ipa >= 2 ** this.geometry.ipaBits) return null;
    let table = this.rootPa;
    let level = this.geometry.startLevel;
    let index = this.indexAt(ipa, level, true);
    let valid = true;
    for (;;) {
      const dpa = table + index * 8;
      const lo = this.mem.read32(dpa);
      const hi = this.mem.read32(dpa + 4);
      if (!isPresent(lo, hi)) return null;
      valid = valid && (lo & LO_VALID) !== 0;
      if (!isTableEntry(lo, level)) {
        const size = levelBlockSize(level);
        const base = Math.floor(ipa / size) * size;
        return { ipa: base, pa: addressBits47To12(lo, hi) + (ipa - base), size, level, attrs: decodeStage2Attributes(lo, hi), valid, descriptorPa: dpa };
      }
      table = addressBits47To12(lo, hi);
      level++;
      index = this.indexAt(ipa, level, false);
    }
  }

  /**
   * Call `cb` for every leaf, in IPA order, with the AND of the valid bits on its path and its own. Walks the
   * tables and skips empty entries: the cost follows the number of table pages, not the IPA size.
   */
  forEachMapped(cb: MappedRangeCallback): void {
    this.scanning = true;
    try {
      this.scanTable(this.rootPa, this.geometry.startLevel, this.geometry.rootEntries, 0, true, cb);
    } finally {
      this.scanning = false;
    }
  }

  // --- internals ---

  private scanTable(table: number, level: number, entries: number, tableIpa: number, validAbove: boolean, cb: MappedRangeCallback): void {
    const words = this.load(table, level, entries);
    const size = levelBlockSize(level);
    for (let i = 0; i < entries; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      if (!isPresent(lo, hi)) continue;
      const valid = validAbove && (lo & LO_VALID) !== 0;
      const ipa = tableIpa + i * size;
      if (isTableEntry(lo, level)) {
        this.scanTable(addressBits47To12(lo, hi), level + 1, 512, ipa, valid, cb);
        // The recursion reused deeper scratch only; this level's view is intact.
      } else {
        cb(ipa, addressBits47To12(lo, hi), size, decodeStage2Attributes(lo, hi), valid, (lo & LO_VALID) !== 0);
      }
    }
  }

  /**
   * Copy a table into this level's scratch words (one bulk read instead of 1024 word reads).
   * Descriptors are little-endian in memory; on a big-endian host the words are swapped back.
   */
  private load(table: number, level: number, entries: number): Uint32Array {
    const words = this.scratch[level];
    this.mem.readBytes(table, new Uint8Array(words.buffer, 0, entries * 8));
    if (!LITTLE_ENDIAN_HOST) {
      for (let i = 0; i < entries * 2; i++) words[i] = ((words[i] >>> 24) | ((words[i] >>> 8) & 0xff00) | ((words[i] & 0xff00) << 8) | (words[i] << 24)) >>> 0;
    }
    return words;
  }

  private checkRange(op: string, ipa: number, size: number): void {
    if (this.scanning) throw new P2mError(`${op}: the p2m cannot change during forEachMapped; collect the ranges first`);
    if (ipa % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0 || ipa < 0) {
      throw new P2mError(`${op}: IPA range ${hex(ipa)}+${hex(size)} is not a non-empty page-aligned range`);
    }
    if (ipa + size > 2 ** this.geometry.ipaBits) {
      throw new P2mError(`${op}: IPA range ${hex(ipa)}+${hex(size)} exceeds the ${this.geometry.ipaBits}-bit IPA space`);
    }
  }

  private leafLevelFor(ipa: number, pa: number, remaining: number): number {
    for (let level = Math.max(this.shallowestLeafLevel, this.geometry.startLevel); level < 3; level++) {
      const s = levelBlockSize(level);
      if (ipa % s === 0 && pa % s === 0 && remaining >= s) return level;
    }
    return 3;
  }

  private indexAt(ipa: number, level: number, root: boolean): number {
    const i = Math.floor(ipa / levelBlockSize(level));
    return root ? i : i & 511;
  }

  /** Address of the entry for `ipa` at `targetLevel`, creating or splitting tables on the way. */
  private descendTo(ipa: number, targetLevel: number): number {
    let table = this.rootPa;
    let level = this.geometry.startLevel;
    let index = this.indexAt(ipa, level, true);
    while (level < targetLevel) {
      const dpa = table + index * 8;
      const lo = this.mem.read32(dpa);
      const hi = this.mem.read32(dpa + 4);
      let child: number;
      if (!isPresent(lo, hi)) {
        child = this.newTable();
        this.writeEntry(dpa, tableLo(child), tableHi(child));
      } else if (isTableEntry(lo, level)) {
        child = addressBits47To12(lo, hi);
      } else {
        child = this.split(dpa, lo, hi, level);
      }
      table = child;
      level++;
      index = this.indexAt(ipa, level, false);
    }
    return table + index * 8;
  }

  /**
   * Replace the block at `dpa` by a table of 512 entries that map the same range with the same
   * attributes. The new table entry keeps the block's valid bit, so access tracking sees the
   * split range exactly as before; the children are valid.
   */
  private split(dpa: number, lo: number, hi: number, level: number): number {
    const child = this.newTable();
    const childLevel = level + 1;
    const childSize = levelBlockSize(childLevel);
    const base = addressBits47To12(lo, hi);
    const attrLo = (lo & 0xffc) | (childLevel === 3 ? LO_TABLE : 0) | LO_VALID; // bits [11:2]
    const attrHi = hi & ~HI_ADDRESS_MASK;
    for (let k = 0; k < 512; k++) {
      const oa = base + k * childSize;
      this.writeEntry(child + k * 8, ((oa % TWO_POW_32) & LO_ADDRESS_MASK) | attrLo, (Math.floor(oa / TWO_POW_32) & HI_ADDRESS_MASK) | attrHi);
    }
    this.writeEntry(dpa, tableLo(child, (lo & LO_VALID) !== 0), tableHi(child));
    return child;
  }

  private replaceEntry(dpa: number, level: number, lo: number, hi: number): void {
    const oldLo = this.mem.read32(dpa);
    const oldHi = this.mem.read32(dpa + 4);
    if (isPresent(oldLo, oldHi) && isTableEntry(oldLo, level)) this.freeSubtree(addressBits47To12(oldLo, oldHi), level + 1);
    this.writeEntry(dpa, lo, hi);
  }

  private visitRange(start: number, end: number, v: RangeVisitor): void {
    this.visitTable(this.rootPa, this.geometry.startLevel, this.geometry.rootEntries, 0, start, end, v);
  }

  private visitTable(table: number, level: number, entries: number, tableIpa: number, start: number, end: number, v: RangeVisitor): void {
    const size = levelBlockSize(level);
    const first = Math.max(0, Math.floor((start - tableIpa) / size));
    const last = Math.min(entries - 1, Math.floor((end - 1 - tableIpa) / size));
    for (let i = first; i <= last; i++) {
      const dpa = table + i * 8;
      const lo = this.mem.read32(dpa);
      const hi = this.mem.read32(dpa + 4);
      if (!isPresent(lo, hi)) continue;
      const ipa = tableIpa + i * size;
      const covered = start <= ipa && ipa + size <= end;
      let child: number;
      if (isTableEntry(lo, level)) {
        if (covered && v.wholeTable !== undefined && v.wholeTable(dpa, lo, hi, level)) continue;
        child = addressBits47To12(lo, hi);
      } else if (covered && !(v.splitToPages === true && level < 3)) {
        v.leaf(dpa, lo, hi, level, ipa);
        continue;
      } else {
        child = this.split(dpa, lo, hi, level);
      }
      this.visitTable(child, level + 1, 512, ipa, start, end, v);
      if (v.prune === true && this.isEmptyTable(child)) {
        this.freeTable(child);
        this.writeEntry(dpa, 0, 0);
      }
    }
  }

  private isEmptyTable(table: number): boolean {
    for (let k = 0; k < 512; k++) {
      if (isPresent(this.mem.read32(table + k * 8), this.mem.read32(table + k * 8 + 4))) return false;
    }
    return true;
  }

  private freeSubtree(table: number, level: number): void {
    if (level < 3) {
      const words = this.load(table, level, 512);
      for (let k = 0; k < 512; k++) {
        const lo = words[2 * k];
        const hi = words[2 * k + 1];
        if (isPresent(lo, hi) && isTableEntry(lo, level)) this.freeSubtree(addressBits47To12(lo, hi), level + 1);
      }
    }
    this.freeTable(table);
  }

  private newTable(): number {
    this.tableFrames++;
    return this.frames.allocate();
  }

  private freeTable(table: number): void {
    this.tableFrames--;
    this.frames.free(table);
  }

  private writeEntry(dpa: number, lo: number, hi: number): void {
    this.mem.write32(dpa, lo >>> 0);
    this.mem.write32(dpa + 4, hi >>> 0);
  }
}

function isPresent(lo: number, hi: number): boolean {
  return (hi & HI_PRESENT) !== 0 || (lo & LO_VALID) !== 0;
}

function isTableEntry(lo: number, level: number): boolean {
  return level < 3 && (lo & LO_TABLE) !== 0;
}
