/**
 * Emulated MMIO through stage-2 data aborts (src/hyp/mmio.ts): guest loads and stores to an IPA
 * outside RAM reach the device model with the size, sign extension and register the syndrome
 * gives (ISV, SAS, SSE, SRT, SF; D17 "ESR_EL2"), and the guest continues after the access.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32';
import { A64Cpu } from '../../src/exec/a64';
import { Machine } from '../../src/hyp/machine';
import type { MmioHandler } from '../../src/hyp/mmio';
import { enterEl1 } from '../../src/scenarios/guest-setup';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

const DEVICE = 0x0900_0000;

class FakeDevice implements MmioHandler {
  readonly log: string[] = [];
  claims(ipa: number): boolean {
    return ipa >= DEVICE && ipa < DEVICE + 0x1000;
  }
  read(vcpu: number, ipa: number, size: 1 | 2 | 4): number {
    this.log.push(`r${size} ${(ipa - DEVICE).toString(16)} by ${vcpu}`);
    const regs: Record<number, number> = { 0x18: 0x90, 0x4: 0x80, 0x8: 0xbeef, 0xc: 0x1234_5678 };
    return (regs[ipa - DEVICE] ?? 0) & (size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1);
  }
  write(vcpu: number, ipa: number, size: 1 | 2 | 4, value: number): void {
    this.log.push(`w${size} ${(ipa - DEVICE).toString(16)}=${value.toString(16)} by ${vcpu}`);
  }
}

function run(isa: 'a32' | 'a64', source: string) {
  const m = new Machine({ preset: 'cubietruck', isa, policy: 'xen', guestRamBytes: 16 * 2 ** 20 });
  const vm = m.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.cpu.exceptionPolicy = 'stop';
  const device = new FakeDevice();
  vcpu.mmio = device;
  const words = assembleWords(source, isa);
  m.memory.writeBytes(vm.ipaToPa(0x4000_0000), new Uint8Array(words.buffer));
  enterEl1(vcpu, 0x4000_0000, 0x4002_0000);
  const r = m.run(vcpu, 10_000);
  return { r, device, cpu: vcpu.cpu, cost: m.cost };
}

const have = oraclesAvailable('mmio programs', LLVM_MC);

describe.skipIf(!have)('emulated MMIO', () => {
  it('A32: word, signed byte and halfword reads land in their registers; byte and word writes carry the value', () => {
    const { r, device, cpu, cost } = run(
      'a32',
      `ldr r1, =${DEVICE}
       ldr r0, [r1, #0x18]
       ldrsb r2, [r1, #4]
       ldrh r3, [r1, #8]
       mov r4, #0x1ab
       strb r4, [r1]
       str r4, [r1, #0x30]
       hvc #0
       .ltorg`,
    );
    expect(r.haltReason).toBe('halted');
    const a32 = cpu as A32Cpu;
    expect([a32.r[0], a32.r[2], a32.r[3]]).toEqual([0x90, 0xffff_ff80, 0xbeef]);
    expect(device.log).toEqual(['r4 18 by 0', 'r1 4 by 0', 'r2 8 by 0', 'w1 0=ab by 0', 'w4 30=1ab by 0']);
    expect(cost.mmioAccesses).toBe(5);
    expect(cost.traps).toBeGreaterThanOrEqual(6);
    // Each emulated access retired, as on bare metal: guest time (retired instructions) must not
    // depend on whether a hypervisor emulates the device, or a lockstep comparison drifts.
    expect([r.instructions, a32.instructionsRetired]).toEqual([8, 8]); // with the HVC that halts
  });

  it('A64: SF sign-extends to 64 bits, a W load zero-fills the top half, an X access is two words', () => {
    const { r, device, cpu } = run(
      'a64',
      `ldr x1, =${DEVICE}
       mov x5, #-1
       ldr w0, [x1, #0x18]
       ldrsb x2, [x1, #4]
       ldrsb w5, [x1, #4]
       ldr x3, [x1, #8]
       mov x4, #0x1ab
       strb w4, [x1]
       hvc #0
       .ltorg`,
    );
    expect(r.haltReason).toBe('halted');
    const a64 = cpu as A64Cpu;
    expect([a64.xLo(0), a64.xHi(0)]).toEqual([0x90, 0]);
    expect([a64.xLo(2), a64.xHi(2)]).toEqual([0xffff_ff80, 0xffff_ffff]);
    expect([a64.xLo(5), a64.xHi(5)]).toEqual([0xffff_ff80, 0]);
    expect([a64.xLo(3), a64.xHi(3)]).toEqual([0xbeef, 0x1234_5678]);
    expect(device.log).toEqual(['r4 18 by 0', 'r1 4 by 0', 'r1 4 by 0', 'r4 8 by 0', 'r4 c by 0', 'w1 0=ab by 0']);
    expect(r.instructions).toBe(9);
  });

  it('an address no device claims is still a stage-2 fault that stops the guest', () => {
    expect(() => run('a32', `ldr r1, =0x0a000000\n ldr r0, [r1]\n hvc #0\n .ltorg`)).toThrow(/stage-2 translation on read of IPA 0xa000000/);
  });
});
