/**
 * Each policy's hooks, driven by hand with a recording host: what it flushes and which HCR bits it
 * leaves, for the sequence a booting guest produces (caches on, S/W loop, caches off).
 */
import { describe, expect, it } from 'vitest';
import { HCR } from '../../src/exec/el2-gate';
import { makePolicy, POLICY_NAMES, PolicyError } from '../../src/hyp/policies';
import { MINIMAL_CACHE_ID } from '../../src/hyp/policies/dirty';
import { FakePolicyHost } from './fake-policy-host';

function booted(spec: string) {
  const policy = makePolicy(spec);
  const host = new FakePolicyHost();
  host.hcr = policy.resetHcr();
  host.guestCachesOn = false;
  policy.onVcpuReset?.(host);
  return { policy, host };
}

describe('policy registry', () => {
  it('knows every policy the issue names', () => {
    expect(POLICY_NAMES).toEqual(
      expect.arrayContaining(['passthrough', 'kvm-2013', 'kvm', 'xen', 'jailhouse', 'pin', 'misconfig', 'dirty', 'oracle']),
    );
  });
  it('rejects unknown policies and options with the known ones listed', () => {
    expect(() => makePolicy('vmware')).toThrow(PolicyError);
    expect(() => makePolicy('vmware')).toThrow(/known: passthrough/);
    expect(() => makePolicy('kvm:fast')).toThrow(/no option 'fast'/);
  });
  it('carries options into the display name', () => {
    expect(makePolicy('dirty:tid2,dbm').name).toBe('dirty:dbm,tid2');
  });
  it('every trapping policy sets TSW at reset; passthrough and pin do not', () => {
    for (const name of POLICY_NAMES) {
      const tsw = (makePolicy(name).resetHcr() & HCR.TSW) !== 0;
      expect(tsw, name).toBe(!['passthrough', 'pin'].includes(name));
    }
  });
});

describe('kvm (kvm_set_way_flush / kvm_toggle_cache)', () => {
  it('sets TVM from reset, so the first S/W op after caches-on flushes everything once', () => {
    const { policy, host } = booted('kvm');
    expect(host.hcr & HCR.TVM).toBeTruthy();
    policy.onCacheToggle(host, false, true, 'SCTLR');
    expect(host.calls).toEqual(['flush mapped preempt +0/page +0/skip at Infinity']);
    expect(host.hcr & HCR.TVM).toBe(0);
    host.calls.length = 0;
    policy.onSetWay(host, 'cisw', 0x2);
    policy.onSetWay(host, 'cisw', 0x40000002);
    expect(host.calls).toEqual(['flush mapped preempt +0/page +0/skip at Infinity']);
    expect(host.hcr & HCR.TVM).toBeTruthy();
    host.calls.length = 0;
    policy.onCacheToggle(host, true, false, 'SCTLR');
    expect(host.calls).toEqual(['flush mapped preempt +0/page +0/skip at Infinity']);
    expect(host.hcr & HCR.TVM).toBeTruthy();
  });
  it('never runs the S/W op itself', () => {
    const { policy, host } = booted('kvm');
    policy.onSetWay(host, 'isw', 0);
    expect(host.calls.some((c) => c.startsWith('sw'))).toBe(false);
  });
});

describe('xen (p2m_set_way_flush)', () => {
  it('invalidates the p2m roots when the domain is built, so the first flush sees only touched pages', () => {
    expect(booted('xen').host.calls).toEqual(['invalidate roots']);
  });
  it('first S/W op sets TVM and flushes valid entries in batches, then invalidates the roots', () => {
    const { policy, host } = booted('xen');
    host.calls.length = 0;
    expect(host.hcr & HCR.TVM).toBe(0);
    policy.onSetWay(host, 'cisw', 2);
    expect(host.calls).toEqual(['flush valid preempt +10/page +1/skip at 512', 'invalidate roots']);
    policy.onSetWay(host, 'cisw', 2);
    expect(host.calls.length).toBe(2);
  });
  it('re-validates lazily on stage-2 translation faults only', () => {
    const { policy, host } = booted('xen');
    host.invalidIpas.add(0x4000_0000);
    expect(policy.onStage2Fault!(host, 0x4000_0000, false, 'translation')).toBe(true);
    expect(policy.onStage2Fault!(host, 0x4000_0000, false, 'translation')).toBe(false);
    expect(policy.onStage2Fault!(host, 0x5000_0000, true, 'permission')).toBe(false);
  });
});

describe('jailhouse', () => {
  it('flushes on caches on->off but not off->on', () => {
    const { policy, host } = booted('jailhouse');
    policy.onCacheToggle(host, false, true, 'SCTLR');
    expect(host.calls).toEqual([]);
    policy.onCacheToggle(host, true, false, 'SCTLR');
    expect(host.calls).toEqual(['flush mapped']);
  });
});

describe('kvm-2013', () => {
  it('runs the op locally with ISW upgraded, and flushes each other pCPU once when the vCPU gets there', () => {
    const { policy, host } = booted('kvm-2013');
    policy.onSetWay(host, 'isw', 0x42);
    expect(host.calls).toEqual(['sw cisw 0x42 on 0']);
    policy.beforeRun!(host, 1);
    policy.beforeRun!(host, 1);
    expect(host.calls.filter((c) => c === 'flush pcpu 1').length).toBe(1);
    policy.beforeRun!(host, 0);
    expect(host.calls).not.toContain('flush pcpu 0');
  });
});

describe('pin', () => {
  it('passes S/W ops through and refuses migration while caches are off or a loop runs', () => {
    const { policy, host } = booted('pin');
    policy.onSetWay(host, 'isw', 4);
    expect(host.calls).toEqual(['sw isw 0x4 on 0']);
    host.guestCachesOn = false;
    expect(policy.mayMigrate!(host)).toBe(false);
    host.guestCachesOn = true;
    host.setWayLoopActive = true;
    expect(policy.mayMigrate!(host)).toBe(false);
    host.setWayLoopActive = false;
    expect(policy.mayMigrate!(host)).toBe(true);
  });
});

describe('misconfig', () => {
  it('invalidates leaves on the first S/W op and flushes a page on its first fault', () => {
    const { policy, host } = booted('misconfig');
    policy.onSetWay(host, 'cisw', 0);
    policy.onSetWay(host, 'cisw', 0);
    expect(host.calls).toEqual(['invalidate leaves']);
    host.invalidIpas.add(0x4010_0000);
    expect(policy.onStage2Fault!(host, 0x4010_0000, false, 'translation')).toBe(true);
    expect(host.calls).toContain('flush page 0x40100000');
    expect(policy.onStage2Fault!(host, 0x4010_0000, false, 'translation')).toBe(false);
  });
});

describe('dirty', () => {
  it('tracks from reset and flushes only written pages', () => {
    const { policy, host } = booted('dirty');
    expect(host.calls).toEqual(['track fault']);
    host.invalidIpas.add(0x4000_1000);
    expect(policy.onStage2Fault!(host, 0x4000_1000, true, 'permission')).toBe(true);
    expect(policy.onStage2Fault!(host, 0x4000_2000, false, 'permission')).toBe(false);
    host.calls.length = 0;
    policy.onSetWay(host, 'cisw', 0);
    expect(host.calls).toEqual(['flush dirty', 'track fault']);
  });
  it('with dbm takes no faults at all', () => {
    const { policy, host } = booted('dirty:dbm');
    expect(host.calls).toEqual(['track dbm']);
    host.invalidIpas.add(0x4000_1000);
    expect(policy.onStage2Fault!(host, 0x4000_1000, true, 'permission')).toBe(false);
  });
  it('with tid2 traps the ID registers and shows one level, one set, one way', () => {
    const { policy, host } = booted('dirty:tid2');
    expect(host.hcr & HCR.TID2).toBeTruthy();
    const id = policy.virtualCacheId!()!;
    expect(id).toBe(MINIMAL_CACHE_ID);
    // CLIDR_EL1: Ctype1 [2:0] = 2 (data), LoUIS [23:21] = 1, LoC [26:24] = 1 (D17 "CLIDR_EL1").
    const clidr = id.clidr();
    expect(clidr & 7).toBe(2);
    expect((clidr >>> 3) & 7).toBe(0);
    expect((clidr >>> 21) & 7).toBe(1);
    expect((clidr >>> 24) & 7).toBe(1);
    // CCSIDR: NumSets-1 [27:13] = 0, Associativity-1 [12:3] = 0, LineSize [2:0] = 2 (64 bytes).
    expect(id.ccsidr(0)).toBe(2);
    expect(id.ccsidr(2)).toBe(0);
  });
});

describe('oracle', () => {
  it('carries out every S/W op here (an invalidate as clean+invalidate) and cleans the lines stranded at its set; toggles need nothing', () => {
    const { policy, host } = booted('oracle');
    policy.onSetWay(host, 'cisw', 0x40);
    policy.onSetWay(host, 'isw', 0x42);
    policy.onCacheToggle(host, true, false, 'SCTLR');
    expect(host.calls).toEqual(['sw cisw 0x40 on 0', 'flush stranded 0x40', 'sw cisw 0x42 on 0', 'flush stranded 0x42']);
    expect(host.hcr & HCR.TVM).toBe(0);
  });
});
