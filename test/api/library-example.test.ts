/**
 * What the README's library example does, with assertions, on the sources: unit-test a trap
 * handler against a hand-built syndrome, and property-test it with the exported arbitraries. The
 * example itself runs verbatim against the packed package in test/package/package.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { machine, policies, scenarios, syndromes, type SetWayPolicy } from 'setway';
import * as arbitraries from 'setway/arbitraries';

// A policy of your own: count the S/W ops it is handed and clean the guest's memory once, like kvm.
function countingPolicy(seen: number[]): SetWayPolicy {
  return {
    ...policies.kvm(new Set()),
    name: 'counting',
    onSetWay(host, _op, operand) {
      seen.push(operand);
      if ((host.hcr & machine.HCR.TVM) === 0) {
        host.flushGuestMemory('mapped');
        host.hcr |= machine.HCR.TVM;
      }
    },
  };
}

describe('README: your own trap handler', () => {
  it('handles a hand-built DCCISW syndrome (HSR 0x0FE41CBC = MCR p15,0,r5,c7,c14,2)', () => {
    const seen: number[] = [];
    const m = new machine.Machine({ preset: 'cubietruck', isa: 'a32', policy: countingPolicy(seen), guestRamBytes: 16 << 20 });
    const vcpu = m.vms[0].vcpus[0];
    const regs = { r: [0, 0, 0, 0, 0, 0x40000c02], pc: 0 };
    vcpu.takeTrap(0x0fe41cbc, { far: 0, hpfar: 0 }, {
      readRegister: (n) => regs.r[n] ?? 0,
      readRegisterHigh: () => 0,
      writeRegister: (n, v) => void (regs.r[n] = v),
      skipInstruction: () => void (regs.pc += 4),
      injectUndefined: () => {},
      injectDataAbort: () => {},
      halt: () => {},
    });
    expect(seen).toEqual([0x40000c02]);
    expect(regs.pc).toBe(4);
    expect(syndromes.formatSyndrome(0x0fe41cbc)).toBe('EC=0x03 MCR p15,0,r5,c7,c14,2 DCCISW');
  });

  it('decodes every trapped system access back to its fields (property)', () => {
    fc.assert(
      fc.property(arbitraries.tableSysAccessArb(), (access) => {
        const s = syndromes.decodeSyndrome(syndromes.encodeSysTrap(access));
        return s.kind === 'sys' && s.access.crm === access.crm && s.access.rt === access.rt;
      }),
      { seed: 1 },
    );
  });

  it('runs the boot handoff under it and loses nothing', () => {
    const r = scenarios.runBootHandoff({ policy: countingPolicy([]), bufferBytes: 16 * 1024, migration: { kind: 'after-setway', k: 768 } });
    // The verdict against bare metal: nothing stale or destroyed, and no loss of any kind.
    expect([r.dataLost, scenarios.lostData(r)]).toEqual([0, false]);
  });
});
