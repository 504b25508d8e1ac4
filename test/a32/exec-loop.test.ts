/**
 * A whole A32 routine assembled with llvm-mc: a clean+invalidate-by-set/way loop over every data
 * cache level up to LoC (written here from the CLIDR/CCSIDR/DCCISW definitions in the Arm ARM G8),
 * run against a stub system-register model; the DCCISW operands must be exactly the set/way
 * operands the geometry implies (REFERENCE.md "Set/way operand").
 */
import { describe, expect, it } from 'vitest';
import { fixture } from './harness';
import { AccessOutcome, type SystemInstructionHandler } from '../../src/exec/system-instructions';
import { llvmAvailable } from './llvm-disasm';

const FLUSH_ALL = `
  flush_all:
    push {r4-r11, lr}
    mrc p15, #1, r0, c0, c0, #1    @ CLIDR
    ubfx r3, r0, #24, #3           @ LoC
    lsl r3, r3, #1
    mov r10, #0                    @ level << 1
  next_level:
    cmp r10, r3
    bge done
    add r2, r10, r10, lsr #1       @ 3 * level
    lsr r1, r0, r2
    and r1, r1, #7                 @ Ctype of this level
    cmp r1, #2
    blt skip                       @ no data or unified cache
    mcr p15, #2, r10, c0, c0, #0   @ CSSELR
    isb
    mrc p15, #1, r1, c0, c0, #0    @ CCSIDR
    and r2, r1, #7
    add r2, r2, #4                 @ log2(line bytes)
    ubfx r4, r1, #3, #10           @ ways - 1
    clz r5, r4                     @ way field shift
    ubfx r7, r1, #13, #15          @ sets - 1
  set_loop:
    mov r9, r4
  way_loop:
    orr r11, r10, r9, lsl r5
    orr r11, r11, r7, lsl r2
    mcr p15, #0, r11, c7, c14, #2  @ DCCISW
    subs r9, r9, #1
    bge way_loop
    subs r7, r7, #1
    bge set_loop
  skip:
    add r10, r10, #2
    b next_level
  done:
    pop {r4-r11, pc}
  halt:
    wfi
`;

/** A Cortex-A7-like hierarchy: L1 32 KiB 4-way, L2 512 KiB 8-way, 64-byte lines (CCSIDR per G8 "CCSIDR"). */
const CLIDR = 0x0a200023;
const CCSIDR: Record<number, number> = { 0: (127 << 13) | (3 << 3) | 2, 2: (1023 << 13) | (7 << 3) | 2 };

function stubSystem(ops: number[]): SystemInstructionHandler {
  let csselr = 0;
  return {
    coproc: (a, ctx) => {
      const key = `${a.coproc}:${a.opc1}:${a.crn}:${a.crm}:${a.opc2}:${a.read ? 'r' : 'w'}`;
      switch (key) {
        case '15:1:0:0:1:r':
          ctx.writeRegister(a.rt, CLIDR);
          return AccessOutcome.Done;
        case '15:2:0:0:0:w':
          csselr = ctx.readRegister(a.rt);
          return AccessOutcome.Done;
        case '15:1:0:0:0:r':
          ctx.writeRegister(a.rt, CCSIDR[csselr] ?? 0);
          return AccessOutcome.Done;
        case '15:0:7:14:2:w':
          ops.push(ctx.readRegister(a.rt));
          return AccessOutcome.Done;
        default:
          return AccessOutcome.Undefined;
      }
    },
    sys: () => AccessOutcome.Undefined,
  };
}

describe.skipIf(!llvmAvailable())('an assembled set/way flush loop', () => {
  it('issues one DCCISW per set and way of each data cache level up to LoC, and returns', () => {
    const ops: number[] = [];
    const { cpu } = fixture(FLUSH_ALL, { system: stubSystem(ops) });
    cpu.exceptionPolicy = 'stop';
    let halt = 0x8000;
    while (cpu.memory.read32(halt) !== 0xe320f003) halt += 4; // the routine's final WFI
    cpu.r[14] = halt; // return address
    const r4ToR11 = [4, 5, 6, 7, 8, 9, 10, 11].map((n) => (cpu.r[n] = 0x1000 + n));
    const retired = cpu.run(1_000_000);
    expect(cpu.stopReason).toBe('wfi');
    const expected: number[] = [];
    for (let set = 127; set >= 0; set--) for (let way = 3; way >= 0; way--) expected.push(((way << 30) | (set << 6) | 0) >>> 0);
    for (let set = 1023; set >= 0; set--) for (let way = 7; way >= 0; way--) expected.push(((way << 29) | (set << 6) | 2) >>> 0);
    expect(ops.length).toBe(128 * 4 + 1024 * 8);
    expect(ops).toEqual(expected);
    // AAPCS: r4-r11 and SP preserved.
    expect([4, 5, 6, 7, 8, 9, 10, 11].map((n) => cpu.r[n])).toEqual(r4ToR11);
    expect(cpu.r[13]).toBe(0x20000);
    expect(retired).toBeGreaterThan(ops.length * 5);
  });
});
