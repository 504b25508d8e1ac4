import { describe, expect, it } from 'vitest';
import { assemble } from './llvm-mc';
import { parseCpuLog, runSystemTrace } from './qemu-system';
import { LLVM_MC, OracleError, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, oraclesAvailable } from './tools';

const have = oraclesAvailable('QEMU system-mode trace harness', LLVM_MC, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

describe.skipIf(!have)('QEMU system-mode traces', () => {
  it('traces an A32 image from flash at 0, one state per instruction, until it branches to itself', async () => {
    const image = assemble('mov r0, #1\nadds r1, r0, #2\nmrc p15, 1, r2, c0, c0, 1\nsubs r3, r0, #1\n1: b 1b', 'a32');
    const t = await runSystemTrace({ isa: 'a32', image });
    expect(t.ended).toBe('self-loop');
    expect(t.states.map((s) => s.pc)).toEqual([0, 4, 8, 12, 16]);
    expect(t.states[1].regs[0]).toBe(1);
    expect(t.states[2].regs[1]).toBe(3);
    // Reset state: SVC mode (0x13) with A, I, F masked (Arm ARM G1 "Reset"); after SUBS to zero, Z and C.
    expect(t.states[0].psr & 0x1ff).toBe(0x1d3);
    expect(t.states[4].psr >>> 28).toBe(0b0110);
    // CLIDR as QEMU's Cortex-A15 reports it: split L1, unified L2, LoUIS 1, LoC 2.
    expect(t.states[3].regs[2]).toBe(0x0a200023);
  });

  it('traces an A64 image, with 64-bit registers as halves', async () => {
    const image = assemble('movn x0, #0\nadds x1, x0, #2\nmrs x2, clidr_el1\nb .', 'a64');
    const t = await runSystemTrace({ isa: 'a64', image, maxInstructions: 100 });
    expect(t.states.map((s) => s.pc)).toEqual([0, 4, 8, 12]);
    expect([t.states[1].regs[0], t.states[1].regs[1]]).toEqual([0xffffffff, 0xffffffff]);
    expect([t.states[2].regs[2], t.states[2].regs[3]]).toEqual([1, 0]);
    expect(t.states[0].psr & 0xf).toBe(0b0101); // EL1h
  });

  it('stops at the instruction bound', async () => {
    const image = assemble('1: add r0, r0, #1\nb 1b', 'a32');
    const t = await runSystemTrace({ isa: 'a32', image, maxInstructions: 50 });
    expect(t.ended).toBe('max-instructions');
    expect(t.states.length).toBe(50);
    expect(t.states[49].regs[0]).toBe(25);
  });
});

describe('CPU log parser', () => {
  it('keeps incomplete records for later and rejects records with missing registers', () => {
    const rec = 'Trace 0: 0x1 [0/0/0/0]\nR00=00000001 R01=00000000 R02=00000000 R03=00000000\nR04=00000000 R05=00000000 R06=00000000 R07=00000000\nR08=00000000 R09=00000000 R10=00000000 R11=00000000\nR12=00000000 R13=00000000 R14=00000000 R15=00000008\nPSR=400001d3 -Z-- A svc32\n';
    const partial = rec + 'Trace 0: 0x1 [0/0/0/0]\nR00=00000002';
    const p = parseCpuLog('a32', partial);
    expect(p.states.length).toBe(1);
    expect(p.states[0].pc).toBe(8);
    expect(p.consumed).toBe(rec.length);
    const broken = rec.replace('R07=00000000\n', '\n');
    expect(() => parseCpuLog('a32', broken)).toThrow(OracleError);
  });
});
