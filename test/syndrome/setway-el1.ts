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
import { EL1_BASE, El2Double, type El2Record } from './qemu-el2';

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
