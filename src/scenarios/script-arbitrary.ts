/**
 * Random well-behaved guests for the script ROM (src/scenarios/script-guest.ts): programs whose
 * outcome on bare metal the architecture fixes, so any difference under a policy is the policy's.
 * Well-behaved means what a correct guest does: clean to the PoC (flush_dcache_all) before it
 * turns caches off, and drop its cached copies (invalidate_l1 or flush_dcache_all) before it turns
 * them on again; while caches are off it only stores and loads. With caches on anything goes:
 * stores, loads, maintenance by address, flushes to the PoU.
 */
import fc from 'fast-check';
import type { ScriptOp } from './script-guest';

/** The buffer the ranges fall in: as large as L1D on every preset, so lines stay cached. */
export const SCRIPT_BUFFER_BYTES = 32 * 1024;

const rangeArb = fc
  .tuple(fc.integer({ min: 0, max: SCRIPT_BUFFER_BYTES / 64 - 1 }), fc.integer({ min: 1, max: 64 }))
  .map(([line, lines]) => ({ offset: line * 64, bytes: Math.min(lines, SCRIPT_BUFFER_BYTES / 64 - line) * 64 }));

const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

const cachedOpArb: fc.Arbitrary<ScriptOp> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(rangeArb, seedArb).map(([r, seed]) => ({ op: 'store' as const, ...r, seed })) },
  { weight: 3, arbitrary: rangeArb.map((r) => ({ op: 'load' as const, ...r })) },
  { weight: 1, arbitrary: rangeArb.map((r) => ({ op: 'civac' as const, ...r })) },
  { weight: 1, arbitrary: rangeArb.map((r) => ({ op: 'cvac' as const, ...r })) },
  { weight: 1, arbitrary: fc.constant({ op: 'flush-louis' as const }) },
);

const uncachedOpArb: fc.Arbitrary<ScriptOp> = fc.oneof(
  fc.tuple(rangeArb, seedArb).map(([r, seed]) => ({ op: 'store' as const, ...r, seed })),
  rangeArb.map((r) => ({ op: 'load' as const, ...r })),
);

/** One round: caches on, work, clean to the PoC, perhaps read (clean copies), caches off, work, drop copies. */
const roundArb: fc.Arbitrary<ScriptOp[]> = fc
  .tuple(
    fc.array(cachedOpArb, { minLength: 1, maxLength: 5 }),
    fc.array(rangeArb.map((r) => ({ op: 'load' as const, ...r })), { maxLength: 2 }),
    fc.array(uncachedOpArb, { maxLength: 3 }),
    fc.constantFrom<ScriptOp['op']>('invalidate-l1', 'flush-all'),
  )
  .map(([cached, reads, uncached, drop]) => [{ op: 'caches-on' }, ...cached, { op: 'flush-all' }, ...reads, { op: 'caches-off' }, ...uncached, { op: drop }]);

/** A whole guest: one to three rounds, then a read of the whole buffer with caches on. */
export function scriptGuestArb(): fc.Arbitrary<ScriptOp[]> {
  return fc
    .array(roundArb, { minLength: 1, maxLength: 3 })
    .map((rounds) => [...rounds.flat(), { op: 'caches-on' }, { op: 'load', offset: 0, bytes: SCRIPT_BUFFER_BYTES }]);
}
