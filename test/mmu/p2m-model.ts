/**
 * Reference model of a p2m for the property tests: the leaves as plain records keyed by
 * (level, region) and the valid bits of table entries, with no descriptors and no memory. It
 * states the p2m's policies (blocks where aligned, split on partial change, prune empty tables,
 * Xen-style access tracking) in the simplest terms, so the real tables can be checked against it.
 */

import type { FaultKind } from '../../src/mmu/fault';
import type { Stage2Attributes } from '../../src/mmu/stage2-descriptor';

export interface ModelLeaf {
  level: number;
  region: number;
  pa: number;
  attrs: Stage2Attributes;
  valid: boolean;
}

const size = (level: number): number => 2 ** (12 + 9 * (3 - level));
const key = (level: number, region: number): string => `${level}:${region}`;

export type ModelWalk = { fault: FaultKind; level: number } | { fault: null; level: number; pa: number; attrs: Stage2Attributes };

export class P2mModel {
  readonly leaves = new Map<string, ModelLeaf>();
  readonly tableValid = new Map<string, boolean>();

  constructor(
    readonly startLevel: number,
    readonly ipaBits: number,
  ) {}

  private leafAt(level: number, ipa: number): ModelLeaf | undefined {
    return this.leaves.get(key(level, Math.floor(ipa / size(level))));
  }

  /** A table exists at (level, region of ipa) iff some leaf deeper lies inside the region. */
  private tableAt(level: number, ipa: number): boolean {
    const s = size(level);
    const base = Math.floor(ipa / s) * s;
    for (const l of this.leaves.values()) {
      if (l.level > level) {
        const a = l.region * size(l.level);
        if (a >= base && a < base + s) return true;
      }
    }
    return false;
  }

  walk(ipa: number, access: 'read' | 'write' | 'fetch'): ModelWalk {
    if (ipa >= 2 ** this.ipaBits) return { fault: 'translation', level: 0 };
    for (let level = this.startLevel; level <= 3; level++) {
      const leaf = this.leafAt(level, ipa);
      const k = key(level, Math.floor(ipa / size(level)));
      if (leaf !== undefined) {
        if (!leaf.valid) return { fault: 'translation', level };
        if (!leaf.attrs.af) return { fault: 'access-flag', level };
        const ok = access === 'read' ? (leaf.attrs.s2ap & 1) !== 0 : access === 'write' ? (leaf.attrs.s2ap & 2) !== 0 : !leaf.attrs.xn;
        if (!ok) return { fault: 'permission', level };
        return { fault: null, level, pa: leaf.pa + (ipa % size(level)), attrs: leaf.attrs };
      }
      if (!this.tableAt(level, ipa)) return { fault: 'translation', level };
      if (this.tableValid.get(k) !== true) return { fault: 'translation', level };
    }
    throw new Error('model: walk fell off level 3');
  }

  private chooseLevel(ipa: number, pa: number, remaining: number): number {
    for (let level = Math.max(1, this.startLevel); level < 3; level++) {
      const s = size(level);
      if (ipa % s === 0 && pa % s === 0 && remaining >= s) return level;
    }
    return 3;
  }

  private split(leaf: ModelLeaf): void {
    this.leaves.delete(key(leaf.level, leaf.region));
    const child = leaf.level + 1;
    for (let k = 0; k < 512; k++) {
      const region = leaf.region * 512 + k;
      this.leaves.set(key(child, region), { level: child, region, pa: leaf.pa + k * size(child), attrs: leaf.attrs, valid: true });
    }
    this.tableValid.set(key(leaf.level, leaf.region), leaf.valid);
  }

  private removeInside(level: number, region: number): void {
    const base = region * size(level);
    const end = base + size(level);
    for (const [k, l] of this.leaves) {
      const a = l.region * size(l.level);
      if (a >= base && a < end) this.leaves.delete(k);
    }
  }

  map(ipa: number, pa: number, bytes: number, attrs: Stage2Attributes): void {
    let done = 0;
    while (done < bytes) {
      const a = ipa + done;
      const target = this.chooseLevel(a, pa + done, bytes - done);
      for (let level = this.startLevel; level < target; level++) {
        const leaf = this.leafAt(level, a);
        if (leaf !== undefined) this.split(leaf);
        else if (!this.tableAt(level, a)) this.tableValid.set(key(level, Math.floor(a / size(level))), true);
      }
      const region = Math.floor(a / size(target));
      this.removeInside(target, region);
      this.leaves.set(key(target, region), { level: target, region, pa: pa + done, attrs, valid: true });
      done += size(target);
    }
  }

  /** Split leaves that straddle [start, end) (and, with toPages, all leaves inside) until none does. */
  private splitPartial(start: number, end: number, toPages: boolean): ModelLeaf[] {
    for (;;) {
      let changed = false;
      for (const l of [...this.leaves.values()]) {
        const a = l.region * size(l.level);
        const b = a + size(l.level);
        if (b <= start || a >= end) continue;
        const inside = a >= start && b <= end;
        if (!inside || (toPages && l.level < 3)) {
          this.split(l);
          changed = true;
        }
      }
      if (!changed) break;
    }
    return [...this.leaves.values()].filter((l) => l.region * size(l.level) >= start && l.region * size(l.level) < end);
  }

  unmap(ipa: number, bytes: number): void {
    for (const l of this.splitPartial(ipa, ipa + bytes, false)) this.leaves.delete(key(l.level, l.region));
  }

  protect(ipa: number, bytes: number, attrs: Stage2Attributes): void {
    for (const l of this.splitPartial(ipa, ipa + bytes, false)) l.attrs = attrs;
  }

  writeProtect(ipa: number, bytes: number): void {
    for (const l of this.splitPartial(ipa, ipa + bytes, true)) l.attrs = { ...l.attrs, s2ap: l.attrs.s2ap & 1, dbm: true };
  }

  invalidateRootEntries(): void {
    for (const l of this.leaves.values()) if (l.level === this.startLevel) l.valid = false;
    const seen = new Set<string>();
    for (const l of this.leaves.values()) {
      if (l.level > this.startLevel) {
        const r = Math.floor((l.region * size(l.level)) / size(this.startLevel));
        seen.add(key(this.startLevel, r));
      }
    }
    for (const k of seen) this.tableValid.set(k, false);
  }

  revalidate(ipa: number): boolean {
    if (ipa >= 2 ** this.ipaBits) return false;
    for (let level = this.startLevel; level <= 3; level++) {
      const leaf = this.leafAt(level, ipa);
      if (leaf !== undefined) {
        if (leaf.valid) return false;
        leaf.valid = true;
        return true;
      }
      if (!this.tableAt(level, ipa)) return false;
      const k = key(level, Math.floor(ipa / size(level)));
      if (this.tableValid.get(k) !== true) {
        this.tableValid.set(k, true);
        const s = size(level);
        const base = Math.floor(ipa / s) * s;
        for (let c = 0; c < 512; c++) {
          const ca = base + c * size(level + 1);
          const child = this.leafAt(level + 1, ca);
          if (child !== undefined) child.valid = false;
          else if (level + 1 < 3 && this.tableAt(level + 1, ca)) this.tableValid.set(key(level + 1, Math.floor(ca / size(level + 1))), false);
        }
        return true;
      }
    }
    return false;
  }

  /** Leaves in IPA order with the AND of the valid bits on their path. */
  mapped(): { ipa: number; pa: number; size: number; valid: boolean; attrs: Stage2Attributes }[] {
    return [...this.leaves.values()]
      .map((l) => {
        const ipa = l.region * size(l.level);
        let valid = l.valid;
        for (let level = this.startLevel; level < l.level; level++) valid = valid && this.tableValid.get(key(level, Math.floor(ipa / size(level)))) === true;
        return { ipa, pa: l.pa, size: size(l.level), valid, attrs: l.attrs };
      })
      .sort((x, y) => x.ipa - y.ipa);
  }
}
