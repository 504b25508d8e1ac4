/**
 * IRQ and FIQ entry to EL1 on the A64 executor (Arm ARM DDI 0487 D1.10 "Exception entry": the
 * vector offset of the taken-from state, +0x80 IRQ, +0x100 FIQ; ELR_EL1 = the next instruction,
 * SPSR_EL1 = PSTATE, DAIF all set, EL1h, ESR_EL1 not written), taken by `takeInterrupt` between
 * runs, returned from by ERET, and WFI leaving the PC after itself.
 */
import { describe, expect, it } from 'vitest';
import { A64Cpu } from '../../src/exec/a64/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { HALT_IMM, StubEl2 } from '../a64/harness';

const BASE = 0x10000;
const VBAR = 0x40000;
const SP_EL1 = 0x80000;
const SP_EL0 = 0x70000;
const ESR_SENTINEL = 0x5a5a5a5a;
/** PSTATE.DAIF bits in SPSR format. */
const D = 1 << 9;
const A = 1 << 8;
const I = 1 << 7;
const F = 1 << 6;
const NZCV_NC = (1 << 31) | (1 << 29);

function bareCpu(): A64Cpu {
  const cpu = new A64Cpu({ memory: new FlatMemory() });
  cpu.vbarLo = VBAR;
  cpu.setSpEl1(SP_EL1);
  cpu.setSpEl0(SP_EL0);
  cpu.esr = ESR_SENTINEL;
  cpu.pc = BASE + 0x40;
  return cpu;
}

describe('A64 IRQ/FIQ entry to EL1 (D1.10)', () => {
  const cases = [
    { from: 'EL1h', pstate: 0b0101, group: 0x200 },
    { from: 'EL1t', pstate: 0b0100, group: 0x000 },
    { from: 'EL0', pstate: 0b0000, group: 0x400 },
  ] as const;
  for (const { from, pstate, group } of cases) {
    for (const kind of ['irq', 'fiq'] as const) {
      const offset = group + (kind === 'irq' ? 0x080 : 0x100);
      it(`${kind.toUpperCase()} from ${from}: PC = VBAR_EL1 + 0x${offset.toString(16)}, ELR = next, SPSR = PSTATE, DAIF set, EL1h, ESR untouched`, () => {
        const cpu = bareCpu();
        const before = (NZCV_NC | (kind === 'irq' ? F : I) | pstate) >>> 0; // the other one masked
        cpu.pstate = before;
        expect(cpu.takeInterrupt(kind)).toBe(true);
        expect(cpu.pc).toBe(VBAR + offset);
        expect(cpu.elrLo).toBe(BASE + 0x40);
        expect(cpu.elrHi).toBe(0);
        expect(cpu.spsr).toBe(before);
        expect(cpu.daif).toBe(0xf);
        expect(cpu.el).toBe(1);
        expect(cpu.spsel).toBe(1);
        expect(cpu.spLo).toBe(SP_EL1);
        expect(cpu.spEl0Lo).toBe(SP_EL0);
        expect(cpu.nzcv).toBe(0b1010);
        expect(cpu.esr).toBe(ESR_SENTINEL);
      });
    }
  }

  it('is masked by PSTATE.I (IRQ) and PSTATE.F (FIQ) only: nothing changes', () => {
    const cpu = bareCpu();
    cpu.pstate = (I | 0b0101) >>> 0;
    cpu.spsr = 0x3c5;
    expect(cpu.takeInterrupt('irq')).toBe(false);
    expect(cpu.pc).toBe(BASE + 0x40);
    expect(cpu.spsr).toBe(0x3c5);
    cpu.pstate = (F | 0b0101) >>> 0;
    expect(cpu.takeInterrupt('fiq')).toBe(false);
    expect(cpu.pc).toBe(BASE + 0x40);
    cpu.pstate = (D | A | F | 0b0101) >>> 0; // D and A do not mask IRQ
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.takeInterrupt('irq')).toBe(false); // masked by the entry itself
    expect(cpu.takeInterrupt('fiq')).toBe(false);
  });

  it('takes the 64-bit next-instruction address into ELR_EL1 and a VBAR_EL1 above 4 GiB', () => {
    const cpu = bareCpu();
    cpu.vbarHi = 0xffff;
    cpu.vbarLo = 0x0800_0800;
    cpu.pc = -0x1000; // 0xFFFF_FFFF_FFFF_F000: a kernel address
    cpu.pstate = 0b0101;
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect([cpu.elrLo, cpu.elrHi]).toEqual([0xffff_f000, 0xffff_ffff]);
    expect(cpu.pc).toBe(0xffff * 2 ** 32 + 0x0800_0a80);
  });
});

const have = oraclesAvailable('A64 interrupt programs', LLVM_MC);

/**
 * A vector table at offset 0 (VBAR = load address) whose IRQ/FIQ entries count in X7/X6 and
 * record ELR/SPSR in X20/X21, then `body` at 0x800.
 */
function program(body: string): string {
  return `
    .text
    .org 0x000
    b .
    .org 0x080
    b irq             // current EL with SP_EL0
    .org 0x100
    b fiq
    .org 0x200
    b .
    .org 0x280
    b irq             // current EL with SP_ELx
    .org 0x300
    b fiq
    .org 0x400
    b .
    .org 0x480
    b irq             // lower EL using AArch64
    .org 0x500
    b fiq
    .org 0x800
  start:
    ${body}
  irq:
    stp x0, x1, [sp, #-16]!
    mrs x20, elr_el1
    mrs x21, spsr_el1
    mov x22, sp
    mov x0, #0x55     // clobbered, restored below
    mov x1, #0x66
    add x7, x7, #1
    ldp x0, x1, [sp], #16
    eret
  fiq:
    add x6, x6, #1
    mrs x20, elr_el1
    eret
  `;
}

const LOOP = `
    mov x0, #0
    mov x1, #1000
    mov x2, #0
  loop:
    add x0, x0, #1
    add x2, x2, x0
    cmp x0, x1
    b.ne loop
    wfi
    hvc #${HALT_IMM}
  `;

function loaded(source: string, paged: boolean): A64Cpu {
  const words = assembleWords(source, 'a64');
  const memory = paged ? new PagedFlatMemory() : new FlatMemory();
  memory.load(BASE, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  let cpuRef: A64Cpu | null = null;
  const el2 = new StubEl2(() => cpuRef as A64Cpu);
  const cpu = new A64Cpu({ memory, el2 });
  cpuRef = cpu;
  cpu.vbarLo = BASE;
  cpu.setSpEl1(SP_EL1);
  cpu.setSpEl0(SP_EL0);
  cpu.pc = BASE + 0x800;
  return cpu;
}

/** Run in slices, offering `kind` after each one, until the program stops at WFI. */
function runWithInterrupts(cpu: A64Cpu, slice: number, kind: 'irq' | 'fiq'): number {
  let taken = 0;
  for (let rounds = 0; rounds < 100_000; rounds++) {
    cpu.run(slice);
    if (cpu.stopReason === 'wfi') return taken;
    if (cpu.stopReason !== 'budget') throw new Error(`stopped: ${cpu.stopReason} at PC 0x${cpu.pc.toString(16)}`);
    if (cpu.takeInterrupt(kind)) taken++;
  }
  throw new Error(`no WFI: PC 0x${cpu.pc.toString(16)}`);
}

describe.skipIf(!have)('A64 interrupted programs', () => {
  const starts = [
    { from: 'EL1h', pstate: 0b0101 },
    { from: 'EL1t', pstate: 0b0100 },
    { from: 'EL0', pstate: 0b0000 },
  ] as const;
  for (const paged of [false, true]) {
    const label = paged ? 'blocks (code pages)' : 'interpreter';
    for (const { from, pstate } of starts) {
      it(`a loop at ${from} interrupted every 37 instructions completes with its state intact (${label})`, () => {
        const cpu = loaded(program(LOOP), paged);
        cpu.pstate = pstate; // DAIF clear
        const taken = runWithInterrupts(cpu, 37, 'irq');
        expect(taken).toBeGreaterThan(50);
        expect(cpu.xLo(7)).toBe(taken);
        expect(cpu.x(0)).toBe(1000);
        expect(cpu.x(1)).toBe(1000);
        expect(cpu.x(2)).toBe(500500);
        expect(cpu.pstate & 0x3cf).toBe(pstate); // back at the same EL and SP, DAIF clear
        expect(cpu.xLo(21) & 0x3df).toBe(pstate); // SPSR_EL1: the interrupted EL, SP and DAIF
        expect(cpu.xLo(22)).toBe(SP_EL1 - 16); // the handler ran on SP_EL1
        expect(cpu.spEl1Lo).toBe(SP_EL1);
        expect(cpu.spEl0Lo).toBe(SP_EL0);
      });
    }

    it(`FIQs are taken at +0x100 and return by ERET (${label})`, () => {
      const cpu = loaded(program(LOOP), paged);
      cpu.pstate = 0b0101;
      const taken = runWithInterrupts(cpu, 41, 'fiq');
      expect(taken).toBeGreaterThan(50);
      expect(cpu.xLo(6)).toBe(taken);
      expect(cpu.xLo(7)).toBe(0);
      expect(cpu.x(2)).toBe(500500);
    });
  }

  it('ERET returns to the instruction the interrupt was taken before', () => {
    const cpu = loaded(program(LOOP), false);
    cpu.pstate = 0b0101;
    cpu.run(9);
    const next = cpu.pc;
    const x0 = cpu.x(0);
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.pc).toBe(BASE + 0x280);
    cpu.run(10); // b irq, then the 9-instruction handler
    expect(cpu.xLo(20)).toBe(next);
    expect(cpu.pc).toBe(next);
    expect(cpu.x(0)).toBe(x0);
    expect(cpu.daif).toBe(0);
  });

  it('a WFI that stopped the run has retired and PC is past it; the handler returns after it', () => {
    const cpu = loaded(
      program(`
        msr daifclr, #2
        mov x0, #1
        wfi
        mov x0, #2
        hvc #${HALT_IMM}
      `),
      false,
    );
    cpu.pstate = 0b0101 | ((D | A | I | F) >>> 0);
    cpu.run(100);
    expect(cpu.stopReason).toBe('wfi');
    expect(cpu.instructionsRetired).toBe(3);
    const afterWfi = BASE + 0x800 + 12;
    expect(cpu.pc).toBe(afterWfi);
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.elrLo).toBe(afterWfi);
    cpu.run(100);
    expect(cpu.stopReason).toBe('halted');
    expect(cpu.xLo(20)).toBe(afterWfi);
    expect(cpu.xLo(7)).toBe(1);
    expect(cpu.x(0)).toBe(2);
  });

  it('an interrupt before a pending PC alignment fault saves the misaligned target in ELR_EL1', () => {
    const cpu = loaded(program('br x3'), false);
    cpu.pstate = 0b0101;
    cpu.setX(3, BASE + 0x802);
    cpu.run(1);
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.elrLo).toBe(BASE + 0x802);
    expect(cpu.pc).toBe(BASE + 0x280);
    cpu.run(20); // the handler's ERET goes back to the misaligned target: now the fault is taken
    expect(cpu.pc).toBe(BASE + 0x200);
    expect(cpu.esr >>> 26).toBe(0x22); // PC alignment fault
    expect(cpu.elrLo).toBe(BASE + 0x802);
  });
});

describe.skipIf(!have)('A64 interrupt inputs (setInterruptLine)', () => {
  // The idle loop of a kernel: WFI with IRQs masked, then unmask, then mask again. An input that
  // is high when the unmask retires must be taken right there (D1.3.6), not at the end of a slice.
  const IDLE = `
        mov x0, #0
      idle:
        wfi
        msr daifclr, #2
        add x0, x0, #1
        msr daifset, #2
        cmp x0, #3
        b.ne idle
        hvc #${HALT_IMM}
      `;
  for (const paged of [false, true]) {
    const label = paged ? 'blocks (code pages)' : 'interpreter';
    it(`takes a high IRQ input right after MSR DAIFClr unmasks it, with ELR = the next instruction (${label})`, () => {
      const cpu = loaded(program(IDLE), paged);
      cpu.pstate = (0b0101 | I) >>> 0;
      cpu.setInterruptLine('irq', true);
      cpu.run(4);
      // mov, wfi (no wait: the input is high), msr daifclr, and the IRQ is taken before `add`.
      expect(cpu.stopReason).toBe('budget');
      expect(cpu.instructionsRetired).toBe(3);
      expect(cpu.pc).toBe(BASE + 0x280);
      expect(cpu.elrLo).toBe(BASE + 0x800 + 12);
      cpu.setInterruptLine('irq', false);
      cpu.run(1000);
      expect(cpu.stopReason).toBe('wfi');
      expect(cpu.xLo(7)).toBe(1);
      expect(cpu.x(0)).toBe(1);
    });
  }

  it('takes an input that rises while unmasked at the next instruction boundary; a masked one waits', () => {
    const cpu = loaded(program(LOOP), false);
    cpu.pstate = 0b0101;
    cpu.run(9);
    const next = cpu.pc;
    cpu.setInterruptLine('irq', true);
    cpu.run(1); // the boundary: IRQ entry, then (the step spent) nothing more
    expect(cpu.pc).toBe(BASE + 0x280);
    expect(cpu.elrLo).toBe(next);
    cpu.setInterruptLine('irq', false);

    const masked = loaded(program(LOOP), false);
    masked.pstate = (0b0101 | I) >>> 0;
    masked.setInterruptLine('irq', true);
    masked.run(20);
    expect(masked.xLo(7)).toBe(0);
    // An FIQ input with PSTATE.F clear is taken at once, ahead of a masked IRQ.
    masked.setInterruptLine('fiq', true);
    masked.run(1);
    expect(masked.pc).toBe(BASE + 0x300);
  });

  it('a WFI with an input high, masked or not, does not wait (D1.16.2)', () => {
    const cpu = loaded(program(IDLE), false);
    cpu.pstate = (0b0101 | I | F) >>> 0;
    cpu.setInterruptLine('fiq', true);
    cpu.run(3); // mov, wfi, msr daifclr #2 (FIQ still masked)
    expect(cpu.stopReason).toBe('budget');
    expect(cpu.instructionsRetired).toBe(3);
    expect(cpu.xLo(6)).toBe(0);
  });
});
