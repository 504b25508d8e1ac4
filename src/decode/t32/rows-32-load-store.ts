/**
 * 32-bit loads and stores (Arm ARM F3.2 "Load/store single", "Load byte, memory hints", "Load
 * halfword, memory hints", "Load word", "Store single data item", "Load/store dual, load/store
 * exclusive, table branch", "Load/store multiple"), as the A32 records; TBB/TBH are T32's own.
 */
import { A32Op } from '../a32/instruction';
import { T32Op, type T32Instruction } from './instruction';
import { line, reg, registerList } from './format';
import { badReg, row, undefinedIf, unpredictableIf, type Fields, type T32Row } from './row';
import { addressText, loadStoreText } from './rows-16-load-store';

interface SingleForm {
  readonly name: string;
  /** bits[24:20] without U: S (sign) at 24, size bits[22:21], L at 20. */
  readonly S: number;
  readonly ss: string;
  readonly load: boolean;
  readonly size: number;
  readonly signed: boolean;
}

const SINGLE_FORMS: readonly SingleForm[] = [
  { name: 'str', S: 0, ss: '10', load: false, size: 4, signed: false },
  { name: 'strb', S: 0, ss: '00', load: false, size: 1, signed: false },
  { name: 'strh', S: 0, ss: '01', load: false, size: 2, signed: false },
  { name: 'ldr', S: 0, ss: '10', load: true, size: 4, signed: false },
  { name: 'ldrb', S: 0, ss: '00', load: true, size: 1, signed: false },
  { name: 'ldrh', S: 0, ss: '01', load: true, size: 2, signed: false },
  { name: 'ldrsb', S: 1, ss: '00', load: true, size: 1, signed: true },
  { name: 'ldrsh', S: 1, ss: '01', load: true, size: 2, signed: true },
];

function singleOp(form: SingleForm): A32Op {
  return form.size === 4 || (form.size === 1 && !form.signed) ? A32Op.LoadStoreWordByte : A32Op.LoadStoreExtra;
}

/** Register rules of the single loads and stores (T32 encodings of F5 "LDR (immediate)" ... "STRH (register)"). */
function checkSingle(i: T32Instruction, form: SingleForm, unprivileged: boolean): void {
  const t = i.rt;
  if (!form.load) {
    undefinedIf(i, i.rn === 15, `${form.name}: Rn == 1111`);
    unpredictableIf(i, form.size === 4 ? t === 15 : badReg(t), `${form.name}: bad Rt`);
  } else if (form.size === 4) {
    unpredictableIf(i, t === 15 && (unprivileged || (i.inItBlock && !i.lastInItBlock)), `${form.name}: Rt == 15 here`);
  } else {
    // Rt == 1111 without writeback is a memory hint (own rows); with writeback UNPREDICTABLE.
    unpredictableIf(i, t === 13 || t === 15, `${form.name}: Rt is SP or PC`);
  }
  unpredictableIf(i, unprivileged && badReg(t), `${form.name}t: Rt is SP or PC`);
  unpredictableIf(i, i.wback && i.rn === t, `${form.name}: writeback with Rn == Rt`);
  unpredictableIf(i, i.regOffset && badReg(i.rm), `${form.name}: Rm is SP or PC`);
}

function singleSetup(i: T32Instruction, form: SingleForm, f: Fields): void {
  i.load = form.load;
  i.size = form.size;
  i.signed = form.signed;
  i.rt = f.t;
  i.rn = f.n ?? 15;
}

/**
 * A load with Rn == 1111 is the literal form whatever bits[11:0] hold ("if Rn == '1111' then SEE
 * (literal)"): Align(PC, 4) +/- imm12, U in bit 23. The literal row cannot win on specificity
 * over the imm8 and register rows, so those convert here.
 */
function literal(i: T32Instruction): boolean {
  if (i.rn !== 15) return false;
  i.imm = i.word & 0xfff;
  i.add = ((i.word >>> 23) & 1) === 1;
  i.index = true;
  i.wback = false;
  i.regOffset = false;
  i.unprivileged = false;
  i.shiftAmount = 0;
  i.alignPc = true;
  return true;
}

function literalText(i: T32Instruction): string {
  return `[pc, #${i.add ? '' : '-'}${i.imm}]`;
}

function singleText(name: string, wide: boolean) {
  return (i: T32Instruction) => (i.alignPc ? line(i, name, `${reg(i.rt)}, ${literalText(i)}`, false, true) : loadStoreText(i, name, wide));
}

function singleRows(): T32Row[] {
  const rows: T32Row[] = [];
  for (const form of SINGLE_FORMS) {
    const head = `1111100${form.S}`;
    const L = form.load ? '1' : '0';
    const op = singleOp(form);
    // imm12, positive offset.
    rows.push(row(`${head}1${form.ss}${L}nnnnttttiiiiiiiiiiii`, form.name, op, (i, f) => {
      singleSetup(i, form, f);
      i.imm = f.i;
      if (form.load) literal(i);
      checkSingle(i, form, false);
    }, singleText(form.name, true)));
    // imm8: negative offset, post-indexed or pre-indexed with writeback (P:U:W; P = W = 0 is UNDEFINED).
    rows.push(row(`${head}0${form.ss}${L}nnnntttt1PUWiiiiiiii`, form.name, op, (i, f) => {
      singleSetup(i, form, f);
      i.imm = f.i;
      i.index = f.P === 1;
      i.add = f.U === 1;
      i.wback = f.W === 1;
      if (!(form.load && literal(i))) undefinedIf(i, f.P === 0 && f.W === 0, `${form.name}: P == 0 and W == 0`);
      checkSingle(i, form, false);
    }, singleText(form.name, false)));
    // Unprivileged (LDRT ...): P:U:W = 110.
    rows.push(row(`${head}0${form.ss}${L}nnnntttt1110iiiiiiii`, `${form.name}t`, op, (i, f) => {
      singleSetup(i, form, f);
      i.imm = f.i;
      i.unprivileged = true;
      if (form.load && literal(i)) {
        i.mnemonic = form.name;
        checkSingle(i, form, false);
      } else {
        checkSingle(i, form, true);
      }
    }, (i) => (i.alignPc ? singleText(form.name, true)(i) : loadStoreText(i, `${form.name}t`))));
    // Register offset, LSL #0-3.
    rows.push(row(`${head}0${form.ss}${L}nnnntttt000000hhmmmm`, form.name, op, (i, f) => {
      singleSetup(i, form, f);
      i.regOffset = true;
      i.rm = f.m;
      i.shiftAmount = f.h;
      if (form.load) literal(i);
      checkSingle(i, form, false);
    }, singleText(form.name, true)));
    if (form.load) {
      // Literal: Align(PC, 4) +/- imm12.
      rows.push(row(`${head}U${form.ss}11111ttttiiiiiiiiiiii`, form.name, op, (i, f) => {
        singleSetup(i, form, f);
        i.imm = f.i;
        i.add = f.U === 1;
        i.alignPc = true;
        checkSingle(i, form, false);
      }, singleText(form.name, true)));
    }
  }
  return rows;
}

/** PLD, PLDW, PLI (immediate, literal, register): the Rt == 1111 rows of the byte and halfword loads. */
function hintRows(): T32Row[] {
  const rows: T32Row[] = [];
  const kinds: readonly [string, string, string, number][] = [
    ['pld', '0', '00', 0],
    ['pldw', '0', '01', 1],
    ['pli', '1', '00', 2],
  ];
  const text = (i: T32Instruction) => line(i, ['pld', 'pldw', 'pli'][i.sub], i.alignPc ? literalText(i) : addressText(i));
  for (const [mn, S, ss, sub] of kinds) {
    const setup = (i: T32Instruction, f: Fields) => {
      i.sub = sub;
      i.rn = f.n ?? 15;
      i.add = true;
    };
    // PLD/PLDW/PLI with Rn == 1111 are the literal forms (PLD (literal) ignores bit 21, a (0) bit).
    const literalHint = (i: T32Instruction) => {
      if (!literal(i)) return;
      if (i.sub === 1) i.sub = 0;
      i.mnemonic = ['pld', 'pldw', 'pli'][i.sub];
      unpredictableIf(i, sub === 1, 'PLD (literal): bit 21 is (0)');
    };
    rows.push(row(`1111100${S}1${ss}1nnnn1111iiiiiiiiiiii`, mn, A32Op.Preload, (i, f) => {
      setup(i, f);
      i.imm = f.i;
      literalHint(i);
    }, text));
    rows.push(row(`1111100${S}0${ss}1nnnn11111100iiiiiiii`, mn, A32Op.Preload, (i, f) => {
      setup(i, f);
      i.imm = f.i;
      i.add = false;
      literalHint(i);
    }, text));
    rows.push(row(`1111100${S}0${ss}1nnnn1111000000hhmmmm`, mn, A32Op.Preload, (i, f) => {
      setup(i, f);
      i.regOffset = true;
      i.rm = f.m;
      i.shiftAmount = f.h;
      unpredictableIf(i, badReg(f.m), `${mn}: Rm is SP or PC`);
      literalHint(i);
    }, text));
  }
  // PLD (literal): bit 21 is (0), so a halfword-load literal with Rt == 1111 is PLD too; PLI (literal).
  rows.push(row('11111000U0x111111111iiiiiiiiiiii', 'pld', A32Op.Preload, (i) => {
    i.sub = 0;
    i.rn = 15;
    literal(i);
  }, text));
  rows.push(row('11111001U00111111111iiiiiiiiiiii', 'pli', A32Op.Preload, (i) => {
    i.sub = 2;
    i.rn = 15;
    literal(i);
  }, text));
  return rows;
}

// ---- dual, exclusive, table branch ----

function dualRows(): T32Row[] {
  const rows: T32Row[] = [];
  for (const [mn, L] of [['strd', 0], ['ldrd', 1]] as const) {
    const decode = (i: T32Instruction, f: Fields) => {
      i.load = L === 1;
      i.size = 8;
      i.rn = f.n ?? 15;
      i.rt = f.t;
      i.rt2 = f.u;
      i.imm = f.i << 2;
      i.index = f.P === 1;
      i.add = f.U === 1;
      i.wback = f.W === 1;
      unpredictableIf(i, i.wback && (i.rn === i.rt || i.rn === i.rt2), `${mn}: writeback with Rn == Rt or Rt2`);
      unpredictableIf(i, badReg(f.t) || badReg(f.u), `${mn}: Rt or Rt2 is SP or PC`);
      if (L === 1) unpredictableIf(i, f.t === f.u, 'LDRD: Rt == Rt2');
      else unpredictableIf(i, i.rn === 15, 'STRD: Rn == 15');
      if (L === 1 && i.rn === 15) {
        i.alignPc = true;
        unpredictableIf(i, f.W === 1, 'LDRD (literal): W == 1');
      }
    };
    const text = (i: T32Instruction) => line(i, mn, `${reg(i.rt)}, ${reg(i.rt2)}, ${i.rn === 15 && i.imm === 0 && i.add && i.index && !i.wback ? '[pc]' : addressText(i)}`);
    rows.push(row(`11101001U1W${L}nnnnttttuuuuiiiiiiii`, mn, A32Op.LoadStoreDual, (i, f) => decode(i, { ...f, P: 1 }), text));
    rows.push(row(`11101000U11${L}nnnnttttuuuuiiiiiiii`, mn, A32Op.LoadStoreDual, (i, f) => decode(i, { ...f, P: 0, W: 1 }), text));
  }
  return rows;
}

function exclusiveRows(): T32Row[] {
  const exclusiveText = (i: T32Instruction) => (i.imm === 0 ? `[${reg(i.rn)}]` : `[${reg(i.rn)}, #${i.imm}]`);
  const rows: T32Row[] = [
    row('111010000101nnnnttttXXXXiiiiiiii', 'ldrex', A32Op.LoadExclusive, (i, f) => {
      i.load = true;
      i.size = 4;
      i.rn = f.n;
      i.rt = f.t;
      i.imm = f.i << 2;
      unpredictableIf(i, badReg(f.t) || f.n === 15, 'LDREX: Rt is SP or PC, or Rn is PC');
    }, (i) => line(i, 'ldrex', `${reg(i.rt)}, ${exclusiveText(i)}`)),
    row('111010000100nnnnttttddddiiiiiiii', 'strex', A32Op.StoreExclusive, (i, f) => {
      i.size = 4;
      i.rn = f.n;
      i.rt = f.t;
      i.rd = f.d;
      i.imm = f.i << 2;
      unpredictableIf(i, badReg(f.d) || badReg(f.t) || f.n === 15, 'STREX: Rd or Rt is SP or PC, or Rn is PC');
      unpredictableIf(i, f.d === f.n || f.d === f.t, 'STREX: Rd == Rn or Rt');
    }, (i) => line(i, 'strex', `${reg(i.rd)}, ${reg(i.rt)}, ${exclusiveText(i)}`)),
  ];
  for (const [suffix, size, bits] of [['b', 1, '0100'], ['h', 2, '0101'], ['d', 8, '0111']] as const) {
    const dual = size === 8;
    const ld = `ldrex${suffix}`;
    const st = `strex${suffix}`;
    rows.push(row(`111010001101nnnntttt${dual ? 'uuuu' : 'XXXX'}${bits}XXXX`, ld, A32Op.LoadExclusive, (i, f) => {
      i.load = true;
      i.size = size;
      i.rn = f.n;
      i.rt = f.t;
      i.rt2 = dual ? f.u : 0;
      unpredictableIf(i, badReg(f.t) || f.n === 15 || (dual && (badReg(f.u) || f.t === f.u)), `${ld}: bad registers`);
    }, (i) => line(i, ld, `${reg(i.rt)}, ${dual ? reg(i.rt2) + ', ' : ''}[${reg(i.rn)}]`)));
    rows.push(row(`111010001100nnnntttt${dual ? 'uuuu' : 'XXXX'}${bits}dddd`, st, A32Op.StoreExclusive, (i, f) => {
      i.size = size;
      i.rn = f.n;
      i.rt = f.t;
      i.rd = f.d;
      i.rt2 = dual ? f.u : 0;
      unpredictableIf(i, badReg(f.d) || badReg(f.t) || f.n === 15 || (dual && badReg(f.u)), `${st}: bad registers`);
      unpredictableIf(i, f.d === f.n || f.d === f.t || (dual && f.d === f.u), `${st}: Rd overlaps Rn or Rt`);
    }, (i) => line(i, st, `${reg(i.rd)}, ${reg(i.rt)}, ${dual ? reg(i.rt2) + ', ' : ''}[${reg(i.rn)}]`)));
  }
  // TBB/TBH: branch forward by twice the byte/halfword at Rn + Rm (TBH: Rn + 2 * Rm).
  rows.push(row('111010001101nnnnXXXXxxxx000hmmmm', 'tbb', T32Op.TableBranch, (i, f) => {
    i.rn = f.n;
    i.rm = f.m;
    i.size = f.h ? 2 : 1;
    unpredictableIf(i, f.n === 13 || badReg(f.m), 'TBB/TBH: Rn is SP or Rm is SP or PC');
    unpredictableIf(i, i.inItBlock && !i.lastInItBlock, 'TBB/TBH inside an IT block, not last');
  }, (i) => (i.size === 2 ? line(i, 'tbh', `[${reg(i.rn)}, ${reg(i.rm)}, lsl #1]`) : line(i, 'tbb', `[${reg(i.rn)}, ${reg(i.rm)}]`))));
  return rows;
}

// ---- multiple, SRS, RFE ----

function popcount(x: number): number {
  let n = 0;
  for (let b = x; b; b &= b - 1) n++;
  return n;
}

function multipleRows(): T32Row[] {
  const rows: T32Row[] = [];
  for (const [L, before] of [[0, false], [0, true], [1, false], [1, true]] as const) {
    const pu = before ? '10' : '01';
    // Bit 13 (SP) is (0), and bit 15 too for STM: kept in the list so the text shows it.
    const list = L ? 'rrrrrrrrrrrrrrrr' : 'xrrrrrrrrrrrrrrr';
    rows.push(row(`1110100${pu}0W${L}nnnn${list}`, L ? 'ldm' : 'stm', A32Op.LoadStoreMultiple, (i, f) => {
      i.load = L === 1;
      i.rn = f.n;
      i.registers = f.r;
      unpredictableIf(i, ((f.r >>> 13) & 1) === 1, `${i.mnemonic}: SP in the list`);
      i.index = before;
      i.add = !before;
      i.wback = f.W === 1;
      unpredictableIf(i, f.n === 15 || popcount(i.registers) < 2, `${i.mnemonic}: Rn is PC or fewer than two registers`);
      unpredictableIf(i, L === 1 && (f.r & 0xc000) === 0xc000, 'LDM: both PC and LR in the list');
      unpredictableIf(i, L === 1 && f.r >>> 15 === 1 && i.inItBlock && !i.lastInItBlock, 'LDM with PC inside an IT block, not last');
      unpredictableIf(i, i.wback && ((i.registers >>> f.n) & 1) === 1, `${i.mnemonic}: writeback with Rn in the list`);
    }, (i) => {
      if (i.rn === 13 && i.wback && (L === 1 ? !before : before)) return line(i, L ? 'pop' : 'push', registerList(i.registers), false, true);
      const base = (L ? 'ldm' : 'stm') + (before ? 'db' : '');
      return line(i, base, `${reg(i.rn)}${i.wback ? '!' : ''}, ${registerList(i.registers)}`, false, !before);
    }));
  }
  const MODES = ['db', 'ia'];
  for (const [k, pu] of [[0, '00'], [1, '11']] as const) {
    rows.push(row(`1110100${pu}0W0XXxXXXxxxxxxxxxmmmmm`, 'srs', A32Op.StoreReturnState, (i, f) => {
      i.index = k === 0;
      i.add = k === 1;
      i.wback = f.W === 1;
      i.rn = 13;
      i.imm = f.m;
    }, (i) => line(i, `srs${MODES[k]}`, `sp${i.wback ? '!' : ''}, #${i.imm}`)));
    rows.push(row(`1110100${pu}0W1nnnnXXxxxxxxxxxxxxxx`, 'rfe', A32Op.ReturnFromException, (i, f) => {
      i.index = k === 0;
      i.add = k === 1;
      i.wback = f.W === 1;
      i.rn = f.n;
      unpredictableIf(i, f.n === 15, 'RFE: n == 15');
      unpredictableIf(i, i.inItBlock && !i.lastInItBlock, 'RFE inside an IT block, not last');
    }, (i) => line(i, `rfe${MODES[k]}`, `${reg(i.rn)}${i.wback ? '!' : ''}`)));
  }
  return rows;
}

export const loadStore32Table: readonly T32Row[] = [...singleRows(), ...hintRows(), ...dualRows(), ...exclusiveRows(), ...multipleRows()];
