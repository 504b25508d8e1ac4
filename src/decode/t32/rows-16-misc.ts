/**
 * 16-bit branches and miscellaneous instructions (Arm ARM F3.1 "Miscellaneous 16-bit
 * instructions", "Conditional branch, and Supervisor Call", "Unconditional Branch"): CBZ/CBNZ,
 * extend, reverse, CPS, SETEND, BKPT, IT and hints, B<c>, UDF, SVC, B.
 */
import { A32Op } from '../a32/instruction';
import { HintOp } from '../a32/rows-system';
import { T32Op, type T32Instruction } from './instruction';
import { line, reg } from './format';
import { row, signExtend, unpredictableIf, type T32Row } from './row';

/** The A32 Extend sub-operation (bits[22:20] of the A32 encoding) of SXTH, SXTB, UXTH, UXTB. */
const EXTEND_16: readonly [string, number][] = [
  ['sxth', 0b011],
  ['sxtb', 0b010],
  ['uxth', 0b111],
  ['uxtb', 0b110],
];

/** REV, REV16, (HLT: Armv8), REVSH, bits[7:6], with the A32 Reverse sub-operation. */
const REVERSE_16: readonly [string, number, number][] = [
  ['rev', 0b00, 0],
  ['rev16', 0b01, 1],
  ['revsh', 0b11, 3],
];

const HINT_NAMES: Record<number, string> = { 0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev' };

/** `it`, `itte` ...: the mask's bits below firstcond[0] say then (same as firstcond[0]) or else. */
export function itMnemonic(firstcond: number, mask: number): string {
  let suffix = '';
  const size = 4 - (31 - Math.clz32(mask & -mask)) ; // number of instructions in the block
  for (let k = 1; k < size; k++) suffix += ((mask >>> (4 - k)) & 1) === (firstcond & 1) ? 't' : 'e';
  return 'it' + suffix;
}

const UDF_ALIASES: Record<number, string> = { 254: 'trap', 249: '__brkdiv0' };

const CONDS = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'];

function branchInIt(i: T32Instruction): void {
  unpredictableIf(i, i.inItBlock && !i.lastInItBlock, `${i.mnemonic} inside an IT block, not last`);
}

export const misc16Table: readonly T32Row[] = [
  // CBZ/CBNZ: target PC + i:imm5:'0'; not allowed in an IT block.
  row('1011o0i1jjjjjnnn', 'cbz', T32Op.CompareBranch, (i, f) => {
    i.rn = f.n;
    i.imm = (f.i << 6) | (f.j << 1);
    i.sub = f.o; // 1: CBNZ
    unpredictableIf(i, i.inItBlock, 'CBZ/CBNZ inside an IT block');
  }, (i) => `${i.sub ? 'cbnz' : 'cbz'}\t${reg(i.rn)}, #${i.imm}`),
  ...EXTEND_16.map(([mn, sub], k) =>
    row(`10110010${k.toString(2).padStart(2, '0')}mmmddd`, mn, A32Op.Extend, (i, f) => {
      i.sub = sub;
      i.rd = f.d;
      i.rn = 15;
      i.rm = f.m;
    }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rm)}`)),
  ),
  ...REVERSE_16.map(([mn, bits, sub]) =>
    row(`10111010${bits.toString(2).padStart(2, '0')}mmmddd`, mn, A32Op.Reverse, (i, f) => {
      i.sub = sub;
      i.rd = f.d;
      i.rm = f.m;
    }, (i) => line(i, mn, `${reg(i.rd)}, ${reg(i.rm)}`)),
  ),
  // SETEND (bit 3 E), CPS (bit 4 im: 1 disable; A I F bits[2:0]); both UNPREDICTABLE in an IT block.
  row('10110110010XExxx', 'setend', A32Op.SetEndianness, (i, f) => {
    i.sub = f.E;
    unpredictableIf(i, i.inItBlock, 'SETEND inside an IT block');
  }, (i) => `setend\t${i.sub ? 'be' : 'le'}`),
  row('10110110011m0aif', 'cps', A32Op.ChangeProcessorState, (i, f) => {
    i.sub = f.m ? 3 : 2;
    i.imm = (f.a << 2) | (f.i << 1) | f.f;
    i.imm2 = 0;
    unpredictableIf(i, i.imm === 0, 'CPS: A:I:F == 000');
    unpredictableIf(i, i.inItBlock, 'CPS inside an IT block');
  }, (i) => `${i.sub === 2 ? 'cpsie' : 'cpsid'}\t${(i.imm & 4 ? 'a' : '') + (i.imm & 2 ? 'i' : '') + (i.imm & 1 ? 'f' : '')}`),
  row('10111110iiiiiiii', 'bkpt', A32Op.Breakpoint, (i, f) => {
    i.imm = f.i;
  }, (i) => `bkpt\t#${i.imm}`),
  // IT: firstcond bits[7:4], mask bits[3:0] != 0 (mask 0 is the hint space).
  row('10111111ccccmmmm', 'it', T32Op.IfThen, (i, f) => {
    i.newItState = (f.c << 4) | f.m;
    i.imm = f.c;
    i.imm2 = f.m;
    unpredictableIf(i, f.c === 0b1111, 'IT: firstcond == 1111');
    unpredictableIf(i, f.c === 0b1110 && (f.m & (f.m - 1)) !== 0, 'IT: firstcond == AL with more than one instruction');
    unpredictableIf(i, i.inItBlock, 'IT inside an IT block');
  }, (i) => {
    // firstcond == 1111 (UNPREDICTABLE) prints as LLVM reads it: AL with firstcond[0] = 0.
    const cond = i.imm === 0b1111 ? 0b1110 : i.imm;
    return `${itMnemonic(cond, i.imm2)}\t${CONDS[cond]}`;
  }),
  row('10111111oooo0000', 'hint', A32Op.Hint, (i, f) => {
    i.sub = f.o;
  }, (i) => line(i, HINT_NAMES[i.sub] ?? 'hint', HINT_NAMES[i.sub] === undefined ? `#${i.sub}` : '')),
  // B<c> T1: cond 1110 is UDF, 1111 is SVC.
  row('1101cccciiiiiiii', 'b', T32Op.Branch, (i, f) => {
    i.cond = f.c;
    i.imm = signExtend(f.i << 1, 9);
    unpredictableIf(i, i.inItBlock, 'B<c> inside an IT block');
  }, (i) => `b${CONDS[i.cond]}\t#${i.imm}`),
  // UDF #254 and #249 are what LLVM calls `trap` and `__brkdiv0` (its trap and Windows divide-by-zero encodings).
  row('11011110iiiiiiii', 'udf', A32Op.PermanentlyUndefined, (i, f) => {
    i.imm = f.i;
  }, (i) => UDF_ALIASES[i.imm] ?? `udf\t#${i.imm}`),
  row('11011111iiiiiiii', 'svc', A32Op.SupervisorCall, (i, f) => {
    i.imm = f.i;
  }, (i) => line(i, 'svc', `#${i.imm}`)),
  row('11100iiiiiiiiiii', 'b', T32Op.Branch, (i, f) => {
    i.imm = signExtend(f.i << 1, 12);
    branchInIt(i);
  }, (i) => line(i, 'b', `#${i.imm}`)),
];

export { HintOp, branchInIt, CONDS };
