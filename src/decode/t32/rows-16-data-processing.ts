/**
 * 16-bit data processing (Arm ARM F3.1 "16-bit T32 instruction encoding": "Shift (immediate),
 * add, subtract, move, and compare", "Data-processing (two low registers)", "Special data
 * instructions and branch and exchange", "Add PC/SP (immediate)", "Adjust SP (immediate)").
 * They become the A32 data-processing records; flags are set outside an IT block only.
 */
import { A32Op, Shift } from '../a32/instruction';
import { DpOpcode } from '../a32/rows-data-processing';
import { MulOp } from '../a32/rows-multiply';
import type { T32Instruction } from './instruction';
import { T32Op } from './instruction';
import { flagsOutsideIt, line, reg, shiftName } from './format';
import { row, unpredictableIf, type T32Row } from './row';

const Dp = DpOpcode;

function isCompare(op: number): boolean {
  return op >= Dp.TST && op <= Dp.CMN;
}

/** Fill a data-processing record: `op`, destination, first operand, flags. */
function dp(i: T32Instruction, op: number, d: number, n: number, setFlags: boolean): void {
  i.sub = op;
  i.rd = isCompare(op) ? 0 : d;
  i.rn = n;
  i.setFlags = setFlags || isCompare(op);
}

const IMM_SHIFTS = [Shift.LSL, Shift.LSR, Shift.ASR];

/** LSL/LSR/ASR (immediate), T1: MOV with a shifted register; LSL #0 is MOVS (register) T2. */
function shiftImmediateRow(type: number): T32Row {
  return row(`000${type.toString(2).padStart(2, '0')}iiiiimmmddd`, shiftName(IMM_SHIFTS[type] as Shift), A32Op.DataProcessingReg, (i, f) => {
    dp(i, Dp.MOV, f.d, 0, flagsOutsideIt(i));
    i.rm = f.m;
    i.shiftType = IMM_SHIFTS[type] as Shift;
    i.shiftAmount = type !== 0 && f.i === 0 ? 32 : f.i;
    // MOVS (register) T2 (LSL #0) is UNPREDICTABLE inside an IT block (F5 "MOV (register)").
    unpredictableIf(i, type === 0 && f.i === 0 && i.inItBlock, 'MOVS (register) T2 inside an IT block');
  }, (i) => {
    if (i.shiftType === Shift.LSL && i.shiftAmount === 0) return line(i, 'mov', `${reg(i.rd)}, ${reg(i.rm)}`, i.setFlags);
    return line(i, shiftName(i.shiftType), `${reg(i.rd)}, ${reg(i.rm)}, #${i.shiftAmount}`, i.setFlags);
  });
}

function threeLowRow(bits: string, name: string, op: number, immediate: boolean): T32Row {
  return row(`00011${immediate ? '1' : '0'}${bits}${immediate ? 'iii' : 'mmm'}nnnddd`, name, immediate ? A32Op.DataProcessingImm : A32Op.DataProcessingReg, (i, f) => {
    dp(i, op, f.d, f.n, flagsOutsideIt(i));
    if (immediate) i.imm = f.i;
    else i.rm = f.m;
  }, (i) => line(i, name, `${reg(i.rd)}, ${reg(i.rn)}, ${immediate ? `#${i.imm}` : reg(i.rm)}`, i.setFlags));
}

/** MOV/CMP/ADD/SUB (immediate) with an 8-bit immediate and one low register. */
function imm8Row(bits: string, name: string, op: number): T32Row {
  return row(`001${bits}dddiiiiiiii`, name, A32Op.DataProcessingImm, (i, f) => {
    dp(i, op, f.d, op === Dp.MOV ? 0 : f.d, flagsOutsideIt(i));
    i.imm = f.i;
  }, (i) => line(i, name, `${reg(op === Dp.CMP ? i.rn : i.rd)}, #${i.imm}`, i.setFlags && op !== Dp.CMP));
}

/** One operation of "Data-processing (two low registers)": how it fills the record and the text llvm-mc prints. */
interface TwoLowOp {
  readonly name: string;
  readonly fill: (i: T32Instruction, dn: number, m: number) => void;
  readonly text: (i: T32Instruction) => string;
}

function twoLow(name: string, op: number): TwoLowOp {
  return {
    name,
    fill: (i, dn, m) => {
      dp(i, op, dn, dn, flagsOutsideIt(i));
      i.rm = m;
    },
    text: (i) => line(i, name, `${reg(isCompare(op) ? i.rn : i.rd)}, ${reg(i.rm)}`, i.setFlags && !isCompare(op)),
  };
}

function shiftByRegister(name: string, type: Shift): TwoLowOp {
  return {
    name,
    fill: (i, dn, m) => {
      dp(i, Dp.MOV, dn, 0, flagsOutsideIt(i));
      i.rm = dn;
      i.rs = m;
      i.shiftType = type;
    },
    text: (i) => line(i, name, `${reg(i.rd)}, ${reg(i.rs)}`, i.setFlags),
  };
}

const TWO_LOW_OPS: readonly TwoLowOp[] = [
  twoLow('and', Dp.AND),
  twoLow('eor', Dp.EOR),
  shiftByRegister('lsl', Shift.LSL),
  shiftByRegister('lsr', Shift.LSR),
  shiftByRegister('asr', Shift.ASR),
  twoLow('adc', Dp.ADC),
  twoLow('sbc', Dp.SBC),
  shiftByRegister('ror', Shift.ROR),
  twoLow('tst', Dp.TST),
  {
    // RSB (immediate) T1, #0 (NEGS).
    name: 'rsb',
    fill: (i, d, n) => {
      dp(i, Dp.RSB, d, n, flagsOutsideIt(i));
      i.imm = 0;
    },
    text: (i) => line(i, 'rsb', `${reg(i.rd)}, ${reg(i.rn)}, #0`, i.setFlags),
  },
  twoLow('cmp', Dp.CMP),
  twoLow('cmn', Dp.CMN),
  twoLow('orr', Dp.ORR),
  {
    // MUL T1: Rdm = Rn * Rdm.
    name: 'mul',
    fill: (i, dm, n) => {
      i.sub = MulOp.MUL;
      i.rd = dm;
      i.rn = n;
      i.rm = dm;
      i.setFlags = flagsOutsideIt(i);
    },
    text: (i) => line(i, 'mul', `${reg(i.rd)}, ${reg(i.rn)}, ${reg(i.rm)}`, i.setFlags),
  },
  twoLow('bic', Dp.BIC),
  {
    name: 'mvn',
    fill: (i, d, m) => {
      dp(i, Dp.MVN, d, 0, flagsOutsideIt(i));
      i.rm = m;
    },
    text: (i) => line(i, 'mvn', `${reg(i.rd)}, ${reg(i.rm)}`, i.setFlags),
  },
];

function twoLowRows(): T32Row[] {
  return TWO_LOW_OPS.map((o, k) => {
    const opBits = k.toString(2).padStart(4, '0');
    let op: number = A32Op.DataProcessingReg;
    if (o.name === 'rsb') op = A32Op.DataProcessingImm;
    else if (o.name === 'mul') op = A32Op.Multiply;
    else if (['lsl', 'lsr', 'asr', 'ror'].includes(o.name)) op = A32Op.DataProcessingRegShiftedReg;
    return row(`010000${opBits}mmmddd`, o.name, op as A32Op, (i, f) => o.fill(i, f.d, f.m), o.text);
  });
}

/** The last instruction of an IT block may write the PC; others may not (F5 "ADD (register)" T2, "MOV (register)" T1). */
function pcWriteInsideIt(i: T32Instruction, d: number): void {
  unpredictableIf(i, d === 15 && i.inItBlock && !i.lastInItBlock, 'PC written inside an IT block, not as its last instruction');
}

export const dataProcessing16Table: readonly T32Row[] = [
  shiftImmediateRow(0),
  shiftImmediateRow(1),
  shiftImmediateRow(2),
  threeLowRow('0', 'add', Dp.ADD, false),
  threeLowRow('1', 'sub', Dp.SUB, false),
  threeLowRow('0', 'add', Dp.ADD, true),
  threeLowRow('1', 'sub', Dp.SUB, true),
  imm8Row('00', 'mov', Dp.MOV),
  imm8Row('01', 'cmp', Dp.CMP),
  imm8Row('10', 'add', Dp.ADD),
  imm8Row('11', 'sub', Dp.SUB),
  ...twoLowRows(),
  // ADD (register) T2 / ADD (SP plus register): Rdn = D:Rdn; never sets flags.
  row('01000100Dmmmmddd', 'add', A32Op.DataProcessingReg, (i, f) => {
    const d = (f.D << 3) | f.d;
    dp(i, Dp.ADD, d, d, false);
    i.rm = f.m;
    unpredictableIf(i, d === 15 && f.m === 15, 'ADD (register) T2: d == 15 and m == 15');
    pcWriteInsideIt(i, d);
  }, (i) => line(i, 'add', i.rm === 13 ? `${reg(i.rd)}, sp, ${reg(i.rd)}` : `${reg(i.rd)}, ${reg(i.rm)}`)),
  // CMP (register) T2: at least one high register.
  row('01000101Nmmmmnnn', 'cmp', A32Op.DataProcessingReg, (i, f) => {
    const n = (f.N << 3) | f.n;
    dp(i, Dp.CMP, 0, n, true);
    i.rm = f.m;
    unpredictableIf(i, n < 8 && f.m < 8, 'CMP (register) T2: n and m both low');
    unpredictableIf(i, n === 15 || f.m === 15, 'CMP (register) T2: n or m == 15');
  }, (i) => line(i, 'cmp', `${reg(i.rn)}, ${reg(i.rm)}`)),
  // MOV (register) T1: never sets flags.
  row('01000110Dmmmmddd', 'mov', A32Op.DataProcessingReg, (i, f) => {
    const d = (f.D << 3) | f.d;
    dp(i, Dp.MOV, d, 0, false);
    i.rm = f.m;
    pcWriteInsideIt(i, d);
  }, (i) => line(i, 'mov', `${reg(i.rd)}, ${reg(i.rm)}`)),
  // BX, BLX (register): bits[2:0] are (0).
  row('010001110mmmmxxx', 'bx', A32Op.BranchExchange, (i, f) => {
    i.rm = f.m;
  }, (i) => line(i, 'bx', reg(i.rm))),
  row('010001111mmmmxxx', 'blx', T32Op.BranchLinkExchangeReg, (i, f) => {
    i.rm = f.m;
    unpredictableIf(i, f.m === 15, 'BLX (register): m == 15');
  }, (i) => line(i, 'blx', reg(i.rm))),
  // ADR T1: Rd = Align(PC, 4) + imm8:'00'.
  row('10100dddiiiiiiii', 'adr', A32Op.DataProcessingImm, (i, f) => {
    dp(i, Dp.ADD, f.d, 15, false);
    i.imm = f.i << 2;
    i.alignPc = true;
  }, (i) => line(i, 'adr', `${reg(i.rd)}, #${i.imm}`)),
  // ADD (SP plus immediate) T1: Rd = SP + imm8:'00'.
  row('10101dddiiiiiiii', 'add', A32Op.DataProcessingImm, (i, f) => {
    dp(i, Dp.ADD, f.d, 13, false);
    i.imm = f.i << 2;
  }, (i) => line(i, 'add', `${reg(i.rd)}, sp, #${i.imm}`)),
  // ADD/SUB (SP plus immediate) T2/T1: SP = SP +/- imm7:'00'.
  row('101100000iiiiiii', 'add', A32Op.DataProcessingImm, (i, f) => {
    dp(i, Dp.ADD, 13, 13, false);
    i.imm = f.i << 2;
  }, (i) => line(i, 'add', `sp, #${i.imm}`)),
  row('101100001iiiiiii', 'sub', A32Op.DataProcessingImm, (i, f) => {
    dp(i, Dp.SUB, 13, 13, false);
    i.imm = f.i << 2;
  }, (i) => line(i, 'sub', `sp, #${i.imm}`)),
];

export { isCompare, dp, pcWriteInsideIt };
