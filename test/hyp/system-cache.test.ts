/**
 * The server preset has a system-level cache beyond LoC that set/way operations do not reach
 * (the architecture allows it, D7.5.9). A S/W-only flush leaves the guest's data there; a flush
 * by address to PoC reaches it. On bare metal the guest's S/W flush leaves it there just the same,
 * so neither is a loss by the verdict (src/scenarios/lockstep/verdict.ts): only memory differs.
 */
import { describe, expect, it } from 'vitest';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { SMALL } from './handoff-helpers';

describe('system cache (server preset)', () => {
  for (const isa of ['a32', 'a64'] as const) {
    it(`${isa}: S/W-only flushing leaves data in the system cache even without migration`, () => {
      const r = runBootHandoff({ ...SMALL, isa, preset: 'server', policy: 'passthrough' });
      // Memory is stale for every line of the buffer...
      expect(r.linesNotAtPoC).toBe(r.bufferLines);
      // ...but the guest reads exactly what it reads on bare metal, whose S/W flush cannot reach
      // the system cache either: no loss by the verdict.
      expect(lostData(r)).toBe(false);
      expect(r.fresherReads).toBe(0);
    });
    for (const policy of ['kvm', 'xen', 'dirty']) {
      it(`${isa}: ${policy} cleans by address to PoC and loses nothing`, () => {
        const r = runBootHandoff({ ...SMALL, isa, preset: 'server', policy, migration: { kind: 'random', meanInstructions: 3000 }, seed: 3 });
        expect(r.linesNotAtPoC).toBe(0);
        expect(lostData(r)).toBe(false);
        // Memory holds the data, where bare metal leaves it in the system cache: the guest reads
        // newer data than on bare metal, which is not a loss.
        expect(r.fresherReads).toBeGreaterThan(0);
      });
    }
    it(`${isa}: the oracle does what bare metal does and loses nothing, migrated or not`, () => {
      // Without migration it does exactly the guest's S/W ops: memory as stale as on bare metal.
      const still = runBootHandoff({ ...SMALL, isa, preset: 'server', policy: 'oracle' });
      expect([still.linesNotAtPoC, still.fresherReads, lostData(still)]).toEqual([still.bufferLines, 0, false]);
      // Migrated, it cleans the lines left on the other cluster by address, to the PoC.
      const moved = runBootHandoff({ ...SMALL, isa, preset: 'server', policy: 'oracle', migration: { kind: 'random', meanInstructions: 3000 }, seed: 3 });
      expect(lostData(moved)).toBe(false);
    });
  }
});
