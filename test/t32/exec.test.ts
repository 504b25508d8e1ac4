/**
 * The T32 executor's control flow and system behaviour, which the QEMU user-mode differential
 * (test/diff/t32-exec.test.ts) cannot reach: IT blocks, CBZ/TBB, Align(PC, 4), interworking,
 * exception entry with SCTLR.TE and return to T32, SVC/UNDEFINED return addresses, and traps to
 * EL2 from T32 with their syndromes (IL, CV/COND from ITSTATE).
 */
import { describe, expect, it } from 'vitest';
import { Mode, Psr } from '../../src/exec/a32/index';
import { HCR } from '../../src/exec/el2-gate';
import { decodeSyndrome } from '../../src/exec/syndrome/decode';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import type { SystemPort } from '../../src/exec/system-port';
import { fixture, RecordingEl2, CODE } from '../a32/harness';
import type { A32CpuOptions } from '../../src/exec/a32/index';
import { llvmAvailable } from '../a32/llvm-disasm';
import { MemoryAbort } from '../../src/mmu/fault';

const hasLlvm = llvmAvailable();
const SCTLR_TE = 1 << 30;

/** A T32 program at CODE, run in SVC mode with CPSR.T set. */
function thumb(source: string, options: Partial<A32CpuOptions> = {}) {
  const f = fixture(`.thumb\n${source}`, options);
  f.cpu.cpsr = Mode.SVC | Psr.A | Psr.I | Psr.F | Psr.T;
  return f;
}

describe.skipIf(!hasLlvm)('T32 execution', () => {
  it('runs an IT block: then/else instructions under the block condition, 16-bit ones without setting flags', () => {
    const { cpu } = thumb('movs r0, #0\ncmp r0, #0\nite eq\naddeq r1, r0, #5\nmovne r1, #9\nadds r2, r1, #1\nwfi');
    cpu.run(20);
    expect(cpu.stopReason).toBe('wfi');
    expect([cpu.r[1], cpu.r[2], cpu.itState]).toEqual([5, 6, 0]);
    // ADDEQ inside the block did not set flags: Z is still the CMP's.
    expect((cpu.cpsr >>> 30) & 1).toBe(0); // ADDS r2 (outside) cleared Z
  });

  it('CBZ/CBNZ branch on zero/non-zero, TBB and TBH index a table of forward offsets', () => {
    const { cpu } = thumb(`
      movs r0, #0
      cbz r0, 1f
      movs r5, #99
1:    movs r1, #2
      tbb [pc, r1]
table: .byte 2, 3, 4, 5
      movs r6, #1
      movs r6, #2
      movs r6, #3
      cbnz r1, 2f
      nop
2:    wfi`);
    cpu.run(30);
    expect(cpu.stopReason).toBe('wfi');
    // TBB [pc, r1] reads entry 2 (4): PC (table address) + 8 skips to the third MOVS.
    expect([cpu.r[5], cpu.r[6]]).toEqual([0, 3]);
  });

  it('LDR (literal) and ADR use Align(PC, 4); a 16-bit instruction at a halfword boundary sees the same base', () => {
    const { cpu } = thumb('nop\nldr r0, lit\nadr r1, lit\nldr r2, lit\nwfi\nnop\n.balign 4\nlit: .word 0x12345678');
    cpu.run(10);
    expect(cpu.r[0]).toBe(0x12345678);
    expect(cpu.r[2]).toBe(0x12345678);
    expect(cpu.r[1]).toBe(CODE + 12);
  });

  it('BL keeps LR | 1, BX LR returns to T32; BLX enters A32 and BX LR comes back', () => {
    const { cpu } = thumb(`
      bl f
      blx g
      wfi
f:    movs r0, #1
      bx lr
.arm
.balign 4
g:    mov r1, #2
      bx lr`);
    cpu.run(20);
    expect(cpu.stopReason).toBe('wfi');
    expect([cpu.r[0], cpu.r[1], cpu.cpsr & Psr.T]).toEqual([1, 2, Psr.T]);
  });

  it('a load to PC interworks (POP {pc} with bit 0 clear enters A32)', () => {
    const { cpu } = thumb('adr r0, a32code\npush {r0}\npop {pc}\n.arm\n.balign 4\na32code: mov r3, #7\nwfi');
    cpu.run(10);
    expect([cpu.r[3], cpu.cpsr & Psr.T]).toEqual([7, 0]);
  });

  it('SVC from T32: LR = next instruction, SPSR.T set; with SCTLR.TE the handler runs in T32 and SUBS PC, LR returns into the IT block', () => {
    const vbar = 0x9000;
    const f = fixture(
      '.thumb\nmovs r0, #1\ncmp r0, #1\nitt eq\nsvceq #3\naddeq r4, r4, #1\nwfi\n' +
        `.org ${vbar + 8 - CODE}\nadds r6, r6, #1\nsubs pc, lr, #0`,
      { sctlr: () => SCTLR_TE, vbar: () => vbar },
    );
    const { cpu } = f;
    cpu.cpsr = Mode.SVC | Psr.T;
    cpu.run(30);
    expect(cpu.stopReason).toBe('wfi');
    // The handler ran (T32, at VBAR + 8), returned to the ADDEQ with ITSTATE advanced past the SVC.
    expect([cpu.r[6], cpu.r[4], cpu.cpsr & Psr.T, cpu.itState]).toEqual([1, 1, Psr.T, 0]);
    expect(cpu.r[14]).toBe(CODE + 8); // LR_svc: the instruction after the 16-bit SVC (movs, cmp, it, svc)
  });

  it('UNDEFINED from T32: LR = the instruction + 2 (AArch32.TakeUndefInstrException)', () => {
    const { cpu } = thumb('nop\nudf #1');
    cpu.run(2);
    expect(cpu.mode).toBe(Mode.UND);
    expect(cpu.r[14]).toBe(CODE + 4);
    expect(cpu.spsr() & Psr.T).toBe(Psr.T);
  });

  it('LDREX/STREX with an offset', () => {
    const { cpu, memory } = thumb('ldrex r1, [r0, #8]\nadds r1, #1\nstrex r2, r1, [r0, #8]\nwfi');
    cpu.r[0] = 0x10000;
    memory.physical.write32(0x10008, 41);
    cpu.run(10);
    expect([cpu.r[2], memory.physical.read32(0x10008)]).toEqual([0, 42]);
  });
});

/** A SystemPort that records set/way operations and ignores the rest. */
function recordingPort(ops: string[]): SystemPort {
  return {
    cacheId: { clidr: () => 0x0a200023, ccsidr: () => 0x701fe01a, ctr: () => 0x8444c004 },
    dataCacheSetWay: (op, operand) => ops.push(`${op} 0x${operand.toString(16)}`),
    dataCacheByVa: () => {},
    instructionCache: () => {},
    tlbInvalidate: () => {},
    translationControlChanged: () => {},
  };
}

describe.skipIf(!hasLlvm)('T32 traps to EL2 and their syndromes', () => {
  it('a 16-bit WFI in an IT block traps with IL = 0, CV = 1 and COND from ITSTATE; 32-bit WFI.W outside with IL = 1, COND = AL', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TWI;
    const { cpu } = thumb('movs r0, #0\ncmp r0, #0\nit eq\nwfieq\nwfi.w\nmovs r1, #1\nbkpt #0', { el2 });
    cpu.exceptionPolicy = 'stop';
    expect(() => cpu.run(20)).toThrow(/breakpoint/);
    const s = el2.traps.map((t) => decodeSyndrome(t.esr >>> 0));
    expect(s.map((x) => [x.ec, x.il, x.kind === 'wfx' ? [x.cv, x.cond] : null])).toEqual([
      [0x01, 0, [true, 0x0]],
      [0x01, 1, [true, 0xe]],
    ]);
    expect(cpu.r[1]).toBe(1);
  });

  it('DCISW/DCCSW/DCCISW from T32 trap under HCR.TSW with the A32 syndrome (EC 0x03, IL = 1), and the policy sees the operands', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TSW;
    const ops: string[] = [];
    const system = new SystemRegisters({ port: recordingPort(ops), el2, aarch64: false });
    const { cpu } = thumb('movs r0, #0x40\nmcr p15, 0, r0, c7, c6, 2\nmcr p15, 0, r0, c7, c10, 2\nmcr p15, 0, r0, c7, c14, 2\nwfi', { el2, system });
    cpu.run(20);
    expect(cpu.stopReason).toBe('wfi');
    const s = el2.traps.map((t) => decodeSyndrome(t.esr >>> 0));
    expect(s.map((x) => [x.ec, x.il, x.kind === 'coproc' ? [x.access.crm, x.access.opc2, x.access.rt, x.cv, x.cond] : null])).toEqual([
      [0x03, 1, [6, 2, 0, true, 0xe]],
      [0x03, 1, [10, 2, 0, true, 0xe]],
      [0x03, 1, [14, 2, 0, true, 0xe]],
    ]);
    // Without TSW the operations reach the caches directly.
    const direct = thumb('movs r0, #0x40\nmcr p15, 0, r0, c7, c14, 2\nwfi', { system: new SystemRegisters({ port: recordingPort(ops), el2: new RecordingEl2(), aarch64: false }) });
    direct.cpu.run(10);
    expect(ops).toEqual(['cisw 0x40']);
  });
});

describe.skipIf(!hasLlvm)('T32 set/way traps inside an IT block', () => {
  it('DCCISW under ITT NE traps with CV = 1, COND = NE; the skipped trap advances ITSTATE to the second instruction', () => {
    const el2 = new RecordingEl2();
    el2.hcr = HCR.TSW;
    const system = new SystemRegisters({ port: recordingPort([]), el2, aarch64: false });
    const { cpu } = thumb('movs r0, #1\ncmp r0, #0\nitt ne\nmcrne p15, 0, r0, c7, c14, 2\naddne r1, r0, #4\nwfi', { el2, system });
    cpu.run(20);
    expect(cpu.stopReason).toBe('wfi');
    const s = decodeSyndrome(el2.traps[0].esr >>> 0);
    expect([s.ec, s.il, s.kind === 'coproc' ? [s.cv, s.cond] : null]).toEqual([0x03, 1, [true, 0x1]]);
    expect([cpu.r[1], cpu.itState]).toEqual([5, 0]);
  });
});

describe.skipIf(!hasLlvm)('T32 data aborts to EL2', () => {
  it('a stage-2 data abort from a 16-bit LDR has ISV = 1 and IL = 0; from LDR.W, IL = 1', () => {
    const el2 = new RecordingEl2();
    const { cpu, memory } = thumb('ldr r2, [r1]\nldr.w r3, [r1, #4]\nwfi', { el2 });
    const faulting = new Set([0x61000, 0x61004]);
    const real = memory.read32.bind(memory);
    memory.read32 = (va) => {
      if (faulting.has(va)) throw new MemoryAbort({ kind: 'translation', stage: 2, level: 3, access: 'read', va, ipa: va, s1ptw: false });
      return real(va);
    };
    cpu.r[1] = 0x61000;
    // The handler "maps" the page and returns without skipping: the load is retried.
    el2.onTrap = (_v, esr) => faulting.delete(((esr >>> 16) & 15) === 2 ? 0x61000 : 0x61004);
    cpu.run(10);
    expect(el2.traps.map((t) => t.esr >>> 0)).toEqual([0x91820007, 0x93830007]);
    expect(cpu.stopReason).toBe('wfi');
  });
});
