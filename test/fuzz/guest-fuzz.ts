/**
 * Guest fuzzing (issue 19, "Nothing a guest does crashes setway"): random instruction words and
 * programs built from the exported arbitraries (setway/arbitraries: system-register and
 * coprocessor accesses with every field at random or from the register table) run as a raw image
 * through the path `setway run <image> --isa ISA --load 0x40000000` takes (loadRaw, runProgram
 * under the default kvm policy, bare metal in lockstep). Each run must end in a result or a typed
 * error the CLI maps to an exit code other than 70; the verdict of each is an outcome kind.
 */
import fc from 'fast-check';
import { anyCoprocAccessArb, anySysAccessArb, conditionArb, tableCoprocAccessArb, tableSysAccessArb } from 'setway/arbitraries';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import { loadRaw } from '../../src/rom/load-raw';
import { runProgram } from '../../src/scenarios/program';
import { makePolicy } from '../../src/hyp/policies';
import { GUEST_RAM_IPA } from '../../src/hyp/machine';
import { classifyError } from '../../src/cli/errors';
import { EXIT } from '../../src/cli/exit-codes';

export type FuzzIsa = 'a32' | 't32' | 'a64';

/** One guest: its ISA and its code, as the words (A32, A64) or halfwords (T32) in memory order. */
export interface FuzzProgram {
  readonly isa: FuzzIsa;
  readonly units: readonly number[];
  /** Vector exceptions through the program's table (`--take-exceptions`) instead of stopping. */
  readonly takeExceptions: boolean;
}

/** How a run ended: 'result' (halted or out of budget), or the typed error's name. */
export interface FuzzOutcome {
  readonly kind: string;
  readonly exitCode: number;
  /** The message, for a run that exited 70. */
  readonly message?: string;
}

// --- encoders (Arm ARM C6.2 "MRS"/"MSR (register)"/"SYS"; F5 "MCR"/"MRC"/"MCRR"/"MRRC") -------

/** MRS/MSR/SYS/SYSL: 0xD5000000 | L<<21 | op0<<19 | op1<<16 | CRn<<12 | CRm<<8 | op2<<5 | Rt. */
export function encodeSysAccess(a: SysAccess): number {
  return (0xd5000000 | ((a.read ? 1 : 0) << 21) | (a.op0 << 19) | (a.op1 << 16) | (a.crn << 12) | (a.crm << 8) | (a.op2 << 5) | a.rt) >>> 0;
}

/** MCR/MRC (A1/T1) or MCRR/MRRC (A1/T1) with condition `cond` (T32: 0xE). */
export function encodeCoprocAccess(a: CoprocAccess, cond: number): number {
  const l = a.read ? 1 : 0;
  const word = a.wide
    ? 0x0c400000 | (l << 20) | (a.rt2 << 16) | (a.rt << 12) | (a.coproc << 8) | (a.opc1 << 4) | a.crm
    : 0x0e000010 | (a.opc1 << 21) | (l << 20) | (a.crn << 16) | (a.rt << 12) | (a.coproc << 8) | (a.opc2 << 5) | a.crm;
  return ((cond << 28) | word) >>> 0;
}

const HVC0 = { a32: 0xe1400070, a64: 0xd4000002, t32: [0xf7e0, 0x8000] } as const;

/**
 * The image starts with a branch over an exception vector table whose handlers return past the
 * instruction that raised the exception, so that a program taking exceptions runs on (VBAR_EL1 =
 * RAM + 0x800, code at 0x1000; AArch32 VBAR = RAM, code at 0x20; handlers in A32 for T32 too).
 */
function vectorTable(isa: FuzzIsa): number[] {
  if (isa === 'a64') {
    const out: number[] = [0x14000400]; // B 0x1000
    while (out.length < 0x800 / 4) out.push(0);
    // Each of the 16 entries: MRS X30, ELR_EL1; ADD X30, X30, #4; MSR ELR_EL1, X30; ERET.
    for (let e = 0; e < 16; e++) {
      out.push(0xd538403e, 0x910013de, 0xd518403e, 0xd69f03e0);
      for (let k = 4; k < 0x80 / 4; k++) out.push(0);
    }
    return out;
  }
  // Reset (never taken): B 0x20; Undefined, SVC, Prefetch Abort: MOVS PC, LR (LR is past the
  // instruction); Data Abort, IRQ, FIQ: SUBS PC, LR, #4; Hyp trap (not taken at PL1): B . (G1.12).
  const handlers = [0xe1b0f00e, 0xe1b0f00e, 0xe1b0f00e, 0xe25ef004, 0xeafffffe, 0xe25ef004, 0xe25ef004];
  if (isa === 'a32') return [0xea000006, ...handlers];
  return [0xe00e, 0xbf00, ...handlers.flatMap((w) => [w & 0xffff, w >>> 16])];
}

/** Registers point into RAM so that loads and stores reach memory, not only aborts; VBAR set. */
function prologue(isa: FuzzIsa): number[] {
  const base = GUEST_RAM_IPA >>> 16;
  const out: number[] = [];
  if (isa === 'a64') {
    // MOVZ Xn, #(RAM >> 16), LSL #16; then ADD Xn, Xn, #(n * 0x100) for n = 0..15.
    for (let n = 0; n < 16; n++) out.push((0xd2a00000 | (base << 5) | n) >>> 0, (0x91000000 | ((n * 0x100) << 10) | (n << 5) | n) >>> 0);
    out.push(0xd518c008); // MSR VBAR_EL1, X8
    return out;
  }
  // Registers start at 0: A32 MOVT Rn, #(RAM >> 16); ADD Rn, Rn, #(n << 8) for r0..r12.
  for (let n = 0; n < 13; n++) {
    if (isa === 'a32') {
      out.push((0xe3400000 | ((base >> 12) << 16) | (n << 12) | (base & 0xfff)) >>> 0, (0xe2800c00 | (n << 16) | (n << 12) | n) >>> 0);
    } else {
      // MOVT (T1) Rn, #(RAM >> 16); ADDW (T4) Rn, Rn, #(n * 0x10).
      const imm4 = base >> 12;
      const i = (base >> 11) & 1;
      const imm3 = (base >> 8) & 7;
      const imm8 = base & 0xff;
      out.push(0xf2c0 | (i << 10) | imm4, (imm3 << 12) | (n << 8) | imm8);
      const add = n * 0x10;
      out.push(0xf200 | (((add >> 11) & 1) << 10) | n, (((add >> 8) & 7) << 12) | (n << 8) | (add & 0xff));
    }
  }
  // MCR p15, 0, r0, c12, c0, 0 (VBAR = r0 = RAM).
  if (isa === 'a32') out.push(0xee0c0f10);
  else out.push(0xee0c, 0x0f10);
  return out;
}

const word = fc.integer({ min: 0, max: 0xffffffff });

/** One instruction's units for `isa`: a random word, or an access from the exported arbitraries. */
function instructionArb(isa: FuzzIsa): fc.Arbitrary<number[]> {
  if (isa === 'a64') {
    return fc.oneof(
      { weight: 6, arbitrary: word.map((w) => [w]) },
      { weight: 2, arbitrary: anySysAccessArb().map((a) => [encodeSysAccess(a)]) },
      { weight: 2, arbitrary: tableSysAccessArb().map((a) => [encodeSysAccess(a)]) },
    );
  }
  const access = fc.oneof(anyCoprocAccessArb(), tableCoprocAccessArb());
  if (isa === 'a32') {
    return fc.oneof(
      { weight: 6, arbitrary: word.map((w) => [w]) },
      { weight: 4, arbitrary: fc.tuple(access, conditionArb).map(([a, c]) => [encodeCoprocAccess(a, c)]) },
    );
  }
  const halfword = fc.integer({ min: 0, max: 0xffff });
  return fc.oneof(
    { weight: 3, arbitrary: halfword.map((h) => [h]) },
    { weight: 3, arbitrary: word.map((w) => [w >>> 16, w & 0xffff]) },
    { weight: 4, arbitrary: access.map((a) => encodeCoprocAccess(a, 0xe)).map((w) => [w >>> 16, w & 0xffff]) },
  );
}

/** A program: the prologue, 1 to `maxInstructions` fuzzed instructions, then HVC #0. */
export function fuzzProgramArb(isa: FuzzIsa, maxInstructions = 12): fc.Arbitrary<FuzzProgram> {
  return fc.tuple(fc.array(instructionArb(isa), { minLength: 1, maxLength: maxInstructions }), fc.boolean()).map(([body, takeExceptions]) => {
    const units = [...vectorTable(isa), ...prologue(isa), ...body.flat()];
    if (isa === 't32') units.push(...HVC0.t32);
    else units.push(HVC0[isa]);
    return { isa, units, takeExceptions };
  });
}

/** The program as a raw image's bytes (little-endian words or halfwords). */
export function programBytes(p: FuzzProgram): Uint8Array {
  const size = p.isa === 't32' ? 2 : 4;
  const bytes = new Uint8Array(p.units.length * size);
  const view = new DataView(bytes.buffer);
  p.units.forEach((u, n) => (size === 2 ? view.setUint16(n * 2, u, true) : view.setUint32(n * 4, u, true)));
  return bytes;
}

/** Run `p` as `setway run` runs a raw image, with a small instruction budget. */
export function runFuzzProgram(p: FuzzProgram, budget = 2000): FuzzOutcome {
  const image = loadRaw(programBytes(p), { address: GUEST_RAM_IPA, isa: p.isa });
  try {
    runProgram({ image, policy: makePolicy('kvm'), budget, takeExceptions: p.takeExceptions });
    return { kind: 'result', exitCode: EXIT.ok };
  } catch (e) {
    const { message, exitCode } = classifyError(e);
    const kind = e instanceof Error ? e.name : typeof e;
    return exitCode === EXIT.internal ? { kind, exitCode, message } : { kind, exitCode };
  }
}

/** The program's code as hex, for a failure report. */
export function describeProgram(p: FuzzProgram): string {
  const width = p.isa === 't32' ? 4 : 8;
  const skip = vectorTable(p.isa).length + prologue(p.isa).length;
  return `${p.isa}${p.takeExceptions ? ' --take-exceptions' : ''}: ${p.units.slice(skip).map((u) => u.toString(16).padStart(width, '0')).join(' ')} (after the vectors and prologue)`;
}
