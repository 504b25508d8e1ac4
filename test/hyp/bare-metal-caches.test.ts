/**
 * Bare metal for a policy that fabricates the cache ID registers (HCR.TID2: kvm-6.3, dirty:tid2)
 * is hardware built with the fabricated geometry (src/hyp/policies/bare-metal.ts): the guest reads
 * the same CLIDR, CCSIDR and CTR on both sides, so values it keeps in memory are no divergence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheGeometry } from '../../src/cache/geometry';
import { CACHE_PRESETS, cachePreset } from '../../src/cache/presets';
import type { CacheIdentification } from '../../src/exec/system-port';
import { cachesShownBy } from '../../src/hyp/cache-config-from-id';
import { makePolicy } from '../../src/hyp/policies';
import { BARE_METAL_POLICY, bareMetalFor } from '../../src/hyp/policies/bare-metal';
import { HCR } from '../../src/exec/el2-gate';
import { FakePolicyHost } from './fake-policy-host';
import { MINIMAL_CACHE_ID } from '../../src/hyp/policies/dirty';
import { KVM_63_CACHE_ID } from '../../src/hyp/policies/kvm-63';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { runProgram } from '../../src/scenarios/program';
import { loadRaw } from '../../src/rom/load-raw';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

/** Every CSSELR a guest can write: Level [3:1] 0..7, InD [0]. */
const CSSELRS = Array.from({ length: 16 }, (_, i) => i);

function registersOf(id: CacheIdentification) {
  return { clidr: id.clidr() >>> 0, ccsidr: CSSELRS.map((s) => id.ccsidr(s) >>> 0), ctr: id.ctr() >>> 0 };
}

function registersOfHardware(config: Parameters<typeof cachesShownBy>[1]) {
  const g = new CacheGeometry(config);
  return registersOf({ clidr: () => g.clidr(0), ccsidr: (s) => g.ccsidr(0, s), ctr: () => g.ctr(0) });
}

describe('cachesShownBy: hardware whose ID registers read as the fabricated ones', () => {
  it.each([
    ['kvm-6.3', KVM_63_CACHE_ID],
    ['dirty:tid2', MINIMAL_CACHE_ID],
  ])('%s: CLIDR, every CCSIDR and CTR read the same on the built hardware', (_name, id) => {
    for (const preset of Object.keys(CACHE_PRESETS)) {
      const config = cachesShownBy(id, cachePreset(preset), 'shown');
      expect(registersOfHardware(config), preset).toEqual(registersOf(id));
      expect(config.clusterOfCpu).toEqual(cachePreset(preset).clusterOfCpu);
    }
  });
  it('kvm-6.3: one line of L1D and one of L1I, no L2', () => {
    const config = cachesShownBy(KVM_63_CACHE_ID, cachePreset('server'), 'shown');
    expect(config.levels.map((l) => `L${l.level} ${l.kind} ${l.sets}x${l.ways}x${l.lineBytes}`)).toEqual(['L1 data 1x1x64', 'L1 instruction 1x1x64']);
  });
  it('a preset read back through its own ID registers is the same visible hardware (every preset)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(CACHE_PRESETS)), (preset) => {
        const real = new CacheGeometry(cachePreset(preset));
        const id: CacheIdentification = { clidr: () => real.clidr(0), ccsidr: (s) => real.ccsidr(0, s), ctr: () => real.ctr(0) };
        const rebuilt = cachesShownBy(id, cachePreset(preset), 'rebuilt');
        expect(registersOfHardware(rebuilt)).toEqual(registersOf(id));
        // Sharing of the visible levels is kept from the real hardware.
        const visible = cachePreset(preset).levels.filter((l) => l.setWay !== false);
        for (const l of rebuilt.levels) expect(visible.find((v) => v.level === l.level && v.kind === l.kind)?.sharing).toBe(l.sharing);
      }),
    );
  });
});

describe('bareMetalFor', () => {
  it.each(['passthrough', 'kvm', 'kvm-2013', 'xen', 'jailhouse', 'dirty', 'oracle'])('%s shows the real caches: bare metal is plain passthrough:novm', (policy) => {
    expect(bareMetalFor(policy)).toBe(BARE_METAL_POLICY);
  });
  it('kvm:fwb runs on FEAT_S2FWB hardware (LoUU = LoUIS = 0, rule IRRDBK): bare metal is passthrough:novm on that hardware', () => {
    const bare = bareMetalFor('kvm:fwb');
    if (typeof bare === 'string') throw new Error('expected a policy object');
    expect(bare.resetHcr(true)).toBe(makePolicy(BARE_METAL_POLICY).resetHcr(true));
    expect(bare.withoutStage2).toBe(true);
    for (const preset of ['cubietruck', 'qemu-cortex-a15', 'qemu-cortex-a53'] as const) {
      const fwb = makePolicy('kvm:fwb').machineCaches!(cachePreset(preset));
      expect([fwb.louis, fwb.louu, fwb.loc]).toEqual([0, 0, cachePreset(preset).loc]);
      expect(fwb.levels).toEqual(cachePreset(preset).levels);
      expect(bare.machineCaches!(cachePreset(preset))).toEqual(fwb);
    }
  });
  it.each([
    ['kvm-6.3', KVM_63_CACHE_ID],
    ['dirty:tid2', MINIMAL_CACHE_ID],
  ])('%s: bare metal is passthrough:novm on the same caches, showing the guest their fabricated ID values', (policy, id) => {
    const bare = bareMetalFor(policy);
    if (typeof bare === 'string') throw new Error('expected a policy object');
    expect(bare.resetHcr(true)).toBe(makePolicy(BARE_METAL_POLICY).resetHcr(true) | HCR.TID2 | HCR.TSW);
    expect(bare.withoutStage2).toBe(true);
    expect(bare.machineCaches).toBeUndefined();
    expect(bare.virtualCacheId!()).toBe(id);
  });
  it.each(['kvm-6.3', 'dirty:tid2'])('%s: a S/W op on the one line the shown L1 holds (also the shown LoC) covers the real caches to the real LoC', (policy) => {
    const bare = bareMetalFor(policy);
    if (typeof bare === 'string') throw new Error('expected a policy object');
    const host = new FakePolicyHost();
    // Operand: level 1 (field 0), set 0, way 0: the whole shown L1, which is also the shown LoC.
    bare.onSetWay(host, 'csw', 0);
    bare.onSetWay(host, 'cisw', 0);
    // DC ISW keeps the data: which one line the shown hardware would discard cannot be known.
    bare.onSetWay(host, 'isw', 0);
    expect(host.calls).toEqual(['csw levels 1-loc', 'cisw levels 1-loc', 'cisw levels 1-loc']);
  });
});

const have = oraclesAvailable('cache ID guest', LLVM_MC);

describe.skipIf(!have)('a guest that keeps its cache ID values in memory', () => {
  // Reads CTR_EL0, CLIDR_EL1 and CCSIDR_EL1 (L1D), stores them and loads them back (as Linux keeps
  // its sanitised CTR_EL0), then leaves their sum in x0.
  const words = assembleWords(
    `mrs x1, ctr_el0
     mrs x2, clidr_el1
     msr csselr_el1, xzr
     isb
     mrs x3, ccsidr_el1
     ldr x9, =0x40010000
     stp x1, x2, [x9]
     str x3, [x9, #16]
     dsb sy
     ldp x4, x5, [x9]
     ldr x6, [x9, #16]
     add x0, x4, x5
     add x0, x0, x6
     hvc #0
     .ltorg`,
    'a64',
  );
  const image = loadRaw(new Uint8Array(words.buffer), { isa: 'a64', address: 0x4000_0000 });
  it.each([
    ['kvm-6.3', KVM_63_CACHE_ID],
    ['dirty:tid2', MINIMAL_CACHE_ID],
  ])('%s: the guest reads the fabricated values on both sides: no divergence, no loss', (policy, id) => {
    const r = runProgram({ image, policy, preset: 'server', migration: { kind: 'random', meanInstructions: 3 }, seed: 5 });
    expect(r.result).toBe(((id.ctr() >>> 0) + (id.clidr() >>> 0) + (id.ccsidr(0) >>> 0)) >>> 0);
    expect(r.firstDivergence).toBeNull();
    expect(r.staleReads + r.fresherReads).toBe(0);
    expect(lostData(r)).toBe(false);
  });
});
