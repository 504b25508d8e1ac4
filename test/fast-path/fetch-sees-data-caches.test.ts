/**
 * Where the Point of Unification lies before every data cache (LoUU = LoUIS = 0, as FEAT_S2FWB
 * hardware must report: Arm ARM rule IRRDBK), instruction fetches see data written through the
 * data caches with no maintenance at all. U-Boot relies on it: it relocates itself with its caches
 * off, which FWB makes cacheable, and jumps to the copy. setway's fetches read memory, so the
 * caches put a page's newest data there before a fetch from it (CacheSystem.prepareFetch); these
 * check that a guest sees its new code, and that stores compiled blocks make inline are noted.
 */
import { describe, expect, it } from 'vitest';
import type { A32Cpu } from '../../src/exec/a32/cpu';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { enterEl1, guestRegisters, setGuestRegister } from '../../src/scenarios/guest-setup';
import { installShortDescriptorTables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';

const MiB = 2 ** 20;
/** A fresh page for the guest's new code and data. */
const TARGET = HARNESS.buffer + 3 * MiB + 0x2000;

function guest(policy: string, program: readonly number[], fast = true) {
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy, guestRamBytes: 32 * MiB });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.port.fastPath = fast;
  machine.memory.writeBytes(vm.ipaToPa(HARNESS.imageArea), new Uint8Array(Uint32Array.from(program).buffer));
  installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  enterEl1(vcpu, HARNESS.imageArea, HARNESS.stackTop);
  const regs = vcpu.sysregs;
  regs.set(SysReg.SCTLR, (regs.get(SysReg.SCTLR) | 0x1005) >>> 0); // M, C, I on
  setGuestRegister(vcpu, 1, TARGET);
  return { machine, vm, vcpu };
}

// MOVW/MOVT r3 (A32 F5.1.x "MOVW", "MOVT"): the low and high halves of a 32-bit constant.
const movw = (rd: number, v: number) => (0xe3000000 | ((v >>> 12) & 0xf) << 16 | (rd << 12) | (v & 0xfff)) >>> 0;
const movt = (rd: number, v: number) => (0xe3400000 | ((v >>> 28) & 0xf) << 16 | (rd << 12) | ((v >>> 16) & 0xfff)) >>> 0;
const load32 = (rd: number, v: number) => [movw(rd, v & 0xffff), movt(rd, v)];
const MOV_R0_42 = 0xe3a0002a;
const HVC0 = 0xe1400070;

describe('fetches on hardware whose PoU lies before every data cache (kvm:fwb)', () => {
  it('a guest that writes code with its caches on and branches to it, with no maintenance, runs the new code', () => {
    for (const fast of [true, false]) {
      const { machine, vcpu } = guest('kvm:fwb', [
        ...load32(3, MOV_R0_42), 0xe5813000, // str r3, [r1]
        ...load32(3, HVC0), 0xe5813004, // str r3, [r1, #4]
        0xe12fff11, // bx r1
      ], fast);
      expect(machine.caches.fetchSeesDataCaches).toBe(true);
      const r = machine.advance(vcpu, 100);
      expect(r.halted, `fast path ${fast}`).not.toBeNull();
      expect(guestRegisters(vcpu)[0]).toEqual(['r0', '0x2a']);
    }
  });

  it('a store a compiled block makes inline to a line left clean (Exclusive) is seen by the next fetch from its page', () => {
    // Every pass stores a new value next to a routine in the same page, then calls the routine:
    // the fetch writes the page back, leaving the line clean, so every store after the first
    // finds it clean. A store hitting it inline without being noted would leave memory a pass behind.
    const { machine, vm, vcpu } = guest('kvm:fwb', [
      0xe3a03000, // mov r3, #0
      0xe3a08e7d, // mov r8, #2000
      0xe2833001, // loop: add r3, r3, #1
      0xe5813000, // str r3, [r1]
      0xe12fff32, // blx r2
      0xe2588001, // subs r8, r8, #1
      0x1afffffa, // bne loop
      HVC0,
    ]);
    const routine = TARGET + 0x100;
    machine.memory.write32(vm.ipaToPa(routine), 0xe12fff1e); // bx lr
    setGuestRegister(vcpu, 2, routine);
    const r = machine.advance(vcpu, 20_000);
    expect(r.halted).not.toBeNull();
    expect((vcpu.cpu as A32Cpu).compiledBlockEntries).toBeGreaterThan(1000);
    expect(guestRegisters(vcpu)[3]).toEqual(['r3', '0x7d0']);
    expect(machine.memory.read32(vm.ipaToPa(TARGET))).toBe(2000);
  });
});
