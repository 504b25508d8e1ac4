/**
 * The setway side of the syndrome differentials: the EL1 bytes QEMU ran (qemu-el2.ts) run in
 * setway's executors over the system-register model, with the image's HCR and an El2Double in
 * place of its EL2 handler. EL2 is in AArch64 for both parts, as in the image.
 */
import { expect } from 'vitest';
import { A32Cpu } from '../../src/exec/a32';
import { A64Cpu } from '../../src/exec/a64';
import { FlatMemory } from '../../src/exec/flat-memory';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import { RecordingPort } from '../sysregs/fakes';
import { GUEST_RAM_IPA, Machine } from '../../src/hyp/machine';
import { S2_NORMAL_RW, S2AP } from '../../src/mmu/stage2-descriptor';
import { EL1_BASE, El2Double, STAGE2, type El2Record } from './qemu-el2';

/**
 * Records of the A64 part (EL1h, from EL1_BASE to its `hvc #1`) then of the A32 part (SVC mode,
 * A, I and F masked as the image's SPSR_EL2, to its `hvc #2`), over flat memory (no stage 2).
 */
export function flatRecords(a64: Uint8Array, a32: Uint8Array, hcrA64: number, hcrA32: number): El2Record[] {
  const load = (bytes: Uint8Array): FlatMemory => {
    const memory = new FlatMemory();
    memory.load(EL1_BASE, bytes);
    return memory;
  };
  const gate64 = new El2Double(hcrA64);
  const cpu64 = new A64Cpu({ memory: load(a64), el2: gate64, system: new SystemRegisters({ port: new RecordingPort(), el2: gate64, aarch64: true }) });
  cpu64.el = 1;
  cpu64.pc = EL1_BASE;
  cpu64.run(10_000);
  expect(cpu64.stopReason, 'A64 EL1 code ends at its HVC').toBe('halted');
  const gate32 = new El2Double(hcrA32);
  const cpu32 = new A32Cpu({ memory: load(a32), el2: gate32, system: new SystemRegisters({ port: new RecordingPort(), el2: gate32, aarch64: false, el2AArch64: true }) });
  cpu32.cpsr = 0x1d3;
  cpu32.pc = EL1_BASE;
  cpu32.run(10_000);
  expect(cpu32.stopReason, 'A32/T32 EL1 code ends at its HVC').toBe('halted');
  return [...gate64.records, ...gate32.records];
}

/**
 * Records of one part run on setway's Machine: the VM's p2m rebuilt to the image's `STAGE2`
 * layout (real stage-2 descriptors, walked by the translator), HCR.VM and DC set as the image does
 * (DC: stage 1 off reads as Normal Write-Back, so DC ZVA is not an Alignment fault), the EL1
 * bytes at EL1_BASE, and the El2Double in place of the vCPU's trap handler. AArch32 runs under
 * setway's AArch32 EL2 (the Machine's model for an A32 guest), so its syndromes are HSRs.
 */
export function stage2Records(bytes: Uint8Array, isa: 'a64' | 'a32', hcr: number): El2Record[] {
  const machine = new Machine({ preset: isa === 'a64' ? 'qemu-cortex-a53' : 'qemu-cortex-a15', isa, policy: 'passthrough', guestRamBytes: 8 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  const p2m = vm.p2m;
  p2m.unmap(GUEST_RAM_IPA, 8 * 2 ** 20);
  const readOnly = { ...S2_NORMAL_RW, s2ap: S2AP.READ_ONLY };
  for (const [range, attrs] of [
    [STAGE2.code, S2_NORMAL_RW],
    [STAGE2.dataPage, S2_NORMAL_RW],
    [STAGE2.readOnlyPage, readOnly],
    [STAGE2.readOnlyBlock, readOnly],
  ] as const) {
    p2m.map(range.ipa, vm.ipaToPa(range.ipa), range.size, attrs);
  }
  machine.memory.writeBytes(vm.ipaToPa(EL1_BASE), bytes);
  const cpu = vcpu.cpu as A64Cpu | A32Cpu;
  const gate = new El2Double(hcr, () => {
    cpu.pc = cpu instanceof A64Cpu ? cpu.x(30) : cpu.r[14];
  });
  vcpu.takeTrap = (esr, detail, regs) => gate.takeTrap(esr, detail, regs);
  vcpu.setHcr(hcr);
  if (cpu instanceof A64Cpu) {
    cpu.el = 1;
    cpu.daif = 0xf;
  } else {
    cpu.cpsr = 0x1d3;
  }
  cpu.pc = EL1_BASE;
  cpu.run(100_000);
  expect(cpu.stopReason, `${isa} EL1 code ends at its HVC`).toBe('halted');
  return gate.records;
}
