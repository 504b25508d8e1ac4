/**
 * Branch, status register, hint, exception-generating and coprocessor rows (Arm ARM F4
 * "Miscellaneous", "Branch, branch with link, and block data transfer", "System register access,
 * Advanced SIMD, floating-point, and Supervisor call"), and the unconditional space
 * (F4 "Unconditional instructions").
 */
import { type A32Instruction, A32Op } from './instruction';
import { type A32Row, type Fields, signExtend, unpredictableIf } from './row';
import { hex, line, reg } from './format';
import { addressText } from './rows-load-store';
import { canonicalRotation, decodeImmShift } from './rows-data-processing';

function row(pattern: string, mnemonic: string, op: A32Op, decode: A32Row['decode'], format: A32Row['format']): A32Row {
  return { pattern, mnemonic, op, decode, format };
}

// ---- banked registers (Arm ARM F5 "MRS (Banked register)", G1 "Banked register transfer") ----

/** SYSm (5 bits) -> register name, for R = 0; undefined names are UNPREDICTABLE. */
const BANKED_NAMES_R0: Record<number, string> = {
  0b00000: 'r8_usr', 0b00001: 'r9_usr', 0b00010: 'r10_usr', 0b00011: 'r11_usr', 0b00100: 'r12_usr', 0b00101: 'sp_usr', 0b00110: 'lr_usr',
  0b01000: 'r8_fiq', 0b01001: 'r9_fiq', 0b01010: 'r10_fiq', 0b01011: 'r11_fiq', 0b01100: 'r12_fiq', 0b01101: 'sp_fiq', 0b01110: 'lr_fiq',
  0b10000: 'lr_irq', 0b10001: 'sp_irq', 0b10010: 'lr_svc', 0b10011: 'sp_svc', 0b10100: 'lr_abt', 0b10101: 'sp_abt',
  0b10110: 'lr_und', 0b10111: 'sp_und', 0b11100: 'lr_mon', 0b11101: 'sp_mon', 0b11110: 'elr_hyp', 0b11111: 'sp_hyp',
};
const BANKED_NAMES_R1: Record<number, string> = {
  0b01110: 'SPSR_fiq', 0b10000: 'SPSR_irq', 0b10010: 'SPSR_svc', 0b10100: 'SPSR_abt', 0b10110: 'SPSR_und', 0b11100: 'SPSR_mon', 0b11110: 'SPSR_hyp',
};

/** Name of the banked register (`imm` = R:SYSm) or undefined when the encoding is UNPREDICTABLE. */
export function bankedRegisterName(rSysm: number): string | undefined {
  return rSysm & 0x20 ? BANKED_NAMES_R1[rSysm & 0x1f] : BANKED_NAMES_R0[rSysm & 0x1f];
}

function bankedDecode(i: A32Instruction, f: Fields, reg: number): void {
  i.imm = (f.R << 5) | (f.k << 4) | f.M;
  unpredictableIf(i, reg === 15, `${i.mnemonic}: register is the PC`);
  unpredictableIf(i, bankedRegisterName(i.imm) === undefined, `${i.mnemonic}: reserved SYSm`);
}

/** MSR field mask text (llvm-mc: APSR_ forms for R=0 with only f/s bits, otherwise CPSR_/SPSR_ + fsxc). */
export function msrTarget(spsr: boolean, mask: number): string {
  if (!spsr) {
    if (mask === 0b1000) return 'APSR_nzcvq';
    if (mask === 0b0100) return 'APSR_g';
    if (mask === 0b1100) return 'APSR_nzcvqg';
  }
  let letters = '';
  if (mask & 8) letters += 'f';
  if (mask & 4) letters += 's';
  if (mask & 2) letters += 'x';
  if (mask & 1) letters += 'c';
  return `${spsr ? 'SPSR' : 'CPSR'}_${letters}`;
}

// ---- hints and barriers ----

/** Hint numbers (F5 "NOP", "YIELD", "WFE", "WFI", "SEV", "CSDB"; DBG #n is 0xF0-0xFF). */
export const HintOp = { NOP: 0, YIELD: 1, WFE: 2, WFI: 3, SEV: 4, SEVL: 5 } as const;
const HINT_NAMES: Record<number, string> = { 0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev', 0x14: 'csdb' };

function hintText(i: A32Instruction): string {
  const name = HINT_NAMES[i.sub];
  if (name !== undefined) return line(i, name, '');
  if ((i.sub & 0xf0) === 0xf0) return line(i, 'dbg', `#${i.sub & 15}`);
  return line(i, 'hint', `#${i.sub}`);
}

/** DMB/DSB option names (F5 "DMB": option field). */
export const BARRIER_OPTIONS: Record<number, string> = { 15: 'sy', 14: 'st', 11: 'ish', 10: 'ishst', 7: 'nsh', 6: 'nshst', 3: 'osh', 2: 'oshst' };
export const BarrierOp = { DSB: 0, DMB: 1, ISB: 2 } as const;

// ---- coprocessor moves ----

function coprocText(i: A32Instruction): string {
  const c = i.coproc!;
  if (c.wide) return line(i, c.read ? 'mrrc' : 'mcrr', `p${c.coproc}, #${c.opc1}, ${reg(c.rt)}, ${reg(c.rt2)}, c${c.crm}`);
  const rt = c.read && c.rt === 15 ? 'apsr_nzcv' : reg(c.rt);
  return line(i, c.read ? 'mrc' : 'mcr', `p${c.coproc}, #${c.opc1}, ${rt}, c${c.crn}, c${c.crm}, #${c.opc2}`);
}

const CPS_FLAGS = ['f', 'i', 'a'];

export const systemTable: readonly A32Row[] = [
  // ---- branches ----
  row('cccc101Liiiiiiiiiiiiiiiiiiiiiiii', 'b', A32Op.Branch, (i, f) => {
    i.imm = signExtend(f.i << 2, 26);
    i.sub = f.L;
  }, (i) => line(i, i.sub ? 'bl' : 'b', `#${i.imm}`)),
  row('cccc000100101111111111110001mmmm', 'bx', A32Op.BranchExchange, (i, f) => {
    i.rm = f.m;
  }, (i) => line(i, 'bx', reg(i.rm))),
  // BXJ: with no Jazelle support it behaves as BX (Arm ARM F5 "BXJ").
  row('cccc00010010XXXXXXXXXXXX0010mmmm', 'bxj', A32Op.BranchExchange, (i, f) => {
    i.rm = f.m;
    unpredictableIf(i, f.m === 15, 'BXJ: m == 15');
  }, (i) => line(i, 'bxj', reg(i.rm))),
  row('cccc00010010XXXXXXXXXXXX0011mmmm', 'blx', A32Op.BranchLinkExchangeReg, (i, f) => {
    i.rm = f.m;
    unpredictableIf(i, f.m === 15, 'BLX (register): m == 15');
  }, (i) => line(i, 'blx', reg(i.rm))),

  // ---- status registers ----
  row('cccc00010R00XXXXddddxx0x0000xxxx', 'mrs', A32Op.MoveFromStatus, (i, f) => {
    i.rd = f.d;
    i.sub = f.R;
    unpredictableIf(i, f.d === 15, 'MRS: d == 15');
  }, (i) => line(i, 'mrs', `${reg(i.rd)}, ${i.sub ? 'spsr' : 'apsr'}`)),
  row('cccc00010R00MMMMddddxx1k0000xxxx', 'mrs', A32Op.MoveFromBanked, (i, f) => {
    i.rd = f.d;
    bankedDecode(i, f, f.d);
  }, (i) => line(i, 'mrs', `${reg(i.rd)}, ${bankedRegisterName(i.imm) ?? '?'}`)),
  row('cccc00010R10kkkkXXXXxx0x0000nnnn', 'msr', A32Op.MoveToStatusReg, (i, f) => {
    i.rn = f.n;
    i.sub = f.R;
    i.imm2 = f.k;
    unpredictableIf(i, f.k === 0, 'MSR: mask == 0000');
    unpredictableIf(i, f.n === 15, 'MSR: n == 15');
  }, (i) => line(i, 'msr', `${msrTarget(i.sub === 1, i.imm2)}, ${reg(i.rn)}`)),
  row('cccc00010R10MMMMXXXXxx1k0000nnnn', 'msr', A32Op.MoveToBanked, (i, f) => {
    i.rn = f.n;
    bankedDecode(i, f, f.n);
  }, (i) => line(i, 'msr', `${bankedRegisterName(i.imm) ?? '?'}, ${reg(i.rn)}`)),
  row('cccc00110R10kkkkXXXXrrrriiiiiiii', 'msr', A32Op.MoveToStatusImm, (i, f) => {
    const r = f.r * 2;
    i.imm = r === 0 ? f.i : ((f.i >>> r) | (f.i << (32 - r))) >>> 0;
    i.sub = f.R;
    i.imm2 = f.k;
    unpredictableIf(i, f.k === 0, 'MSR (immediate): mask == 0000');
  }, (i) => {
    // Printed unsigned; an encoding an assembler would not pick prints as `#imm8, #rot` (as modified immediates do).
    const rot = (i.word >>> 8) & 15;
    const value = canonicalRotation(i.imm) === rot ? `#${i.imm >>> 0}` : `#${i.word & 0xff}, #${rot * 2}`;
    return line(i, 'msr', `${msrTarget(i.sub === 1, i.imm2)}, ${value}`);
  }),

  // ---- hints (MSR immediate space with R=0, mask=0) ----
  row('cccc001100100000XXXXxxxxoooooooo', 'hint', A32Op.Hint, (i, f) => {
    i.sub = f.o;
  }, hintText),

  // ---- exception generating, exception return ----
  row('cccc00010110xxxxxxxxxxxx0110XXXx', 'eret', A32Op.ExceptionReturn, () => {}, (i) => line(i, 'eret', '')),
  row('cccc00010010iiiiiiiiiiii0111jjjj', 'bkpt', A32Op.Breakpoint, (i, f) => {
    i.imm = (f.i << 4) | f.j;
    unpredictableIf(i, i.cond !== 0xe, 'BKPT: cond != AL');
  }, (i) => `bkpt\t#${i.imm}`),
  row('cccc00010100iiiiiiiiiiii0111jjjj', 'hvc', A32Op.HypervisorCall, (i, f) => {
    i.imm = (f.i << 4) | f.j;
    unpredictableIf(i, i.cond !== 0xe, 'HVC: cond != AL');
  }, (i) => `hvc\t#${i.imm}`),
  row('cccc00010110xxxxxxxxxxxx0111iiii', 'smc', A32Op.SecureMonitorCall, (i, f) => {
    i.imm = f.i;
  }, (i) => line(i, 'smc', `#${i.imm}`)),
  row('cccc1111iiiiiiiiiiiiiiiiiiiiiiii', 'svc', A32Op.SupervisorCall, (i, f) => {
    i.imm = f.i;
  }, (i) => line(i, 'svc', `#${i.imm}`)),

  // ---- coprocessor register transfers, p14 and p15 only (others are UNDEFINED: no row) ----
  row('cccc1110aaaLNNNNtttt111pbbb1MMMM', 'mcr', A32Op.CoprocessorMove, (i, f) => {
    i.rt = f.t;
    i.load = f.L === 1;
    i.coproc = { coproc: 14 + f.p, opc1: f.a, crn: f.N, crm: f.M, opc2: f.b, rt: f.t, rt2: 0, read: f.L === 1, wide: false };
    i.mnemonic = f.L ? 'mrc' : 'mcr';
    unpredictableIf(i, f.L === 0 && f.t === 15, 'MCR: t == 15');
  }, coprocText),
  row('cccc1100010Luuuutttt111paaaaMMMM', 'mcrr', A32Op.CoprocessorMove2, (i, f) => {
    i.rt = f.t;
    i.rt2 = f.u;
    i.load = f.L === 1;
    i.coproc = { coproc: 14 + f.p, opc1: f.a, crn: 0, crm: f.M, opc2: 0, rt: f.t, rt2: f.u, read: f.L === 1, wide: true };
    i.mnemonic = f.L ? 'mrrc' : 'mcrr';
    unpredictableIf(i, f.t === 15 || f.u === 15, `${i.mnemonic}: t or t2 == 15`);
    unpredictableIf(i, f.L === 1 && f.t === f.u, 'MRRC: t == t2');
  }, coprocText),
];

/** Rows of the unconditional space (cond = 0b1111). */
export const unconditionalTable: readonly A32Row[] = [
  row('111100010000ggq0xxxxxxxeeexooooo', 'cps', A32Op.ChangeProcessorState, (i, f) => {
    i.cond = 0xe;
    i.sub = f.g; // imod: 0b10 enable, 0b11 disable
    i.imm = f.e; // A:I:F
    i.imm2 = f.q ? f.o | 0x100 : 0; // bit 8: change mode
    unpredictableIf(i, f.o !== 0 && f.q === 0, 'CPS: mode != 0 with M == 0');
    unpredictableIf(i, (f.g >> 1 === 1 && f.e === 0) || (f.g >> 1 === 0 && f.e !== 0), 'CPS: imod and A:I:F disagree');
    unpredictableIf(i, (f.g === 0 && f.q === 0) || f.g === 1, 'CPS: imod == 01 or nothing to change');
  }, (i) => {
    const mode = i.imm2 & 0x100 ? `#${i.imm2 & 0x1f}` : '';
    if (i.sub < 2) return `cps\t${mode}`;
    let flags = '';
    for (let b = 2; b >= 0; b--) if ((i.imm >> b) & 1) flags += CPS_FLAGS[b];
    return `${i.sub === 2 ? 'cpsie' : 'cpsid'}\t${flags || 'none'}${mode ? ', ' + mode : ''}`;
  }),
  row('1111000100000001xxxxxxEx0000xxxx', 'setend', A32Op.SetEndianness, (i, f) => {
    i.cond = 0xe;
    i.sub = f.E;
  }, (i) => `setend\t${i.sub ? 'be' : 'le'}`),
  // Barriers and CLREX (F5 "DMB", "DSB", "ISB", "CLREX").
  row('111101010111XXXXXXXXxxxx0001XXXX', 'clrex', A32Op.ClearExclusive, (i) => {
    i.cond = 0xe;
  }, () => 'clrex'),
  ...(['dsb', 'dmb', 'isb'] as const).map((mn, k) =>
    row(`111101010111XXXXXXXXxxxx01${(k + 0b00).toString(2).padStart(2, '0')}oooo`, mn, A32Op.Barrier, (i, f) => {
      i.cond = 0xe;
      i.sub = k;
      i.imm = f.o;
    }, (i) => {
      const name = mn === 'isb' ? (i.imm === 15 ? 'sy' : undefined) : BARRIER_OPTIONS[i.imm];
      return `${mn}\t${name ?? hex(i.imm)}`;
    }),
  ),
  // Preloads (F5 "PLD, PLDW (immediate)", "PLI (immediate, literal)", register forms); R (bit 22) = 1 is PLD.
  row('11110101UR01nnnnXXXXiiiiiiiiiiii', 'pld', A32Op.Preload, (i, f) => {
    i.cond = 0xe;
    i.rn = f.n;
    i.imm = f.i;
    i.add = f.U === 1;
    i.sub = f.R ? 0 : 1; // 0 PLD, 1 PLDW, 2 PLI
  }, (i) => `${['pld', 'pldw', 'pli'][i.sub]}\t${addressText(i)}`),
  row('11110100U101nnnnXXXXiiiiiiiiiiii', 'pli', A32Op.Preload, (i, f) => {
    i.cond = 0xe;
    i.rn = f.n;
    i.imm = f.i;
    i.add = f.U === 1;
    i.sub = 2;
  }, (i) => `pli\t${addressText(i)}`),
  row('11110111UR01nnnnXXXXiiiiihh0mmmm', 'pld', A32Op.Preload, (i, f) => {
    i.cond = 0xe;
    i.rn = f.n;
    i.rm = f.m;
    i.regOffset = true;
    i.add = f.U === 1;
    i.sub = f.R ? 0 : 1;
    decodeImmShift(i, f.h, f.i);
    unpredictableIf(i, f.m === 15 || (f.n === 15 && f.R === 0), 'PLD (register): m == 15 or PLDW with n == 15');
  }, (i) => `${['pld', 'pldw', 'pli'][i.sub]}\t${addressText(i)}`),
  row('11110110U101nnnnXXXXiiiiihh0mmmm', 'pli', A32Op.Preload, (i, f) => {
    i.cond = 0xe;
    i.rn = f.n;
    i.rm = f.m;
    i.regOffset = true;
    i.add = f.U === 1;
    i.sub = 2;
    decodeImmShift(i, f.h, f.i);
    unpredictableIf(i, f.m === 15, 'PLI (register): m == 15');
  }, (i) => `pli\t${addressText(i)}`),
  // SRS (F5 "SRS"): Rn is fixed SP; RFE (F5 "RFE").
  row('1111100PU1W0XXxXxxxxxXxXxxxooooo', 'srs', A32Op.StoreReturnState, (i, f) => {
    i.cond = 0xe;
    i.index = f.P === 1;
    i.add = f.U === 1;
    i.wback = f.W === 1;
    i.rn = 13;
    i.imm = f.o;
  }, (i) => `srs${['da', 'ia', 'db', 'ib'][(i.index ? 2 : 0) | (i.add ? 1 : 0)]}\tsp${i.wback ? '!' : ''}, #${i.imm}`),
  row('1111100PU0W1nnnnxxxxXxXxxxxxxxxx', 'rfe', A32Op.ReturnFromException, (i, f) => {
    i.cond = 0xe;
    i.index = f.P === 1;
    i.add = f.U === 1;
    i.wback = f.W === 1;
    i.rn = f.n;
    unpredictableIf(i, f.n === 15, 'RFE: n == 15');
  }, (i) => `rfe${['da', 'ia', 'db', 'ib'][(i.index ? 2 : 0) | (i.add ? 1 : 0)]}\t${reg(i.rn)}${i.wback ? '!' : ''}`),
  // BLX (immediate): target = PC + SignExtend(imm24:H:'0'), switching to T32.
  row('1111101Hiiiiiiiiiiiiiiiiiiiiiiii', 'blx', A32Op.BranchLinkExchangeImm, (i, f) => {
    i.cond = 0xe;
    i.imm = signExtend((f.i << 2) | (f.H << 1), 26);
  }, (i) => `blx\t#${i.imm}`),
];
