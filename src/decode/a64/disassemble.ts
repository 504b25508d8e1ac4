/**
 * Text for a decoded A64 instruction, in the form `llvm-mc -triple=aarch64 --disassemble` prints
 * (preferred aliases as the Arm ARM C6.2 alias conditions choose them: mov, cmp, lsl, ubfx, cset...).
 * One space separates mnemonic and operands. PC-relative targets print as `#offset`, or as an
 * absolute `0x...` address when `pc` is given.
 */
import { sysKey } from '../system-access';
import { A64Op, AddrMode } from './instruction';
import type { A64Instruction } from './instruction';
import { sysAlias, systemRegisterName } from './system-names';

const COND = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];
const SHIFT = ['lsl', 'lsr', 'asr', 'ror'];
const EXTEND = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];
const BARRIER = ['#0', 'oshld', 'oshst', 'osh', '#4', 'nshld', 'nshst', 'nsh', '#8', 'ishld', 'ishst', 'ish', '#12', 'ld', 'st', 'sy'];
/** Named hints (CRm:op2) that llvm-mc prints for Armv8.0-A; the rest print as `hint #n`. */
const HINTS: Readonly<Record<number, string>> = { 0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev', 5: 'sevl', 6: 'dgh', 20: 'csdb' };
const PRFOP_TYPE = ['pld', 'pli', 'pst'];

/** Register name: 31 is SP (`sp` true) or the zero register. */
function reg(n: number, x: boolean | number, sp = false): string {
  if (n === 31) return sp ? (x ? 'sp' : 'wsp') : x ? 'xzr' : 'wzr';
  return (x ? 'x' : 'w') + n;
}

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/** The 64-bit value hi:lo as a signed decimal string (the disassembler is off the hot path). */
function s64(lo: number, hi: number): string {
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}
function hex64(lo: number, hi: number): string {
  return '0x' + ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
}

/** True when the value fits one aligned 16-bit field (a MOVZ value). */
function wideField(lo: number, hi: number): boolean {
  let fields = 0;
  for (const part of [lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16]) if (part !== 0) fields++;
  return fields <= 1;
}

/**
 * llvm-mc prints ORR Rd, ZR, #imm as MOV unless MOVZ or MOVN could write the same value (it
 * tests the value, not the Arm ARM's MoveWidePreferred on the encoding fields).
 */
function movWideCanMake(lo: number, hi: number, x: boolean): boolean {
  if (wideField(lo >>> 0, hi >>> 0)) return true;
  return wideField(~lo >>> 0, x ? ~hi >>> 0 : 0);
}

function target(offset: number, pc: number | undefined): string {
  if (pc === undefined) return '#' + offset;
  return '0x' + (pc + offset).toString(16);
}

function shiftSuffix(type: number, amount: number): string {
  if (type === 0 && amount === 0) return '';
  return `, ${SHIFT[type]} #${amount}`;
}

function sysName(op0: number, op1: number, crn: number, crm: number, op2: number): string {
  return `S${op0}_${op1}_C${crn}_C${crm}_${op2}`;
}

/** Condition with its lowest bit flipped (the alias conditions of CSET, CINC... C6.2). */
function invert(cond: number): string {
  return COND[cond ^ 1];
}

export function disassembleA64(insn: A64Instruction, pc?: number): string {
  const i = insn;
  const x = i.sf === 1;
  const d = reg(i.rd, x);
  const n = reg(i.rn, x);
  const m = reg(i.rm, x);
  switch (i.op) {
    case A64Op.UNALLOCATED:
      return unallocatedText(i.word);
    case A64Op.FPSIMD:
      return `.inst ${hex(i.word)} // fp/simd`;
    case A64Op.UNDEFINED:
      if (i.mnemonic === 'udf') return `udf #${i.imm}`;
      if (i.mnemonic === 'hlt') return i.imm ? `hlt #${hex(i.imm)}` : 'hlt #0';
      if (i.mnemonic === 'drps') return 'drps';
      return `dcps${i.imm2}` + (i.imm ? ` #${hex(i.imm)}` : '');

    case A64Op.ADR:
    case A64Op.ADRP:
      return `${i.mnemonic} ${reg(i.rd, true)}, ${target(i.imm, pc === undefined ? undefined : i.op === A64Op.ADRP ? Math.floor(pc / 4096) * 4096 : pc)}`;
    case A64Op.ADD_SUB_IMM: {
      const sub = i.variant === 1;
      const rn = reg(i.rn, x, true);
      const imm = `#${i.shiftAmount ? i.imm / 4096 : i.imm}${i.shiftAmount ? ', lsl #12' : ''}`;
      if (!sub && !i.setFlags && (i.rd === 31 || i.rn === 31) && i.imm === 0 && i.shiftAmount === 0) return `mov ${reg(i.rd, x, true)}, ${rn}`;
      if (i.setFlags && i.rd === 31) return `${sub ? 'cmp' : 'cmn'} ${rn}, ${imm}`;
      return `${sub ? 'sub' : 'add'}${i.setFlags ? 's' : ''} ${reg(i.rd, x, !i.setFlags)}, ${rn}, ${imm}`;
    }
    case A64Op.LOGIC_IMM: {
      const imm = x ? hex64(i.imm, i.immHi) : hex(i.imm);
      const rd = reg(i.rd, x, i.variant !== 3);
      if (i.variant === 3 && i.rd === 31) return `tst ${n}, #${imm}`;
      if (i.variant === 1 && i.rn === 31 && !movWideCanMake(i.imm, x ? i.immHi : 0, x)) {
        return `mov ${rd}, #${x ? s64(i.imm, i.immHi) : String(i.imm | 0)}`;
      }
      return `${['and', 'orr', 'eor', 'ands'][i.variant]} ${rd}, ${n}, #${imm}`;
    }
    case A64Op.MOVZ:
    case A64Op.MOVN: {
      const hw = i.shiftAmount;
      const plain = `${i.mnemonic} ${d}, #${i.imm}${hw ? `, lsl #${hw}` : ''}`;
      if (i.imm === 0 && hw !== 0) return plain;
      // The value is imm16 << hw (MOVZ) or its complement (MOVN); as halves.
      let lo = hw < 32 ? (i.imm << hw) >>> 0 : 0;
      let hi = hw >= 32 ? (i.imm << (hw - 32)) >>> 0 : 0;
      if (i.op === A64Op.MOVN) {
        if (!x && i.imm === 0xffff) return plain;
        lo = ~lo >>> 0;
        hi = ~hi >>> 0;
        return `mov ${d}, #${x ? s64(lo, hi) : String(lo | 0)}`;
      }
      return `mov ${d}, #${x ? s64(lo, hi) : String(lo | 0)}`;
    }
    case A64Op.MOVK:
      return `movk ${d}, #${i.imm}${i.shiftAmount ? `, lsl #${i.shiftAmount}` : ''}`;
    case A64Op.SBFM:
    case A64Op.UBFM:
    case A64Op.BFM:
      return bitfieldText(i);
    case A64Op.EXTR:
      if (i.rn === i.rm) return `ror ${d}, ${n}, #${i.shiftAmount}`;
      return `extr ${d}, ${n}, ${m}, #${i.shiftAmount}`;

    case A64Op.B:
    case A64Op.BL:
      return `${i.mnemonic} ${target(i.imm, pc)}`;
    case A64Op.B_COND:
      return `b.${COND[i.cond]} ${target(i.imm, pc)}`;
    case A64Op.CBZ:
    case A64Op.CBNZ:
      return `${i.mnemonic} ${reg(i.rt, x)}, ${target(i.imm, pc)}`;
    case A64Op.TBZ:
    case A64Op.TBNZ:
      return `${i.mnemonic} ${reg(i.rt, x)}, #${i.imm2}, ${target(i.imm, pc)}`;
    case A64Op.BR:
    case A64Op.BLR:
      return `${i.mnemonic} ${reg(i.rn, true)}`;
    case A64Op.RET:
      return i.rn === 30 ? 'ret' : `ret ${reg(i.rn, true)}`;
    case A64Op.ERET:
      return 'eret';
    case A64Op.SVC:
    case A64Op.HVC:
    case A64Op.SMC:
    case A64Op.BRK:
      return `${i.mnemonic} #${hex(i.imm)}`.replace('#0x0', '#0');

    case A64Op.HINT:
    case A64Op.WFE:
    case A64Op.WFI:
    case A64Op.SEV:
    case A64Op.SEVL:
      return HINTS[i.imm] ?? `hint #${i.imm}`;
    case A64Op.CLREX:
      return i.imm === 15 ? 'clrex' : `clrex #${i.imm}`;
    case A64Op.DSB:
      if (i.imm === 0) return 'ssbb';
      if (i.imm === 4) return 'pssbb';
      return `dsb ${BARRIER[i.imm]}`;
    case A64Op.DMB:
      return `dmb ${BARRIER[i.imm]}`;
    case A64Op.ISB:
      return i.imm === 15 ? 'isb' : `isb #${i.imm}`;
    case A64Op.MSR_IMM: {
      const field = i.imm2 === 0b000101 ? 'SPSel' : i.imm2 === 0b011110 ? 'DAIFSet' : 'DAIFClr';
      return `msr ${field}, #${i.imm}`;
    }
    case A64Op.SYS:
    case A64Op.SYSL:
    case A64Op.MRS:
    case A64Op.MSR_REG:
      return systemText(i);

    case A64Op.LOGIC_SHIFTED: {
      const name = [
        ['and', 'bic'],
        ['orr', 'orn'],
        ['eor', 'eon'],
        ['ands', 'bics'],
      ][i.variant][i.imm2];
      const sh = shiftSuffix(i.shiftType, i.shiftAmount);
      if (name === 'orr' && i.rn === 31 && i.shiftType === 0 && i.shiftAmount === 0) return `mov ${d}, ${m}`;
      if (name === 'orn' && i.rn === 31) return `mvn ${d}, ${m}${sh}`;
      if (name === 'ands' && i.rd === 31) return `tst ${n}, ${m}${sh}`;
      return `${name} ${d}, ${n}, ${m}${sh}`;
    }
    case A64Op.ADD_SUB_SHIFTED: {
      const sub = i.variant === 1;
      const s = i.setFlags ? 's' : '';
      const sh = shiftSuffix(i.shiftType, i.shiftAmount);
      if (i.setFlags && i.rd === 31) return `${sub ? 'cmp' : 'cmn'} ${n}, ${m}${sh}`;
      if (sub && i.rn === 31) return `neg${s} ${d}, ${m}${sh}`;
      return `${sub ? 'sub' : 'add'}${s} ${d}, ${n}, ${m}${sh}`;
    }
    case A64Op.ADD_SUB_EXT: {
      const sub = i.variant === 1;
      const rn = reg(i.rn, x, true);
      const rm = reg(i.rm, x && (i.shiftType & 3) === 3);
      // With SP as Rd or Rn, UXTX (UXTW for 32-bit) prints as LSL, omitted when the amount is 0.
      const spForm = (i.setFlags ? i.rn === 31 : i.rd === 31 || i.rn === 31) && i.shiftType === (x ? 3 : 2);
      const ext = spForm ? (i.shiftAmount ? `, lsl #${i.shiftAmount}` : '') : `, ${EXTEND[i.shiftType]}${i.shiftAmount ? ` #${i.shiftAmount}` : ''}`;
      if (i.setFlags && i.rd === 31) return `${sub ? 'cmp' : 'cmn'} ${rn}, ${rm}${ext}`;
      return `${sub ? 'sub' : 'add'}${i.setFlags ? 's' : ''} ${reg(i.rd, x, !i.setFlags)}, ${rn}, ${rm}${ext}`;
    }
    case A64Op.ADC_SBC: {
      const s = i.setFlags ? 's' : '';
      if (i.variant === 1 && i.rn === 31) return `ngc${s} ${d}, ${m}`;
      return `${i.variant ? 'sbc' : 'adc'}${s} ${d}, ${n}, ${m}`;
    }
    case A64Op.CCMP_REG:
    case A64Op.CCMP_IMM: {
      const name = i.variant ? 'ccmp' : 'ccmn';
      const second = i.op === A64Op.CCMP_IMM ? `#${i.imm}` : m;
      return `${name} ${n}, ${second}, #${i.imm2}, ${COND[i.cond]}`;
    }
    case A64Op.CSEL: {
      const always = i.cond >= 14;
      if (i.variant === 1 || i.variant === 2) {
        const set = i.variant === 1 ? 'cset' : 'csetm';
        const inc = i.variant === 1 ? 'cinc' : 'cinv';
        if (!always && i.rn === 31 && i.rm === 31) return `${set} ${d}, ${invert(i.cond)}`;
        if (!always && i.rn === i.rm && i.rn !== 31) return `${inc} ${d}, ${n}, ${invert(i.cond)}`;
      } else if (i.variant === 3) {
        if (!always && i.rn === i.rm) return `cneg ${d}, ${n}, ${invert(i.cond)}`;
      }
      return `${['csel', 'csinc', 'csinv', 'csneg'][i.variant]} ${d}, ${n}, ${m}, ${COND[i.cond]}`;
    }
    case A64Op.RBIT:
    case A64Op.REV16:
    case A64Op.REV32:
    case A64Op.REV64:
    case A64Op.CLZ:
    case A64Op.CLS:
      return `${i.mnemonic} ${d}, ${n}`;
    case A64Op.UDIV:
    case A64Op.SDIV:
      return `${i.mnemonic} ${d}, ${n}, ${m}`;
    case A64Op.LSLV:
    case A64Op.LSRV:
    case A64Op.ASRV:
    case A64Op.RORV:
      return `${i.mnemonic.slice(0, 3)} ${d}, ${n}, ${m}`;
    case A64Op.CRC32:
    case A64Op.CRC32C:
      // The accumulator and result are always W registers; only the X forms take Xm.
      return `${i.mnemonic} ${reg(i.rd, false)}, ${reg(i.rn, false)}, ${m}`;
    case A64Op.MADD:
    case A64Op.MSUB: {
      if (i.ra === 31) return `${i.op === A64Op.MADD ? 'mul' : 'mneg'} ${d}, ${n}, ${m}`;
      return `${i.mnemonic} ${d}, ${n}, ${m}, ${reg(i.ra, x)}`;
    }
    case A64Op.SMADDL:
    case A64Op.SMSUBL:
    case A64Op.UMADDL:
    case A64Op.UMSUBL: {
      const wn = reg(i.rn, false);
      const wm = reg(i.rm, false);
      if (i.ra === 31) {
        const alias = { smaddl: 'smull', smsubl: 'smnegl', umaddl: 'umull', umsubl: 'umnegl' }[i.mnemonic];
        return `${alias} ${d}, ${wn}, ${wm}`;
      }
      return `${i.mnemonic} ${d}, ${wn}, ${wm}, ${reg(i.ra, true)}`;
    }
    case A64Op.SMULH:
    case A64Op.UMULH:
      return `${i.mnemonic} ${d}, ${n}, ${m}`;

    case A64Op.LDR:
    case A64Op.LDRS:
    case A64Op.STR:
    case A64Op.PRFM:
      return loadStoreText(i);
    case A64Op.LDR_LIT:
    case A64Op.LDRSW_LIT:
      return `${i.mnemonic} ${reg(i.rt, x)}, ${target(i.imm, pc)}`;
    case A64Op.PRFM_LIT:
      return `prfm ${prfop(i.rt)}, ${target(i.imm, pc)}`;
    case A64Op.LDP:
    case A64Op.STP:
    case A64Op.LDPSW:
      return `${i.mnemonic} ${reg(i.rt, x)}, ${reg(i.rt2, x)}, ${address(i)}`;
    case A64Op.LDXR:
    case A64Op.LDAR:
      return `${i.mnemonic} ${reg(i.rt, x)}, [${reg(i.rn, true, true)}]`;
    case A64Op.STXR:
      return `${i.mnemonic} ${reg(i.rs, false)}, ${reg(i.rt, x)}, [${reg(i.rn, true, true)}]`;
    case A64Op.STLR:
      return `${i.mnemonic} ${reg(i.rt, x)}, [${reg(i.rn, true, true)}]`;
    case A64Op.LDXP:
      return `${i.mnemonic} ${reg(i.rt, x)}, ${reg(i.rt2, x)}, [${reg(i.rn, true, true)}]`;
    case A64Op.STXP:
      return `${i.mnemonic} ${reg(i.rs, false)}, ${reg(i.rt, x)}, ${reg(i.rt2, x)}, [${reg(i.rn, true, true)}]`;
  }
  return `.inst ${hex(i.word)}`;
}

/** Bitfield aliases (C6.2 SBFM/UBFM/BFM "preferred disassembly"). */
function bitfieldText(i: A64Instruction): string {
  const x = i.sf === 1;
  const width = x ? 64 : 32;
  const r = i.imm2;
  const s = i.shiftAmount;
  const d = reg(i.rd, x);
  const n = reg(i.rn, x);
  if (i.op === A64Op.SBFM) {
    if (s === width - 1) return `asr ${d}, ${n}, #${r}`;
    if (r === 0 && (s === 7 || s === 15 || (x && s === 31))) return `${s === 7 ? 'sxtb' : s === 15 ? 'sxth' : 'sxtw'} ${d}, ${reg(i.rn, false)}`;
    if (s < r) return `sbfiz ${d}, ${n}, #${width - r}, #${s + 1}`;
    return `sbfx ${d}, ${n}, #${r}, #${s - r + 1}`;
  }
  if (i.op === A64Op.UBFM) {
    if (s !== width - 1 && s + 1 === r) return `lsl ${d}, ${n}, #${width - 1 - s}`;
    if (s === width - 1) return `lsr ${d}, ${n}, #${r}`;
    if (!x && r === 0 && (s === 7 || s === 15)) return `${s === 7 ? 'uxtb' : 'uxth'} ${d}, ${n}`;
    if (s < r) return `ubfiz ${d}, ${n}, #${width - r}, #${s + 1}`;
    return `ubfx ${d}, ${n}, #${r}, #${s - r + 1}`;
  }
  if (s < r) return `bfi ${d}, ${n}, #${width - r}, #${s + 1}`;
  return `bfxil ${d}, ${n}, #${r}, #${s - r + 1}`;
}

function systemText(i: A64Instruction): string {
  const a = i.sys;
  if (a === null) return `.inst ${hex(i.word)}`;
  const key = sysKey(a);
  const xt = reg(a.rt, true);
  if (i.op === A64Op.SYS) {
    const al = sysAlias(key);
    if (al !== null) return al.takesRegister ? `${al.instruction} ${al.operation}, ${xt}` : `${al.instruction} ${al.operation}`;
    return `sys #${a.op1}, c${a.crn}, c${a.crm}, #${a.op2}${a.rt === 31 ? '' : `, ${xt}`}`;
  }
  if (i.op === A64Op.SYSL) return `sysl ${xt}, #${a.op1}, c${a.crn}, c${a.crm}, #${a.op2}`;
  const name = systemRegisterName(key, a.read) ?? sysName(a.op0, a.op1, a.crn, a.crm, a.op2);
  return a.read ? `mrs ${xt}, ${name}` : `msr ${name}, ${xt}`;
}

/** llvm-mc prints unallocated words of the op0=0 system space as generic MSR/MRS. */
function unallocatedText(word: number): string {
  if (word >>> 22 === 0b1101010100) {
    const l = (word >>> 21) & 1;
    const op0 = (word >>> 19) & 3;
    const name = sysName(op0, (word >>> 16) & 7, (word >>> 12) & 15, (word >>> 8) & 15, (word >>> 5) & 7);
    const xt = reg(word & 31, true);
    return l ? `mrs ${xt}, ${name}` : `msr ${name}, ${xt}`;
  }
  return `.inst ${hex(word)} // unallocated`;
}

function prfop(rt: number): string {
  const type = rt >>> 3;
  const level = (rt >>> 1) & 3;
  if (type === 3 || level === 3) return `#${rt}`;
  return `${PRFOP_TYPE[type]}l${level + 1}${rt & 1 ? 'strm' : 'keep'}`;
}

function address(i: A64Instruction): string {
  const base = reg(i.rn, true, true);
  switch (i.variant) {
    case AddrMode.PRE_INDEX:
      return `[${base}, #${i.imm}]!`;
    case AddrMode.POST_INDEX:
      return `[${base}], #${i.imm}`;
    case AddrMode.REGISTER: {
      const rm = reg(i.rm, (i.shiftType & 3) === 3);
      if (i.shiftType === 3) return i.imm2 ? `[${base}, ${rm}, lsl #${i.shiftAmount}]` : `[${base}, ${rm}]`;
      return `[${base}, ${rm}, ${EXTEND[i.shiftType]}${i.imm2 ? ` #${i.shiftAmount}` : ''}]`;
    }
    default:
      return i.imm === 0 ? `[${base}]` : `[${base}, #${i.imm}]`;
  }
}

function loadStoreText(i: A64Instruction): string {
  const addr = address(i);
  if (i.op === A64Op.PRFM) return `${i.variant === AddrMode.UNSCALED ? 'prfum' : 'prfm'} ${prfop(i.rt)}, ${addr}`;
  const base = i.op === A64Op.STR ? 'st' : 'ld';
  const form = i.variant === AddrMode.UNSCALED ? 'ur' : i.variant === AddrMode.UNPRIVILEGED ? 'tr' : 'r';
  const signed = i.op === A64Op.LDRS ? 's' : '';
  const suffix = ['b', 'h', signed ? 'w' : '', ''][i.size];
  return `${base}${form}${signed}${suffix} ${reg(i.rt, i.sf === 1)}, ${addr}`;
}
