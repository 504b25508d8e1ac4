/**
 * Cases where the old verdict (memory after the run) said the wrong thing, kept as regressions:
 * - kvm-2013's delayed flush repairs memory after the guest has already read it stale: memory
 *   at the end is fine, the guest's own reads were not;
 * - a guest that relies on its set/way *invalidate* (stale clean lines after uncached writes):
 *   a policy that only cleans dirty lines leaves it reading old data;
 * - routines that only invalidate or only clean to the PoU leave memory stale on bare metal too:
 *   that is what the guest's author tested, not data lost by the hypervisor.
 */
import { describe, expect, it } from 'vitest';
import { HCR } from '../../src/exec/el2-gate';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies';
import type { SetWayPolicy } from '../../src/hyp/policy';
import { runFunction } from '../../src/scenarios/function-harness';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { runProgram } from '../../src/scenarios/program';
import { loadRom } from '../../src/scenarios/rom-images';

const setWay = loadRom('a32-set-way.o', 0x4100_0000);
const entry = (name: string) => setWay.findSymbol(name).address;

/** The oracle as it was: clean the dirty lines once per S/W loop and on toggles, never invalidate. */
const cleansOnlyDirtyLines: SetWayPolicy = {
  name: 'cleans-only-dirty',
  summary: 'the old oracle: clean dirty lines at the first S/W op and on toggles; never invalidate',
  resetHcr: () => HCR.TSW,
  onSetWay(host) {
    if ((host.hcr & HCR.TVM) !== 0) return;
    host.flushGuestDirtyLines();
    host.hcr |= HCR.TVM;
  },
  onCacheToggle(host, wasOn, nowOn) {
    if (wasOn !== nowOn) host.flushGuestDirtyLines();
    if (nowOn) host.hcr &= ~HCR.TVM;
  },
};

describe('kvm-2013: memory repaired after the guest read it stale', () => {
  it('seed 37, random:50000 on our flush_dcache_all: memory fine at the end, 8176 stale reads during the run', () => {
    const r = runFunction({ image: setWay, entry: entry('flush_dcache_all'), policy: 'kvm-2013', migration: { kind: 'random', meanInstructions: 50_000 }, seed: 37, bufferBytes: 64 * 1024 });
    expect(r.linesNotAtPoC).toBe(0); // what the old verdict looked at
    expect(r.staleReads).toBe(8176);
    expect(r.guestMismatchedWords).toBe(8176); // the harness's own count agrees
    expect(lostData(r)).toBe(true);
    expect(r.firstDivergence?.kind).toBe('stale');
    // kvm-2013 flushes the pCPU it left only when the vCPU returns: the data sat dirty there.
    expect(r.firstDivergence?.whereUpToDate).toMatch(/cpu\d\.L1D dirty \(up to date\)/);
  });
});

describe('stale clean lines (roms/a64/stale-clean-line.s)', () => {
  const image = loadRom('a64-stale-clean-line.elf');
  it('a policy that never carries out the invalidate shows every word of the 32 KiB buffer stale', () => {
    const r = runProgram({ image, policy: cleansOnlyDirtyLines, preset: 'qemu-cortex-a53' });
    expect(r.result).toBe(8192);
    expect(r.staleReads).toBe(8192);
    expect(r.firstDivergence?.text).toMatch(/line held by cpu0\.L1D clean, memory \(up to date\)/);
  });
  it.each([...POLICY_NAMES, 'dirty:dbm', 'dirty:tid2'])('%s: the guest reads back what it wrote with caches off, as on bare metal', (policy) => {
    const r = runProgram({ image, policy, preset: 'qemu-cortex-a53' });
    expect(r.result).toBe(0);
    expect(r.staleReads).toBe(0);
    expect(lostData(r)).toBe(false);
  });
});

describe('invalidate-only and PoU routines: memory stale on bare metal too is not a loss', () => {
  it.each(POLICY_NAMES)('%s: flush_dcache_louis and invalidate_l1 lose nothing the guest would not lose on bare metal', (policy) => {
    for (const name of ['flush_dcache_louis', 'invalidate_l1']) {
      const r = runFunction({ image: setWay, entry: entry(name), policy, bufferBytes: 64 * 1024 });
      expect(r.staleReads, name).toBe(0);
      expect(r.dataDestroyed, name).toBe(0);
      expect(lostData(r), name).toBe(false);
      expect(r.dirtyDiscarded, name).toBe(0);
      // Policies that clean by address leave memory current: the guest reads newer data than bare metal.
      if (makePolicy(policy).claimsSafety && policy !== 'oracle') expect(r.linesNotAtPoC, name).toBe(0);
    }
  });
  it('passthrough: memory holds none of the 1,024 buffer lines after flush_dcache_louis, exactly as on bare metal', () => {
    const r = runFunction({ image: setWay, entry: entry('flush_dcache_louis'), policy: 'passthrough', bufferBytes: 64 * 1024 });
    expect(r.linesNotAtPoC).toBe(1024);
    expect(r.fresherReads).toBe(0);
    expect(r.staleReads).toBe(0);
  });
  it('invalidate_l1 with a dirty stack: the guest under a hypervisor reads the return address bare metal discards; bare metal adopts it (a write-back it could have made) and both are compared to the end', () => {
    const r = runFunction({ image: setWay, entry: entry('invalidate_l1'), policy: 'passthrough', bufferBytes: 64 * 1024 });
    expect(r.fresherReads).toBeGreaterThan(0);
    expect(r.controlFlowDiverged).toBe(false);
    expect(r.staleReads).toBe(0);
    expect(lostData(r)).toBe(false);
  });
});

describe('a guest that fails where bare metal finishes', () => {
  /** A broken hypervisor: runs every trapped S/W op as a plain invalidate, discarding dirty data. */
  const discards: SetWayPolicy = {
    name: 'discards',
    summary: 'runs every S/W op as DC ISW without the HCR.VM upgrade',
    resetHcr: () => HCR.TSW,
    onSetWay: (host, _op, operand) => host.setWayOnPcpu('isw', operand),
    onCacheToggle: () => {},
  };
  it('is a verdict (the failure, a loss), not an error', () => {
    const r = runFunction({ image: setWay, entry: entry('flush_dcache_all'), policy: discards, bufferBytes: 16 * 1024 });
    expect(r.guestFailure).toMatch(/Guest|Abort|Exception/);
    expect(lostData(r)).toBe(true);
    expect(r.dirtyDiscarded).toBeGreaterThan(0);
  });
});
