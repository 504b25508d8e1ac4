/**
 * A real Thumb-2 set/way routine run unmodified: GRUB 2.06's clean_invalidate_dcache
 * (grub-core/kern/arm/cache_armv7.S, from Debian's grub-efi-arm-bin, fetched at test time), the
 * loop GRUB runs before it starts a kernel with caches off. Under every policy it must lose and
 * keep data exactly as the project's A32 flush_dcache_all does (both clean and invalidate every
 * level up to the LoC), and issue the S/W operands its loop structure implies: per level below
 * LoC with a data cache, sets outer and ways inner, both upwards, way shift clz(ways) + 1.
 */
import { describe, expect, it } from 'vitest';
import { cachePreset } from '../../src/cache/presets';
import { HCR } from '../../src/exec/el2-gate';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies';
import { loadRaw } from '../../src/rom/load-raw';
import { runFunction } from '../../src/scenarios/function-harness';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { loadRom } from '../../src/scenarios/rom-images';
import { fetchGrubKernelImg, grubSetWayRoutine, GRUB_PACKAGE } from './grub-image';

const PRESET = 'cubietruck';
const LOAD = 0x4100_0000;

const kernelImg = fetchGrubKernelImg();
if (typeof kernelImg === 'string') {
  if (process.env.CI) throw new Error(`GRUB's kernel.img (${GRUB_PACKAGE}) could not be fetched: ${kernelImg}`);
  console.warn(`SKIP GRUB Thumb-2 set/way test: ${kernelImg}`);
}

/** The operands GRUB's loop issues for `preset`. */
function expectedOperands(preset: string): number[] {
  const config = cachePreset(preset);
  const out: number[] = [];
  for (let level = 1; level <= config.loc; level++) {
    const cache = config.levels.find((l) => l.level === level && l.kind !== 'instruction');
    if (cache === undefined) continue;
    const lineShift = 31 - Math.clz32(cache.lineBytes);
    const wayShift = Math.clz32(cache.ways) + 1; // GRUB: clz(Associativity + 1) + 1
    for (let set = 0; set < cache.sets; set++) {
      for (let way = 0; way < cache.ways; way++) {
        out.push((((level - 1) << 1) | (set << lineShift) | (wayShift >= 32 ? 0 : way << wayShift)) >>> 0);
      }
    }
  }
  return out;
}

describe.skipIf(typeof kernelImg === 'string')('GRUB 2.06 Thumb-2 clean_invalidate_dcache, unmodified', () => {
  const routine = grubSetWayRoutine(kernelImg as Uint8Array);
  const image = loadRaw(routine.text, { address: LOAD, entryOffset: routine.offset, isa: 't32' });
  const a32 = loadRom('a32-set-way.o', LOAD);

  it.each(POLICY_NAMES)('%s: loses and keeps data as the A32 flush_dcache_all does, with the operands GRUB loop implies', (policy) => {
    const grub = runFunction({ image, entry: LOAD + routine.offset, thumb: true, policy, preset: PRESET, bufferBytes: 64 * 1024, recordSetWay: true });
    const ours = runFunction({ image: a32, entry: a32.findSymbol('flush_dcache_all').address, policy, preset: PRESET, bufferBytes: 64 * 1024 });
    expect(grub.guestFailure).toBeNull();
    expect([lostData(grub), grub.dataLost, grub.guestMismatchedWords]).toEqual([lostData(ours), ours.dataLost, ours.guestMismatchedWords]);
    // A policy that traps the cache ID registers (kvm-6.3) shows one level of one set and one way: one operand.
    const idTrapped = (makePolicy(policy).resetHcr() & HCR.TID2) !== 0;
    expect(grub.setWayLog?.map((r) => r.operand)).toEqual(idTrapped ? [0] : expectedOperands(PRESET));
  });
});
