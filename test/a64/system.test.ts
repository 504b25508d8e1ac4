/**
 * What no user-mode oracle reaches: PSTATE through MSR/MRS, exception entry and return, SVC/HVC/
 * SMC/WFx, system instructions reaching the system-register model, aborts. Each test cites the
 * Arm ARM (DDI 0487) rule it checks.
 */
import { describe, expect, it } from 'vitest';
import type { SysAccess } from '../../src/decode/system-access';
import { HCR } from '../../src/exec/el2-gate';
import { AccessOutcome } from '../../src/exec/system-instructions';
import type { SystemAccessContext, SystemInstructionHandler } from '../../src/exec/system-instructions';
import { GuestException } from '../../src/exec/a64';
import { MemoryAbort } from '../../src/mmu/fault';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { LOAD_ADDRESS, machine, runToHalt, xBig } from './harness';

const have = oraclesAvailable('A64 system tests', LLVM_MC);
const IL = 1 << 25;
const esrOf = (ec: number, iss: number) => ((ec << 26) | IL | iss) >>> 0;

/** A system-register model stub: records accesses, serves a few registers, defers the rest. */
class RecordingSystem implements SystemInstructionHandler {
  readonly accesses: { access: SysAccess; xt: bigint; el: number }[] = [];
  outcome: (a: SysAccess, ctx: SystemAccessContext) => AccessOutcome = () => AccessOutcome.Done;
  coproc(): AccessOutcome {
    return AccessOutcome.Undefined;
  }
  sys(access: SysAccess, ctx: SystemAccessContext): AccessOutcome {
    this.accesses.push({ access, xt: (BigInt(ctx.readRegisterHigh(access.rt)) << 32n) | BigInt(ctx.readRegister(access.rt)), el: ctx.el });
    return this.outcome(access, ctx);
  }
}

describe.skipIf(!have)('A64 PSTATE access (C5.2)', () => {
  it('MSR/MRS NZCV, DAIF, CurrentEL, SPSel and SP_EL0 are served by the executor', () => {
    const m = machine(`
      mov x0, #0xa0000000
      msr nzcv, x0            // C5.2.9 NZCV: N[31] Z[30] C[29] V[28]
      mrs x1, nzcv
      msr daifclr, #0xf       // C5.2.4 DAIFClr
      mrs x2, daif
      msr daifset, #0x5       // DAIFSet: D[9] A[8] I[7] F[6], imm bit 3 = D
      mrs x3, daif
      mrs x4, currentel       // C5.2.1 CurrentEL: EL in bits [3:2]
      mrs x5, spsel
      mov x6, #0x1234
      msr sp_el0, x6          // SP_EL0 is accessible at EL1 while SPSel = 1
      mrs x7, sp_el0
      msr spsel, #0           // C5.2.16 SPSel: now SP is SP_EL0
      mov x8, sp
      msr spsel, #1
      mov x9, sp
      hvc #0xdead
    `);
    runToHalt(m);
    const c = m.cpu;
    expect(xBig(c, 1)).toBe(0xa0000000n);
    expect(c.nzcv).toBe(0b1010);
    expect(xBig(c, 2)).toBe(0n);
    expect(xBig(c, 3)).toBe(0x140n);
    expect(xBig(c, 4)).toBe(4n);
    expect(xBig(c, 5)).toBe(1n);
    expect(xBig(c, 7)).toBe(0x1234n);
    expect(xBig(c, 8)).toBe(0x1234n);
    expect(xBig(c, 9)).toBe(0x80000n);
    expect(c.spEl0Lo).toBe(0x1234);
  });

  it('MRS CurrentEL at EL0 is UNDEFINED: EC 0x00 to EL1 at VBAR_EL1 + 0x400 (D1.10.2)', () => {
    const m = machine(`
      mrs x0, currentel
      hvc #0xdead
    `);
    m.cpu.vbarLo = 0x20000;
    m.cpu.el = 0;
    m.cpu.step();
    expect(m.cpu.esr).toBe(esrOf(0x00, 0));
    expect(m.cpu.pc).toBe(0x20000 + 0x400);
    expect(m.cpu.elrLo).toBe(LOAD_ADDRESS);
    expect(m.cpu.el).toBe(1);
    expect(m.cpu.instructionsRetired).toBe(0);
  });
});

describe.skipIf(!have)('A64 exception entry and return (D1.10, D1.11)', () => {
  it('SVC from EL0 goes to VBAR_EL1 + 0x400 with ESR EC 0x15, ELR = next instruction; ERET returns', () => {
    const m = machine(`
      b start
      .balign 0x800
    vectors:
      .skip 0x400
      // Lower EL, AArch64, synchronous: record state, return.
      mrs x10, esr_el1
      mrs x11, elr_el1
      mrs x12, spsr_el1
      mrs x13, daif
      mov x14, sp
      mrs x15, currentel
      eret
    start:
      adr x0, vectors
      msr vbar_el1, x0
      adr x1, user
      msr elr_el1, x1
      mov x2, #0x60000000     // SPSR: Z and C set, M = EL0t
      msr spsr_el1, x2
      eret
    user:
      svc #0x42
      mov x20, sp
      mrs x21, nzcv
      b .
    `);
    // b, 7 to drop to EL0, svc, 7 in the handler, 2 back at EL0.
    expect(m.cpu.run(18)).toBe(18);
    const c = m.cpu;
    const svcAt = LOAD_ADDRESS + m.words.findIndex((w) => w === 0xd4000841) * 4;
    expect(xBig(c, 10)).toBe(BigInt(esrOf(0x15, 0x42)));
    expect(xBig(c, 11)).toBe(BigInt(svcAt + 4));
    expect(xBig(c, 12)).toBe(0x60000000n); // SPSR_EL1 = PSTATE at EL0t with Z, C
    expect(xBig(c, 13)).toBe(0x3c0n); // D, A, I, F masked on entry
    expect(xBig(c, 14)).toBe(0x80000n); // SP_EL1 selected at EL1h
    expect(xBig(c, 15)).toBe(4n);
    expect(xBig(c, 20)).toBe(0x70000n); // back at EL0: SP_EL0
    expect(xBig(c, 21)).toBe(0x60000000n);
    expect(c.el).toBe(0);
  });

  it('takes exceptions from EL1 to offset 0x000 with SP_EL0 and 0x200 with SP_EL1 (D1.10.2)', () => {
    const m = machine(`
      svc #1
      hvc #0xdead
    `);
    m.cpu.vbarLo = 0x40000;
    m.cpu.spsel = 0;
    m.cpu.step();
    expect(m.cpu.pc).toBe(0x40000);
    expect(m.cpu.spsr & 0xf).toBe(0b0100); // EL1t
    const n = machine(`
      svc #1
      hvc #0xdead
    `);
    n.cpu.vbarLo = 0x40000;
    n.cpu.step();
    expect(n.cpu.pc).toBe(0x40200);
    expect(n.cpu.spsr & 0xf).toBe(0b0101); // EL1h
  });

  it('an illegal exception return sets PSTATE.IL, and the next instruction takes EC 0x0E (D1.11.4)', () => {
    const m = machine(`
      adr x0, next
      msr elr_el1, x0
      mov x1, #0x9            // M = EL2h: a higher EL than the current one: illegal return
      msr spsr_el1, x1
      eret
    next:
      nop
    `);
    m.cpu.vbarLo = 0x40000;
    m.cpu.run(5);
    expect(m.cpu.el).toBe(1);
    expect(m.cpu.pstate & (1 << 20)).not.toBe(0);
    m.cpu.step();
    expect(m.cpu.esr).toBe(esrOf(0x0e, 0));
    expect(m.cpu.pc).toBe(0x40200);
    expect(m.cpu.spsr & (1 << 20)).not.toBe(0); // SPSR.IL records the illegal state
    expect(m.cpu.pstate & (1 << 20)).toBe(0);
  });

  it("exceptionPolicy 'stop' throws a GuestException naming class, PC and word", () => {
    const m = machine(`
      nop
      udf #7
    `);
    m.cpu.exceptionPolicy = 'stop';
    let thrown: unknown;
    try {
      m.cpu.run(10);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GuestException);
    const g = thrown as GuestException;
    expect(g.exceptionClass).toBe(0);
    expect(g.pc).toBe(LOAD_ADDRESS + 4);
    expect(g.word).toBe(7);
    expect(m.cpu.stopReason).toBe('exception');
    expect(m.cpu.pc).toBe(LOAD_ADDRESS + 4);
    expect(m.cpu.instructionsRetired).toBe(1);
  });

  it('BRK reports EC 0x3C with the immediate and returns to the BRK itself', () => {
    const m = machine('brk #0x77');
    m.cpu.step();
    expect(m.cpu.esr).toBe(esrOf(0x3c, 0x77));
    expect(m.cpu.elrLo).toBe(LOAD_ADDRESS);
  });

  it('FP/SIMD instructions are UNDEFINED, EC 0x00 (FP and AdvSIMD not implemented: ID_AA64PFR0_EL1 says 0xF)', () => {
    const m = machine('fadd s0, s1, s2');
    m.cpu.step();
    expect(m.cpu.esr).toBe(esrOf(0x00, 0));
    expect(m.cpu.elrLo).toBe(LOAD_ADDRESS);
  });

  it('a branch to a misaligned address takes a PC alignment fault, EC 0x22, FAR = target (D1.10.1)', () => {
    const m = machine(`
      mov x0, #0x2002
      br x0
    `);
    m.cpu.vbarLo = 0x40000;
    m.cpu.run(3);
    expect(m.cpu.esr).toBe(esrOf(0x22, 0));
    expect(m.cpu.farLo).toBe(0x2002);
    expect(m.cpu.elrLo).toBe(0x2002);
  });

  it('an address beyond 2^53 is a level 0 translation fault with the full FAR', () => {
    const m = machine(`
      movz x1, #0x8000, lsl #48
      ldr x2, [x1, #8]
    `);
    m.cpu.run(2);
    expect(m.cpu.esr).toBe(esrOf(0x25, 0b000100));
    expect(m.cpu.farHi).toBe(0x80000000);
    expect(m.cpu.farLo).toBe(8);
  });
});

describe.skipIf(!have)('A64 system instructions reach the system-register model', () => {
  it('DC CISW/ISW/CSW carry op0 1, op1 0, CRn 7, CRm 14/6/10, op2 2, Rt (ESR ISS for EC 0x18)', () => {
    const sys = new RecordingSystem();
    const m = machine(
      `
      movz x3, #0x4000, lsl #16
      movk x3, #2
      dc cisw, x3
      dc isw, x4
      dc csw, xzr
      dc civac, x5
      ic iallu
      tlbi vmalle1
      hvc #0xdead
    `,
      sys,
    );
    m.cpu.setX(4, 0x12, 0x1);
    runToHalt(m);
    const a = sys.accesses.map((r) => r.access);
    expect(a[0]).toEqual({ op0: 1, op1: 0, crn: 7, crm: 14, op2: 2, rt: 3, read: false });
    expect(sys.accesses[0].xt).toBe(0x40000002n);
    expect(a[1]).toEqual({ op0: 1, op1: 0, crn: 7, crm: 6, op2: 2, rt: 4, read: false });
    expect(sys.accesses[1].xt).toBe(0x100000012n);
    expect(a[2]).toEqual({ op0: 1, op1: 0, crn: 7, crm: 10, op2: 2, rt: 31, read: false });
    expect(sys.accesses[2].xt).toBe(0n);
    expect(a[3]).toEqual({ op0: 1, op1: 3, crn: 7, crm: 14, op2: 1, rt: 5, read: false });
    expect(a[4]).toEqual({ op0: 1, op1: 0, crn: 7, crm: 5, op2: 0, rt: 31, read: false });
    expect(a[5]).toEqual({ op0: 1, op1: 0, crn: 8, crm: 7, op2: 0, rt: 31, read: false });
    expect(sys.accesses.every((r) => r.el === 1)).toBe(true);
  });

  it('MRS of a model register reads through writeRegister; UNDEFINED and trapped outcomes', () => {
    const sys = new RecordingSystem();
    sys.outcome = (acc, ctx) => {
      if (acc.crn === 0 && acc.op1 === 1 && acc.op2 === 1) {
        ctx.writeRegister(acc.rt, 0x0a200023); // CLIDR_EL1
        return AccessOutcome.Done;
      }
      if (acc.crn === 1) return AccessOutcome.Undefined;
      // Trapped: an EL2 that emulates and skips.
      ctx.skipInstruction();
      return AccessOutcome.Trapped;
    };
    const m = machine(
      `
      mrs x0, clidr_el1
      mrs x1, s3_0_c15_c0_0
      hvc #0xdead
    `,
      sys,
    );
    runToHalt(m);
    expect(xBig(m.cpu, 0)).toBe(0x0a200023n);
    expect(sys.accesses[0].access).toEqual({ op0: 3, op1: 1, crn: 0, crm: 0, op2: 1, rt: 0, read: true });
    expect(sys.accesses[1].access.read).toBe(true);
    const u = machine('msr sctlr_el1, x0', sys);
    u.cpu.vbarLo = 0x40000;
    u.cpu.step();
    expect(u.cpu.esr).toBe(esrOf(0x00, 0));
    expect(u.cpu.elrLo).toBe(LOAD_ADDRESS);
  });

  it('ESR_EL1/FAR_EL1 are the executor\'s; writes trap to EL2 with EC 0x18 under HCR_EL2.TVM', () => {
    const m = machine(`
      mov x2, #0x55
      msr esr_el1, x2
      mrs x3, esr_el1
      hvc #0xdead
    `);
    runToHalt(m);
    expect(xBig(m.cpu, 3)).toBe(0x55n);
    const t = machine(`
      msr esr_el1, x2
      hvc #0xdead
    `);
    t.el2.hcr = HCR.TVM;
    runToHalt(t);
    // ISS: Op0 3 [21:20], Op2 0, Op1 0, CRn 5 [13:10], Rt 2 [9:5], CRm 2 [4:1], Direction 0 (write)
    expect(t.el2.traps[0].esr).toBe(esrOf(0x18, (3 << 20) | (5 << 10) | (2 << 5) | (2 << 1)));
    expect(t.el2.traps[0].pc).toBe(LOAD_ADDRESS);
  });
});

describe.skipIf(!have)('A64 traps to EL2 (D1.19, ESR_EL2)', () => {
  it('HVC traps with EC 0x16 and imm16; UNDEFINED at EL0', () => {
    const m = machine(`
      hvc #0x1234
      hvc #0xdead
    `);
    runToHalt(m);
    expect(m.el2.traps[0].esr).toBe(esrOf(0x16, 0x1234));
    expect(m.el2.traps.length).toBe(2);
  });

  it('WFI/WFE trap under HCR_EL2.TWI/TWE with EC 0x01, CV=1, COND=0xE, TI; otherwise WFI stops the run', () => {
    // EL2's return from the WFI trap sets the event register (D1.16.1), which the first WFE
    // clears without waiting, so without a trap (C6.2 "WFE"); the second WFE would wait and traps.
    const m = machine(`
      wfi
      wfe
      wfe
      hvc #0xdead
    `);
    m.el2.hcr = HCR.TWI | HCR.TWE;
    runToHalt(m);
    expect(m.el2.traps.map((t) => [t.esr, t.pc])).toEqual([
      [0x07e00000, LOAD_ADDRESS],
      [0x07e00001, LOAD_ADDRESS + 8],
      [expect.any(Number), LOAD_ADDRESS + 16],
    ]);
    const n = machine(`
      wfi
      hvc #0xdead
    `);
    const ran = n.cpu.run(10);
    expect(n.cpu.stopReason).toBe('wfi');
    expect(ran).toBe(1);
    expect(n.cpu.pc).toBe(LOAD_ADDRESS + 4);
  });

  it("WFE without an event ends the run as a yield ('wfe') past itself; after SEVL it completes at once (D1.16.1)", () => {
    const m = machine(`
      wfe
      sevl
      wfe
      hvc #0xdead
    `);
    expect(m.cpu.run(10)).toBe(1);
    expect(m.cpu.stopReason).toBe('wfe');
    expect(m.cpu.pc).toBe(LOAD_ADDRESS + 4);
    expect(m.cpu.run(2)).toBe(2); // sevl, then a wfe that consumes the event
    expect(m.cpu.stopReason).toBe('budget');
  });

  it('SMC traps with EC 0x17 under HCR_EL2.TSC and is UNDEFINED otherwise (no EL3)', () => {
    const m = machine(`
      smc #0x9
      hvc #0xdead
    `);
    m.el2.hcr = HCR.TSC;
    runToHalt(m);
    expect(m.el2.traps[0].esr).toBe(esrOf(0x17, 9));
    const n = machine('smc #0x9');
    n.cpu.step();
    expect(n.cpu.esr).toBe(esrOf(0x00, 0));
  });

  it('a stage-2 data abort traps with ISV/SAS/SRT/SF/DFSC and HPFAR, then retries the load', () => {
    const m = machine(`
      mov x1, #0x30000
      ldr x5, [x1, #8]
      str w6, [x1, #16]
      hvc #0xdead
    `);
    m.memory.physical.write32(0x30008, 0x11223344);
    // The page faults once for reads and once for writes (as if EL2 mapped it); the handler retries.
    const faulted = new Set<number>();
    const inner = m.memory;
    const read32 = inner.read32.bind(inner);
    const write32 = inner.write32.bind(inner);
    const fault = (va: number, access: 'read' | 'write') =>
      new MemoryAbort({ kind: 'translation', stage: 2, level: 3, access, va, ipa: 0x1_2345_6000 + (va & 0xfff), s1ptw: false });
    inner.read32 = (va: number) => {
      if (va >= 0x30000 && va < 0x31000 && !faulted.has(-1)) {
        faulted.add(-1);
        throw fault(va, 'read');
      }
      return read32(va);
    };
    inner.write32 = (va: number, v: number) => {
      if (va >= 0x30000 && va < 0x31000 && !faulted.has(-2)) {
        faulted.add(-2);
        throw fault(va, 'write');
      }
      write32(va, v);
    };
    m.el2.onTrap = () => {};
    m.cpu.setX(6, 0xcafe);
    runToHalt(m);
    const [ld, st] = m.el2.traps;
    // EC 0x24, ISV 1, SAS 3 (doubleword), SSE 0, SRT 5, SF 1, WnR 0, DFSC translation level 3
    expect(ld.esr).toBe(esrOf(0x24, (1 << 24) | (3 << 22) | (5 << 16) | (1 << 15) | 0b000111));
    expect(ld.detail.far).toBe(0x30008);
    expect(ld.detail.hpfar).toBe(0x123456 << 4);
    expect(ld.pc).toBe(LOAD_ADDRESS + 4);
    expect(xBig(m.cpu, 5)).toBe(0x11223344n);
    // STR W6: SAS 2, SF 0, WnR 1
    expect(st.esr).toBe(esrOf(0x24, (1 << 24) | (2 << 22) | (6 << 16) | (1 << 6) | 0b000111));
    expect(m.memory.physical.read32(0x30010)).toBe(0xcafe);
  });
});

describe.skipIf(!have)('A64 exclusives (B2.9 local monitor)', () => {
  it('STXR succeeds after LDXR to the same address, fails after CLREX or without LDXR', () => {
    const m = machine(`
      mov x1, #0x30000
      ldxr x2, [x1]
      add x2, x2, #1
      stxr w3, x2, [x1]
      stxr w4, x2, [x1]
      ldxr x2, [x1]
      clrex
      stxr w5, x2, [x1]
      ldaxr w6, [x1]
      stlxr w7, w6, [x1]
      hvc #0xdead
    `);
    runToHalt(m);
    expect(xBig(m.cpu, 3)).toBe(0n);
    expect(xBig(m.cpu, 4)).toBe(1n);
    expect(xBig(m.cpu, 5)).toBe(1n);
    expect(xBig(m.cpu, 7)).toBe(0n);
    expect(m.memory.physical.read32(0x30000)).toBe(1);
  });

  it('an unaligned LDXR is an alignment fault (DFSC 0b100001)', () => {
    const m = machine(`
      movz x1, #3, lsl #16
      movk x1, #4
      ldxr x2, [x1]
    `);
    m.cpu.run(3);
    expect(m.cpu.esr).toBe(esrOf(0x25, 0b100001));
    expect(m.cpu.farLo).toBe(0x30004);
  });
});
