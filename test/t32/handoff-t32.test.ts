/**
 * A Thumb-2 set/way flush of our own: the boot-handoff ROM written for Thumb state
 * (roms/t32/boot-handoff.s, the A32 program with IT blocks instead of conditional execution and
 * LSL (register) where A32 shifts an operand by a register) must lose and keep exactly the data the
 * A32 ROM does, under every policy and the same migration schedules. Both issue the same S/W
 * operands in the same order, so a schedule counted in S/W operations moves the vCPU at the same
 * point of the flush.
 */
import { describe, expect, it } from 'vitest';
import { POLICY_NAMES } from '../../src/hyp/policies';
import type { MigrationMode } from '../../src/hyp/scheduler';
import { runBootHandoff } from '../../src/scenarios/boot-handoff';
import { BareMetalRuns } from '../../src/scenarios/lockstep/bare-metal-runs';
import { loadRom } from '../../src/scenarios/rom-images';

const BUFFER_BYTES = 128 * 1024;
/** After the 512 DCISW of invalidate_l1 on the Cubietruck's Cortex-A7, DCCISW op 768 is mid-way through L1 (the demo's schedule), 1000 near its end. */
const SCHEDULES: readonly MigrationMode[] = [{ kind: 'after-setway', k: 768 }, { kind: 'after-setway', k: 1000 }, { kind: 'never' }];

/** What the guest lost and kept, and the verdict on it: everything that must not depend on the instruction set. */
function outcome(r: ReturnType<typeof runBootHandoff>) {
  return {
    dataLost: r.dataLost,
    staleReads: r.staleReads,
    dataDestroyed: r.dataDestroyed,
    fresherReads: r.fresherReads,
    guestMismatchedWords: r.guestMismatchedWords,
    linesNotAtPoC: r.linesNotAtPoC,
    controlFlowDiverged: r.controlFlowDiverged,
    guestFailure: r.guestFailure,
    finalStateDiffers: r.finalStateDiffers,
    setWayOps: r.setWayOps,
    setWayOpsTrapped: r.setWayOpsTrapped,
    migrations: r.migrations,
  };
}

describe('boot handoff: the T32 ROM loses and keeps what the A32 ROM does', () => {
  it('the T32 ROM enters in Thumb state (odd ELF entry) and is Thumb code throughout', () => {
    const image = loadRom('t32-boot-handoff.elf');
    expect(image.isa).toBe('t32');
    for (const name of ['_start', 'flush_dcache_all', 'flush_dcache_louis', 'invalidate_l1']) expect(image.findSymbol(name).isa, name).toBe('t32');
  });

  const bareMetal = new BareMetalRuns();
  const rows: string[] = [];
  describe.each(SCHEDULES)('migration %j', (migration) => {
    it.each(POLICY_NAMES)('%s', (policy) => {
      const run = (isa: 'a32' | 't32') => runBootHandoff({ isa, policy, migration, bufferBytes: BUFFER_BYTES, bareMetal });
      const a32 = run('a32');
      const t32 = run('t32');
      expect(t32.isa).toBe('t32');
      expect(outcome(t32)).toEqual(outcome(a32));
      rows.push(`${JSON.stringify(migration)} ${policy}: lost ${a32.dataLost}/${t32.dataLost}, guest mismatches ${a32.guestMismatchedWords}/${t32.guestMismatchedWords}, S/W ops ${a32.setWayOps}/${t32.setWayOps}, instructions ${a32.instructions}/${t32.instructions}`);
    });
  });

  it('the schedules make some policy lose data (the comparison is not between two empty outcomes)', () => {
    console.log(`A32/T32 per policy:\n${rows.join('\n')}`);
    const lossy = runBootHandoff({ isa: 't32', policy: 'passthrough', migration: SCHEDULES[0], bufferBytes: BUFFER_BYTES, bareMetal });
    expect(lossy.dataLost).toBeGreaterThan(0);
    expect(lossy.guestMismatchedWords).toBeGreaterThan(0);
  });
});
