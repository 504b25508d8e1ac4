import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameAllocator } from '../../src/mmu/frame-allocator';
import { P2m } from '../../src/mmu/p2m';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { S2_DEVICE_RW, S2_NORMAL_RW, S2AP, type Stage2Attributes } from '../../src/mmu/stage2-descriptor';
import { walkStage2 } from '../../src/mmu/stage2-walk';
import { P2mModel } from './p2m-model';

const GiB = 2 ** 30;
const MiB2 = 2 ** 21;
const PAGE = 4096;

const ATTRS: Stage2Attributes[] = [
  S2_NORMAL_RW,
  S2_DEVICE_RW,
  { ...S2_NORMAL_RW, s2ap: S2AP.READ_ONLY },
  { ...S2_NORMAL_RW, af: false },
  { ...S2_NORMAL_RW, memAttr: 0b0101, sh: 0b10, xn: true },
];

type Op =
  | { kind: 'map'; ipa: number; size: number; paDelta: number; attrs: number }
  | { kind: 'unmap'; ipa: number; size: number }
  | { kind: 'protect'; ipa: number; size: number; attrs: number }
  | { kind: 'writeProtect'; ipa: number; size: number }
  | { kind: 'invalidateRoot' }
  | { kind: 'revalidate'; ipa: number };

function arbitraries(ipaBits: number) {
  const gigs = Math.min(4, 2 ** (ipaBits - 30));
  const ipa = fc
    .tuple(fc.integer({ min: 0, max: gigs - 1 }), fc.constantFrom(0, 1, 2, 511), fc.constantFrom(0, 1, 5, 511))
    .map(([g, m, p]) => g * GiB + m * MiB2 + p * PAGE);
  const size = fc.constantFrom(PAGE, 3 * PAGE, MiB2, MiB2 + 2 * PAGE, 2 * MiB2, GiB);
  // Output offsets keep 1 GiB mappings to blocks or few pages (a page-aligned-only 1 GiB map would be 262144 leaves).
  const paDelta = fc.constantFrom(0, GiB, 3 * MiB2, 7 * GiB + 5 * MiB2);
  const attrs = fc.integer({ min: 0, max: ATTRS.length - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('map' as const), ipa, size, paDelta, attrs }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('unmap' as const), ipa, size }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('protect' as const), ipa, size, attrs }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('writeProtect' as const), ipa, size: fc.constantFrom(PAGE, 3 * PAGE, MiB2 + PAGE) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'invalidateRoot' as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('revalidate' as const), ipa }) },
  );
  return { op, ipa };
}

function clip(ipa: number, size: number, ipaBits: number): number {
  return Math.min(size, 2 ** ipaBits - ipa);
}

function runScenario(ipaBits: number, startLevel: number, ops: Op[], probes: number[]): void {
  const mem = new PhysicalMemory([
    { base: 0, size: 2 ** 40 },
    { base: 2 ** 44, size: 2 ** 28 },
  ]);
  const frames = new FrameAllocator(mem, 2 ** 44, 2 ** 28);
  const p2m = new P2m(mem, frames, { ipaBits, startLevel });
  const model = new P2mModel(startLevel, ipaBits);
  const interesting = new Set<number>(probes);
  let step = 0;
  for (const op of ops) {
    step++;
    switch (op.kind) {
      case 'map': {
        const size = clip(op.ipa, op.size, ipaBits);
        const pa = op.ipa + op.paDelta;
        p2m.map(op.ipa, pa, size, ATTRS[op.attrs]);
        model.map(op.ipa, pa, size, ATTRS[op.attrs]);
        interesting.add(op.ipa).add(op.ipa + size - 1).add(op.ipa + size);
        break;
      }
      case 'unmap': {
        const size = clip(op.ipa, op.size, ipaBits);
        p2m.unmap(op.ipa, size);
        model.unmap(op.ipa, size);
        interesting.add(op.ipa).add(op.ipa - 1).add(op.ipa + size);
        break;
      }
      case 'protect': {
        const size = clip(op.ipa, op.size, ipaBits);
        p2m.protect(op.ipa, size, ATTRS[op.attrs]);
        model.protect(op.ipa, size, ATTRS[op.attrs]);
        break;
      }
      case 'writeProtect': {
        const size = clip(op.ipa, op.size, ipaBits);
        p2m.writeProtect(op.ipa, size);
        model.writeProtect(op.ipa, size);
        break;
      }
      case 'invalidateRoot':
        p2m.invalidateRootEntries();
        model.invalidateRootEntries();
        break;
      case 'revalidate':
        expect(p2m.revalidate(op.ipa), `revalidate(0x${op.ipa.toString(16)}) at step ${step}`).toBe(model.revalidate(op.ipa));
        break;
    }
    for (const ipa of interesting) {
      if (ipa < 0 || ipa >= 2 ** ipaBits + PAGE) continue;
      for (const access of ['read', 'write', 'fetch'] as const) {
        const want = model.walk(ipa, access);
        const got = walkStage2(mem, p2m.vttbr, p2m.vtcr, ipa, access);
        const where = `step ${step} (${op.kind}) ${access} of IPA 0x${ipa.toString(16)}`;
        expect({ fault: got.fault, level: got.level }, where).toEqual({ fault: want.fault, level: want.level });
        if (want.fault === null) {
          expect(got.pa, where).toBe(want.pa);
          expect([got.memAttr, got.s2ap, got.sh, got.xn, got.dbm], where).toEqual([want.attrs.memAttr, want.attrs.s2ap, want.attrs.sh, want.attrs.xn, want.attrs.dbm]);
        }
      }
    }
  }
  const listed: { ipa: number; pa: number; size: number; valid: boolean; s2ap: number }[] = [];
  p2m.forEachMapped((ipa, pa, size, attrs, valid) => listed.push({ ipa, pa, size, valid, s2ap: attrs.s2ap }));
  expect(listed).toEqual(model.mapped().map((m) => ({ ipa: m.ipa, pa: m.pa, size: m.size, valid: m.valid, s2ap: m.attrs.s2ap })));
}

describe('p2m against a reference model (walker reads the real descriptors)', () => {
  for (const [ipaBits, startLevel, runs] of [
    [40, 1, 80], // 2 concatenated level-1 tables
    [32, 1, 80], // 4-entry level-1 root
    [32, 2, 50], // 4 concatenated level-2 tables: no 1 GiB blocks
    [42, 0, 50], // level-0 start
  ] as const) {
    it(`agrees on every probe: ${ipaBits}-bit IPA from level ${startLevel}`, () => {
      const { op, ipa } = arbitraries(ipaBits);
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 14 }), fc.array(ipa, { maxLength: 4 }), (ops, probes) => {
          runScenario(ipaBits, startLevel, ops, probes);
        }),
        { seed: 0x5e7a4 + ipaBits * 10 + startLevel, numRuns: runs },
      );
    });
  }
});
