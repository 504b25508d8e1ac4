/**
 * Stage-2 aborts of the instructions that reach memory through the system-register model, through
 * the real A64/A32 executors and register model: cache maintenance by address (DC IVAC/CVAC/CVAU/
 * CIVAC; DCIMVAC, DCCMVAC, DCCMVAU, DCCIMVAC) reports CM=1 and WnR=1, ISV=0; DC ZVA is not a cache
 * maintenance instruction for CM: it faults as a store, CM=0, WnR=1 (D17 "ESR_EL2", ISS encoding
 * for an exception from a Data Abort: CM, WnR; G8 "HSR" the same). Instruction words were checked
 * with llvm-mc 14 -show-encoding.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { A64Cpu } from '../../src/exec/a64';
import { FlatMemory } from '../../src/exec/flat-memory';
import type { VaCacheOp } from '../../src/exec/system-port';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import { MemoryAbort } from '../../src/mmu/fault';
import { RecordingGate, RecordingPort } from '../sysregs/fakes';

const CODE = 0x8000;
/** An address whose IPA stage 2 does not map (here: VA = IPA, as with the guest's MMU off). */
const UNMAPPED = 0x2000_0000;

/**
 * A port whose every by-address operation misses stage 2 at level 1, translated as the VM's port
 * does: DC ZVA for a write (it stores zeros), the maintenance operations for a read.
 */
class UnmappedPort extends RecordingPort {
  override dataCacheByVa(op: VaCacheOp, va: number): void {
    super.dataCacheByVa(op, va);
    throw new MemoryAbort({ kind: 'translation', stage: 2, level: 1, access: op === 'zva' ? 'write' : 'read', va, ipa: va, s1ptw: false });
  }
}

function words(list: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(list).buffer);
}

function a64(insn: number) {
  const memory = new FlatMemory();
  memory.load(CODE, words([insn]));
  const gate = new RecordingGate();
  const port = new UnmappedPort();
  const cpu = new A64Cpu({ memory, el2: gate, system: new SystemRegisters({ port, el2: gate, aarch64: true }) });
  cpu.pc = CODE;
  cpu.setX(1, UNMAPPED);
  cpu.step();
  return { gate, port };
}

function a32(insn: number) {
  const memory = new FlatMemory();
  memory.load(CODE, words([insn]));
  const gate = new RecordingGate();
  const port = new UnmappedPort();
  const cpu = new A32Cpu({ memory, el2: gate, system: new SystemRegisters({ port, el2: gate, aarch64: false }) });
  cpu.cpsr = 0x1d3; // SVC (PL1)
  cpu.pc = CODE;
  cpu.r[1] = UNMAPPED;
  cpu.run(1);
  return { gate, port };
}

// EC 0x24 (Data Abort from a lower EL), IL 1, ISV 0, DFSC 0b000101 (translation fault, level 1).
const DABT = ((0x24 << 26) | (1 << 25) | 0b000101) >>> 0;
const CM = 1 << 8;
const WNR = 1 << 6;
const DETAIL = { far: UNMAPPED, hpfar: (UNMAPPED / 4096) * 16 };

describe('stage-2 aborts of A64 DC by address', () => {
  it.each([
    ['DC IVAC', 0xd5087621, 'ivac'],
    ['DC CVAC', 0xd50b7a21, 'cvac'],
    ['DC CVAU', 0xd50b7b21, 'cvau'],
    ['DC CIVAC', 0xd50b7e21, 'civac'],
  ])('%s X1 reports CM=1, WnR=1, ISV=0', (_name, insn, op) => {
    const { gate, port } = a64(insn);
    expect(port.calls).toEqual([['va', op, UNMAPPED]]);
    expect(gate.traps).toEqual([{ esr: (DABT | CM | WNR) >>> 0, detail: DETAIL }]);
  });

  it('DC ZVA X1 reports CM=0 (not a cache maintenance instruction), WnR=1, ISV=0', () => {
    const { gate, port } = a64(0xd50b7421);
    expect(port.calls).toEqual([['va', 'zva', UNMAPPED]]);
    expect(gate.traps).toEqual([{ esr: (DABT | WNR) >>> 0, detail: DETAIL }]);
  });
});

describe('stage-2 aborts of AArch32 cache maintenance by MVA', () => {
  it.each([
    ['DCCIMVAC', 0xee071f3e, 'civac'],
    ['DCCMVAC', 0xee071f3a, 'cvac'],
    ['DCIMVAC', 0xee071f36, 'ivac'],
    ['DCCMVAU', 0xee071f3b, 'cvau'],
  ])('MCR %s, r1 reports CM=1, WnR=1, ISV=0 (as the A64 path does)', (_name, insn, op) => {
    const { gate, port } = a32(insn);
    expect(port.calls).toEqual([['va', op, UNMAPPED]]);
    expect(gate.traps).toEqual([{ esr: (DABT | CM | WNR) >>> 0, detail: DETAIL }]);
  });
});
