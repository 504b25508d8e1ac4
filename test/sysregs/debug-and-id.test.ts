/**
 * What an AArch64 guest sees of the debug registers and the ID registers: the self-hosted debug
 * registers a kernel programs at boot (D17 "MDSCR_EL1", "OSLAR_EL1", "OSLSR_EL1",
 * "DBGBCR<n>_EL1"...), ID registers that describe only what setway implements, and the reserved
 * ID space that reads as zero (D17.1; trapped by HCR_EL2.TID3).
 */
import { describe, expect, it } from 'vitest';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import { HCR } from '../../src/exec/el2-gate';
import { AccessOutcome } from '../../src/exec/system-instructions';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import { SysReg } from '../../src/exec/sysregs/ids';
import { allSysEntries } from '../../src/exec/sysregs/table';
import { FakeCpu, RecordingGate, RecordingPort } from './fakes';

const sys = (op0: number, op1: number, crn: number, crm: number, op2: number, rt: number, read = false): SysAccess => ({ op0, op1, crn, crm, op2, rt, read });

function setup(hcr = 0) {
  const gate = new RecordingGate(hcr);
  const regs = new SystemRegisters({ port: new RecordingPort(), el2: gate, aarch64: true });
  return { gate, regs, cpu: new FakeCpu() };
}

/** MRS of (op0, op1, CRn, CRm, op2) into X9: [outcome, value low, value high]. */
function mrs(s: ReturnType<typeof setup>, op0: number, op1: number, crn: number, crm: number, op2: number): [AccessOutcome, number, number] {
  s.cpu.lo[9] = 0xdeadbeef;
  s.cpu.hi[9] = 0xdeadbeef;
  const outcome = s.regs.sys(sys(op0, op1, crn, crm, op2, 9, true), s.cpu);
  return [outcome, s.cpu.lo[9], s.cpu.hi[9]];
}

function msr(s: ReturnType<typeof setup>, op0: number, op1: number, crn: number, crm: number, op2: number, lo: number, hi = 0): AccessOutcome {
  s.cpu.lo[3] = lo;
  s.cpu.hi[3] = hi;
  return s.regs.sys(sys(op0, op1, crn, crm, op2, 3), s.cpu);
}

const field = (value: number, lsb: number) => (value >>> lsb) & 0xf;

describe('AArch64 ID registers describe what setway implements', () => {
  it('ID_AA64PFR0_EL1: AArch64-only EL0-EL2, no EL3, no FP/AdvSIMD, no system-register GIC, no RAS/SVE/AMU', () => {
    const [, pfr0, pfr0Hi] = mrs(setup(), 3, 0, 0, 4, 0);
    expect([field(pfr0, 0), field(pfr0, 4), field(pfr0, 8), field(pfr0, 12)]).toEqual([1, 1, 1, 0]);
    expect([field(pfr0, 16), field(pfr0, 20)]).toEqual([0xf, 0xf]); // FP, AdvSIMD: not implemented
    expect([field(pfr0, 24), field(pfr0, 28)]).toEqual([0, 0]); // GIC, RAS
    expect(pfr0Hi).toBe(0); // SVE, SEL2, MPAM, AMU, DIT, CSV2, CSV3
  });

  it('ID_AA64DFR0_EL1: Armv8.0 debug with the minimum 2 breakpoints and 2 watchpoints, and no PMU', () => {
    const [, dfr0] = mrs(setup(), 3, 0, 0, 5, 0);
    expect(field(dfr0, 0)).toBe(6); // DebugVer: Armv8.0
    expect(field(dfr0, 4)).toBe(0); // TraceVer
    expect(field(dfr0, 8)).toBe(0); // PMUVer: no PMU
    expect(field(dfr0, 12) + 1).toBe(2); // BRPs
    expect(field(dfr0, 20) + 1).toBe(2); // WRPs
    expect(field(dfr0, 28) + 1).toBe(1); // CTX_CMPs
  });

  it('has exactly the breakpoint and watchpoint registers ID_AA64DFR0_EL1 counts', () => {
    const names = allSysEntries().map((e) => e.encoding.name);
    const [, dfr0] = mrs(setup(), 3, 0, 0, 5, 0);
    for (const [prefix, count] of [
      ['DBGBVR', field(dfr0, 12) + 1],
      ['DBGBCR', field(dfr0, 12) + 1],
      ['DBGWVR', field(dfr0, 20) + 1],
      ['DBGWCR', field(dfr0, 20) + 1],
    ] as const) {
      expect(names.filter((n) => n.startsWith(prefix)).sort()).toEqual(Array.from({ length: count }, (_, n) => `${prefix}${n}_EL1`));
    }
  });

  it('ID_AA64ISAR0_EL1: CRC32 only (CRC32 [19:16] = 1, as a Cortex-A53; no AES/SHA, atomics, RDM)', () => {
    expect(mrs(setup(), 3, 0, 0, 6, 0)).toEqual([AccessOutcome.Done, 0x00010000, 0]);
  });

  it('ISAR1/PFR1/MMFR1/MMFR2 are 0 (Armv8.0 base: no PAuth, BTI, MTE, PAN, VHE)', () => {
    const s = setup();
    for (const [crm, op2] of [
      [6, 1],
      [4, 1],
      [7, 1],
      [7, 2],
    ]) {
      expect(mrs(s, 3, 0, 0, crm, op2)).toEqual([AccessOutcome.Done, 0, 0]);
    }
  });

  it('ID_AA64MMFR0_EL1: 40-bit PA (the IPA size), 16-bit ASIDs, little-endian only, 4 KB granule only', () => {
    const [, mmfr0] = mrs(setup(), 3, 0, 0, 7, 0);
    expect(field(mmfr0, 0)).toBe(0b0010); // PARange 40 bits
    expect(field(mmfr0, 4)).toBe(0b0010); // ASIDBits 16
    expect([field(mmfr0, 8), field(mmfr0, 12), field(mmfr0, 16)]).toEqual([0, 0, 0]); // BigEnd, SNSMem, BigEndEL0
    expect([field(mmfr0, 20), field(mmfr0, 24), field(mmfr0, 28)]).toEqual([0, 0xf, 0]); // TGran16 no, TGran64 no, TGran4 yes
  });

  it('reads the reserved ID space as zero, traps it with TID3, and refuses writes', () => {
    const s = setup();
    // ID_AA64ZFR0_EL1 (CRm 4, op2 4), ID_AA64ISAR2_EL1 (6, 2), ID_AA64MMFR3_EL1 (7, 3), ID_PFR2_EL1 (3, 4).
    for (const [crm, op2] of [
      [4, 4],
      [6, 2],
      [7, 3],
      [3, 4],
      [7, 7],
    ]) {
      expect(mrs(s, 3, 0, 0, crm, op2)).toEqual([AccessOutcome.Done, 0, 0]);
      expect(msr(s, 3, 0, 0, crm, op2, 1)).toBe(AccessOutcome.Undefined);
    }
    const t = setup(HCR.TID3);
    expect(mrs(t, 3, 0, 0, 6, 2)[0]).toBe(AccessOutcome.Trapped);
    // Outside the ID space (CRm 0 is MIDR's group, op1 1 the cache IDs) nothing is invented.
    expect(mrs(s, 3, 0, 0, 0, 3)[0]).toBe(AccessOutcome.Undefined);
  });
});

describe('self-hosted debug registers', () => {
  it('MDSCR_EL1 keeps its writable fields (TDCC, KDE, MDE, SS...) and drops RES0 bits', () => {
    const s = setup();
    expect(mrs(s, 2, 0, 0, 2, 2)).toEqual([AccessOutcome.Done, 0, 0]);
    expect(msr(s, 2, 0, 0, 2, 2, 0x1000)).toBe(AccessOutcome.Done); // TDCC, as Linux's __cpu_setup writes it
    expect(mrs(s, 2, 0, 0, 2, 2)[1]).toBe(0x1000);
    msr(s, 2, 0, 0, 2, 2, 0xffffffff, 0xffffffff);
    expect(mrs(s, 2, 0, 0, 2, 2)).toEqual([AccessOutcome.Done, 0x6ce0f041, 0]);
  });

  it('the OS Lock: locked at reset, set and cleared through OSLAR_EL1, seen in OSLSR_EL1', () => {
    const s = setup();
    // OSLSR_EL1: OSLM = 0b10 (bit 3 set, bit 0 clear), OSLK (bit 1) = 1 after a cold reset.
    expect(mrs(s, 2, 0, 1, 1, 4)[1]).toBe(0b1010);
    expect(msr(s, 2, 0, 1, 0, 4, 0)).toBe(AccessOutcome.Done);
    expect(mrs(s, 2, 0, 1, 1, 4)[1]).toBe(0b1000);
    msr(s, 2, 0, 1, 0, 4, 0xffff_ffff);
    expect(mrs(s, 2, 0, 1, 1, 4)[1]).toBe(0b1010);
    // OSLAR_EL1 is write-only, OSLSR_EL1 read-only.
    expect(mrs(s, 2, 0, 1, 0, 4)[0]).toBe(AccessOutcome.Undefined);
    expect(msr(s, 2, 0, 1, 1, 4, 0)).toBe(AccessOutcome.Undefined);
  });

  it('breakpoint and watchpoint registers hold their defined fields; beyond n = 1 they do not exist', () => {
    const s = setup();
    msr(s, 2, 0, 0, 1, 4, 0xffff_ffff, 0xffff_ffff); // DBGBVR1_EL1
    expect(mrs(s, 2, 0, 0, 1, 4)).toEqual([AccessOutcome.Done, 0xffff_fffc, 0xffff_ffff]);
    msr(s, 2, 0, 0, 0, 5, 0xffff_ffff, 0xffff_ffff); // DBGBCR0_EL1
    expect(mrs(s, 2, 0, 0, 0, 5)).toEqual([AccessOutcome.Done, 0x00ff_e1e7, 0]);
    msr(s, 2, 0, 0, 0, 6, 0x1234_5677); // DBGWVR0_EL1
    expect(mrs(s, 2, 0, 0, 0, 6)[1]).toBe(0x1234_5674);
    msr(s, 2, 0, 0, 1, 7, 0xffff_ffff); // DBGWCR1_EL1
    expect(mrs(s, 2, 0, 0, 1, 7)[1]).toBe(0x1f1f_ffff);
    expect(mrs(s, 2, 0, 0, 2, 4)[0]).toBe(AccessOutcome.Undefined); // DBGBVR2_EL1
    expect(msr(s, 2, 0, 0, 2, 7, 0)).toBe(AccessOutcome.Undefined); // DBGWCR2_EL1
  });

  it('OSDLR_EL1, DBGPRCR_EL1, MDCCINT_EL1 keep their one or two defined bits; MDRAR_EL1 reads 0', () => {
    const s = setup();
    msr(s, 2, 0, 1, 3, 4, 0xffff_ffff);
    msr(s, 2, 0, 1, 4, 4, 0xffff_ffff);
    msr(s, 2, 0, 0, 2, 0, 0xffff_ffff);
    expect([mrs(s, 2, 0, 1, 3, 4)[1], mrs(s, 2, 0, 1, 4, 4)[1], mrs(s, 2, 0, 0, 2, 0)[1]]).toEqual([1, 1, 0x6000_0000]);
    expect(mrs(s, 2, 0, 1, 0, 0)).toEqual([AccessOutcome.Done, 0, 0]);
  });

  it('are UNDEFINED at EL0', () => {
    const s = setup();
    s.cpu.el = 0;
    expect(mrs(s, 2, 0, 0, 2, 2)[0]).toBe(AccessOutcome.Undefined);
    expect(msr(s, 2, 0, 1, 0, 4, 0)).toBe(AccessOutcome.Undefined);
  });
});

describe('AArch32 view: cp14 debug registers and ID registers', () => {
  const cp = (coproc: number, opc1: number, crn: number, crm: number, opc2: number, rt: number, read: boolean): CoprocAccess => ({ coproc, opc1, crn, crm, opc2, rt, rt2: 0, read, wide: false });
  function a32() {
    const gate = new RecordingGate(0);
    const regs = new SystemRegisters({ port: new RecordingPort(), el2: gate, aarch64: false });
    return { regs, cpu: new FakeCpu() };
  }
  function mrc(s: ReturnType<typeof a32>, coproc: number, opc1: number, crn: number, crm: number, opc2: number): [AccessOutcome, number] {
    s.cpu.lo[4] = 0xdeadbeef;
    const outcome = s.regs.coproc(cp(coproc, opc1, crn, crm, opc2, 4, true), s.cpu);
    return [outcome, s.cpu.lo[4]];
  }
  function mcr(s: ReturnType<typeof a32>, coproc: number, opc1: number, crn: number, crm: number, opc2: number, value: number): AccessOutcome {
    s.cpu.lo[5] = value;
    return s.regs.coproc(cp(coproc, opc1, crn, crm, opc2, 5, false), s.cpu);
  }

  it('DBGDIDR: v7.1 Debug with two breakpoints, two watchpoints, one context comparator', () => {
    const [outcome, didr] = mrc(a32(), 14, 0, 0, 0, 0);
    expect(outcome).toBe(AccessOutcome.Done);
    expect([didr >>> 28, (didr >>> 24) & 15, (didr >>> 20) & 15, (didr >>> 16) & 15]).toEqual([1, 1, 0, 5]);
  });

  it('DBGDSCRext is MDSCR_EL1[31:0]; DBGDSCRint shows its MDBGen and UDCCdis read-only', () => {
    const s = a32();
    expect(mcr(s, 14, 0, 0, 2, 2, 0x9000)).toBe(AccessOutcome.Done); // MDBGen | UDCCdis, as Linux's enable_monitor_mode
    expect(mrc(s, 14, 0, 0, 1, 0)).toEqual([AccessOutcome.Done, 0x9000]);
    expect(s.regs.get(SysReg.MDSCR_EL1)).toBe(0x9000);
    mcr(s, 14, 0, 0, 2, 2, 0x9041); // SS, ERR: in DBGDSCRext, not in the internal view
    expect(mrc(s, 14, 0, 0, 1, 0)[1]).toBe(0x9000);
    expect(mrc(s, 14, 0, 0, 2, 2)[1]).toBe(0x9041);
    expect(mcr(s, 14, 0, 0, 1, 0, 0)).toBe(AccessOutcome.Undefined); // DBGDSCRint is read-only
  });

  it('DBGOSLAR locks with the key 0xC5ACCE55 only; DBGOSLSR shows it', () => {
    const s = a32();
    expect(mrc(s, 14, 0, 1, 1, 4)[1]).toBe(0b1010);
    mcr(s, 14, 0, 1, 0, 4, ~0xc5acce55 >>> 0); // what Linux writes to unlock
    expect(mrc(s, 14, 0, 1, 1, 4)[1]).toBe(0b1000);
    mcr(s, 14, 0, 1, 0, 4, 1);
    expect(mrc(s, 14, 0, 1, 1, 4)[1]).toBe(0b1000);
    mcr(s, 14, 0, 1, 0, 4, 0xc5acce55);
    expect(mrc(s, 14, 0, 1, 1, 4)[1]).toBe(0b1010);
  });

  it('DBGBCR<n>/DBGWVR<n> are the low halves of the AArch64 registers; DBGVCR keeps U, S, P, D, I, F', () => {
    const s = a32();
    mcr(s, 14, 0, 0, 1, 5, 0xffffffff); // DBGBCR1
    expect(s.regs.get(SysReg.DBGBCR1_EL1)).toBe(0x00ffe1e7);
    mcr(s, 14, 0, 0, 0, 6, 0x8000_1003); // DBGWVR0
    expect(s.regs.get(SysReg.DBGWVR0_EL1)).toBe(0x8000_1000);
    expect(mcr(s, 14, 0, 0, 2, 4, 0)).toBe(AccessOutcome.Undefined); // DBGBVR2: not implemented
    mcr(s, 14, 0, 0, 7, 0, 0xffffffff); // DBGVCR
    expect(mrc(s, 14, 0, 0, 7, 0)[1]).toBe(0xde);
    mcr(s, 14, 0, 1, 3, 4, 3); // DBGOSDLR
    expect(mrc(s, 14, 0, 1, 3, 4)[1]).toBe(1);
  });

  it('cp14 debug registers are UNDEFINED at PL0', () => {
    const s = a32();
    s.cpu.el = 0;
    expect(mrc(s, 14, 0, 0, 0, 0)[0]).toBe(AccessOutcome.Undefined);
    expect(mcr(s, 14, 0, 0, 2, 2, 0)).toBe(AccessOutcome.Undefined);
  });

  it('ID_PFR0: A32 and T32 with Thumb-2 (State0 1, State1 3), no Jazelle, no ThumbEE; ID_PFR1: Virtualization and Generic Timer, no Security Extensions; ID_DFR0: v7.1 CP14 debug, no PMU', () => {
    const s = a32();
    const pfr0 = mrc(s, 15, 0, 0, 1, 0)[1];
    expect([pfr0 & 15, (pfr0 >>> 4) & 15, (pfr0 >>> 8) & 15, (pfr0 >>> 12) & 15]).toEqual([1, 3, 0, 0]);
    const pfr1 = mrc(s, 15, 0, 0, 1, 1)[1];
    expect([pfr1 & 15, (pfr1 >>> 4) & 15, (pfr1 >>> 12) & 15, (pfr1 >>> 16) & 15]).toEqual([1, 0, 1, 1]);
    const dfr0 = mrc(s, 15, 0, 0, 1, 2)[1];
    expect([dfr0 & 15, (dfr0 >>> 8) & 15, (dfr0 >>> 24) & 15]).toEqual([5, 0, 0]);
  });
});
