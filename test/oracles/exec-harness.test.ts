import { describe, expect, it } from 'vitest';
import { runInQemu, SCRATCH_ADDRESS, SCRATCH_SIZE, type ExecCase } from './exec-harness';
import { assembleWords } from './llvm-mc';
import { LD_LLD, LLVM_MC, QEMU_AARCH64, QEMU_ARM, oraclesAvailable } from './tools';

const have = oraclesAvailable('QEMU user-mode batch harness', LLVM_MC, LD_LLD, QEMU_ARM, QEMU_AARCH64);

function a32Case(source: string, set: Record<number, number>, cpsr: number): ExecCase {
  const regs = new Uint32Array(15);
  for (const [r, v] of Object.entries(set)) regs[Number(r)] = v;
  const scratch = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < SCRATCH_SIZE; i++) scratch[i] = i & 0xff;
  return { code: assembleWords(source, 'a32'), initial: { regs, flags: cpsr, scratch } };
}

describe.skipIf(!have)('QEMU user-mode batch harness', () => {
  it('runs A32 sequences from loaded state and returns registers, flags and scratch', () => {
    const ok = a32Case('adds r0, r1, r2\nqadd r4, r1, r1\nsel r5, r1, r2\nstr r0, [r8, #4]\nldrb r3, [r8, #9]', { 1: 0x7fffffff, 2: 1, 8: SCRATCH_ADDRESS, 13: 0x1234, 14: 0x5678 }, 0x000f0000);
    const faults = a32Case('nop\nldr r0, [r1, #16]', { 1: 0x1230 }, 0);
    const undef = a32Case('udf #7', {}, 0);
    const [a, b, c, d] = runInQemu('a32', [ok, faults, ok, undef]);
    // Faults are caught by the harness's handler; the next sequence runs from its own clean state.
    expect(b.kind === 'crashed' && b.detail).toMatch(/SIGSEGV/);
    expect(d.kind === 'crashed' && d.detail).toMatch(/SIGILL/);
    // The fault record: si_addr is the data address (SIGSEGV) or the instruction (SIGILL); the PC the faulting instruction.
    if (b.kind !== 'crashed' || d.kind !== 'crashed') throw new Error('expected faults');
    expect([b.signal, b.faultAddress, b.faultPc]).toEqual([11, 0x1240n, BigInt(b.codeAddress + 4)]);
    expect([d.signal, d.faultAddress, d.faultPc]).toEqual([4, BigInt(d.codeAddress), BigInt(d.codeAddress)]);
    for (const o of [a, c]) {
      if (o.kind !== 'done') throw new Error(o.detail);
      // 0x7fffffff + 1 overflows: N and V set; QADD saturates: Q set; GE=0b1111 kept, so SEL picks r1.
      expect(Array.from(o.final.regs.subarray(0, 6))).toEqual([0x80000000, 0x7fffffff, 1, 9, 0x7fffffff, 0x7fffffff]);
      expect(o.final.regs[13]).toBe(0x1234);
      expect(o.final.regs[14]).toBe(0x5678);
      expect((o.final.flags & 0xf80f0000) >>> 0).toBe(0x980f0000);
      expect(Array.from(o.final.scratch.subarray(0, 12))).toEqual([0, 1, 2, 3, 0, 0, 0, 0x80, 8, 9, 10, 11]);
    }
    expect(a.codeAddress).toBeGreaterThan(0);
  });

  it('runs A64 sequences, including SP and the W forms', () => {
    const regs = new Uint32Array(64);
    regs[2] = 0xffffffff; // x1 low
    regs[4] = 1; // x2
    regs[16] = SCRATCH_ADDRESS; // x8
    regs[62] = 0x1000; // sp
    const code = assembleWords('adds w0, w1, w2\nstr x0, [x8, #8]\nsub sp, sp, #16\nmovn x30, #0\nadds x3, x30, x30', 'a64');
    const fault = assembleWords('nop\nldr x0, [x9, #8]\nmov sp, x9', 'a64');
    const [f, o] = runInQemu('a64', [
      { code: fault, initial: { regs: new Uint32Array(64), flags: 0, scratch: new Uint8Array(SCRATCH_SIZE) } },
      { code, initial: { regs, flags: 0, scratch: new Uint8Array(SCRATCH_SIZE) } },
    ]);
    expect(f.kind === 'crashed' && f.detail).toMatch(/SIGSEGV/);
    if (f.kind !== 'crashed') throw new Error('expected a fault');
    expect([f.signal, f.faultAddress, f.faultPc]).toEqual([11, 0x8n, BigInt(f.codeAddress + 4)]);
    if (o.kind !== 'done') throw new Error(o.detail);
    expect([o.final.regs[0], o.final.regs[1]]).toEqual([0, 0]);
    expect([o.final.regs[6], o.final.regs[7]]).toEqual([0xfffffffe, 0xffffffff]);
    expect([o.final.regs[60], o.final.regs[61]]).toEqual([0xffffffff, 0xffffffff]);
    expect(o.final.regs[62]).toBe(0xff0);
    // -1 + -1 = -2 with carry: N and C.
    expect(o.final.flags >>> 0).toBe(0xa0000000);
    expect(Array.from(o.final.scratch.subarray(8, 16))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects malformed cases with a RangeError before building anything', () => {
    expect(() => runInQemu('a32', [{ code: new Uint32Array(1), initial: { regs: new Uint32Array(3), flags: 0, scratch: new Uint8Array(SCRATCH_SIZE) } }])).toThrow(/15 register words/);
  });
});
