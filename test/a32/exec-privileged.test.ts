/**
 * The privileged parts of the A32 executor that no user-mode oracle reaches: modes and banking,
 * exception entry/return, SRS/RFE, LDM/STM with ^, CPS, MSR/MRS (banked), ERET, and the traps
 * to EL2 the executor builds itself. Each test names the Arm ARM (DDI 0487) rule it checks.
 */
import { describe, expect, it } from 'vitest';
import { fixture, RecordingEl2, CODE } from './harness';
import { GuestException, Mode, Psr } from '../../src/exec/a32/index';
import { HCR } from '../../src/exec/el2-gate';
import { AccessOutcome, type SystemInstructionHandler } from '../../src/exec/system-instructions';
import type { CoprocAccess } from '../../src/decode/system-access';
import { MemoryAbort } from '../../src/mmu/fault';
import { llvmAvailable } from './llvm-disasm';

const hasLlvm = llvmAvailable();

describe.skipIf(!hasLlvm)('A32 privileged execution', () => {
  it('banks R13/R14 per mode and R8-R12 for FIQ (G1.8 "Banked registers")', () => {
    const { cpu } = fixture('nop');
    for (let n = 0; n < 15; n++) cpu.r[n] = 0x100 + n;
    cpu.cpsr = Mode.IRQ | Psr.I;
    expect(cpu.r[13]).toBe(0);
    expect(cpu.r[12]).toBe(0x10c); // R8-R12 shared outside FIQ
    cpu.r[13] = 0xaaa;
    cpu.cpsr = Mode.FIQ | Psr.I;
    expect(cpu.r[8]).toBe(0); // FIQ's own R8
    cpu.r[8] = 0xf8;
    cpu.cpsr = Mode.SYS;
    expect(cpu.r[8]).toBe(0x108);
    expect(cpu.readBankedRegister(1, 8)).toBe(0xf8);
    cpu.cpsr = Mode.SVC;
    expect(cpu.r[13]).toBe(0x10d);
    expect(cpu.r[14]).toBe(0x10e);
    expect(cpu.readBankedRegister(0, 13)).toBe(0); // USR/SYS SP untouched
    cpu.cpsr = Mode.IRQ;
    expect(cpu.r[13]).toBe(0xaaa);
  });

  it('MSR CPSR_c and CPS change mode; Hyp/Monitor and PL0 mode changes are illegal (G1.9.4)', () => {
    const { cpu } = fixture(`
      msr CPSR_c, #0xd2   @ IRQ
      mov r0, sp
      cps #0x13           @ back to SVC
      msr CPSR_c, #0xda   @ Hyp: illegal, mode unchanged, I/F still written
      mrs r1, apsr
      cpsie i
      mrs r2, apsr
      cps #0x10           @ User
      msr CPSR_c, #0xd3   @ from User: ignored
      mrs r3, apsr
      cps #0x13           @ CPS is a NOP in User mode
      mrs r4, apsr
    `);
    cpu.run(12);
    expect(cpu.r[0]).toBe(0); // IRQ's SP
    expect(cpu.r[1] & 0x1f).toBe(Mode.SVC);
    expect(cpu.r[1] & Psr.I).toBe(Psr.I);
    expect(cpu.r[2] & Psr.I).toBe(0);
    expect(cpu.r[3] & 0x1f).toBe(Mode.USR);
    expect(cpu.r[4] & 0x1f).toBe(Mode.USR);
  });

  it('SVC enters SVC mode at vector +8 with LR = next and SPSR = CPSR; MOVS PC, LR returns (G1.12)', () => {
    const { cpu } = fixture(`
      b start
      .space 4
      b svc_handler      @ vector 0x08 (vector base is CODE)
    start:
      cps #0x10
      mov r0, #1
      svc #42
      add r0, r0, #1
      wfi
    svc_handler:
      mrs r5, spsr
      mov r6, lr
      movs pc, lr
    `, { vectorBase: () => CODE });
    cpu.run(100);
    expect(cpu.stopReason).toBe('wfi');
    expect(cpu.r[0]).toBe(2);
    expect(cpu.r[5] & 0x1f).toBe(Mode.USR);
    expect(cpu.r[6]).toBe(CODE + 4 * 6); // instruction after the SVC
    expect(cpu.mode).toBe(Mode.USR);
  });

  it('UDF takes the Undefined Instruction exception: UND mode, vector +4, LR = address + 4, I set (G1.12.3)', () => {
    const { cpu, at } = fixture('nop\nudf #7\nnop', { vectorBase: () => 0x100 });
    cpu.cpsr = Mode.SVC; // I clear
    cpu.run(2);
    expect(cpu.mode).toBe(Mode.UND);
    expect(cpu.pc).toBe(0x104);
    expect(cpu.r[14]).toBe(at(2));
    expect(cpu.spsr()).toBe(Mode.SVC);
    expect(cpu.cpsr & Psr.I).toBe(Psr.I);
    expect(cpu.cpsr & Psr.A).toBe(0); // A unchanged on Undefined
  });

  it('an UNPREDICTABLE encoding is taken as UNDEFINED', () => {
    const { cpu, memory } = fixture('nop');
    memory.physical.write32(CODE, 0xe1a0f01f >>> 0); // mov pc, pc, lsl r0 (register-shifted with PC): UNPREDICTABLE
    cpu.exceptionPolicy = 'stop';
    expect(() => cpu.run(1)).toThrow(GuestException);
    expect(cpu.pc).toBe(CODE);
  });

  it('a stage-1 data abort enters ABT mode at +0x10 with LR = address + 8 and reports the fault (G1.12.6)', () => {
    const aborts: { status: number; address: number; write: boolean }[] = [];
    const { cpu, at } = fixture(`
      mov r1, #0x10000000
      str r0, [r1, #4]
    `, { onGuestAbort: (a) => aborts.push({ status: a.status, address: a.address, write: a.write }) });
    cpu.run(1);
    cpu.stepHandlingAborts();
    expect(cpu.mode).toBe(Mode.ABT);
    expect(cpu.pc).toBe(0x10);
    expect(cpu.r[14]).toBe(at(1) + 8);
    expect(cpu.cpsr & (Psr.A | Psr.I)).toBe(Psr.A | Psr.I);
    expect(aborts).toEqual([{ status: 0x10, address: 0x10000004, write: true }]);
    expect(cpu.instructionsRetired).toBe(1); // the aborted store did not retire
  });

  it("exceptionPolicy 'stop' throws a typed GuestException naming kind, PC and word", () => {
    const { cpu, at } = fixture('nop\nsvc #5');
    cpu.exceptionPolicy = 'stop';
    let caught: unknown;
    try {
      cpu.run(10);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GuestException);
    const g = caught as GuestException;
    expect(g.kind).toBe('supervisor-call');
    expect(g.pc).toBe(at(1));
    expect(g.word).toBe(0xef000005);
    expect(cpu.stopReason).toBe('exception');
    expect(cpu.mode).toBe(Mode.SVC);
  });

  it('ERET at PL1 returns to LR with CPSR = SPSR (F5 "ERET")', () => {
    const { cpu } = fixture(`
      ldr lr, =target
      mov r0, #0x10        @ User mode, flags clear
      orr r0, r0, #0x80000000
      msr SPSR_fsxc, r0
      eret
      mov r1, #1
    target:
      mov r2, #2
      wfi
      .ltorg
    `);
    cpu.run(20);
    expect(cpu.r[1]).toBe(0);
    expect(cpu.r[2]).toBe(2);
    expect(cpu.mode).toBe(Mode.USR);
    expect(cpu.cpsr >>> 31).toBe(1);
  });

  it('an exception return to Hyp mode is illegal: IL set, then the next instruction is UNDEFINED (G1.10)', () => {
    const { cpu } = fixture(`
      ldr lr, =target
      mov r0, #0x1a
      msr SPSR_fsxc, r0
      eret
    target:
      mov r2, #2
      .ltorg
    `, { vectorBase: () => 0x200 });
    cpu.run(4);
    expect(cpu.cpsr & Psr.IL).toBe(Psr.IL);
    expect(cpu.mode).toBe(Mode.SVC);
    cpu.stepHandlingAborts();
    expect(cpu.mode).toBe(Mode.UND);
    expect(cpu.pc).toBe(0x204);
    expect(cpu.r[2]).toBe(0);
    expect(cpu.spsr() & Psr.IL).toBe(0); // IL is cleared when the Illegal State exception is taken
  });

  it('SRS stores LR and SPSR to another mode\'s stack; RFE loads them back (F5 "SRS", "RFE")', () => {
    const { cpu } = fixture(`
      cps #0x12            @ IRQ
      ldr sp, =0x30000
      cps #0x13            @ SVC
      ldr lr, =target
      mov r0, #0x1f        @ System mode, will be restored by RFE
      msr SPSR_fsxc, r0
      srsdb sp!, #0x12     @ to IRQ's SP
      cps #0x12
      mov r4, sp
      rfeia sp!
      mov r1, #1
    target:
      mov r2, #2
      wfi
      .ltorg
    `);
    cpu.run(30);
    expect(cpu.r[4]).toBe(0x30000 - 8);
    expect(cpu.memory.read32(0x30000 - 8)).toBe(cpu.pc - 4 - 4); // stored LR = target
    expect(cpu.memory.read32(0x30000 - 4)).toBe(0x1f);
    expect(cpu.r[1]).toBe(0);
    expect(cpu.r[2]).toBe(2);
    expect(cpu.mode).toBe(Mode.SYS);
    expect(cpu.readBankedRegister(2, 13)).toBe(0x30000); // IRQ SP written back by RFE's !
  });

  it('STM ^ stores User registers; LDM ^ without PC loads them; LDM ^ with PC returns (F5 "STM (User registers)", "LDM (exception return)")', () => {
    const { cpu } = fixture(`
      cps #0x1f            @ System: set User SP/LR
      ldr sp, =0x11111111
      ldr lr, =0x22222222
      cps #0x13
      ldr r0, =0x40000
      stmia r0, {sp, lr}^
      ldr r1, =0x33333333
      ldr r2, =0x44444444
      ldr r3, =0x40100
      stmia r3, {r1, r2}
      ldmia r3, {sp, lr}^
      ldr r5, =0x40200
      ldr r6, =target
      mov r7, #0x10
      stmia r5, {r6}
      msr SPSR_fsxc, r7
      ldmia r5!, {pc}^
      mov r8, #1
    target:
      mov r9, #9
      wfi
      .ltorg
    `);
    cpu.run(40);
    expect(cpu.memory.read32(0x40000)).toBe(0x11111111);
    expect(cpu.memory.read32(0x40004)).toBe(0x22222222);
    expect(cpu.mode).toBe(Mode.USR);
    expect(cpu.r[13]).toBe(0x33333333);
    expect(cpu.r[14]).toBe(0x44444444);
    expect(cpu.r[5]).toBe(0x40204);
    expect(cpu.r[8]).toBe(0);
    expect(cpu.r[9]).toBe(9);
  });

  it('banked MRS/MSR reach other modes\' registers (F5 "MRS (Banked register)", "MSR (Banked register)")', () => {
    const { cpu } = fixture(`
      ldr r0, =0xcafe
      msr sp_irq, r0
      msr SPSR_und, r0
      msr r9_fiq, r0
      mrs r1, sp_irq
      mrs r2, r9_usr
      mrs r3, SPSR_und
      cps #0x10
      mrs r4, sp_irq          @ PL0: UNDEFINED
      .ltorg
    `, { vectorBase: () => 0x300 });
    cpu.r[9] = 0x99;
    cpu.run(8);
    cpu.stepHandlingAborts();
    expect(cpu.r[1]).toBe(0xcafe);
    expect(cpu.r[2]).toBe(0x99);
    expect(cpu.r[3]).toBe(0xcafe);
    expect(cpu.readBankedRegister(2, 13)).toBe(0xcafe);
    expect(cpu.readBankedRegister(1, 9)).toBe(0xcafe);
    expect(cpu.spsr(Mode.UND) & 0x1f).toBe(Mode.USR); // overwritten by the UNDEFINED entry
    expect(cpu.mode).toBe(Mode.UND);
  });

  it('LDREX/STREX: the store succeeds only while the monitor holds that address; CLREX and exception entry clear it', () => {
    const { cpu } = fixture(`
      ldr r0, =0x50000
      ldrex r1, [r0]
      add r1, r1, #1
      strex r2, r1, [r0]     @ succeeds: r2 = 0
      strex r3, r1, [r0]     @ monitor open: fails, r3 = 1
      ldrex r1, [r0]
      clrex
      strex r4, r1, [r0]     @ fails
      ldrex r1, [r0]
      add r5, r0, #4
      strex r6, r1, [r5]     @ other address: fails
      wfi
      .ltorg
    `);
    cpu.memory.write32(0x50000, 41);
    cpu.run(30);
    expect([cpu.r[2], cpu.r[3], cpu.r[4], cpu.r[6]]).toEqual([0, 1, 1, 1]);
    expect(cpu.memory.read32(0x50000)).toBe(42);
  });

  it('a fetch from nowhere is a Prefetch Abort: ABT mode, vector +0xC, LR = address + 4 (G1.12.5)', () => {
    const kinds: string[] = [];
    const { cpu } = fixture('ldr r0, =0x10000000\nbx r0\n.ltorg', { onGuestAbort: (a) => kinds.push(`${a.kind}@${a.address.toString(16)}`) });
    cpu.run(2);
    cpu.stepHandlingAborts();
    expect(cpu.mode).toBe(Mode.ABT);
    expect(cpu.pc).toBe(0x0c);
    expect(cpu.r[14]).toBe(0x10000004);
    expect(kinds).toEqual(['prefetch@10000000']);
  });

  it('the decode cache notices a changed instruction word (self-modifying code)', () => {
    const { cpu, memory, at } = fixture('mov r0, #1\nwfi');
    cpu.run(5);
    expect(cpu.r[0]).toBe(1);
    memory.physical.write32(at(0), 0xe3a00002); // mov r0, #2
    cpu.pc = at(0);
    cpu.run(5);
    expect(cpu.r[0]).toBe(2);
  });

  it('BLX (immediate) enters T32 state, whose BX LR returns to A32', () => {
    const { cpu } = fixture('blx target\nmov r1, #2\nwfi\n.thumb\ntarget: movs r0, #7\nbx lr');
    cpu.run(10);
    expect(cpu.stopReason).toBe('wfi');
    expect([cpu.r[0], cpu.r[1], cpu.cpsr & Psr.T]).toEqual([7, 2, 0]);
  });
});

describe.skipIf(!hasLlvm)('A32 traps to EL2', () => {
  it('HVC #imm16 traps with HSR EC 0x12, IL 1 and returns after the HVC (G8 "HSR")', () => {
    const el2 = new RecordingEl2();
    el2.onTrap = () => {}; // a handler that does not touch the return address
    const { cpu, at } = fixture('hvc #0x1234\nmov r0, #1\nwfi', { el2 });
    cpu.run(10);
    expect(el2.traps).toEqual([{ esr: 0x4a001234, detail: { far: 0, hpfar: 0 }, pc: at(0) }]);
    expect(cpu.r[0]).toBe(1);
  });

  it('HVC is UNDEFINED with no EL2, at PL0 and with HCR.HCD', () => {
    for (const setup of ['none', 'pl0', 'hcd'] as const) {
      const el2 = setup === 'none' ? undefined : new RecordingEl2();
      if (setup === 'hcd') el2!.hcr = HCR.HCD;
      const { cpu } = fixture(setup === 'pl0' ? 'cps #0x10\nhvc #1' : 'nop\nhvc #1', { el2 });
      cpu.exceptionPolicy = 'stop';
      expect(() => cpu.run(5), setup).toThrow(/undefined at PC/);
    }
  });

  it('WFI/WFE trap with HCR.TWI/TWE: EC 0x01, CV 1, COND, TI (G8 "HSR", ISS for WFI/WFE); a WFE that finds the event register set completes untrapped', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TWI | HCR.TWE;
    // The event register is clear at reset: the first WFE traps. EL2's return sets it (G1.19.1), so
    // the second WFE clears it and completes without the trap check; the third traps again.
    const { cpu } = fixture('wfe\nwfe\nwfe\nwfi\nmovs r0, #0\nwfieq', { el2 });
    cpu.run(6);
    expect(el2.traps.map((t) => t.esr >>> 0)).toEqual([0x07e00001, 0x07e00001, 0x07e00000, 0x07000000]);
    expect(cpu.eventRegister).toBe(1);
    expect(cpu.stopReason).toBe('budget');
  });

  it('SEV and SEVL set the event register: a WFE after each completes without trapping', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TWE;
    const { cpu } = fixture('sev\nwfe\n.inst 0xe320f005\nwfe\nwfe', { el2 }); // 0xe320f005: SEVL (hint #5, Armv8)
    cpu.run(5);
    expect(el2.traps.map((t) => t.esr >>> 0)).toEqual([0x07e00001]);
  });

  it('WFI without TWI stops the run with stopReason wfi; the next run resumes after it', () => {
    const { cpu, at } = fixture('wfi\nmov r0, #3\nwfi');
    expect(cpu.run(100)).toBe(1);
    expect(cpu.stopReason).toBe('wfi');
    expect(cpu.pc).toBe(at(1));
    cpu.run(100);
    expect(cpu.r[0]).toBe(3);
  });

  it('SMC is UNDEFINED without HCR.TSC and traps with EC 0x13 when set: CCKNOWNPASS 0, so CV and COND are RES0 (G8 "HSR")', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TSC;
    // A conditional SMC that passes (EQ after MOVS #0) and one that fails (NE: not trapped, not executed).
    const { cpu } = fixture('smc #0\nmovs r1, #0\nsmceq #0\nsmcne #0\nmov r0, #1\nwfi', { el2 });
    cpu.run(10);
    expect(el2.traps.map((t) => t.esr >>> 0)).toEqual([0x4e000000, 0x4e000000]);
    expect(cpu.r[0]).toBe(1);
    const plain = fixture('smc #0', {});
    plain.cpu.exceptionPolicy = 'stop';
    expect(() => plain.cpu.run(1)).toThrow(/undefined/);
  });

  it('MCR/MRC reach the system handler as a CoprocAccess and obey its outcome', () => {
    const seen: CoprocAccess[] = [];
    let outcome: AccessOutcome = AccessOutcome.Done;
    const system: SystemInstructionHandler = {
      coproc: (access, ctx) => {
        seen.push(access);
        if (access.read) ctx.writeRegister(access.rt, 0x0a200023);
        return outcome;
      },
      sys: () => AccessOutcome.Undefined,
    };
    const { cpu, at } = fixture(`
      mcr p15, #0, r5, c7, c14, #2
      mrc p15, #1, r0, c0, c0, #1
      mrc p14, #0, APSR_nzcv, c0, c1, #0
      mrrc p15, #0, r2, r3, c2
      nop
    `, { system, vectorBase: () => 0x400 });
    cpu.run(4);
    expect(seen[0]).toEqual({ coproc: 15, opc1: 0, crn: 7, crm: 14, opc2: 2, rt: 5, rt2: 0, read: false, wide: false });
    expect(seen[1]).toMatchObject({ coproc: 15, opc1: 1, crn: 0, crm: 0, opc2: 1, rt: 0, read: true });
    expect(seen[3]).toEqual({ coproc: 15, opc1: 0, crn: 0, crm: 2, opc2: 0, rt: 2, rt2: 3, read: true, wide: true });
    expect(cpu.r[0]).toBe(0x0a200023);
    expect(cpu.cpsr >>> 28).toBe(0x0); // APSR_nzcv <- bits[31:28] of 0x0a200023
    expect(cpu.pc).toBe(at(4));
    outcome = AccessOutcome.Undefined;
    cpu.pc = at(0);
    cpu.run(1);
    expect(cpu.mode).toBe(Mode.UND);
    expect(cpu.r[14]).toBe(at(1));
  });

  it('a stage-2 data abort traps with EC 0x24, ISV/SAS/SRT/DFSC and HPFAR, and the load is retried (D17 ISS for a Data Abort)', () => {
    const el2 = new RecordingEl2();
    const { cpu, memory } = fixture('ldr r2, [r1]\nldrsh r3, [r1, #2]!\nwfi', { el2 });
    const faulting = new Set([0x61000, 0x61002]);
    const real = memory.read32.bind(memory);
    const real16 = memory.read16.bind(memory);
    const stage2 = (va: number) => {
      if (faulting.has(va)) throw new MemoryAbort({ kind: 'translation', stage: 2, level: 3, access: 'read', va, ipa: 0x8_4006_1000 + (va & 0xfff), s1ptw: false });
    };
    memory.read32 = (va) => (stage2(va), real(va));
    memory.read16 = (va) => (stage2(va), real16(va));
    memory.physical.write32(0x61000, 0xfffe1234);
    // The handler "maps" the page and returns without skipping: the instruction is retried.
    el2.onTrap = (_v, esr) => faulting.delete(esr & (1 << 24) && ((esr >>> 22) & 3) === 2 ? 0x61000 : 0x61002);
    cpu.r[1] = 0x61000;
    cpu.run(10);
    expect(el2.traps[0].esr >>> 0).toBe(0x93820007);
    expect(el2.traps[0].detail).toEqual({ far: 0x61000, hpfar: 0x840061 * 16 });
    // LDRSH with writeback: ISV = 0, only WnR/DFSC.
    expect(el2.traps[1].esr >>> 0).toBe(0x92000007);
    expect(cpu.r[2]).toBe(0xfffe1234);
    expect(cpu.r[3]).toBe(0xfffffffe);
    expect(cpu.r[1]).toBe(0x61002);
    expect(cpu.stopReason).toBe('wfi');
  });
});
