/** p2m operations that the property test does not cover directly: errors, cost, frames, dirty state. */
import { describe, expect, it, vi } from 'vitest';
import { FrameAllocator, FrameAllocatorError } from '../../src/mmu/frame-allocator';
import { P2m, P2mError } from '../../src/mmu/p2m';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';

const GiB = 2 ** 30;

function setup(frameBytes = 2 ** 24) {
  const mem = new PhysicalMemory([
    { base: 0, size: 2 ** 34 },
    { base: 2 ** 40, size: frameBytes },
  ]);
  const frames = new FrameAllocator(mem, 2 ** 40, frameBytes);
  return { mem, frames, p2m: new P2m(mem, frames) };
}

describe('P2m', () => {
  it('uses 2 concatenated level-1 root tables for a 40-bit IPA, 1 GiB and 2 MiB blocks where aligned', () => {
    const { p2m } = setup();
    expect([p2m.geometry.startLevel, p2m.geometry.rootTables, p2m.tablePages]).toEqual([1, 2, 2]);
    p2m.map(GiB, 2 * GiB, GiB + 2 ** 21 + 4096, S2_NORMAL_RW);
    const sizes: number[] = [];
    p2m.forEachMapped((_ipa, _pa, size) => sizes.push(size));
    expect(sizes).toEqual([GiB, 2 ** 21, 4096]);
  });

  it('maps no leaf larger than maxLeafBytes (2 MiB or pages), and refuses other sizes', () => {
    for (const [maxLeafBytes, expected] of [[2 ** 21, 512 + 1], [4096, 262144 + 512]] as const) {
      const { mem, frames } = setup();
      const p2m = new P2m(mem, frames, { maxLeafBytes });
      p2m.map(GiB, 2 * GiB, GiB + 2 ** 21, S2_NORMAL_RW);
      const sizes = new Set<number>();
      let leaves = 0;
      p2m.forEachMapped((_ipa, _pa, size) => (sizes.add(size), leaves++));
      expect([...sizes]).toEqual([maxLeafBytes]);
      expect(leaves).toBe(expected);
      expect(p2m.lookup(GiB + 5 * 4096)?.size).toBe(maxLeafBytes);
    }
    const { mem, frames } = setup();
    expect(() => new P2m(mem, frames, { maxLeafBytes: 2 ** 16 })).toThrow(P2mError);
  });

  it('forEachMapped reads only the tables that exist (cost follows what is mapped, not the IPA size)', () => {
    const { mem, p2m } = setup();
    for (const ipa of [0x1000, 0x80_0000_0000 + 0x5000, 0xff_ffff_f000]) p2m.map(ipa, 0x1000, 0x1000, S2_NORMAL_RW);
    const spy = vi.spyOn(mem, 'readBytes');
    let n = 0;
    p2m.forEachMapped(() => n++);
    expect(n).toBe(3);
    expect(spy.mock.calls.length).toBe(1 + 3 * 2); // the root, then one level-2 and one level-3 table per page
  });

  it('frees tables an unmap leaves empty, and reuses their frames zeroed', () => {
    const { p2m, frames } = setup();
    p2m.map(5 * GiB + 0x3000, 0x3000, 0x2000, S2_NORMAL_RW);
    expect(p2m.tablePages).toBe(4);
    p2m.unmap(5 * GiB, GiB);
    expect([p2m.tablePages, frames.framesInUse]).toEqual([2, 2]);
    p2m.map(7 * GiB, 0, 0x1000, S2_NORMAL_RW);
    const seen: number[] = [];
    p2m.forEachMapped((ipa) => seen.push(ipa));
    expect(seen).toEqual([7 * GiB]);
  });

  it('typed errors for bad ranges, exhaustion and changes during iteration', () => {
    const { p2m } = setup();
    expect(() => p2m.map(0x1001, 0, 0x1000, S2_NORMAL_RW)).toThrow(P2mError);
    expect(() => p2m.map(2 ** 40 - 0x1000, 0, 0x2000, S2_NORMAL_RW)).toThrow(/exceeds the 40-bit IPA space/);
    expect(() => p2m.unmap(0, 0)).toThrow(P2mError);
    p2m.map(0, 0, 0x1000, S2_NORMAL_RW);
    expect(() => p2m.forEachMapped(() => p2m.unmap(0, 0x1000))).toThrow(/cannot change during forEachMapped/);
    const tiny = setup(3 * 4096);
    expect(() => tiny.p2m.map(0x1000, 0, 0x1000, S2_NORMAL_RW)).toThrow(FrameAllocatorError);
    expect(() => new P2m(tiny.mem, tiny.frames, { ipaBits: 50 })).toThrow(P2mError);
  });

  it('writeProtect splits a block to pages; isDirty/clearDirty follow S2AP[1] with DBM', () => {
    const { p2m, mem } = setup();
    p2m.map(GiB, GiB, 2 ** 21, S2_NORMAL_RW);
    p2m.writeProtect(GiB + 0x4000, 0x2000);
    const leaf = p2m.lookup(GiB + 0x5000);
    expect([leaf?.size, leaf?.attrs.dbm, leaf?.attrs.s2ap]).toEqual([4096, true, 1]);
    expect(p2m.lookup(GiB)?.attrs.dbm).toBe(false);
    // What hardware with VTCR_EL2.HD does on a write: set S2AP[1] in the descriptor.
    const dpa = leaf?.descriptorPa ?? 0;
    mem.write32(dpa, mem.read32(dpa) | 0x80);
    expect(p2m.isDirty(GiB + 0x5000)).toBe(true);
    p2m.clearDirty(GiB, 2 ** 21);
    expect(p2m.isDirty(GiB + 0x5000)).toBe(false);
  });

  it('revalidate works one level per call and reports when nothing changed', () => {
    const { p2m } = setup();
    p2m.map(GiB + 0x1000, 0x1000, 0x1000, S2_NORMAL_RW);
    p2m.invalidateRootEntries();
    expect([p2m.revalidate(GiB + 0x1000), p2m.revalidate(GiB + 0x1000), p2m.revalidate(GiB + 0x1000), p2m.revalidate(GiB + 0x1000)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(p2m.revalidate(3 * GiB)).toBe(false);
  });
});
