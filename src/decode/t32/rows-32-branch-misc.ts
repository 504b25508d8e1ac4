/**
 * 32-bit branches, miscellaneous control and coprocessor moves (Arm ARM F3.2 "Branches and
 * miscellaneous control", "Hints", "Change processor state", "Miscellaneous system",
 * "Exception generation", "System register access"): B, BL, BLX, MSR/MRS (special and banked
 * registers), CPS, hints, CLREX and barriers, BXJ, SUBS PC, LR (ERET), HVC, SMC, UDF, and
 * MCR/MRC/MCRR/MRRC to p14/p15 (the A32 rows with cond = 1110: the encodings are the same).
 */
import { A32Op } from '../a32/instruction';
import { DpOpcode } from '../a32/rows-data-processing';
import { BARRIER_OPTIONS, bankedRegisterName, msrTarget, systemTable } from '../a32/rows-system';
import { T32Op, type T32Instruction } from './instruction';
import { hex, line, reg } from './format';
import { badReg, row, signExtend, undefinedIf, unpredictableIf, type Fields, type T32Row } from './row';
import { branchInIt, CONDS } from './rows-16-misc';

/** imm32 of B T4, BL, BLX: S:I1:I2:imm10:imm11:'0' with I1 = NOT(J1 XOR S), I2 = NOT(J2 XOR S). */
function longOffset(f: Fields, low: number, lowBits: number): number {
  const i1 = 1 ^ (f.J ^ f.S);
  const i2 = 1 ^ (f.K ^ f.S);
  return signExtend((f.S << 24) | (i1 << 23) | (i2 << 22) | (f.a << 12) | (low << (12 - lowBits)), 25);
}

const HINT_NAMES: Record<number, string> = { 0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev' };

function bankedDecode(i: T32Instruction, f: Fields, register: number): void {
  i.imm = (f.R << 5) | (f.k << 4) | f.M;
  unpredictableIf(i, badReg(register), `${i.mnemonic}: register is SP or PC`);
  unpredictableIf(i, bankedRegisterName(i.imm) === undefined, `${i.mnemonic}: reserved SYSm`);
}

/** The A32 MCR/MRC and MCRR/MRRC rows with cond fixed to 1110; T32 also forbids SP as Rt/Rt2. */
function coprocessorRows(): T32Row[] {
  return systemTable
    .filter((r) => r.mnemonic === 'mcr' || r.mnemonic === 'mcrr')
    .map((r) => row(r.pattern.replace('cccc', '1110'), r.mnemonic, r.op, (i, f) => {
      r.decode(i, f);
      unpredictableIf(i, f.t === 13 || f.u === 13, `${i.mnemonic}: Rt or Rt2 is SP`);
      unpredictableIf(i, f.u === 15 || (r.mnemonic === 'mcrr' && f.t === 15), `${i.mnemonic}: Rt or Rt2 is PC`);
    }, (i) => r.format(i, undefined)));
}

export const branchMisc32Table: readonly T32Row[] = [
  // B T3 (conditional; cond 111x is the miscellaneous-control space): S:J2:J1:imm6:imm11:'0'.
  row('11110Sccccaaaaaa10J0Kbbbbbbbbbbb', 'b', T32Op.Branch, (i, f) => {
    i.cond = f.c;
    i.imm = signExtend((f.S << 20) | (f.K << 19) | (f.J << 18) | (f.a << 12) | (f.b << 1), 21);
    // cond 111x is the miscellaneous-control space: what its own rows do not match is unallocated.
    undefinedIf(i, f.c >= 0b1110, 'branches and miscellaneous control: unallocated encoding');
    unpredictableIf(i, i.inItBlock, 'B<c> T3 inside an IT block');
  }, (i) => `b${CONDS[i.cond]}.w\t#${i.imm}`),
  row('11110Saaaaaaaaaa10J1Kbbbbbbbbbbb', 'b', T32Op.Branch, (i, f) => {
    i.imm = longOffset(f, f.b, 11);
    branchInIt(i);
  }, (i) => line(i, 'b', `#${i.imm}`, false, true)),
  row('11110Saaaaaaaaaa11J1Kbbbbbbbbbbb', 'bl', T32Op.Branch, (i, f) => {
    i.imm = longOffset(f, f.b, 11);
    i.sub = 1;
    branchInIt(i);
  }, (i) => line(i, 'bl', `#${i.imm}`)),
  row('11110Saaaaaaaaaa11J0KbbbbbbbbbbH', 'blx', T32Op.BranchLinkExchangeImm, (i, f) => {
    i.imm = longOffset(f, f.b, 10) & ~3;
    unpredictableIf(i, f.H === 1, 'BLX (immediate): H == 1');
    branchInIt(i);
  }, (i) => line(i, 'blx', `#${i.imm}`)),

  // ---- status registers ----
  row('11110011100Rnnnn10x0kkkkxx0xxxxx', 'msr', A32Op.MoveToStatusReg, (i, f) => {
    i.rn = f.n;
    i.sub = f.R;
    i.imm2 = f.k;
    unpredictableIf(i, f.k === 0, 'MSR: mask == 0000');
    unpredictableIf(i, badReg(f.n), 'MSR: n is SP or PC');
  }, (i) => line(i, 'msr', `${msrTarget(i.sub === 1, i.imm2)}, ${reg(i.rn)}`)),
  row('11110011100Rnnnn10x0MMMMxx1kxxxx', 'msr', A32Op.MoveToBanked, (i, f) => {
    i.rn = f.n;
    bankedDecode(i, f, f.n);
  }, (i) => line(i, 'msr', `${bankedRegisterName(i.imm) ?? '?'}, ${reg(i.rn)}`)),
  row('11110011111RXXXX10x0ddddxx0xxxxx', 'mrs', A32Op.MoveFromStatus, (i, f) => {
    i.rd = f.d;
    i.sub = f.R;
    unpredictableIf(i, badReg(f.d), 'MRS: d is SP or PC');
  }, (i) => line(i, 'mrs', `${reg(i.rd)}, ${i.sub ? 'spsr' : 'apsr'}`)),
  row('11110011111RMMMM10x0ddddxx1kxxxx', 'mrs', A32Op.MoveFromBanked, (i, f) => {
    i.rd = f.d;
    bankedDecode(i, f, f.d);
  }, (i) => line(i, 'mrs', `${reg(i.rd)}, ${bankedRegisterName(i.imm) ?? '?'}`)),

  // ---- hints, CPS ----
  row('111100111010XXXX10x0x000oooooooo', 'hint', A32Op.Hint, (i, f) => {
    i.sub = f.o;
  }, (i) => {
    const name = HINT_NAMES[i.sub];
    if (name !== undefined) return line(i, name, '', false, true);
    // CSDB (F5 "CSDB", T1) has no 16-bit form: no .w.
    if (i.sub === 0x14) return line(i, 'csdb', '');
    if ((i.sub & 0xf0) === 0xf0) return line(i, 'dbg', `#${i.sub & 15}`);
    return line(i, 'hint', `#${i.sub}`, false, true);
  }),
  row('111100111010XXXX10x0xggqaifooooo', 'cps', A32Op.ChangeProcessorState, (i, f) => {
    i.sub = f.g;
    i.imm = (f.a << 2) | (f.i << 1) | f.f;
    i.imm2 = f.q ? f.o | 0x100 : 0;
    unpredictableIf(i, f.o !== 0 && f.q === 0, 'CPS: mode != 0 with M == 0');
    unpredictableIf(i, (f.g >> 1 === 1 && i.imm === 0) || (f.g >> 1 === 0 && i.imm !== 0), 'CPS: imod and A:I:F disagree');
    unpredictableIf(i, f.g === 1, 'CPS: imod == 01');
    unpredictableIf(i, i.inItBlock, 'CPS inside an IT block');
  }, (i) => {
    const mode = i.imm2 & 0x100 ? `#${i.imm2 & 0x1f}` : '';
    if (i.sub < 2) return `cps\t${mode}`;
    let flags = '';
    if (i.imm & 4) flags += 'a';
    if (i.imm & 2) flags += 'i';
    if (i.imm & 1) flags += 'f';
    return `${i.sub === 2 ? 'cpsie' : 'cpsid'}${mode ? '' : '.w'}\t${flags || 'none'}${mode ? ', ' + mode : ''}`;
  }),

  // ---- miscellaneous control: CLREX, DSB, DMB, ISB; BXJ; SUBS PC, LR ----
  row('111100111011XXXX10x0XXXX0010XXXX', 'clrex', A32Op.ClearExclusive, () => {}, (i) => line(i, 'clrex', '')),
  ...(['dsb', 'dmb', 'isb'] as const).map((mn, k) =>
    row(`111100111011XXXX10x0XXXX01${k.toString(2).padStart(2, '0')}oooo`, mn, A32Op.Barrier, (i, f) => {
      i.sub = k;
      i.imm = f.o;
    }, (i) => {
      const name = mn === 'isb' ? (i.imm === 15 ? 'sy' : undefined) : BARRIER_OPTIONS[i.imm];
      return line(i, mn, name ?? hex(i.imm));
    }),
  ),
  row('111100111100mmmm10x0XXXXxxxxxxxx', 'bxj', A32Op.BranchExchange, (i, f) => {
    i.rm = f.m;
    unpredictableIf(i, badReg(f.m), 'BXJ: m is SP or PC');
    branchInIt(i);
  }, (i) => line(i, 'bxj', reg(i.rm))),
  // SUBS PC, LR, #imm8 (ERET is imm8 == 0): the A32 data-processing exception return.
  row('111100111101XXXx10x0XXXXiiiiiiii', 'subs', A32Op.DataProcessingImm, (i, f) => {
    i.sub = DpOpcode.SUB;
    i.rd = 15;
    i.rn = 14;
    i.imm = f.i;
    i.setFlags = true;
    branchInIt(i);
  }, (i) => (i.imm === 0 ? line(i, 'eret', '') : line(i, 'subs', `pc, lr, #${i.imm}`))),

  // ---- exception generation ----
  row('111101111110iiii1000jjjjjjjjjjjj', 'hvc', A32Op.HypervisorCall, (i, f) => {
    i.imm = (f.i << 12) | f.j;
    unpredictableIf(i, i.inItBlock, 'HVC inside an IT block');
  }, (i) => `hvc.w\t#${i.imm}`),
  row('111101111111iiii1000xxxxxxxxxxxx', 'smc', A32Op.SecureMonitorCall, (i, f) => {
    i.imm = f.i;
    branchInIt(i);
  }, (i) => line(i, 'smc', `#${i.imm}`)),
  row('111101111111iiii1010jjjjjjjjjjjj', 'udf', A32Op.PermanentlyUndefined, (i, f) => {
    i.imm = (f.i << 12) | f.j;
  }, (i) => `udf.w\t#${i.imm}`),

  ...coprocessorRows(),
];
