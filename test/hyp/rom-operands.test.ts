/**
 * Our flush ROMs (roms/a32|a64/cache-set-way.s), run by the executors on the cubietruck preset:
 * the S/W operands they issue are exactly the set/way/level sequence the geometry implies
 * (D7.5.9 loop: levels up to LoC or LoUIS, every way and set), and with no migration every dirty
 * line of the buffer reaches memory.
 */
import { describe, expect, it } from 'vitest';
import { CacheSystem } from '../../src/cache/cache-system';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { setWayOperands } from '../../src/hyp/set-way-sweep';
import { runFunction } from '../../src/scenarios/function-harness';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { loadRom } from '../../src/scenarios/rom-images';

const geometry = new CacheSystem('cubietruck', new PhysicalMemory([{ base: 0, size: 4096 }]));

describe.each(['a32', 'a64'] as const)('%s flush ROM routines on cubietruck', (isa) => {
  const image = loadRom(`${isa}-set-way.o`, 0x4100_0000);
  const cases = [
    ['flush_dcache_all', 'cisw', setWayOperands(geometry, 0, 'loc')],
    ['flush_dcache_louis', 'cisw', setWayOperands(geometry, 0, 'louis')],
    ['invalidate_l1', 'isw', setWayOperands(geometry, 0, 1)],
  ] as const;
  for (const [symbol, op, expected] of cases) {
    it(`${symbol} issues ${expected.length} ${op.toUpperCase()} operands in the order the geometry implies`, () => {
      const r = runFunction({ image, entry: image.findSymbol(symbol).address, policy: 'passthrough', preset: 'cubietruck', bufferBytes: 0, recordSetWay: true });
      // Untrapped DC ISW reaches the hardware as clean+invalidate under HCR.VM (D7.5.9): the log
      // records the op as the cache executed it.
      expect(r.setWayLog!.map((s) => s.operand)).toEqual(expected);
      expect(new Set(r.setWayLog!.map((s) => s.op))).toEqual(new Set(['cisw']));
    });
  }

  it('flush_dcache_all with no migration puts every dirty line of a 64 KiB buffer in memory', () => {
    const r = runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy: 'passthrough', preset: 'cubietruck', bufferBytes: 64 * 1024 });
    expect(r.linesNotAtPoC).toBe(0);
    expect(r.guestMismatchedWords).toBe(0);
    expect(lostData(r)).toBe(false);
  });

  it('flush_dcache_louis stops at the Point of Unification: L2 keeps dirty lines, memory is stale', () => {
    const r = runFunction({ image, entry: image.findSymbol('flush_dcache_louis').address, policy: 'passthrough', preset: 'cubietruck', bufferBytes: 64 * 1024 });
    expect(r.linesNotAtPoC).toBeGreaterThan(0);
    // Bare metal stops at the PoU too: the guest reads the same stale memory there, so by the
    // verdict nothing is lost.
    expect(lostData(r)).toBe(false);
  });
});
