/**
 * Two VMs share a pCPU's caches. One VM's set/way *invalidate* must never destroy the other VM's
 * dirty data: with HCR_EL2.VM (or HCR.SWIO) set, DC ISW / DCISW executed at EL1 performs a clean
 * and invalidate (Arm ARM D7.5.9, HCR_EL2.SWIO and HCR_EL2.VM). Without both, the loss is real,
 * which is why HCR.SWIO exists.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/hyp/machine';
import { POLICY_NAMES } from '../../src/hyp/policies';
import { enterEl1, loadImageIntoVm } from '../../src/scenarios/guest-setup';
import { loadRom } from '../../src/scenarios/rom-images';

/** Victim's dirty lines sit in pCPU 0's L1; the attacker VM runs invalidate_l1 (DCISW) on pCPU 0. */
function victimLinesLost(policy: string): number {
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy, vms: 2, guestRamBytes: 16 * 2 ** 20 });
  const [attacker, victim] = machine.vms;
  const lines = 64;
  for (let i = 0; i < lines; i++) machine.caches.write(0, victim.ipaToPa(victim.ramIpa + 0x10_0000 + i * 64), 4, 0xdead0000 + i);
  const vcpu = attacker.vcpus[0];
  expect(vcpu.pcpu).toBe(0);
  const image = loadRom('a32-set-way-selftest.elf');
  loadImageIntoVm(machine, attacker, image);
  enterEl1(vcpu, image.entry, 0x4002_0000);
  machine.run(vcpu, 10_000_000);
  let lost = 0;
  for (let i = 0; i < lines; i++) {
    const pa = victim.ipaToPa(victim.ramIpa + 0x10_0000 + i * 64);
    // What the victim would read: the latest copy anywhere (cacheable read), or memory.
    if (machine.caches.peek(1, pa, 4) !== 0xdead0000 + i) lost++;
  }
  return lost;
}

describe("a guest's S/W invalidate and another VM's dirty data", () => {
  for (const policy of [...POLICY_NAMES, 'passthrough:swio', 'passthrough:novm,swio']) {
    it(`${policy}: HCR.VM or HCR.SWIO upgrades DCISW, the other VM loses nothing`, () => {
      expect(victimLinesLost(policy)).toBe(0);
    });
  }

  it('passthrough:novm (HCR.VM = 0, SWIO = 0): the invalidate discards the other VM\'s dirty lines', () => {
    expect(victimLinesLost('passthrough:novm')).toBe(64);
  });
});
