/**
 * Load/store rows (Arm ARM F4 "Load/Store Word, Unsigned Byte", "Extra load/store",
 * "Synchronization primitives and Load-Acquire/Store-Release", "Load/Store Multiple"), with the
 * UNPREDICTABLE register rules from each instruction's F5 encoding pseudocode.
 */
import { type A32Instruction, A32Op } from './instruction';
import { type A32Row, type Fields, unpredictableIf } from './row';
import { line, reg, registerList, shiftSuffix } from './format';
import { decodeImmShift } from './rows-data-processing';

function row(pattern: string, mnemonic: string, op: A32Op, decode: A32Row['decode'], format: A32Row['format']): A32Row {
  return { pattern, mnemonic, op, decode, format };
}

/** `[rn, #-4]!`, `[rn], r2, lsl #2` ... for the single-register loads and stores. */
export function addressText(i: A32Instruction): string {
  const base = reg(i.rn);
  const sign = i.add ? '' : '-';
  let offset: string;
  if (i.regOffset) offset = `${sign}${reg(i.rm)}${shiftSuffix(i.shiftType, i.shiftAmount)}`;
  else offset = `#${sign}${i.imm}`;
  if (!i.index) return `[${base}], ${offset}`;
  if (!i.regOffset && i.imm === 0 && i.add && !i.wback) return `[${base}]`;
  return `[${base}, ${offset}]${i.wback ? '!' : ''}`;
}

function addressing(i: A32Instruction, f: Fields, unprivileged: boolean, load: boolean): void {
  i.rn = f.n;
  i.rt = f.t;
  i.load = load;
  i.index = !unprivileged && f.P === 1;
  i.add = f.U === 1;
  i.wback = unprivileged || f.P === 0 || f.W === 1;
  i.unprivileged = unprivileged;
}

// ---- word and unsigned byte (LDR, STR, LDRB, STRB and the T forms) ----

function wordByteDecode(unprivileged: boolean, regForm: boolean, load: boolean, byte: boolean) {
  return (i: A32Instruction, f: Fields) => {
    addressing(i, f, unprivileged, load);
    i.size = byte ? 1 : 4;
    if (regForm) {
      i.regOffset = true;
      i.rm = f.m;
      decodeImmShift(i, f.h, f.i);
    } else {
      i.imm = f.i;
    }
    const t = i.rt;
    const n = i.rn;
    if (unprivileged) {
      // LDRT/STRT/LDRBT/STRBT: n == 15 || n == t (and t == 15 for loads and byte forms, m == 15).
      unpredictableIf(i, n === 15 || n === t, `${i.mnemonic}: n == 15 or n == t`);
      unpredictableIf(i, (i.load || byte) && t === 15, `${i.mnemonic}: t == 15`);
    } else {
      unpredictableIf(i, byte && t === 15, `${i.mnemonic}: t == 15`);
      unpredictableIf(i, i.wback && (n === 15 || n === t), `${i.mnemonic}: writeback with n == 15 or n == t`);
    }
    unpredictableIf(i, regForm && i.rm === 15, `${i.mnemonic}: m == 15`);
  };
}

function wordByteRows(): A32Row[] {
  const rows: A32Row[] = [];
  for (const L of [0, 1]) {
    for (const B of [0, 1]) {
      const base = (L ? 'ldr' : 'str') + (B ? 'b' : '');
      const lb = (head: string, w: string, tail: string) => `cccc${head}U${B}${w}${L}nnnntttt${tail}`;
      const text = (mn: string) => (i: A32Instruction) => line(i, mn, `${reg(i.rt)}, ${addressText(i)}`);
      const ld = L === 1;
      const byte = B === 1;
      rows.push(row(lb('010P', 'W', 'iiiiiiiiiiii'), base, A32Op.LoadStoreWordByte, wordByteDecode(false, false, ld, byte), text(base)));
      rows.push(row(lb('0100', '1', 'iiiiiiiiiiii'), base + 't', A32Op.LoadStoreWordByte, wordByteDecode(true, false, ld, byte), text(base + 't')));
      rows.push(row(lb('011P', 'W', 'iiiiihh0mmmm'), base, A32Op.LoadStoreWordByte, wordByteDecode(false, true, ld, byte), text(base)));
      rows.push(row(lb('0110', '1', 'iiiiihh0mmmm'), base + 't', A32Op.LoadStoreWordByte, wordByteDecode(true, true, ld, byte), text(base + 't')));
    }
  }
  return rows;
}

// ---- extra loads and stores: halfword, signed byte/halfword, dual ----

/** [L, op2 bits 6:5] -> mnemonic, size, signed. LDRD/STRD are the L=0 op2=1x pair. */
const EXTRA_FORMS: readonly { L: number; sh: number; mn: string; size: number; signed: boolean }[] = [
  { L: 0, sh: 0b01, mn: 'strh', size: 2, signed: false },
  { L: 1, sh: 0b01, mn: 'ldrh', size: 2, signed: false },
  { L: 1, sh: 0b10, mn: 'ldrsb', size: 1, signed: true },
  { L: 1, sh: 0b11, mn: 'ldrsh', size: 2, signed: true },
];

function extraDecode(unprivileged: boolean, regForm: boolean, load: boolean) {
  return (i: A32Instruction, f: Fields) => {
    addressing(i, f, unprivileged, load);
    if (regForm) {
      i.regOffset = true;
      i.rm = f.m;
    } else {
      i.imm = (f.j << 4) | f.i;
    }
    const t = i.rt;
    const n = i.rn;
    if (unprivileged) {
      // LDRHT/STRHT/LDRSBT/LDRSHT: t == 15 || n == 15 || n == t (|| m == 15).
      unpredictableIf(i, t === 15 || n === 15 || n === t, `${i.mnemonic}: t == 15, n == 15 or n == t`);
    } else {
      unpredictableIf(i, t === 15, `${i.mnemonic}: t == 15`);
      unpredictableIf(i, i.wback && (n === 15 || n === t), `${i.mnemonic}: writeback with n == 15 or n == t`);
    }
    unpredictableIf(i, regForm && i.rm === 15, `${i.mnemonic}: m == 15`);
  };
}

function dualDecode(regForm: boolean, load: boolean) {
  return (i: A32Instruction, f: Fields) => {
    addressing(i, f, false, load);
    i.size = 8;
    i.rt2 = (i.rt + 1) & 15;
    if (regForm) {
      i.regOffset = true;
      i.rm = f.m;
    } else {
      i.imm = (f.j << 4) | f.i;
    }
    const { rt: t, rt2: t2, rn: n, rm: m } = i;
    // LDRD/STRD: Rt<0> == 1, P == 0 && W == 1, t2 == 15, writeback overlapping n are UNPREDICTABLE.
    unpredictableIf(i, (t & 1) === 1, `${i.mnemonic}: Rt is odd`);
    unpredictableIf(i, f.P === 0 && f.W === 1, `${i.mnemonic}: P == 0 and W == 1`);
    unpredictableIf(i, t2 === 15, `${i.mnemonic}: t2 == 15`);
    unpredictableIf(i, i.wback && (n === 15 || n === t || n === t2), `${i.mnemonic}: writeback with n == 15, t or t2`);
    if (regForm) {
      unpredictableIf(i, m === 15, `${i.mnemonic}: m == 15`);
      unpredictableIf(i, i.load && (m === t || m === t2), `${i.mnemonic}: m == t or m == t2`);
    }
  };
}

function extraRows(): A32Row[] {
  const rows: A32Row[] = [];
  for (const { L, sh, mn, size, signed } of EXTRA_FORMS) {
    const op = sh.toString(2).padStart(2, '0');
    const text = (m: string) => (i: A32Instruction) => line(i, m, `${reg(i.rt)}, ${addressText(i)}`);
    const set = (d: A32Row['decode']) => (i: A32Instruction, f: Fields) => {
      i.size = size;
      i.signed = signed;
      d(i, f);
    };
    rows.push(row(`cccc000PU1W${L}nnnnttttjjjj1${op}1iiii`, mn, A32Op.LoadStoreExtra, set(extraDecode(false, false, L === 1)), text(mn)));
    rows.push(row(`cccc000PU0W${L}nnnnttttxxxx1${op}1mmmm`, mn, A32Op.LoadStoreExtra, set(extraDecode(false, true, L === 1)), text(mn)));
    rows.push(row(`cccc0000U11${L}nnnnttttjjjj1${op}1iiii`, mn + 't', A32Op.LoadStoreExtra, set(extraDecode(true, false, L === 1)), text(mn + 't')));
    rows.push(row(`cccc0000U01${L}nnnnttttxxxx1${op}1mmmm`, mn + 't', A32Op.LoadStoreExtra, set(extraDecode(true, true, L === 1)), text(mn + 't')));
  }
  for (const [mn, sh, load] of [['ldrd', '10', true], ['strd', '11', false]] as const) {
    const text = (i: A32Instruction) => line(i, mn, `${reg(i.rt)}, ${reg(i.rt2)}, ${addressText(i)}`);
    rows.push(row(`cccc000PU1W0nnnnttttjjjj1${sh}1iiii`, mn, A32Op.LoadStoreDual, dualDecode(false, load), text));
    rows.push(row(`cccc000PU0W0nnnnttttxxxx1${sh}1mmmm`, mn, A32Op.LoadStoreDual, dualDecode(true, load), text));
  }
  return rows;
}

// ---- exclusives, acquire/release, swap ----

/** bits[22:21] of the synchronization primitives: 00 word, 01 doubleword, 10 byte, 11 halfword. */
const SYNC_SIZES: readonly { bits: string; suffix: string; size: number }[] = [
  { bits: '00', suffix: '', size: 4 },
  { bits: '01', suffix: 'd', size: 8 },
  { bits: '10', suffix: 'b', size: 1 },
  { bits: '11', suffix: 'h', size: 2 },
];

function syncRows(): A32Row[] {
  const rows: A32Row[] = [];
  // bits[9:8]: 11 LDREX/STREX, 10 LDAEX/STLEX (v8), 00 LDA/STL (v8, no doubleword).
  const kinds = [
    { ex: '11', load: 'ldrex', store: 'strex', exclusive: true },
    { ex: '10', load: 'ldaex', store: 'stlex', exclusive: true },
    { ex: '00', load: 'lda', store: 'stl', exclusive: false },
  ];
  for (const k of kinds) {
    for (const s of SYNC_SIZES) {
      if (!k.exclusive && s.size === 8) continue;
      const ld = k.load + s.suffix;
      const st = k.store + s.suffix;
      const dual = s.size === 8;
      rows.push(
        row(`cccc00011${s.bits}1nnnnttttXX${k.ex}1001XXXX`, ld, k.exclusive ? A32Op.LoadExclusive : A32Op.LoadAcquire, (i, f) => {
          i.load = true;
          i.size = s.size;
          i.rn = f.n;
          i.rt = f.t;
          i.rt2 = dual ? (f.t + 1) & 15 : 0;
          i.sub = k.ex === '11' ? 0 : 1; // 1: acquire semantics
          unpredictableIf(i, f.n === 15, `${ld}: n == 15`);
          unpredictableIf(i, dual ? (f.t & 1) === 1 || f.t === 14 : f.t === 15, `${ld}: bad Rt`);
        }, (i) => line(i, ld, `${reg(i.rt)}, ${dual ? reg(i.rt2) + ', ' : ''}[${reg(i.rn)}]`)),
      );
      if (k.exclusive) {
        rows.push(
          row(`cccc00011${s.bits}0nnnnddddXX${k.ex}1001tttt`, st, A32Op.StoreExclusive, (i, f) => {
            i.size = s.size;
            i.rn = f.n;
            i.rd = f.d;
            i.rt = f.t;
            i.rt2 = dual ? (f.t + 1) & 15 : 0;
            i.sub = k.ex === '11' ? 0 : 1;
            unpredictableIf(i, f.d === 15 || f.n === 15, `${st}: d or n == 15`);
            unpredictableIf(i, dual ? (f.t & 1) === 1 || f.t === 14 : f.t === 15, `${st}: bad Rt`);
            unpredictableIf(i, f.d === f.n || f.d === f.t || (dual && f.d === i.rt2), `${st}: d overlaps n or t`);
          }, (i) => line(i, st, `${reg(i.rd)}, ${reg(i.rt)}, ${dual ? reg(i.rt2) + ', ' : ''}[${reg(i.rn)}]`)),
        );
      } else {
        rows.push(
          row(`cccc00011${s.bits}0nnnnXXXXXX${k.ex}1001tttt`, st, A32Op.StoreRelease, (i, f) => {
            i.size = s.size;
            i.rn = f.n;
            i.rt = f.t;
            unpredictableIf(i, f.n === 15 || f.t === 15, `${st}: n or t == 15`);
          }, (i) => line(i, st, `${reg(i.rt)}, [${reg(i.rn)}]`)),
        );
      }
    }
  }
  // SWP/SWPB (F5 "SWP, SWPB"): Rt bits[15:12], Rt2 bits[3:0].
  rows.push(
    row('cccc00010B00nnnnttttxxxx1001uuuu', 'swp', A32Op.Swap, (i, f) => {
      i.size = f.B ? 1 : 4;
      i.rn = f.n;
      i.rt = f.t;
      i.rt2 = f.u;
      unpredictableIf(i, f.t === 15 || f.u === 15 || f.n === 15 || f.n === f.t || f.n === f.u, `${i.mnemonic}: register overlap or PC`);
    }, (i) => line(i, i.size === 1 ? 'swpb' : 'swp', `${reg(i.rt)}, ${reg(i.rt2)}, [${reg(i.rn)}]`)),
  );
  return rows;
}

// ---- load/store multiple ----

const LDM_MODES = ['da', '', 'db', 'ib'];

function popcount16(x: number): number {
  let n = 0;
  for (let b = x & 0xffff; b; b &= b - 1) n++;
  return n;
}

function multipleText(i: A32Instruction, userSuffix: boolean): string {
  const mode = LDM_MODES[(i.index ? 2 : 0) | (i.add ? 1 : 0)];
  const base = i.load ? 'ldm' : 'stm';
  const count = popcount16(i.registers);
  // PUSH is STMDB SP! and POP is LDMIA SP! with two or more registers (F5 "PUSH", "POP").
  if (!userSuffix && i.rn === 13 && i.wback && count >= 2) {
    if (!i.load && mode === 'db') return line(i, 'push', registerList(i.registers));
    if (i.load && mode === '') return line(i, 'pop', registerList(i.registers));
  }
  return line(i, base + mode, `${reg(i.rn)}${i.wback ? '!' : ''}, ${registerList(i.registers)}${userSuffix ? ' ^' : ''}`);
}

function multipleDecode(i: A32Instruction, f: Fields): void {
  i.rn = f.n;
  i.load = f.L === 1;
  i.index = f.P === 1;
  i.add = f.U === 1;
  i.wback = f.W === 1;
  i.registers = f.r;
  unpredictableIf(i, f.n === 15 || f.r === 0, `${i.mnemonic}: n == 15 or empty register list`);
}

function multipleRows(): A32Row[] {
  return [
    row('cccc100PU0WLnnnnrrrrrrrrrrrrrrrr', 'ldm', A32Op.LoadStoreMultiple, (i, f) => {
      multipleDecode(i, f);
      // LDM with writeback and Rn in the list is UNPREDICTABLE from ARMv7.
      unpredictableIf(i, i.load && i.wback && ((f.r >>> f.n) & 1) === 1, 'LDM: writeback with Rn in the list');
    }, (i) => multipleText(i, false)),
    // User-register forms: bit 21 is (0) (W == 1 is UNPREDICTABLE).
    row('cccc100PU1W0nnnnrrrrrrrrrrrrrrrr', 'stm', A32Op.StoreMultipleUser, (i, f) => {
      multipleDecode(i, f);
      unpredictableIf(i, f.W === 1, 'STM (User registers): W == 1');
    }, (i) => multipleText(i, true)),
    row('cccc100PU1W1nnnn0rrrrrrrrrrrrrrr', 'ldm', A32Op.LoadMultipleUser, (i, f) => {
      multipleDecode(i, { ...f, L: 1 });
      unpredictableIf(i, f.W === 1, 'LDM (User registers): W == 1');
    }, (i) => multipleText(i, true)),
    row('cccc100PU1W1nnnn1rrrrrrrrrrrrrrr', 'ldm', A32Op.LoadMultipleExceptionReturn, (i, f) => {
      multipleDecode(i, { ...f, L: 1, r: f.r | 0x8000 });
      unpredictableIf(i, i.wback && ((i.registers >>> f.n) & 1) === 1, 'LDM (exception return): writeback with Rn in the list');
    }, (i) => multipleText(i, true)),
  ];
}

export const loadStoreTable: readonly A32Row[] = [...wordByteRows(), ...extraRows(), ...syncRows(), ...multipleRows()];
