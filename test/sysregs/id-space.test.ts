/**
 * The ID register space through the real executors and register model: every encoding of
 * op0=3, op1=0, CRn=0, CRm=2..7 (AArch32: p15, opc1=0, CRn=c0, CRm=c2..c7) reads without an
 * UNDEFINED exception. Unallocated ones read as zero; with HCR_EL2.TID3 every one of them traps
 * to EL2 with EC 0x18 (A64) or EC 0x03 (A32) (Arm ARM D17.2 "Reserved encodings in the ID
 * register space" / G8 "Reserved ID registers"; D17 "HCR_EL2" TID3). The instruction words are
 * built from the MRS and MRC encoding diagrams (C6 "MRS", F5 "MRC"), not from setway's tables.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { A64Cpu } from '../../src/exec/a64';
import { HCR } from '../../src/exec/el2-gate';
import { FlatMemory } from '../../src/exec/flat-memory';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import { RecordingGate, RecordingPort } from './fakes';

const CODE = 0x8000;
const IL = 1 << 25;

/** MRS X<rt>, S3_0_C0_C<crm>_<op2>: 1101010100 L=1 op0[20:19]=0b11 op1 CRn CRm op2 Rt. */
const mrs = (crm: number, op2: number, rt: number) => (0xd5380000 | (crm << 8) | (op2 << 5) | rt) >>> 0;
/** MRC p15, 0, R<rt>, c0, c<crm>, <opc2> (cond AL): cond 1110 opc1 L=1 CRn Rt 1111 opc2 1 CRm. */
const mrc = (crm: number, opc2: number, rt: number) => (0xee100f10 | (rt << 12) | (opc2 << 5) | crm) >>> 0;

/** Allocated in Armv8.0 (D17/G8 register indexes), by "CRm,op2"; everything else in CRm 2..7 is reserved. */
const A64_ALLOCATED = new Set([
  ...[0, 1, 2, 3, 4, 5, 6].map((op2) => `2,${op2}`), // ID_ISAR0-5_EL1, ID_MMFR4_EL1
  ...['3,0', '3,1', '3,2'], // MVFR0-2_EL1
  ...['4,0', '4,1', '5,0', '5,1', '5,4', '5,5', '6,0', '6,1', '7,0', '7,1', '7,2'], // ID_AA64*
]);
/** AArch32 reaches MVFRn through VMRS and has no ID_AA64*: only c2 opc2 0-6 are allocated. */
const A32_ALLOCATED = new Set([0, 1, 2, 3, 4, 5, 6].map((op2) => `2,${op2}`));

const POSITIONS: [number, number][] = [];
for (let crm = 2; crm <= 7; crm++) for (let op2 = 0; op2 <= 7; op2++) POSITIONS.push([crm, op2]);

function words(list: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(list).buffer);
}

function a64(insn: number, hcr: number) {
  const memory = new FlatMemory();
  memory.load(CODE, words([insn]));
  const gate = new RecordingGate(hcr);
  const system = new SystemRegisters({ port: new RecordingPort(), el2: gate, aarch64: true });
  const cpu = new A64Cpu({ memory, el2: gate, system });
  cpu.pc = CODE;
  cpu.setX(3, 0xdeadbeef);
  cpu.exceptionPolicy = 'stop';
  cpu.step();
  return { cpu, gate };
}

function a32(insn: number, hcr: number) {
  const memory = new FlatMemory();
  memory.load(CODE, words([insn]));
  const gate = new RecordingGate(hcr);
  const system = new SystemRegisters({ port: new RecordingPort(), el2: gate, aarch64: false });
  const cpu = new A32Cpu({ memory, el2: gate, system });
  cpu.cpsr = 0x1d3; // SVC (PL1), A I F masked
  cpu.pc = CODE;
  cpu.r[3] = 0xdeadbeef;
  cpu.exceptionPolicy = 'stop';
  cpu.run(1);
  return { cpu, gate };
}

describe('A64 ID register space, op0=3 op1=0 CRn=0 CRm=2..7', () => {
  it.each(POSITIONS)('S3_0_C0_C%i_%i reads without UNDEFINED; reserved ones read as zero', (crm, op2) => {
    const { cpu, gate } = a64(mrs(crm, op2, 3), 0);
    expect(gate.traps).toEqual([]);
    expect(cpu.pc).toBe(CODE + 4);
    if (!A64_ALLOCATED.has(`${crm},${op2}`)) expect([cpu.xLo(3), cpu.xHi(3)]).toEqual([0, 0]);
  });

  it.each(POSITIONS)('S3_0_C0_C%i_%i traps with HCR_EL2.TID3: EC 0x18, Op0 3, Op2, CRm, Rt, read', (crm, op2) => {
    const { gate } = a64(mrs(crm, op2, 3), HCR.TID3);
    // ISS: Op0[21:20]=3, Op2[19:17], Op1[16:14]=0, CRn[13:10]=0, Rt[9:5]=3, CRm[4:1], Direction[0]=1.
    const iss = (3 << 20) | (op2 << 17) | (3 << 5) | (crm << 1) | 1;
    expect(gate.traps.map((t) => t.esr >>> 0)).toEqual([((0x18 << 26) | IL | iss) >>> 0]);
  });
});

describe('A32 ID register space, p15 opc1=0 CRn=c0 CRm=c2..c7', () => {
  it.each(POSITIONS)('MRC p15,0,r3,c0,c%i,%i reads without UNDEFINED; reserved ones read as zero', (crm, opc2) => {
    const { cpu, gate } = a32(mrc(crm, opc2, 3), 0);
    expect(gate.traps).toEqual([]);
    expect(cpu.pc).toBe(CODE + 4);
    if (!A32_ALLOCATED.has(`${crm},${opc2}`)) expect(cpu.r[3]).toBe(0);
  });

  it.each(POSITIONS)('MRC p15,0,r3,c0,c%i,%i traps with HCR.TID3: EC 0x03, CV 1, COND 0xE, Opc2, CRm, Rt, read', (crm, opc2) => {
    const { gate } = a32(mrc(crm, opc2, 3), HCR.TID3);
    // ISS: CV[24]=1, COND[23:20]=0xE, Opc2[19:17], Opc1[16:14]=0, CRn[13:10]=0, Rt[8:5]=3, CRm[4:1], Direction[0]=1.
    const iss = (1 << 24) | (0xe << 20) | (opc2 << 17) | (3 << 5) | (crm << 1) | 1;
    expect(gate.traps.map((t) => t.esr >>> 0)).toEqual([((0x03 << 26) | IL | iss) >>> 0]);
  });
});
