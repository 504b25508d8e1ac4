/**
 * The generic timers' interrupt outputs as the platform sees them (Arm ARM DDI 0487 D11.2.4
 * "Timers"; D17 "CNTP_CTL_EL0", "CNTP_CVAL_EL0"): asserted when ENABLE and not IMASK and the
 * count has reached CVAL (compared unsigned), and the count at which that happens. Then one
 * A64 guest that programs its virtual timer and takes the interrupt through a platform-like loop.
 */
import { describe, expect, it } from 'vitest';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import { A64Cpu } from '../../src/exec/a64/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { SystemRegisters, type SystemRegistersOptions } from '../../src/exec/sysregs/system-registers';
import { FakeCpu, RecordingGate, RecordingPort } from '../sysregs/fakes';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { HALT_IMM, StubEl2 } from '../a64/harness';

const msr = (crm: number, op2: number, rt: number, read = false): SysAccess => ({ op0: 3, op1: 3, crn: 14, crm, op2, rt, read });
const CNTPCT = (rt: number) => msr(0, 1, rt, true);
const CNTP_TVAL = (rt: number, read = false) => msr(2, 0, rt, read);
const CNTP_CTL = (rt: number, read = false) => msr(2, 1, rt, read);
const CNTP_CVAL = (rt: number) => msr(2, 2, rt);
const CNTV_CTL = (rt: number, read = false) => msr(3, 1, rt, read);
const CNTV_CVAL = (rt: number) => msr(3, 2, rt);
const ENABLE = 1;
const IMASK = 2;
const ISTATUS = 4;

function setup(options: Partial<SystemRegistersOptions> = {}) {
  const regs = new SystemRegisters({ port: new RecordingPort(), el2: new RecordingGate(), aarch64: true, ...options });
  const cpu = new FakeCpu();
  /** Write Xt = hi:lo to `access` (an MSR). */
  const write = (access: SysAccess, lo: number, hi = 0) => {
    cpu.lo[access.rt] = lo >>> 0;
    cpu.hi[access.rt] = hi >>> 0;
    regs.sys(access, cpu);
  };
  const read = (access: SysAccess): number => {
    regs.sys(access, cpu);
    return cpu.lo[access.rt];
  };
  return { regs, cpu, write, read };
}

describe('generic timer outputs (D11.2.4)', () => {
  it('a disabled timer is never asserted', () => {
    const { regs, write } = setup({ readCounter: () => 5000 });
    write(CNTP_CVAL(0), 1000);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: Infinity });
    expect(regs.timerOutput('virtual')).toEqual({ asserted: false, firesAt: Infinity });
  });

  it('CVAL in the future: not asserted, fires at CVAL; the counter reaching CVAL asserts it', () => {
    let now = 500;
    const { regs, write, read } = setup({ readCounter: () => now });
    write(CNTP_CVAL(0), 1000);
    write(CNTP_CTL(1), ENABLE);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: 1000 });
    expect(read(CNTP_CTL(2, true))).toBe(ENABLE);
    now = 999;
    expect(regs.timerOutput('physical').asserted).toBe(false);
    now = 1000;
    expect(regs.timerOutput('physical')).toEqual({ asserted: true, firesAt: 1000 });
    expect(read(CNTP_CTL(2, true))).toBe(ENABLE | ISTATUS);
    now = 123_456_789;
    expect(regs.timerOutput('physical').asserted).toBe(true);
    // An explicit count answers for that moment.
    expect(regs.timerOutput('physical', 10)).toEqual({ asserted: false, firesAt: 1000 });
    // The virtual timer is a separate one.
    expect(regs.timerOutput('virtual')).toEqual({ asserted: false, firesAt: Infinity });
  });

  it('IMASK masks the output but not ISTATUS', () => {
    const { regs, write, read } = setup({ readCounter: () => 2000 });
    write(CNTP_CVAL(0), 1000);
    write(CNTP_CTL(1), ENABLE | IMASK);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: Infinity });
    expect(read(CNTP_CTL(2, true))).toBe(ENABLE | IMASK | ISTATUS);
    write(CNTP_CTL(1), ENABLE);
    expect(regs.timerOutput('physical').asserted).toBe(true);
  });

  it('TVAL sets CVAL = count + TVAL (signed), and moving CVAL on deasserts', () => {
    let now = 10_000;
    const { regs, write } = setup({ readCounter: () => now });
    write(CNTP_TVAL(0), 250);
    write(CNTP_CTL(1), ENABLE);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: 10_250 });
    now = 10_300;
    expect(regs.timerOutput('physical').asserted).toBe(true);
    write(CNTP_TVAL(0), -50 >>> 0); // in the past: asserted at once
    expect(regs.timerOutput('physical')).toEqual({ asserted: true, firesAt: 10_250 });
    write(CNTP_CVAL(0), 20_000);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: 20_000 });
  });

  it('CVAL is unsigned: a CVAL with bit 63 set is far in the future, not in the past', () => {
    const { regs, write, read } = setup({ readCounter: () => 1_000_000 });
    write(CNTV_CVAL(0), 0xffffffff, 0xffffffff);
    write(CNTV_CTL(1), ENABLE);
    const out = regs.timerOutput('virtual');
    expect(out.asserted).toBe(false);
    expect(out.firesAt).toBeGreaterThan(2 ** 63);
    expect(read(CNTV_CTL(2, true))).toBe(ENABLE);
    // Above 2^32 but below 2^53: exact.
    write(CNTV_CVAL(0), 5, 1);
    expect(regs.timerOutput('virtual').firesAt).toBe(2 ** 32 + 5);
  });

  it('the AArch32 views (MCRR CNTV_CVAL, MCR CNTV_CTL) drive the same outputs', () => {
    let now = 0;
    const regs = new SystemRegisters({ port: new RecordingPort(), el2: new RecordingGate(), aarch64: false, readCounter: () => now });
    const cpu = new FakeCpu();
    const mcrr: CoprocAccess = { coproc: 15, opc1: 3, crn: 0, crm: 14, opc2: 0, rt: 0, rt2: 1, read: false, wide: true };
    const mcr: CoprocAccess = { coproc: 15, opc1: 0, crn: 14, crm: 3, opc2: 1, rt: 2, rt2: 0, read: false, wide: false };
    cpu.lo[0] = 64;
    cpu.lo[1] = 0;
    cpu.lo[2] = ENABLE;
    regs.coproc(mcrr, cpu);
    regs.coproc(mcr, cpu);
    expect(regs.timerOutput('virtual')).toEqual({ asserted: false, firesAt: 64 });
    now = 64;
    expect(regs.timerOutput('virtual').asserted).toBe(true);
  });

  it('asking does not advance the default counter (one tick per guest read)', () => {
    const { regs, write, read } = setup();
    expect(read(CNTPCT(3))).toBe(1);
    write(CNTP_CVAL(0), 2);
    write(CNTP_CTL(1), ENABLE);
    expect(regs.timerOutput('physical')).toEqual({ asserted: false, firesAt: 2 });
    expect(regs.timerOutput('physical').asserted).toBe(false);
    expect(read(CNTPCT(3))).toBe(2);
    expect(regs.timerOutput('physical').asserted).toBe(true);
  });
});

const have = oraclesAvailable('timer interrupt program', LLVM_MC);

describe.skipIf(!have)('a guest taking its virtual timer interrupt', () => {
  it('programs CNTV, waits, takes the IRQ when the count reaches CVAL, masks it and returns', () => {
    const BASE = 0x10000;
    const words = assembleWords(
      `
      .text
      .org 0x280
      b irq               // IRQ, current EL with SP_ELx
      .org 0x800
    start:
      mrs x13, cntfrq_el0
      mrs x0, cntvct_el0
      add x14, x0, #100
      msr cntv_cval_el0, x14
      mov x0, #1
      msr cntv_ctl_el0, x0
      msr daifclr, #2
    loop:
      add x5, x5, #1
      cbz x9, loop
      hvc #${HALT_IMM}
    irq:
      mrs x11, cntv_ctl_el0
      mrs x12, cntvct_el0
      mov x0, #3          // ENABLE | IMASK: the output drops
      msr cntv_ctl_el0, x0
      mov x9, #1
      eret
    `,
      'a64',
    );
    const memory = new FlatMemory();
    memory.load(BASE, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    let cpu: A64Cpu | null = null;
    const counter = () => Math.floor((cpu as A64Cpu).instructionsRetired / 16);
    const el2 = new StubEl2(() => cpu as A64Cpu);
    const regs = new SystemRegisters({ port: new RecordingPort(), el2, aarch64: true, counterFrequency: 62_500_000, readCounter: counter });
    cpu = new A64Cpu({ memory, el2, system: regs });
    cpu.vbarLo = BASE;
    cpu.setSpEl1(0x80000);
    cpu.pc = BASE + 0x800;

    // The platform: offer the IRQ while the output is asserted, run until the next firing.
    let irqs = 0;
    for (let slices = 0; slices < 10_000 && cpu.stopReason !== 'halted'; slices++) {
      const out = regs.timerOutput('virtual');
      if (out.asserted && cpu.takeInterrupt('irq')) irqs++;
      const untilFire = out.firesAt === Infinity || out.asserted ? 1000 : (out.firesAt - counter()) * 16 - (cpu.instructionsRetired % 16);
      cpu.run(Math.max(1, Math.min(1000, untilFire)));
    }
    expect(cpu.stopReason).toBe('halted');
    expect(irqs).toBe(1);
    expect(cpu.xLo(13)).toBe(62_500_000);
    expect(cpu.xLo(11)).toBe(ENABLE | ISTATUS);
    const cval = cpu.xLo(14);
    expect(cpu.xLo(12)).toBeGreaterThanOrEqual(cval);
    expect(cpu.xLo(12) - cval).toBeLessThanOrEqual(1); // taken as soon as the count reached CVAL
    expect(cpu.xLo(5)).toBeGreaterThan(700); // it waited ~1600 instructions, 2 per pass
    expect(regs.timerOutput('virtual')).toEqual({ asserted: false, firesAt: Infinity });
  });
});
