/**
 * IRQ and FIQ entry on the A32 executor (Arm ARM DDI 0487 G1.12 "Exception handling": IRQ and
 * FIQ exceptions, AArch32.EnterMode, ExcVectorBase with SCTLR.V and VBAR, SCTLR.TE/EE), taken by
 * `takeInterrupt` between runs, and WFI leaving the PC after itself so the handler returns past it.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu, Bank, Mode, Psr, type A32CpuOptions } from '../../src/exec/a32/index';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { assembleA32 } from '../a32/assemble';
import { LD_LLD, LLVM_MC, oraclesAvailable } from '../oracles/tools';

const CODE = 0x8000;
const VBAR = 0x4000;
const SCTLR_V = 1 << 13;
const SCTLR_EE = 1 << 25;
const SCTLR_TE = 1 << 30;
const NZCV_CZ = Psr.Z | Psr.C;

function bareCpu(options: Partial<A32CpuOptions> = {}): A32Cpu {
  const memory = new FlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]));
  const cpu = new A32Cpu({ memory, vbar: () => VBAR, ...options });
  cpu.cpsr = Mode.SVC | Psr.A | Psr.I | Psr.F;
  cpu.pc = CODE + 0x40;
  return cpu;
}

describe('A32 IRQ/FIQ entry (G1.12)', () => {
  it('IRQ from SVC with I clear: IRQ mode, LR_irq = next + 4, SPSR_irq = CPSR, I and A set, F unchanged, PC = VBAR + 0x18', () => {
    const cpu = bareCpu();
    cpu.writeBankedRegister(Bank.IRQ, 13, 0x3000);
    cpu.r[13] = 0x2000;
    cpu.r[14] = 0x1234;
    const before = NZCV_CZ | Mode.SVC; // A, I, F clear
    cpu.cpsr = before;
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.mode).toBe(Mode.IRQ);
    expect(cpu.r[14]).toBe(CODE + 0x44);
    expect(cpu.r[13]).toBe(0x3000); // IRQ's own SP
    expect(cpu.spsr(Mode.IRQ)).toBe(before);
    expect(cpu.cpsr & (Psr.I | Psr.A | Psr.F)).toBe(Psr.I | Psr.A);
    expect(cpu.cpsr >>> 28).toBe(NZCV_CZ >>> 28); // flags unchanged
    expect(cpu.pc).toBe(VBAR + 0x18);
    expect(cpu.readBankedRegister(Bank.SVC, 13)).toBe(0x2000);
    expect(cpu.readBankedRegister(Bank.SVC, 14)).toBe(0x1234);
  });

  it('F set stays set across IRQ entry; IRQ from User mode saves the User CPSR', () => {
    const cpu = bareCpu();
    cpu.cpsr = Mode.USR | Psr.F;
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.cpsr & (Psr.I | Psr.A | Psr.F)).toBe(Psr.I | Psr.A | Psr.F);
    expect(cpu.spsr(Mode.IRQ)).toBe(Mode.USR | Psr.F);
    expect(cpu.el).toBe(1);
  });

  it('SCTLR.V selects the high vectors: PC = 0xFFFF0018', () => {
    const cpu = bareCpu({ sctlr: () => SCTLR_V });
    cpu.cpsr = Mode.SVC;
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.pc).toBe(0xffff0018);
  });

  it('VBAR bits [4:0] are ignored (ExcVectorBase = VBAR[31:5])', () => {
    const cpu = bareCpu({ vbar: () => VBAR | 0x1f });
    cpu.cpsr = Mode.SVC;
    cpu.takeInterrupt('irq');
    expect(cpu.pc).toBe(VBAR + 0x18);
  });

  it('is masked by CPSR.I: nothing changes', () => {
    const cpu = bareCpu();
    cpu.cpsr = Mode.SVC | Psr.I;
    cpu.r[14] = 0x1234;
    expect(cpu.takeInterrupt('irq')).toBe(false);
    expect(cpu.mode).toBe(Mode.SVC);
    expect(cpu.pc).toBe(CODE + 0x40);
    expect(cpu.r[14]).toBe(0x1234);
    expect(cpu.spsr(Mode.IRQ)).toBe(0);
  });

  it('FIQ: FIQ mode with banked R8-R14, I, A and F set, PC = VBAR + 0x1C; masked by F only', () => {
    const cpu = bareCpu();
    for (let n = 8; n <= 14; n++) cpu.r[n] = 0x100 + n;
    cpu.writeBankedRegister(Bank.FIQ, 8, 0xf8);
    cpu.writeBankedRegister(Bank.FIQ, 13, 0xf000);
    cpu.cpsr = Mode.SVC | Psr.I; // IRQs masked, FIQs not
    expect(cpu.takeInterrupt('irq')).toBe(false);
    expect(cpu.takeInterrupt('fiq')).toBe(true);
    expect(cpu.mode).toBe(Mode.FIQ);
    expect(cpu.r[8]).toBe(0xf8);
    expect(cpu.r[13]).toBe(0xf000);
    expect(cpu.r[14]).toBe(CODE + 0x44);
    expect(cpu.spsr(Mode.FIQ)).toBe(Mode.SVC | Psr.I);
    expect(cpu.cpsr & (Psr.I | Psr.A | Psr.F)).toBe(Psr.I | Psr.A | Psr.F);
    expect(cpu.pc).toBe(VBAR + 0x1c);
    expect(cpu.readBankedRegister(Bank.SVC, 8)).toBe(0x108); // the other modes' R8 kept aside
    expect(cpu.takeInterrupt('fiq')).toBe(false);

    const masked = bareCpu();
    masked.cpsr = Mode.SVC | Psr.F;
    expect(masked.takeInterrupt('fiq')).toBe(false);
    expect(masked.mode).toBe(Mode.SVC);
  });

  it('SCTLR.TE enters the handler in T32 state and SCTLR.EE sets CPSR.E (AArch32.EnterMode)', () => {
    const cpu = bareCpu({ sctlr: () => SCTLR_TE | SCTLR_EE });
    cpu.cpsr = Mode.SVC;
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.cpsr & Psr.T).toBe(Psr.T);
    expect(cpu.cpsr & Psr.E).toBe(Psr.E);
    expect(cpu.pc).toBe(VBAR + 0x18);
    // The handler runs in T32 state: its first halfword (0x0000, MOVS r0, r0) is 2 bytes long.
    cpu.run(1);
    expect(cpu.pc).toBe(VBAR + 0x1a);
  });

  it('the explicit vectorBase option still overrides SCTLR.V and VBAR', () => {
    const cpu = bareCpu({ sctlr: () => SCTLR_V, vectorBase: () => 0x100 });
    cpu.cpsr = Mode.SVC;
    cpu.takeInterrupt('irq');
    expect(cpu.pc).toBe(0x118);
  });
});

const have = oraclesAvailable('A32 interrupt programs', LLVM_MC, LD_LLD);

/** Vectors at CODE (VBAR = CODE), then `body` from `start`, then the handlers. */
function program(body: string): string {
  return `
    b start           @ 0x00
    b .               @ 0x04 undefined
    b .               @ 0x08 SVC
    b .               @ 0x0c prefetch abort
    b .               @ 0x10 data abort
    b .               @ 0x14
    b irq             @ 0x18
    b fiq             @ 0x1c
  start:
    ${body}
  irq:
    push {r0, r1}
    mrs r1, spsr
    mov r8, r1        @ SPSR_irq as the handler saw it
    mov r9, lr
    mov r0, #0x55     @ clobber, restored below
    add r7, r7, #1
    pop {r0, r1}
    subs pc, lr, #4
  fiq:
    mov r8, #0xf8     @ FIQ's own R8: the interrupted R8 is untouched
    add r6, r6, #1
    subs pc, lr, #4
  `;
}

const LOOP = `
    mov r0, #0
    mov r1, #1000
    mov r2, #0
    cpsie if
  loop:
    add r0, r0, #1
    add r2, r2, r0
    cmp r0, r1
    bne loop
    wfi
  `;

function loaded(source: string, paged: boolean): A32Cpu {
  const physical = new PhysicalMemory([{ base: 0, size: 1 << 20 }]);
  const memory = paged ? new PagedFlatMemory(physical) : new FlatMemory(physical);
  memory.load(CODE, assembleA32(source, CODE));
  const cpu = new A32Cpu({ memory, vbar: () => CODE });
  cpu.cpsr = Mode.SVC | Psr.A | Psr.I | Psr.F;
  cpu.r[13] = 0x20000;
  cpu.writeBankedRegister(Bank.IRQ, 13, 0x30000);
  cpu.pc = CODE;
  return cpu;
}

/** Run in slices of `slice`, offering `kind` after each one, until the program stops at WFI. */
function runWithInterrupts(cpu: A32Cpu, slice: number, kind: 'irq' | 'fiq'): number {
  let taken = 0;
  for (let rounds = 0; rounds < 100_000; rounds++) {
    cpu.run(slice);
    if (cpu.stopReason === 'wfi') return taken;
    if (cpu.takeInterrupt(kind)) taken++;
  }
  throw new Error(`no WFI: PC 0x${cpu.pc.toString(16)}`);
}

describe.skipIf(!have)('A32 interrupted programs', () => {
  for (const paged of [false, true]) {
    const label = paged ? 'blocks (code pages)' : 'interpreter';
    it(`a loop interrupted every 37 instructions completes with its state intact (${label})`, () => {
      const cpu = loaded(program(LOOP), paged);
      const taken = runWithInterrupts(cpu, 37, 'irq');
      expect(taken).toBeGreaterThan(50);
      expect(cpu.r[7]).toBe(taken);
      expect(cpu.r[0]).toBe(1000);
      expect(cpu.r[2]).toBe(500500);
      expect(cpu.mode).toBe(Mode.SVC);
      expect(cpu.cpsr & (Psr.I | Psr.F)).toBe(0);
      expect(cpu.r[13]).toBe(0x20000);
      expect(cpu.readBankedRegister(Bank.IRQ, 13)).toBe(0x30000); // push/pop balanced
      expect(cpu.r[8] & 0x1f).toBe(Mode.SVC); // SPSR_irq held the interrupted SVC CPSR
    });

    it(`FIQs leave the interrupted R8 alone (${label})`, () => {
      const cpu = loaded(program(`mov r8, #0x88\n${LOOP}`), paged);
      const taken = runWithInterrupts(cpu, 41, 'fiq');
      expect(taken).toBeGreaterThan(50);
      expect(cpu.r[6]).toBe(taken); // R0-R7 are shared with FIQ mode
      expect(cpu.readBankedRegister(Bank.FIQ, 8)).toBe(0xf8);
      expect(cpu.r[8]).toBe(0x88);
      expect(cpu.r[2]).toBe(500500);
    });
  }

  it('returns to the interrupted instruction: LR_irq - 4 is where the run stopped', () => {
    const cpu = loaded(program(LOOP), false);
    cpu.run(10); // b start, 4 set-up instructions, then 5 of the loop
    const next = cpu.pc;
    const r0 = cpu.r[0];
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.pc).toBe(CODE + 0x18);
    cpu.run(9); // b irq, then the 8-instruction handler
    expect(cpu.r[9]).toBe(next + 4);
    expect(cpu.pc).toBe(next);
    expect(cpu.r[0]).toBe(r0);
    expect(cpu.mode).toBe(Mode.SVC);
  });

  it('a WFI that stopped the run has retired and PC is past it; the IRQ handler returns after it', () => {
    const cpu = loaded(
      program(`
        cpsie i
        mov r0, #1
        wfi
        mov r0, #2
        wfi
      `),
      false,
    );
    cpu.run(100);
    expect(cpu.stopReason).toBe('wfi');
    expect(cpu.instructionsRetired).toBe(4); // b start, cpsie, mov, wfi
    const afterWfi = CODE + 0x20 + 12;
    expect(cpu.pc).toBe(afterWfi);
    expect(cpu.takeInterrupt('irq')).toBe(true);
    expect(cpu.r[14]).toBe(afterWfi + 4);
    cpu.run(100);
    expect(cpu.stopReason).toBe('wfi');
    expect(cpu.r[9]).toBe(afterWfi + 4);
    expect(cpu.r[7]).toBe(1);
    expect(cpu.r[0]).toBe(2);
    expect(cpu.pc).toBe(afterWfi + 8);
    expect(cpu.mode).toBe(Mode.SVC);
  });
});

describe.skipIf(!have)('A32 interrupt inputs (setInterruptLine)', () => {
  // A kernel's idle loop: WFI with IRQs masked, unmask, count, mask again. An input that is high
  // when CPSIE retires is taken right after it, not at the end of a slice (G1.12).
  const IDLE = `
        mov r0, #0
      idle:
        wfi
        cpsie i
        add r0, r0, #1
        cpsid i
        cmp r0, #3
        bne idle
        wfi
      `;
  for (const paged of [false, true]) {
    const label = paged ? 'blocks (code pages)' : 'interpreter';
    it(`takes a high IRQ input right after CPSIE unmasks it, LR_irq = the next instruction + 4 (${label})`, () => {
      const cpu = loaded(program(IDLE), paged);
      cpu.setInterruptLine('irq', true);
      cpu.run(4); // b start, mov, wfi (no wait: the input is high), cpsie
      expect(cpu.stopReason).toBe('budget');
      expect(cpu.pc).toBe(CODE + 0x20 + 12);
      cpu.run(1); // the boundary after CPSIE: IRQ entry, then the vector's `b irq`
      expect(cpu.mode).toBe(Mode.IRQ);
      expect(cpu.r[14]).toBe(CODE + 0x20 + 12 + 4);
      expect(cpu.r[0]).toBe(0);
      cpu.setInterruptLine('irq', false);
      cpu.run(1000);
      expect(cpu.stopReason).toBe('wfi');
      expect(cpu.r[7]).toBe(1);
      expect(cpu.r[0]).toBe(1); // back in the idle loop's WFI, with the input low
    });
  }

  it('leaves a masked input pending; an unmasked FIQ input is taken first', () => {
    const cpu = loaded(program(LOOP.replace('cpsie if', 'cpsie f')), false);
    cpu.setInterruptLine('irq', true);
    cpu.run(30);
    expect(cpu.r[7]).toBe(0);
    cpu.setInterruptLine('fiq', true);
    const next = cpu.pc;
    cpu.run(1); // FIQ entry, then the vector's `b fiq`
    expect(cpu.mode).toBe(Mode.FIQ);
    expect(cpu.r[14]).toBe(next + 4);
    expect(cpu.r[7]).toBe(0);
  });
});
