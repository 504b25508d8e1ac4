/**
 * Dynamic recompilation of hot A64 runs: a straight line of instructions from one code page,
 * ending at a branch (included), before the first instruction that must go back to the run loop,
 * or at the page end, becomes one JavaScript function (`new Function`) over the register halves.
 *
 * The common integer instructions are emitted inline with constants folded in (Arm ARM C6.2
 * operation pseudocode; AddWithCarry, ShiftReg, ExtendReg, DecodeBitMasks results come from the
 * decoder); every other instruction calls the executor's own `execute`, with the same bookkeeping
 * `A64Cpu.runBlock` does and its aborts routed to `abort`. Each instruction first checks that its
 * word is still the one compiled, so self-modifying code is seen exactly where the interpreter
 * sees it. Generated code reads the executor's private state by name (n, z, c, v, pc, curPc,
 * curWord, instructionsRetired, retireSuppressed, attention, execute, abort); test/fast-path
 * compares it with the interpreter.
 *
 * A block function returns steps << 2 | exit, where exit is one of BlockExit: Continue (PC is the
 * next instruction, same regime), Leave (an exception, a PC that cannot be fetched or a stop
 * request: back to the run loop) or Stale (a word changed: PC is that instruction, drop the block).
 */
import { A64Op, RegIndex, type A64Instruction } from '../../decode/a64/instruction';

export const BlockExit = { Leave: 0, Continue: 1, Stale: 2 } as const;

/** (cpu, lo, hi, words) => steps << 2 | exit. `cpu` is the A64Cpu; lo/hi its register halves. */
export type A64BlockFunction = (cpu: unknown, lo: Uint32Array, hi: Uint32Array, words: Uint32Array) => number;

export interface CompiledA64Block {
  readonly run: A64BlockFunction;
  /** Most steps one call takes (the caller enters only with that much budget left). */
  readonly length: number;
}

const MAX_BLOCK = 64;
const Op: typeof A64Op = { ...A64Op };
const DISCARD = RegIndex.DISCARD;
const TWO32 = 4294967296;

/** ConditionHolds (J1 shared pseudocode) as an expression over the executor's flags; null for AL/NV. */
function conditionExpression(cond: number): string | null {
  let e: string;
  switch (cond >>> 1) {
    case 0: e = 'cpu.z === 1'; break;
    case 1: e = 'cpu.c === 1'; break;
    case 2: e = 'cpu.n === 1'; break;
    case 3: e = 'cpu.v === 1'; break;
    case 4: e = '(cpu.c === 1 && cpu.z === 0)'; break;
    case 5: e = 'cpu.n === cpu.v'; break;
    case 6: e = '(cpu.n === cpu.v && cpu.z === 0)'; break;
    default: return null;
  }
  return (cond & 1) === 1 ? `!(${e})` : e;
}

/** ShiftReg (C6.2) of register m by constants into locals bl/bh (32-bit: bh = 0). */
function shiftCode(m: number, type: number, amount: number, sf: number): string {
  if (!sf) {
    const v = `lo[${m}]`;
    let e: string;
    if (amount === 0) e = v;
    else if (type === 0) e = `(${v} << ${amount}) >>> 0`;
    else if (type === 1) e = `${v} >>> ${amount}`;
    else if (type === 2) e = `(${v} >> ${amount}) >>> 0`;
    else e = `((${v} >>> ${amount}) | (${v} << ${32 - amount})) >>> 0`;
    return `const bl = ${e}, bh = 0;`;
  }
  const l = `lo[${m}]`;
  const h = `hi[${m}]`;
  if (amount === 0) return `const bl = ${l}, bh = ${h};`;
  const s = amount & 31;
  const pre = `const ml = ${l}, mh = ${h};`;
  if (type === 0) {
    if (amount >= 32) return `${pre} const bl = 0, bh = (ml << ${s}) >>> 0;`;
    return `${pre} const bl = (ml << ${s}) >>> 0, bh = ((mh << ${s}) | (ml >>> ${32 - s})) >>> 0;`;
  }
  if (type === 1) {
    if (amount >= 32) return `${pre} const bl = mh >>> ${s}, bh = 0;`;
    return `${pre} const bl = ((ml >>> ${s}) | (mh << ${32 - s})) >>> 0, bh = mh >>> ${s};`;
  }
  if (type === 2) {
    if (amount >= 32) return `${pre} const bl = (mh >> ${s}) >>> 0, bh = (mh >> 31) >>> 0;`;
    return `${pre} const bl = ((ml >>> ${s}) | (mh << ${32 - s})) >>> 0, bh = (mh >> ${s}) >>> 0;`;
  }
  // ROR: swap halves for amounts of 32 or more, then rotate by the rest.
  const [x, y] = amount >= 32 ? ['mh', 'ml'] : ['ml', 'mh'];
  if (s === 0) return `${pre} const bl = ${x}, bh = ${y};`;
  return `${pre} const bl = ((${x} >>> ${s}) | (${y} << ${32 - s})) >>> 0, bh = ((${y} >>> ${s}) | (${x} << ${32 - s})) >>> 0;`;
}

/** ExtendReg (C6.2) of register m by option and left shift into locals bl/bh. */
function extendCode(m: number, option: number, amount: number): string {
  let l: string;
  let h: string;
  switch (option) {
    case 0: l = `(lo[${m}] & 0xff)`; h = '0'; break;
    case 1: l = `(lo[${m}] & 0xffff)`; h = '0'; break;
    case 2: l = `lo[${m}]`; h = '0'; break;
    case 3: l = `lo[${m}]`; h = `hi[${m}]`; break;
    case 4: l = `((lo[${m}] << 24) >> 24)`; h = '(el >> 31)'; break;
    case 5: l = `((lo[${m}] << 16) >> 16)`; h = '(el >> 31)'; break;
    case 6: l = `(lo[${m}] | 0)`; h = '(el >> 31)'; break;
    default: l = `lo[${m}]`; h = `hi[${m}]`; break;
  }
  const pre = `const el = ${l}, eh = ${h};`;
  if (amount === 0) return `${pre} const bl = el >>> 0, bh = eh >>> 0;`;
  return `${pre} const bl = (el << ${amount}) >>> 0, bh = ((eh << ${amount}) | (el >>> ${32 - amount})) >>> 0;`;
}

/**
 * AddWithCarry (J1) of a (register n) and locals bl/bh with carry-in expression `carry`, written
 * to d (unless discarded), setting NZCV when asked. 32-bit operations zero the high half.
 */
function addCode(n: number, carry: string, sf: number, setFlags: boolean, d: number): string {
  const out: string[] = [];
  if (sf) {
    out.push(`const al = lo[${n}], ah = hi[${n}];`, `const l = al + bl + ${carry};`, 'const rl = l >>> 0;', 'const h = ah + bh + (l > 0xffffffff ? 1 : 0);', 'const rh = h >>> 0;');
    if (d !== DISCARD) out.push(`lo[${d}] = rl; hi[${d}] = rh;`);
    if (setFlags) out.push('cpu.n = rh >>> 31; cpu.z = (rl | rh) === 0 ? 1 : 0; cpu.c = h > 0xffffffff ? 1 : 0; cpu.v = ((ah ^ rh) & (bh ^ rh)) >>> 31;');
  } else {
    out.push(`const al = lo[${n}];`, `const l = al + bl + ${carry};`, 'const rl = l >>> 0;');
    if (d !== DISCARD) out.push(`lo[${d}] = rl; hi[${d}] = 0;`);
    if (setFlags) out.push('cpu.n = rl >>> 31; cpu.z = rl === 0 ? 1 : 0; cpu.c = l > 0xffffffff ? 1 : 0; cpu.v = ((al ^ rl) & (bl ^ rl)) >>> 31;');
  }
  return out.join(' ');
}

/** AND/ORR/EOR/ANDS (opc 0..3) of register n with locals bl/bh into d (C6.2 "AND (shifted register)"). */
function logicCode(opc: number, n: number, sf: number, d: number): string {
  const op = opc === 1 ? '|' : opc === 2 ? '^' : '&';
  const out = [`const rl = (lo[${n}] ${op} bl) >>> 0;`, sf ? `const rh = (hi[${n}] ${op} bh) >>> 0;` : 'const rh = 0;'];
  if (d !== DISCARD) out.push(`lo[${d}] = rl; hi[${d}] = rh;`);
  if (opc === 3) out.push(sf ? 'cpu.n = rh >>> 31; cpu.z = (rl | rh) === 0 ? 1 : 0;' : 'cpu.n = rl >>> 31; cpu.z = rl === 0 ? 1 : 0;', 'cpu.c = 0; cpu.v = 0;');
  return out.join(' ');
}

/** SBFM/UBFM/BFM (C6.2 "BFM"): ROR(src, immr) under wmask, merged with dst or the sign under tmask. */
function bitfieldCode(i: A64Instruction): string {
  const n = i.xn;
  const d = i.xd;
  const r = i.imm2;
  const out: string[] = [`const sl = lo[${n}], sh = ${i.sf ? `hi[${n}]` : '0'};`];
  if (i.sf) {
    if (r === 0) out.push('const rl = sl, rh = sh;');
    else {
      const [x, y] = r >= 32 ? ['sh', 'sl'] : ['sl', 'sh'];
      const s = r & 31;
      if (s === 0) out.push(`const rl = ${x}, rh = ${y};`);
      else out.push(`const rl = (${x} >>> ${s}) | (${y} << ${32 - s}), rh = (${y} >>> ${s}) | (${x} << ${32 - s});`);
    }
  } else {
    out.push(r === 0 ? 'const rl = sl, rh = 0;' : `const rl = (sl >>> ${r}) | (sl << ${32 - r}), rh = 0;`);
  }
  const isBfm = i.op === Op.BFM;
  out.push(isBfm ? `const dl = lo[${d}], dh = hi[${d}];` : 'const dl = 0, dh = 0;');
  out.push(`const botL = (dl & ${~i.imm}) | (rl & ${i.imm | 0}), botH = (dh & ${~i.immHi}) | (rh & ${i.immHi | 0});`);
  if (i.op === Op.SBFM) {
    const s = i.shiftAmount;
    out.push(`const topL = (${s >= 32 ? `sh >>> ${s - 32}` : `sl >>> ${s}`}) & 1 ? -1 : 0, topH = topL;`);
  } else out.push('const topL = dl, topH = dh;');
  out.push(`lo[${d}] = ((topL & ${~i.tmaskLo}) | (botL & ${i.tmaskLo | 0})) >>> 0;`);
  out.push(i.sf ? `hi[${d}] = ((topH & ${~i.tmaskHi}) | (botH & ${i.tmaskHi | 0})) >>> 0;` : `hi[${d}] = 0;`);
  return out.join(' ');
}

/** Inline code for a Straight instruction that cannot raise an exception, or null (use `execute`). */
function inlineCode(i: A64Instruction): string | null {
  const d = i.xd;
  switch (i.op) {
    case Op.ADD_SUB_IMM:
      if (i.variant === 0) return `const bl = ${i.imm >>> 0}, bh = 0; ${addCode(i.xn, '0', i.sf, i.setFlags, d)}`;
      return `const bl = ${~i.imm >>> 0}, bh = 0xffffffff; ${addCode(i.xn, '1', i.sf, i.setFlags, d)}`;
    case Op.ADD_SUB_SHIFTED:
    case Op.ADD_SUB_EXT: {
      const operand = i.op === Op.ADD_SUB_SHIFTED ? shiftCode(i.xm, i.shiftType, i.shiftAmount, i.sf) : extendCode(i.xm, i.shiftType, i.shiftAmount);
      if (i.variant === 0) return `${operand} ${addCode(i.xn, '0', i.sf, i.setFlags, d)}`;
      return `{ ${operand} const nl = ~bl >>> 0, nh = ~bh >>> 0; { const bl = nl, bh = nh; ${addCode(i.xn, '1', i.sf, i.setFlags, d)} } }`;
    }
    case Op.ADC_SBC: {
      const m = i.xm;
      const b = i.variant === 0 ? `const bl = lo[${m}], bh = hi[${m}];` : `const bl = ~lo[${m}] >>> 0, bh = ~hi[${m}] >>> 0;`;
      return `${b} ${addCode(i.xn, 'cpu.c', i.sf, i.setFlags, d)}`;
    }
    case Op.LOGIC_IMM:
      return `const bl = ${i.imm >>> 0}, bh = ${i.immHi >>> 0}; ${logicCode(i.variant, i.xn, i.sf, d)}`;
    case Op.LOGIC_SHIFTED: {
      const operand = shiftCode(i.xm, i.shiftType, i.shiftAmount, i.sf);
      if (!i.imm2) return `${operand} ${logicCode(i.variant, i.xn, i.sf, d)}`;
      return `{ ${operand} const nl = ~bl >>> 0, nh = ${i.sf ? '~bh >>> 0' : '0'}; { const bl = nl, bh = nh; ${logicCode(i.variant, i.xn, i.sf, d)} } }`;
    }
    case Op.MOVZ:
    case Op.MOVN: {
      if (d === DISCARD) return '';
      const s = i.shiftAmount;
      let l = s < 32 ? (i.imm << s) >>> 0 : 0;
      let h = s >= 32 ? (i.imm << (s - 32)) >>> 0 : 0;
      if (i.op === Op.MOVN) {
        l = ~l >>> 0;
        h = i.sf ? ~h >>> 0 : 0;
      }
      return `lo[${d}] = ${l}; hi[${d}] = ${h};`;
    }
    case Op.MOVK: {
      if (d === DISCARD) return '';
      const s = i.shiftAmount;
      const half = s < 32 ? 'lo' : 'hi';
      const k = s & 31;
      const set = `${half}[${d}] = ((${half}[${d}] & ${~(0xffff << k)}) | ${(i.imm << k) >>> 0}) >>> 0;`;
      return i.sf ? set : `${set} hi[${d}] = 0;`;
    }
    case Op.SBFM:
    case Op.UBFM:
    case Op.BFM:
      return d === DISCARD ? '' : bitfieldCode(i);
    case Op.CSEL: {
      if (d === DISCARD) return '';
      const cond = conditionExpression(i.cond) ?? 'true';
      const m = i.xm;
      let other: string;
      switch (i.variant) {
        case 1: other = `const s = lo[${m}] + 1; const l = s >>> 0, h = s > 0xffffffff ? (hi[${m}] + 1) >>> 0 : hi[${m}];`; break;
        case 2: other = `const l = ~lo[${m}] >>> 0, h = ~hi[${m}] >>> 0;`; break;
        case 3: other = `const ml = lo[${m}], mh = hi[${m}]; const l = -ml >>> 0, h = ml === 0 ? -mh >>> 0 : ~mh >>> 0;`; break;
        default: other = `const l = lo[${m}], h = hi[${m}];`;
      }
      return `if (${cond}) { lo[${d}] = lo[${i.xn}]; hi[${d}] = ${i.sf ? `hi[${i.xn}]` : '0'}; } else { ${other} lo[${d}] = l; hi[${d}] = ${i.sf ? 'h' : '0'}; }`;
    }
    case Op.CCMP_REG:
    case Op.CCMP_IMM: {
      const cond = conditionExpression(i.cond) ?? 'true';
      const f = i.imm2;
      const otherwise = `cpu.n = ${(f >>> 3) & 1}; cpu.z = ${(f >>> 2) & 1}; cpu.c = ${(f >>> 1) & 1}; cpu.v = ${f & 1};`;
      let b: string;
      if (i.op === Op.CCMP_IMM) b = i.variant === 1 ? `const bl = ${~i.imm >>> 0}, bh = 0xffffffff;` : `const bl = ${i.imm >>> 0}, bh = 0;`;
      else b = i.variant === 1 ? `const bl = ~lo[${i.xm}] >>> 0, bh = ~hi[${i.xm}] >>> 0;` : `const bl = lo[${i.xm}], bh = hi[${i.xm}];`;
      return `if (${cond}) { ${b} ${addCode(i.xn, i.variant === 1 ? '1' : '0', i.sf, true, DISCARD)} } else { ${otherwise} }`;
    }
    default:
      return null;
  }
}

/** PC-relative branches whose target is a constant: the next PC as an expression, or null. */
function branchCode(i: A64Instruction, pc: number): string | null {
  const target = pc + i.imm;
  const next = pc + 4;
  const pick = (taken: string): string => `cpu.pc = (${taken}) ? ${target} : ${next};`;
  switch (i.op) {
    case Op.B:
      return `cpu.pc = ${target};`;
    case Op.BL:
      // X30 <- PC + 4 (C6.2 "BL").
      return `lo[30] = ${next >>> 0}; hi[30] = ${Math.floor(next / TWO32) >>> 0}; cpu.pc = ${target};`;
    case Op.B_COND: {
      const cond = conditionExpression(i.cond);
      return cond === null ? `cpu.pc = ${target};` : pick(cond);
    }
    case Op.CBZ:
    case Op.CBNZ: {
      const t = i.xd;
      const zero = i.sf ? `(lo[${t}] | hi[${t}]) === 0` : `lo[${t}] === 0`;
      return pick(i.op === Op.CBZ ? zero : `!(${zero})`);
    }
    case Op.TBZ:
    case Op.TBNZ: {
      const b = i.imm2;
      const bit = b >= 32 ? `((hi[${i.xd}] >>> ${b - 32}) & 1)` : `((lo[${i.xd}] >>> ${b}) & 1)`;
      return pick(`${bit} ${i.op === Op.TBZ ? '===' : '!=='} 0`);
    }
    default:
      return null;
  }
}

/**
 * Compile the run starting at word `start` of a page whose first byte is at VA `pageBase`.
 * `decodeAt(off)` returns the current record for a word; `isStraight`/`isBranch` classify it as
 * A64Cpu's Flow does. Null when the first instruction may not start a block.
 */
export function compileA64Block(
  words: Uint32Array,
  pageBase: number,
  start: number,
  decodeAt: (off: number) => A64Instruction,
  isStraight: (insn: A64Instruction) => boolean,
  isBranch: (insn: A64Instruction) => boolean,
): CompiledA64Block | null {
  const insns: A64Instruction[] = [];
  const body: string[] = [];
  let pending = 0; // inline instructions retired but not yet added to cpu.instructionsRetired
  const flush = (): string => {
    const s = pending > 0 ? `cpu.instructionsRetired += ${pending}; ` : '';
    pending = 0;
    return s;
  };
  let off = start;
  let ended = false;
  while (off < 1024 && insns.length < MAX_BLOCK) {
    const insn = decodeAt(off);
    const branch = isBranch(insn);
    if (!branch && !isStraight(insn)) break;
    const k = insns.length;
    insns.push(insn);
    const pc = pageBase + off * 4;
    const word = insn.word >>> 0;
    // The stale exit retires what ran before it; PC is this instruction, run by the interpreter.
    body.push(`if (words[${off}] !== ${word}) { ${pending > 0 ? `cpu.instructionsRetired += ${pending}; ` : ''}cpu.pc = ${pc}; return ${(k << 2) | BlockExit.Stale}; }`);
    const steps = k + 1;
    const here = `cpu.curPc = ${pc}; cpu.curWord = ${insn.word | 0};`;
    const jump = branchCode(insn, pc);
    if (jump !== null) {
      pending++;
      body.push(`${flush()}${here} ${jump} return ${(steps << 2) | BlockExit.Continue};`);
      ended = true;
      break;
    }
    const inline = branch ? null : inlineCode(insn);
    if (inline !== null) {
      body.push(`{ ${inline} }`);
      pending++;
    } else {
      // The interpreter's step: execute, route an abort, retire unless suppressed, stop on attention.
      const call = `try { cpu.execute(I[${k}]); } catch (e) { cpu.abort(e, I[${k}]); return ${(steps << 2) | BlockExit.Leave}; }`;
      const retire = 'if (cpu.retireSuppressed) cpu.retireSuppressed = false; else cpu.instructionsRetired++;';
      body.push(`${flush()}${here} cpu.pc = ${pc + 4}; ${call} ${retire} if (cpu.attention !== 0) return ${(steps << 2) | BlockExit.Leave};`);
      if (branch) {
        body.push(`return ${(steps << 2) | BlockExit.Continue};`);
        ended = true;
        break;
      }
      // A Straight instruction falls through unless it raised an exception (PC moved).
      body.push(`if (cpu.pc !== ${pc + 4}) return ${(steps << 2) | BlockExit.Leave};`);
    }
    off++;
  }
  if (insns.length === 0) return null;
  if (!ended) {
    const lastOff = off - 1;
    const last = insns[insns.length - 1];
    body.push(`${flush()}cpu.curPc = ${pageBase + lastOff * 4}; cpu.curWord = ${last.word | 0}; cpu.pc = ${pageBase + off * 4}; return ${(insns.length << 2) | BlockExit.Continue};`);
  }
  const source = `"use strict"; return function a64Block(cpu, lo, hi, words) {\n${body.join('\n')}\n};`;
  const factory = new Function('I', source) as (i: A64Instruction[]) => A64BlockFunction;
  return { run: factory(insns), length: insns.length };
}
