/**
 * Small programs assembled with llvm-mc, run to their final `hvc #0xdead`, results checked
 * against values computed here independently (BigInt arithmetic in the test).
 */
import { describe, expect, it } from 'vitest';
import { AccessOutcome } from '../../src/exec/system-instructions';
import type { SysAccess } from '../../src/decode/system-access';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { machine, runToHalt, xBig } from './harness';

const have = oraclesAvailable('A64 program tests', LLVM_MC);
const M64 = (1n << 64n) - 1n;

describe.skipIf(!have)('A64 programs', () => {
  it('sums 1..1000 and computes fib(90) with 64-bit adds', () => {
    const m = machine(`
      mov x0, #0
      mov x1, #1000
    1: add x0, x0, x1
      subs x1, x1, #1
      b.ne 1b
      mov x2, #0
      mov x3, #1
      mov x4, #90
    2: add x5, x2, x3
      mov x2, x3
      mov x3, x5
      sub x4, x4, #1
      cbnz x4, 2b
      hvc #0xdead
    `);
    runToHalt(m);
    expect(xBig(m.cpu, 0)).toBe(500500n);
    let a = 0n;
    let b = 1n;
    for (let k = 0; k < 90; k++) [a, b] = [b, a + b];
    expect(xBig(m.cpu, 2)).toBe(a);
  });

  it('copies and checksums a buffer with post-indexed LDP/STP and LDRB', () => {
    const m = machine(`
      movz x0, #0x3, lsl #16     // source 0x30000
      movz x1, #0x4, lsl #16     // destination 0x40000
      mov x2, #32                // 32 x 16 bytes
    1: ldp x3, x4, [x0], #16
      stp x3, x4, [x1], #16
      subs x2, x2, #1
      b.ne 1b
      movz x1, #0x4, lsl #16
      mov x5, #0
      mov x6, #512
    2: ldrb w7, [x1], #1
      add x5, x5, x7
      eor x5, x5, x5, lsl #7
      subs x6, x6, #1
      b.gt 2b
      hvc #0xdead
    `);
    const bytes = new Uint8Array(512);
    for (let k = 0; k < 512; k++) bytes[k] = (k * 37 + 11) & 0xff;
    m.memory.load(0x30000, bytes);
    runToHalt(m);
    let sum = 0n;
    for (let k = 0; k < 512; k++) {
      sum = (sum + BigInt(bytes[k])) & M64;
      sum = (sum ^ (sum << 7n)) & M64;
    }
    expect(xBig(m.cpu, 5)).toBe(sum);
    expect(m.memory.physical.read32(0x401fc)).toBe(m.memory.physical.read32(0x301fc));
  });

  it('multiplies, divides and shifts like 64-bit BigInt arithmetic', () => {
    const m = machine(`
      movz x0, #0xfedc, lsl #48
      movk x0, #0xba98, lsl #32
      movk x0, #0x7654, lsl #16
      movk x0, #0x3210
      movz x1, #0x1234, lsl #32
      movk x1, #0x5679
      mul x2, x0, x1
      umulh x3, x0, x1
      smulh x4, x0, x1
      udiv x5, x0, x1
      sdiv x6, x0, x1
      msub x7, x5, x1, x0        // remainder
      ror x8, x0, #13
      asr x9, x0, #7
      clz x10, x1
      cls x11, x0
      smull x12, w0, w1
      umaddl x13, w0, w1, x0
      hvc #0xdead
    `);
    runToHalt(m);
    const a = 0xfedcba9876543210n;
    const b = 0x0000123400005679n;
    const s = (v: bigint) => BigInt.asIntN(64, v);
    const u = (v: bigint) => BigInt.asUintN(64, v);
    expect(xBig(m.cpu, 2)).toBe(u(a * b));
    expect(xBig(m.cpu, 3)).toBe((a * b) >> 64n);
    expect(xBig(m.cpu, 4)).toBe(u((s(a) * s(b)) >> 64n));
    expect(xBig(m.cpu, 5)).toBe(a / b);
    expect(xBig(m.cpu, 6)).toBe(u(s(a) / s(b)));
    expect(xBig(m.cpu, 7)).toBe(a % b);
    expect(xBig(m.cpu, 8)).toBe(u((a >> 13n) | (a << 51n)));
    expect(xBig(m.cpu, 9)).toBe(u(s(a) >> 7n));
    expect(xBig(m.cpu, 10)).toBe(19n);
    expect(xBig(m.cpu, 11)).toBe(6n);
    const w0 = BigInt.asIntN(32, a & 0xffffffffn);
    const w1 = BigInt.asIntN(32, b & 0xffffffffn);
    expect(xBig(m.cpu, 12)).toBe(u(w0 * w1));
    expect(xBig(m.cpu, 13)).toBe(u((a & 0xffffffffn) * (b & 0xffffffffn) + a));
  });

  it('runs a set/way clean+invalidate loop (the U-Boot/Linux shape) and sends every DC CISW to the model', () => {
    // CLIDR 0x0A200023 (split L1, unified L2, LoC 2); L1 D: 32 KiB 4-way 64 B lines (128 sets);
    // L2: 512 KiB 16-way 64 B lines (512 sets). CCSIDR = (sets-1)<<13 | (ways-1)<<3 | (log2(line)-4).
    const CCSIDR = [(127 << 13) | (3 << 3) | 2, (511 << 13) | (15 << 3) | 2];
    let csselr = 0;
    const ops: number[] = [];
    const system = {
      coproc: () => AccessOutcome.Undefined,
      sys: (a: SysAccess, ctx: { readRegister(n: number): number; writeRegister(n: number, lo: number, hi?: number): void }) => {
        if (a.op0 === 3 && a.op1 === 1 && a.crn === 0 && a.op2 === 1) ctx.writeRegister(a.rt, 0x0a200023);
        else if (a.op0 === 3 && a.op1 === 2 && a.crn === 0) csselr = ctx.readRegister(a.rt);
        else if (a.op0 === 3 && a.op1 === 1 && a.crn === 0 && a.op2 === 0) ctx.writeRegister(a.rt, CCSIDR[csselr >>> 1]);
        else if (a.op0 === 1 && a.crn === 7 && a.crm === 14 && a.op2 === 2) ops.push(ctx.readRegister(a.rt));
        return AccessOutcome.Done;
      },
    };
    const m = machine(
      `
      mrs x0, clidr_el1
      and w3, w0, #0x07000000    // LoC
      lsr w3, w3, #23            // LoC * 2
      cbz w3, finished
      mov w10, #0                // level * 2
    level:
      add w2, w10, w10, lsr #1   // 3 * level
      lsr w1, w0, w2
      and w1, w1, #7             // Ctype
      cmp w1, #2
      b.lt skip                  // no data cache at this level
      msr csselr_el1, x10
      isb
      mrs x1, ccsidr_el1
      and w2, w1, #7
      add w2, w2, #4             // log2(line)
      ubfx w4, w1, #3, #10       // ways - 1
      clz w5, w4                 // way shift
      ubfx w7, w1, #13, #15      // sets - 1
    set:
      mov w9, w4
    way:
      lsl w6, w9, w5
      orr w11, w10, w6
      lsl w6, w7, w2
      orr w11, w11, w6
      dc cisw, x11
      subs w9, w9, #1
      b.ge way
      subs w7, w7, #1
      b.ge set
    skip:
      add w10, w10, #2
      cmp w3, w10
      b.gt level
    finished:
      dsb sy
      isb
      hvc #0xdead
    `,
      system,
    );
    runToHalt(m);
    expect(ops.length).toBe(128 * 4 + 512 * 16);
    // Level 1 (level field 0), way 3 (bits [31:30]), set 127 (bits [12:6]) comes first.
    expect(ops[0]).toBe(((3 << 30) | (127 << 6)) >>> 0);
    // Level 2 (field 1 in [3:1] -> 2), way 15 at bits [31:28], set 511 at [14:6].
    expect(ops[128 * 4]).toBe(((15 << 28) | (511 << 6) | 2) >>> 0);
    expect(ops[ops.length - 1]).toBe(2);
    expect(new Set(ops).size).toBe(ops.length);
  });

  it('W-register results zero the upper half; XZR reads zero and discards writes', () => {
    const m = machine(`
      mov x0, #-1
      add w1, w0, #0
      orr x2, xzr, x0
      add sp, x0, #1             // ADD (immediate) Rd=31 is SP (C6.2 "ADD (immediate)")
      mov x3, sp
      adds xzr, x0, #1           // CMN: discards, sets Z and C
      cset x4, eq
      hvc #0xdead
    `);
    runToHalt(m);
    expect(xBig(m.cpu, 1)).toBe(0xffffffffn);
    expect(xBig(m.cpu, 2)).toBe(M64);
    expect(xBig(m.cpu, 3)).toBe(0n); // add sp, x0, #1 wrote SP = 0
    expect(xBig(m.cpu, 4)).toBe(1n);
  });
});
