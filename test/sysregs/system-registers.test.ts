import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import { HCR } from '../../src/exec/el2-gate';
import { AccessOutcome } from '../../src/exec/system-instructions';
import { SystemRegisters, SysRegError, type AddressTranslationPort } from '../../src/exec/sysregs/system-registers';
import { SysReg } from '../../src/exec/sysregs/ids';
import { SCTLR_RESET } from '../../src/exec/sysregs/table';
import { FakeCpu, RecordingGate, RecordingPort } from './fakes';

const SEED = 0x5e7b;

const mcr = (opc1: number, crn: number, crm: number, opc2: number, rt: number): CoprocAccess => ({ coproc: 15, opc1, crn, crm, opc2, rt, rt2: 0, read: false, wide: false });
const mrc = (opc1: number, crn: number, crm: number, opc2: number, rt: number): CoprocAccess => ({ ...mcr(opc1, crn, crm, opc2, rt), read: true });
const mcrr = (opc1: number, crm: number, rt: number, rt2: number, read = false): CoprocAccess => ({ coproc: 15, opc1, crn: 0, crm, opc2: 0, rt, rt2, read, wide: true });
const sys = (op0: number, op1: number, crn: number, crm: number, op2: number, rt: number, read = false): SysAccess => ({ op0, op1, crn, crm, op2, rt, read });

const DCISW = (rt: number) => mcr(0, 7, 6, 2, rt);
const DCCSW = (rt: number) => mcr(0, 7, 10, 2, rt);
const DCCISW = (rt: number) => mcr(0, 7, 14, 2, rt);
const SCTLR_W = (rt: number) => mcr(0, 1, 0, 0, rt);
const SCTLR_R = (rt: number) => mrc(0, 1, 0, 0, rt);

function setup(aarch64 = false, hcr = 0, extra: Partial<ConstructorParameters<typeof SystemRegisters>[0]> = {}) {
  const port = new RecordingPort();
  const gate = new RecordingGate(hcr);
  const changes: number[] = [];
  const regs = new SystemRegisters({ port, el2: gate, aarch64, onChange: (id) => changes.push(id), ...extra });
  const cpu = new FakeCpu();
  return { port, gate, regs, cpu, changes };
}

describe('set/way maintenance', () => {
  it('sends AArch32 DCISW/DCCSW/DCCISW to the port with the operand from Rt', () => {
    const { port, gate, regs, cpu } = setup();
    cpu.lo[5] = 0xc0000182;
    cpu.lo[2] = 0x00000040;
    expect(regs.coproc(DCCISW(5), cpu)).toBe(AccessOutcome.Done);
    expect(regs.coproc(DCCSW(2), cpu)).toBe(AccessOutcome.Done);
    expect(regs.coproc(DCISW(2), cpu)).toBe(AccessOutcome.Done);
    expect(port.calls).toEqual([
      ['setway', 'cisw', 0xc0000182],
      ['setway', 'csw', 0x40],
      ['setway', 'isw', 0x40],
    ]);
    expect(gate.traps).toEqual([]);
  });

  it('sends AArch64 DC ISW/CSW/CISW to the port', () => {
    const { port, regs, cpu } = setup(true);
    cpu.lo[3] = 0x80000002;
    regs.sys(sys(1, 0, 7, 14, 2, 3), cpu);
    regs.sys(sys(1, 0, 7, 10, 2, 3), cpu);
    regs.sys(sys(1, 0, 7, 6, 2, 3), cpu);
    expect(port.calls).toEqual([
      ['setway', 'cisw', 0x80000002],
      ['setway', 'csw', 0x80000002],
      ['setway', 'isw', 0x80000002],
    ]);
  });

  it('with HCR.TSW traps to EL2 with the exact syndrome and nothing reaches the port', () => {
    const { port, gate, regs, cpu } = setup(false, HCR.TSW);
    cpu.lo[5] = 0x1234;
    expect(regs.coproc(DCCISW(5), cpu)).toBe(AccessOutcome.Trapped);
    expect(gate.traps.map((t) => t.esr)).toEqual([0x0fe41cbc]);
    expect(cpu.skipped).toBe(1);
    expect(port.calls).toEqual([]);

    const a64 = setup(true, HCR.TSW);
    expect(a64.regs.sys(sys(1, 0, 7, 14, 2, 3), a64.cpu)).toBe(AccessOutcome.Trapped);
    expect(a64.gate.traps.map((t) => t.esr)).toEqual([0x62141c7c]);
    expect(a64.port.calls).toEqual([]);
  });

  it.each([
    ['SWIO', HCR.SWIO],
    ['VM', HCR.VM],
    ['DC', HCR.DC],
  ])('upgrades an untrapped DCISW / DC ISW to clean+invalidate with HCR.%s', (_name, bit) => {
    const { port, regs, cpu } = setup(false, bit);
    cpu.lo[1] = 0x42;
    regs.coproc(DCISW(1), cpu);
    regs.coproc(DCCSW(1), cpu);
    const a64 = setup(true, bit);
    a64.regs.sys(sys(1, 0, 7, 6, 2, 0), a64.cpu);
    expect(port.calls).toEqual([
      ['setway', 'cisw', 0x42],
      ['setway', 'csw', 0x42],
    ]);
    expect(a64.port.calls).toEqual([['setway', 'cisw', 0]]);
  });

  it('reports Rt in the AArch64 view to an AArch64 EL2, and as written in an AArch32 HSR', () => {
    const esr = setup(false, HCR.TSW, { el2AArch64: true });
    esr.cpu.aarch32Mode = 0x13; // SVC: R14 is LR_svc = X18
    esr.regs.coproc(DCCISW(14), esr.cpu);
    const hsr = setup(false, HCR.TSW);
    hsr.cpu.aarch32Mode = 0x13;
    hsr.regs.coproc(DCCISW(14), hsr.cpu);
    expect(esr.gate.traps.map((t) => (t.esr >>> 5) & 31)).toEqual([18]);
    expect(hsr.gate.traps.map((t) => (t.esr >>> 5) & 31)).toEqual([14]);
  });

  it('is UNDEFINED at EL0 even with HCR.TSW (UNDEFINED has priority over the trap)', () => {
    const { port, gate, regs, cpu } = setup(false, HCR.TSW);
    cpu.el = 0;
    expect(regs.coproc(DCCISW(0), cpu)).toBe(AccessOutcome.Undefined);
    expect(gate.traps).toEqual([]);
    expect(port.calls).toEqual([]);
  });

  it('sends every S/W op to exactly one of the port or EL2, never both (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(DCISW, DCCSW, DCCISW), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), {
          maxLength: 40,
        }),
        (ops) => {
          const { port, gate, regs, cpu } = setup();
          for (const [op, rt, value, hcr] of ops) {
            gate.hcr = hcr;
            cpu.lo[rt] = value;
            const before = port.calls.length + gate.traps.length;
            const out = regs.coproc(op(rt), cpu);
            expect(port.calls.length + gate.traps.length).toBe(before + 1);
            expect(out).toBe(hcr & HCR.TSW ? AccessOutcome.Trapped : AccessOutcome.Done);
            if (!(hcr & HCR.TSW)) expect(port.calls.at(-1)![2]).toBe(value);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('cache identification', () => {
  it('reads CCSIDR for the cache CSSELR selects, and CSSELR keeps Level and InD only', () => {
    const { port, regs, cpu } = setup();
    for (const sel of [0, 1, 2]) {
      cpu.lo[0] = sel;
      regs.coproc(mcr(2, 0, 0, 0, 0), cpu);
      regs.coproc(mrc(1, 0, 0, 0, 4), cpu);
      expect(cpu.lo[4]).toBe(port.cacheId.ccsidr(sel));
    }
    cpu.lo[0] = 0xffffffff;
    regs.coproc(mcr(2, 0, 0, 0, 0), cpu);
    regs.coproc(mrc(2, 0, 0, 0, 6), cpu);
    expect(cpu.lo[6]).toBe(0xf);
    regs.coproc(mrc(1, 0, 0, 1, 7), cpu);
    expect(cpu.lo[7]).toBe(0x0a200023);
    regs.coproc(mrc(0, 0, 0, 1, 8), cpu);
    expect(cpu.lo[8]).toBe(0x84448003);
  });

  it('follows CSSELR_EL1 for CCSIDR_EL1 in AArch64', () => {
    const { port, regs, cpu } = setup(true);
    cpu.lo[1] = 2;
    regs.sys(sys(3, 2, 0, 0, 0, 1), cpu);
    regs.sys(sys(3, 1, 0, 0, 0, 9, true), cpu);
    expect(cpu.lo[9]).toBe(port.cacheId.ccsidr(2));
    expect(cpu.hi[9]).toBe(0);
  });

  it('traps cache ID reads and CSSELR writes with HCR.TID2, but not MIDR', () => {
    const { gate, regs, cpu } = setup(false, HCR.TID2);
    expect(regs.coproc(mrc(1, 0, 0, 0, 0), cpu)).toBe(AccessOutcome.Trapped);
    expect(regs.coproc(mcr(2, 0, 0, 0, 0), cpu)).toBe(AccessOutcome.Trapped);
    expect(regs.coproc(mrc(0, 0, 0, 0, 0), cpu)).toBe(AccessOutcome.Done);
    expect(cpu.lo[0]).toBe(0x410fc075);
    expect(gate.traps.map((t) => t.esr)).toEqual([0x0fe04001, 0x0fe08000]);
  });

  it('makes CCSIDR2 UNDEFINED unless FEAT_CCIDX is configured', () => {
    const off = setup(true, HCR.TID2);
    expect(off.regs.sys(sys(3, 1, 0, 0, 2, 0, true), off.cpu)).toBe(AccessOutcome.Undefined);
    expect(off.gate.traps).toEqual([]);
    const on = setup(true, 0, { ccidx: true });
    on.regs.sys(sys(3, 2, 0, 0, 0, 31), on.cpu); // CSSELR_EL1 = xzr
    expect(on.regs.sys(sys(3, 1, 0, 0, 2, 0, true), on.cpu)).toBe(AccessOutcome.Done);
    expect(on.cpu.lo[0]).toBe((on.port.cacheId.ccsidr(0) >>> 13) & 0x7fff);
  });
});

describe('VM control registers', () => {
  it('TVM traps SCTLR writes but not reads; TRVM the reverse', () => {
    const tvm = setup(false, HCR.TVM);
    tvm.cpu.lo[0] = 0x1;
    expect(tvm.regs.coproc(SCTLR_W(0), tvm.cpu)).toBe(AccessOutcome.Trapped);
    expect(tvm.regs.get(SysReg.SCTLR)).toBe(SCTLR_RESET);
    expect(tvm.port.calls).toEqual([]);
    expect(tvm.regs.coproc(SCTLR_R(1), tvm.cpu)).toBe(AccessOutcome.Done);
    expect(tvm.cpu.lo[1]).toBe(SCTLR_RESET);

    const trvm = setup(false, HCR.TRVM);
    trvm.cpu.lo[0] = SCTLR_RESET | 1;
    expect(trvm.regs.coproc(SCTLR_W(0), trvm.cpu)).toBe(AccessOutcome.Done);
    expect(trvm.regs.get(SysReg.SCTLR)).toBe(SCTLR_RESET | 1);
    expect(trvm.regs.coproc(SCTLR_R(1), trvm.cpu)).toBe(AccessOutcome.Trapped);
    expect(trvm.gate.traps.map((t) => t.esr)).toEqual([0x0fe00421]);

    const a64 = setup(true, HCR.TVM);
    expect(a64.regs.sys(sys(3, 0, 1, 0, 0, 0), a64.cpu)).toBe(AccessOutcome.Trapped);
    expect(a64.regs.sys(sys(3, 0, 1, 0, 0, 0, true), a64.cpu)).toBe(AccessOutcome.Done);
  });

  it('signals translation-control changes only when a value changes', () => {
    const { port, regs, cpu, changes } = setup();
    cpu.lo[0] = SCTLR_RESET;
    regs.coproc(SCTLR_W(0), cpu);
    expect(port.calls).toEqual([]);
    cpu.lo[0] = SCTLR_RESET | 5;
    regs.coproc(SCTLR_W(0), cpu);
    cpu.lo[1] = 0x80000000;
    regs.coproc(mcr(0, 2, 0, 3, 1), cpu); // TTBCR2 -> TCR_EL1[63:32]
    regs.coproc(mcr(0, 13, 0, 1, 1), cpu); // CONTEXTIDR
    cpu.lo[2] = 0x1234;
    regs.coproc(mcr(0, 13, 0, 4, 2), cpu); // TPIDRPRW: not translation control
    expect(port.calls).toEqual([['translation'], ['translation'], ['translation']]);
    expect(changes).toEqual([SysReg.SCTLR_EL1, SysReg.TCR_EL1, SysReg.CONTEXTIDR_EL1, SysReg.TPIDR_EL1]);
  });

  it('maps the AArch32 views onto halves of the AArch64 registers', () => {
    const { regs, cpu } = setup();
    cpu.lo[2] = 0x8000_1000;
    cpu.lo[3] = 0x0001_0000;
    regs.coproc(mcrr(0, 2, 2, 3), cpu); // TTBR0, 64-bit
    expect([regs.get(SysReg.TTBR0_EL1), regs.getHigh(SysReg.TTBR0_EL1)]).toEqual([0x8000_1000, 0x0001_0000]);
    regs.coproc(mrc(0, 2, 0, 0, 4), cpu); // TTBR0, 32-bit form: bits [31:0]
    expect(cpu.lo[4]).toBe(0x8000_1000);
    regs.coproc(mcrr(0, 2, 5, 6, true), cpu);
    expect([cpu.lo[5], cpu.lo[6]]).toEqual([0x8000_1000, 0x0001_0000]);

    cpu.lo[0] = 0xdfa0;
    cpu.lo[1] = 0x1fa0;
    regs.coproc(mcr(0, 6, 0, 0, 0), cpu); // DFAR
    regs.coproc(mcr(0, 6, 0, 2, 1), cpu); // IFAR
    expect([regs.get(SysReg.FAR_EL1), regs.getHigh(SysReg.FAR_EL1)]).toEqual([0xdfa0, 0x1fa0]);
    expect([regs.get(SysReg.DFAR), regs.get(SysReg.IFAR)]).toEqual([0xdfa0, 0x1fa0]);

    cpu.lo[0] = 0xff440400;
    cpu.lo[1] = 0x000000ff;
    regs.coproc(mcr(0, 10, 2, 0, 0), cpu); // PRRR/MAIR0
    regs.coproc(mcr(0, 10, 2, 1, 1), cpu); // NMRR/MAIR1
    expect([regs.get(SysReg.MAIR_EL1), regs.getHigh(SysReg.MAIR_EL1)]).toEqual([0xff440400, 0xff]);
    expect([regs.get(SysReg.PRRR), regs.get(SysReg.NMRR), regs.get(SysReg.MAIR0), regs.get(SysReg.MAIR1)]).toEqual([0xff440400, 0xff, 0xff440400, 0xff]);

    regs.set(SysReg.TTBCR, 0x80000000);
    regs.set(SysReg.TTBCR2, 0x3);
    expect([regs.get(SysReg.TCR_EL1), regs.getHigh(SysReg.TCR_EL1), regs.getHigh(SysReg.TTBCR)]).toEqual([0x80000000, 3, 0]);
  });

  it('reads and writes 64-bit registers through MSR/MRS', () => {
    const { regs, cpu } = setup(true);
    cpu.lo[4] = 0x4000_0000;
    cpu.hi[4] = 0x0001_0000;
    regs.sys(sys(3, 0, 2, 0, 0, 4), cpu); // TTBR0_EL1
    regs.sys(sys(3, 0, 2, 0, 0, 7, true), cpu);
    expect([cpu.lo[7], cpu.hi[7]]).toEqual([0x4000_0000, 0x0001_0000]);
    expect(regs.sys(sys(3, 0, 2, 0, 0, 31, true), cpu)).toBe(AccessOutcome.Done); // MRS xzr: no write
  });
});

describe('other operations', () => {
  it('passes cache maintenance by VA, upgrading DC IVAC to CIVAC under HCR.VM', () => {
    const { port, regs, cpu } = setup(true, HCR.VM);
    cpu.lo[0] = 0x1000;
    cpu.hi[0] = 0xffff8000;
    regs.sys(sys(1, 0, 7, 6, 1, 0), cpu); // DC IVAC
    regs.sys(sys(1, 3, 7, 10, 1, 0), cpu); // DC CVAC
    regs.sys(sys(1, 3, 7, 4, 1, 0), cpu); // DC ZVA
    const va = -(0x8000 * 2 ** 32) + 0x1000;
    expect(port.calls).toEqual([
      ['va', 'civac', va],
      ['va', 'cvac', va],
      ['va', 'zva', va],
    ]);
    const a32 = setup(false);
    a32.cpu.lo[1] = 0xc000_0040;
    a32.regs.coproc(mcr(0, 7, 6, 1, 1), a32.cpu); // DCIMVAC, no VM
    a32.regs.coproc(mcr(0, 7, 11, 1, 1), a32.cpu); // DCCMVAU
    a32.regs.coproc(mcr(0, 7, 5, 1, 1), a32.cpu); // ICIMVAU
    a32.regs.coproc(mcr(0, 7, 5, 0, 1), a32.cpu); // ICIALLU
    expect(a32.port.calls).toEqual([
      ['va', 'ivac', 0xc000_0040],
      ['va', 'cvau', 0xc000_0040],
      ['icache', 'ivau', 0xc000_0040],
      ['icache', 'iallu', 0],
    ]);
  });

  it('passes TLB maintenance with the Arm ARM name and operand', () => {
    const { port, regs, cpu } = setup();
    cpu.lo[0] = 0xabc01;
    regs.coproc(mcr(0, 8, 7, 1, 0), cpu);
    regs.coproc(mcr(0, 8, 3, 0, 0), cpu);
    const a64 = setup(true);
    a64.cpu.lo[1] = 0x12345;
    a64.cpu.hi[1] = 0x10000;
    a64.regs.sys(sys(1, 0, 8, 7, 1, 1), a64.cpu);
    a64.regs.sys(sys(1, 0, 8, 3, 0, 31), a64.cpu);
    expect(port.calls).toEqual([
      ['tlb', 'TLBIMVA', 0xabc01, 0],
      ['tlb', 'TLBIALLIS', 0xabc01, 0],
    ]);
    expect(a64.port.calls).toEqual([
      ['tlb', 'VAE1', 0x12345, 0x10000],
      ['tlb', 'VMALLE1IS', 0, 0],
    ]);
  });

  it('reports an EL0 trap to an AArch64 EL1 through lastUndefinedSyndrome', () => {
    const { regs, cpu } = setup(true, HCR.TID2);
    cpu.el = 0;
    regs.set(SysReg.SCTLR_EL1, 0);
    expect(regs.sys(sys(3, 3, 0, 0, 1, 2, true), cpu)).toBe(AccessOutcome.Undefined); // CTR_EL0, UCT=0
    expect(regs.lastUndefinedSyndrome).toBe(0x6232c041);
    expect(regs.sys(sys(3, 0, 1, 0, 0, 2, true), cpu)).toBe(AccessOutcome.Undefined); // SCTLR_EL1 at EL0
    expect(regs.lastUndefinedSyndrome).toBe(0x02000000);
  });

  it('refuses Rt = PC for cp15 and unknown encodings as UNDEFINED', () => {
    const { regs, cpu, gate } = setup(false, 0xffffffff);
    expect(regs.coproc(DCCISW(15), cpu)).toBe(AccessOutcome.Undefined);
    expect(regs.coproc(mcrr(0, 2, 1, 1, true), cpu)).toBe(AccessOutcome.Undefined);
    expect(regs.coproc(mrc(4, 1, 1, 0, 0), cpu)).toBe(AccessOutcome.Undefined); // HCR: EL2 only
    expect(gate.traps).toEqual([]);
  });

  it('throws a typed error for registers the executor owns and for AT without translation', () => {
    const { regs, cpu } = setup(true);
    expect(() => regs.sys(sys(3, 3, 4, 2, 0, 0, true), cpu)).toThrow(SysRegError);
    expect(() => regs.sys(sys(3, 0, 4, 0, 1, 0), cpu)).toThrow(/ELR_EL1 is served by the executor/);
    expect(() => regs.sys(sys(1, 0, 7, 8, 0, 0), cpu)).toThrow(/AT S1E1R needs SystemPort.addressTranslate/);
  });

  it('runs AT through an address-translation port and stores PAR', () => {
    const port = Object.assign(new RecordingPort(), {
      addressTranslate: (op: string, va: number): readonly [number, number] => (op === 'ATS1CPR' ? [(va & ~0xfff) | 0x80, 0] : [1, 0]),
    }) satisfies AddressTranslationPort;
    const regs = new SystemRegisters({ port, el2: new RecordingGate(), aarch64: false });
    const cpu = new FakeCpu();
    cpu.lo[0] = 0x8000_1234;
    regs.coproc(mcr(0, 7, 8, 0, 0), cpu);
    regs.coproc(mrc(0, 7, 4, 0, 1), cpu);
    expect(cpu.lo[1]).toBe(0x8000_1080);
  });

  it('derives the timer TVAL from CVAL and the counter', () => {
    let now = 1000;
    const { regs, cpu } = setup(false, 0, { readCounter: () => now });
    cpu.lo[0] = 500;
    regs.coproc(mcr(0, 14, 3, 0, 0), cpu); // CNTV_TVAL = 500 -> CVAL = 1500
    regs.coproc(mcrr(3, 14, 1, 2, true), cpu); // CNTV_CVAL
    expect([cpu.lo[1], cpu.lo[2]]).toEqual([1500, 0]);
    cpu.lo[0] = 1;
    regs.coproc(mcr(0, 14, 3, 1, 0), cpu); // CNTV_CTL.ENABLE
    now = 1400;
    regs.coproc(mrc(0, 14, 3, 0, 3), cpu);
    regs.coproc(mrc(0, 14, 3, 1, 4), cpu);
    expect([cpu.lo[3], cpu.lo[4]]).toEqual([100, 1]);
    now = 1600;
    regs.coproc(mrc(0, 14, 3, 0, 3), cpu);
    regs.coproc(mrc(0, 14, 3, 1, 4), cpu);
    expect([cpu.lo[3], cpu.lo[4]]).toEqual([(-100) >>> 0, 5]);
    regs.coproc(mcrr(1, 14, 5, 6, true), cpu); // CNTVCT
    expect([cpu.lo[5], cpu.lo[6]]).toEqual([1600, 0]);
  });
});
