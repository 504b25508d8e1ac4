/**
 * Guest size and p2m leaf size: what the full-VM clean of each policy grows with. Xen cleans every
 * page of a p2m leaf whose own valid bit is set (its p2m_cache_flush_range flushes whole valid
 * blocks, and p2m_get_entry reports the leaf's bit only), so with 1 GiB blocks its cost follows the
 * block size; with 2 MiB leaves it follows the working set inside the 1 GiB regions the guest
 * re-entered since the roots were invalidated, plus every leaf of the regions it never entered.
 * `dirty` tracks pages, whatever the mapping.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/hyp/machine';
import { MachineConfigError } from '../../src/hyp/machine-config-error';
import type { Vm } from '../../src/hyp/vm';
import { loadElf } from '../../src/rom';
import { runFunction } from '../../src/scenarios/function-harness';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { romPath } from '../../src/scenarios/rom-images';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function flush(policy: string, guestRamBytes: number, p2mMaxLeafBytes?: number, prepare?: (machine: Machine, vm: Vm) => void) {
  const image = loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });
  const entry = image.findSymbol('flush_dcache_all').address;
  return runFunction({ image, entry, policy, preset: 'cubietruck', bufferBytes: 256 * 1024, guestRamBytes, p2mMaxLeafBytes, prepare });
}

describe('full-VM cleans as the guest grows (256 KiB working set)', () => {
  it('xen with 2 MiB leaves cleans a few leaves of a 256 MiB guest; in a 16 GiB guest also the 15 GiB it never touched, at every flush; loses none', () => {
    const small = flush('xen', GiB / 4, 2 * MiB);
    const big = flush('xen', 16 * GiB, 2 * MiB);
    expect(small.linesByAddress).toBeLessThanOrEqual((8 * MiB) / 64); // a few 2 MiB leaves, not the guest
    // The guest runs in the first GiB: the other fifteen 1 GiB root entries are invalidated at
    // domain creation and after each flush but never re-entered, so their 2 MiB leaves keep
    // their valid bit and every flush (two in this run) cleans them again.
    const untouched = (15 * GiB) / 64;
    expect(big.linesByAddress - small.linesByAddress).toBe(2 * untouched);
    expect([lostData(small), lostData(big)]).toEqual([false, false]);
  });

  it('xen with 1 GiB blocks cleans whole gigabytes in a 16 GiB guest (Xen flushes every page of a valid leaf)', () => {
    const big = flush('xen', 16 * GiB);
    expect(big.linesByAddress % (GiB / 64)).toBe(0);
    expect(big.linesByAddress).toBeGreaterThanOrEqual(GiB / 64);
    expect(lostData(big)).toBe(false);
  });

  it('dirty cleans the same lines whatever the guest size or leaf size', () => {
    const lines = [flush('dirty', GiB / 4), flush('dirty', 16 * GiB), flush('dirty', GiB, 4096)].map((r) => r.linesByAddress);
    expect(new Set(lines).size).toBe(1);
  });

  it('dirty (write faults) splits only the blocks the guest writes: p2m tables stay few in a 16 GiB guest', () => {
    let vm: Vm | undefined;
    // prepare runs for the bare-metal reference machine too: keep the dirty policy's VM.
    const r = flush('dirty', 16 * GiB, undefined, (m, v) => {
      if (m.policy.name === 'dirty') vm = v;
    });
    expect(lostData(r)).toBe(false);
    // Splitting all 16 GiB to pages would take 8,192 level-3 tables.
    expect(vm!.p2m.tablePages).toBeLessThan(64);
  });
});

describe('machine configuration errors', () => {
  it('refuses guest RAM that is not whole pages or does not fit, and odd leaf sizes', () => {
    const base = { preset: 'cubietruck', isa: 'a32', policy: 'xen' } as const;
    expect(() => new Machine({ ...base, guestRamBytes: 4097 })).toThrow(MachineConfigError);
    expect(() => new Machine({ ...base, guestRamBytes: 2048 * GiB })).toThrow(/exceeds/);
    expect(() => new Machine({ ...base, p2mMaxLeafBytes: 64 * 1024 })).toThrow(/1 GiB, 2 MiB or 4 KiB/);
  });
});
