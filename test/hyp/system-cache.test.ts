/**
 * The server preset has a system-level cache beyond LoC that set/way operations do not reach
 * (the architecture allows it, D7.5.9). A S/W-only flush leaves the guest's data there; a flush
 * by address to PoC reaches it.
 */
import { describe, expect, it } from 'vitest';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { SMALL } from './handoff-helpers';

describe('system cache (server preset)', () => {
  for (const isa of ['a32', 'a64'] as const) {
    it(`${isa}: S/W-only flushing leaves data in the system cache even without migration`, () => {
      const r = runBootHandoff({ ...SMALL, isa, preset: 'server', policy: 'passthrough' });
      expect(r.linesLost).toBe(r.bufferLines);
    });
    for (const policy of ['kvm', 'xen', 'dirty', 'oracle']) {
      it(`${isa}: ${policy} cleans by address to PoC and loses nothing`, () => {
        expect(runBootHandoff({ ...SMALL, isa, preset: 'server', policy, migration: { kind: 'random', meanInstructions: 3000 }, seed: 3 }).linesLost).toBe(0);
      });
    }
  }
});
