/**
 * setway's CPUs have no floating point and no Advanced SIMD, and say so: ID_AA64PFR0_EL1.FP and
 * AdvSIMD 0xF, MVFR0-2 0, CPACR's FP fields RAZ/WI (D17 "ID_AA64PFR0_EL1", "CPACR_EL1"; G8
 * "CPACR"). Every FP/SIMD instruction and FP register access is then UNDEFINED: an Undefined
 * Instruction exception taken by the guest (A64 EC 0x00), or under `exceptionPolicy = 'stop'`
 * a GuestException with its PC and word (exit 4), never an internal error (exit 70). The
 * encodings are llvm-mc's for a target that has FP and Advanced SIMD.
 */
import { describe, expect, it } from 'vitest';
import { assemble, type Target } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';
import { loadRaw } from '../../src/rom/load-raw';
import { runProgram, type ProgramRunResult } from '../../src/scenarios/program';
import { makePolicy } from '../../src/hyp/policies';
import { GUEST_RAM_IPA } from '../../src/hyp/machine';
import { classifyError } from '../../src/cli/errors';
import { EXIT } from '../../src/cli/exit-codes';
import { GuestException as A64GuestException } from '../../src/exec/a64/guest-exception';
import { GuestException as A32GuestException } from '../../src/exec/a32/errors';

const have = oraclesAvailable('FP/SIMD absent', LLVM_MC);
const FP_TARGETS: Record<'a32' | 't32' | 'a64', Target> = {
  a32: { triple: 'armv7a-none-eabi', mattr: '+virtualization,+vfp4,+neon' },
  t32: { triple: 'thumbv7a-none-eabi', mattr: '+virtualization,+vfp4,+neon' },
  a64: { triple: 'aarch64-none-elf', mattr: '+v8a,+fp-armv8,+neon' },
};

function assembleFor(isa: 'a32' | 't32' | 'a64', source: string): Uint8Array {
  const prefix = isa === 't32' ? '.syntax unified\n.thumb\n' : isa === 'a32' ? '.syntax unified\n.arm\n' : '';
  return assemble(`${prefix}${source}\n`, FP_TARGETS[isa]);
}

function runBytes(isa: 'a32' | 't32' | 'a64', bytes: Uint8Array, takeExceptions = false): ProgramRunResult {
  return runProgram({ image: loadRaw(bytes, { address: GUEST_RAM_IPA, isa }), policy: makePolicy('kvm'), budget: 10_000, takeExceptions });
}

function run(isa: 'a32' | 't32' | 'a64', source: string, takeExceptions = false): ProgramRunResult {
  return runBytes(isa, assembleFor(isa, source), takeExceptions);
}

/** Each instruction (all 32-bit, T32 included) alone before an HVC #0: the error each run ends in. */
function stopsUndefined(isa: 'a32' | 't32' | 'a64', instructions: readonly string[]): Error[] {
  const code = assembleFor(isa, [...instructions, 'hvc #0'].join('\n'));
  expect(code.length).toBe(4 * (instructions.length + 1));
  const hvc = code.slice(code.length - 4);
  return instructions.map((instruction, n) => {
    let error: unknown;
    try {
      runBytes(isa, new Uint8Array([...code.slice(4 * n, 4 * n + 4), ...hvc]));
    } catch (e) {
      error = e;
    }
    expect(error, instruction).toBeInstanceOf(Error);
    expect(classifyError(error).exitCode, instruction).toBe(EXIT.guest);
    return error as Error;
  });
}

const A64_FP = ['mrs x0, fpsr', 'mrs x1, fpcr', 'msr fpsr, x2', 'msr fpcr, xzr', 'fadd d0, d1, d2', 'fmov x0, d0', 'fmov s0, w1', 'add v0.4s, v1.4s, v2.4s', 'ldr q0, [x0]', 'str d0, [x0, #8]', 'ldp q0, q1, [x0]', 'ld1 {v0.4s}, [x0]', 'scvtf d0, x1', 'fcmp s0, #0.0'];
const A32_FP = ['vmrs r0, fpscr', 'vmsr fpscr, r0', 'vmrs r0, fpexc', 'vmsr fpexc, r0', 'vmrs r0, fpsid', 'vmrs r0, mvfr0', 'vmrs r0, mvfr1', 'vadd.f32 s0, s1, s2', 'vadd.i32 q0, q1, q2', 'vldr d0, [r0]', 'vstmia r0, {d0-d1}', 'vld1.32 {d0}, [r0]', 'vmov r0, s0', 'vmov d0, r0, r1', 'mrc p10, 7, r0, c8, c0, 0', 'mcr p11, 0, r0, c0, c0, 0', 'mcrr p10, 0, r0, r1, c0', 'cdp p10, 0, c0, c0, c0, 0', 'ldc p11, c0, [r0]'];

describe.runIf(have)('no FP/Advanced SIMD', () => {
  it('A64: every FP/SIMD instruction and FPCR/FPSR access stops with an Undefined Instruction (EC 0x00) at its PC', () => {
    for (const [n, e] of stopsUndefined('a64', A64_FP).entries()) {
      const instruction = A64_FP[n];
      expect(e, instruction).toBeInstanceOf(A64GuestException);
      expect((e as A64GuestException).exceptionClass, instruction).toBe(0);
      expect((e as A64GuestException).pc, instruction).toBe(GUEST_RAM_IPA);
    }
  });

  for (const isa of ['a32', 't32'] as const) {
    it(`${isa.toUpperCase()}: every VFP/Advanced SIMD instruction and cp10/cp11 access stops UNDEFINED at its PC`, () => {
      for (const [n, e] of stopsUndefined(isa, A32_FP).entries()) {
        const instruction = A32_FP[n];
        expect(e, instruction).toBeInstanceOf(A32GuestException);
        expect((e as A32GuestException).kind, instruction).toBe('undefined');
        expect((e as A32GuestException).pc, instruction).toBe(GUEST_RAM_IPA);
      }
    });
  }

  it('A64: the guest takes the exception itself: ESR_EL1 = EC 0x00, IL 1, and ELR_EL1 the FP instruction', () => {
    // VBAR_EL1 at the table below; its "current EL with SPx, synchronous" entry (+0x200) reports.
    for (const instruction of ['mrs x0, fpsr', 'msr fpcr, x0', 'fadd d0, d1, d2']) {
      const r = run(
        'a64',
        `adr x1, vectors\nmsr vbar_el1, x1\nisb\nadr x3, faulting\nfaulting: ${instruction}\nhvc #1\n` +
          '.balign 2048\nvectors: .skip 0x200\nmrs x0, esr_el1\nmrs x2, elr_el1\ncmp x2, x3\ncset x4, eq\norr x0, x0, x4\nhvc #0',
        true,
      );
      expect(r.result, instruction).toBe(0x0200_0001); // EC 0, IL 1, ISS 0; bit 0: ELR_EL1 was the FP instruction
    }
  });

  it('A32: the guest takes the exception at its Undefined vector', () => {
    for (const instruction of ['vmrs r0, fpexc', 'vmrs r0, fpsid', 'vadd.f32 s0, s1, s2']) {
      const r = run('a32', `adr r1, vectors\nmcr p15, 0, r1, c12, c0, 0\nisb\n${instruction}\nhvc #1\n.balign 32\nvectors: b .\nb undef\nb .\nb .\nb .\nb .\nb .\nb .\nundef: mov r0, #0x55\nhvc #0`, true);
      expect(r.result, instruction).toBe(0x55);
    }
  });

  it('A64: the ID registers say so and CPACR_EL1 is RAZ/WI', () => {
    const pfr0 = run('a64', 'mrs x0, id_aa64pfr0_el1\nhvc #0').result;
    expect((pfr0 >>> 16) & 0xff).toBe(0xff); // FP [19:16] and AdvSIMD [23:20] 0xF: not implemented
    for (const r of ['mvfr0_el1', 'mvfr1_el1', 'mvfr2_el1']) expect(run('a64', `mrs x0, ${r}\nhvc #0`).result, r).toBe(0);
    expect(run('a64', 'mov x1, #0x300000\nmsr cpacr_el1, x1\nisb\nmrs x0, cpacr_el1\nhvc #0').result).toBe(0);
  });

  it('A32: CPACR keeps no cp10/cp11 access (RAZ/WI), as a VFP probe expects of hardware without VFP', () => {
    expect(run('a32', 'mov r1, #0xf00000\nmcr p15, 0, r1, c1, c0, 2\nisb\nmrc p15, 0, r0, c1, c0, 2\nhvc #0').result).toBe(0);
  });
});
