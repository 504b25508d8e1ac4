/**
 * LDRT/STRT at PL1 are checked against PL0's permissions (Arm ARM F5 "LDRT": the access is made
 * as if in User mode): on a section that PL1 may read and write but PL0 may not (AP[2:0] = 0b001,
 * G5 "Access permissions"), LDR succeeds and LDRT takes a Permission fault.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { ExceptionLoopError } from '../../src/exec/exception-loop-error';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { enterEl1, setGuestRegister } from '../../src/scenarios/guest-setup';
import { installShortDescriptorTables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';

const CODE = HARNESS.imageArea;
const DATA = CODE + 0x20_0000; // its own 1 MiB section

function run(words: readonly number[]): { cpu: A32Cpu; sysreg: (r: number) => number; error: unknown } {
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'passthrough', guestRamBytes: 64 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  machine.memory.writeBytes(vm.ipaToPa(CODE), new Uint8Array(Uint32Array.from(words).buffer));
  machine.memory.write32(vm.ipaToPa(DATA), 0x1234_5678);
  installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  // The data section: AP[1:0] (bits 11:10) = 0b01, AP[2] (bit 15) = 0: PL1 read/write, PL0 none.
  const entry = vm.ipaToPa(HARNESS.tables + (DATA >>> 20) * 4);
  machine.memory.write32(entry, ((machine.memory.read32(entry) & ~(0b11 << 10)) | (0b01 << 10)) >>> 0);
  enterEl1(vcpu, CODE, HARNESS.stackTop);
  vcpu.sysregs.set(SysReg.SCTLR, (vcpu.sysregs.get(SysReg.SCTLR) | 1) >>> 0); // MMU on
  setGuestRegister(vcpu, 1, DATA);
  const cpu = vcpu.cpu as A32Cpu;
  cpu.exceptionPolicy = 'take';
  let error: unknown;
  try {
    machine.run(vcpu, 10);
  } catch (e) {
    error = e;
  }
  return { cpu, sysreg: (r) => vcpu.sysregs.get(r), error };
}

describe('unprivileged loads and stores (LDRT, STRT, LDRBT)', () => {
  it('LDR at PL1 reads a PL1-only page', () => {
    const { cpu } = run([0xe5912000, 0xe1400070]); // ldr r2, [r1]; hvc #0
    expect(cpu.r[2]).toBe(0x1234_5678);
  });

  it.each([
    ['ldrt r3, [r1], #0', 0xe4b13000, false],
    ['strt r3, [r1], #0', 0xe4a13000, true],
    ['ldrbt r4, [r1], #1', 0xe4f14001, false],
  ])('%s at PL1 takes a Permission fault as PL0 would (DFSR, DFAR, abort mode)', (_name, word, write) => {
    const { cpu, sysreg } = run([word as number, 0xe1400070]);
    expect(cpu.mode).toBe(0x17); // Abort mode: the Data Abort was taken at PL1
    const dfsr = sysreg(SysReg.DFSR);
    // Short-descriptor DFSR: FS[3:0] = 0b1101 (Permission fault, section), WnR bit 11.
    expect(dfsr & 0x40f).toBe(0b1101);
    expect((dfsr >>> 11) & 1).toBe(write ? 1 : 0);
    expect(sysreg(SysReg.DFAR)).toBe(DATA);
    expect(cpu.r[1]).toBe(DATA); // no writeback for an access that aborted
  });

  it('a guest whose vector table is unmapped stops with ExceptionLoopError instead of spinning', () => {
    const { error } = run([0xe4b13000, 0xe1400070]); // the abort vector (VBAR 0) is not mapped
    expect(error).toBeInstanceOf(ExceptionLoopError);
    expect(String(error)).toMatch(/64 exceptions taken at PC 0x[0-9a-f]+ without an instruction completing \(.*\); is the vector table mapped/);
  });
});
