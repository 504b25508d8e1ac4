/**
 * Dynamic recompilation of hot A64 runs: a straight line of instructions from one code page,
 * ending at a branch (included), before the first instruction that must go back to the run loop,
 * or at the page end, becomes one JavaScript function (`new Function`) over the register halves.
 *
 * The common integer instructions are emitted inline with constants folded in (Arm ARM C6.2
 * operation pseudocode; AddWithCarry, ShiftReg, ExtendReg, DecodeBitMasks results come from the
 * decoder) on JavaScript locals: every register the inline code touches is loaded once into two
 * int32 locals (`l5`, `h5`), NZCV into four flag locals, and written back at every exit and before
 * every call to the executor's own `execute` (which may read or change anything, or throw an
 * abort routed to `abort`); the locals are reloaded after it returns. So the state a handler, an
 * abort or the caller sees is exactly the interpreter's.
 *
 * A block whose closing PC-relative branch targets its own first instruction runs as a loop in
 * place while the branch is taken and the budget covers another whole pass.
 *
 * The common integer loads and stores (see `memoryCode`) are inline too: they call the
 * executor's memory (`cpu.memory`) exactly as `execute` would, each access in a try whose catch
 * writes the locals back, sets the state `execute` would have been entered with and routes the
 * abort through `abort`; a stop requested by an access ends the block after that instruction.
 *
 * Self-modifying code: a code word changes only through a memory access (a store, or a load
 * whose cache fill writes a dirty victim back to memory), made by a generic `execute` call or an
 * inline load/store. So every word is checked once at entry, and after that only words that run
 * after such an access are checked again, each just before it runs; a stale word exits with PC
 * at that instruction and everything before it retired, where the interpreter would first see
 * the new word.
 *
 * Generated code reads the executor's private state by name (n, z, c, v, pc, curPc, curWord,
 * instructionsRetired, retireSuppressed, attention, memory, execute, abort, unrepresentable);
 * test/fast-path compares it with the interpreter.
 *
 * A block function returns steps << 2 | exit, where exit is one of BlockExit: Continue (PC is the
 * next instruction, same regime), Leave (an exception, a PC that cannot be fetched or a stop
 * request: back to the run loop) or Stale (a word changed: PC is that instruction, drop the block).
 */
import { A64Op, AddrMode, RegIndex, type A64Instruction } from '../../decode/a64/instruction';
import { conditionExpression, Locals, materialize, type PendingFlags } from './block-locals';
import { blockFactoryArguments, INLINE_ACCESS_SPILL, inlineAccessA64, inlineAccessPrologue, inlineAccessReload, inlinePairA64, type A64Element } from '../inline-data-access';

export const BlockExit = { Leave: 0, Continue: 1, Stale: 2 } as const;

/**
 * (cpu, lo, hi, words, budget, insns) => steps << 2 | exit. `cpu` is the A64Cpu; lo/hi its
 * register halves; `budget` the steps the caller allows (at least `length`, below
 * MAX_BLOCK_BUDGET); `insns` the block's `insns`.
 */
export type A64BlockFunction = (cpu: unknown, lo: Uint32Array, hi: Uint32Array, words: Uint32Array, budget: number, insns: readonly A64Instruction[]) => number;

export interface CompiledA64Block {
  readonly run: A64BlockFunction;
  /** The decoded instructions, in order (the `insns` argument of `run`). */
  readonly insns: readonly A64Instruction[];
  /** Steps of one pass (the caller enters only with that much budget left). */
  readonly length: number;
  /** The block ends in a branch to its own first instruction and loops in place. */
  readonly loops: boolean;
  /**
   * Calls the caller should still make with a budget of one pass. V8 records type feedback only
   * once a function has run about eight times its size in bytecode; a loop optimised during its
   * first long call has none for its exit and deoptimises there. Short first calls run the exit
   * with feedback on, so the optimised loop leaves without a deopt.
   */
  shortCalls: number;
}

/** See `shortCalls`: enough one-pass calls for V8 to allocate feedback, then a few to fill it. */
const SHORT_CALLS = 24;

/** Largest budget to pass in one call, so steps << 2 stays a small integer. */
export const MAX_BLOCK_BUDGET = 1 << 26;

const MAX_BLOCK = 64;

/**
 * Block functions by generated source, shared by every CPU and page: the same code at the same
 * address (another vCPU, another machine) runs the one function V8 has already optimised,
 * instead of warming a copy up again. (The source holds only PCs and words; the instruction
 * records come in as an argument.)
 */
const functions = new Map<string, A64BlockFunction>();
const MAX_FUNCTIONS = 4096;
const Op: typeof A64Op = { ...A64Op };
const Mode: typeof AddrMode = { ...AddrMode };
const DISCARD = RegIndex.DISCARD;
const ZR = RegIndex.ZR;
const TWO32 = 4294967296;

/** Carry out of bit 31 of a + b + carry-in, from a, b and the int32 sum r: majority(a, b, NOT r), in bit 31. */
function carrySign(a: string, b: string, r: string): string {
  return `((${a} & ${b}) | ((${a} | ${b}) & ~${r}))`;
}

/** The same carry as 0/1. */
function carryOut(a: string, b: string, r: string): string {
  return `(${carrySign(a, b, r)} >>> 31)`;
}

/**
 * Carry out of bit 31 of the int32 sum r = a + b + carry-in, where carry-in is the constant '0' or
 * '1': r < a (unsigned) without carry-in, r <= a with it; one compare instead of the majority
 * function (which `carryOut` keeps for a carry-in known only at run time). A comparison becomes
 * 0/1 by `| 0` (TurboFan makes it a setcc; `? 1 : 0` is a branch, mispredicted on data).
 */
function lowCarry(a: string, r: string, carry: string): string {
  if (carry === '0') return `((${r} >>> 0) < (${a} >>> 0) | 0)`;
  if (carry === '1') return `((${r} >>> 0) <= (${a} >>> 0) | 0)`;
  return '';
}

/**
 * a + b + carry wrapped to int32, one truncated add at a time (TurboFan then emits plain 32-bit
 * adds; a chain under one `| 0` is speculated not to overflow and deoptimises when it does).
 */
function sum(a: string, b: string, carry: string): string {
  return carry === '0' ? `(${a} + ${b}) | 0` : `(((${a} + ${b}) | 0) + ${carry}) | 0`;
}

/** ShiftReg (C6.2) of register m by constants into int32 consts bl/bh (32-bit: bh = 0). */
function shiftCode(L: Locals, m: number, type: number, amount: number, sf: number): string {
  if (!sf) {
    const v = L.lo(m);
    let e: string;
    if (amount === 0) e = v;
    else if (type === 0) e = `(${v} << ${amount})`;
    else if (type === 1) e = `(${v} >>> ${amount})`;
    else if (type === 2) e = `(${v} >> ${amount})`;
    else e = `((${v} >>> ${amount}) | (${v} << ${32 - amount}))`;
    return `const bl = ${e}, bh = 0;`;
  }
  const ml = L.lo(m);
  const mh = L.hi(m);
  if (amount === 0) return `const bl = ${ml}, bh = ${mh};`;
  const s = amount & 31;
  if (type === 0) {
    if (amount >= 32) return `const bl = 0, bh = ${ml} << ${s};`;
    return `const bl = ${ml} << ${s}, bh = (${mh} << ${s}) | (${ml} >>> ${32 - s});`;
  }
  if (type === 1) {
    if (amount >= 32) return `const bl = ${s === 0 ? mh : `${mh} >>> ${s}`}, bh = 0;`;
    return `const bl = (${ml} >>> ${s}) | (${mh} << ${32 - s}), bh = ${mh} >>> ${s};`;
  }
  if (type === 2) {
    if (amount >= 32) return `const bl = ${mh} >> ${s}, bh = ${mh} >> 31;`;
    return `const bl = (${ml} >>> ${s}) | (${mh} << ${32 - s}), bh = ${mh} >> ${s};`;
  }
  // ROR: swap halves for amounts of 32 or more, then rotate by the rest.
  const [x, y] = amount >= 32 ? [mh, ml] : [ml, mh];
  if (s === 0) return `const bl = ${x}, bh = ${y};`;
  return `const bl = (${x} >>> ${s}) | (${y} << ${32 - s}), bh = (${y} >>> ${s}) | (${x} << ${32 - s});`;
}

/** ExtendReg (C6.2) of register m by option and left shift into int32 consts bl/bh. */
function extendCode(L: Locals, m: number, option: number, amount: number): string {
  let l: string;
  let h: string;
  switch (option) {
    case 0: l = `(${L.lo(m)} & 0xff)`; h = '0'; break;
    case 1: l = `(${L.lo(m)} & 0xffff)`; h = '0'; break;
    case 2: l = L.lo(m); h = '0'; break;
    case 4: l = `((${L.lo(m)} << 24) >> 24)`; h = '(el >> 31)'; break;
    case 5: l = `((${L.lo(m)} << 16) >> 16)`; h = '(el >> 31)'; break;
    case 6: l = L.lo(m); h = '(el >> 31)'; break;
    default: l = L.lo(m); h = L.hi(m); break;
  }
  const pre = `const el = ${l}, eh = ${h};`;
  if (amount === 0) return `${pre} const bl = el, bh = eh;`;
  return `${pre} const bl = el << ${amount}, bh = (eh << ${amount}) | (el >>> ${32 - amount});`;
}

/**
 * AddWithCarry (J1) of a (register n) and int32 consts bl/bh with carry-in expression `carry`,
 * written to d (unless discarded), setting NZCV when asked: left pending (`Locals.setPendingFlags`,
 * the result and operand high halves saved) unless `pending` is false. 32-bit operations zero the
 * high half.
 */
function addCode(L: Locals, n: number, carry: string, sf: number, setFlags: boolean, d: number, pending = true): string {
  const out: string[] = [];
  const low = (a: string): string => lowCarry(a, 'rl', carry) || carryOut(a, 'bl', 'rl');
  if (sf) {
    out.push(`const al = ${L.lo(n)}, ah = ${L.hi(n)};`, `const rl = ${sum('al', 'bl', carry)};`, `const rh = ${sum('ah', 'bh', low('al'))};`);
    out.push(L.set(d, 'rl', 'rh'));
    if (setFlags && pending) out.push(L.setPendingFlags('q0 = rl; q1 = rh; q2 = ah; q3 = bh;', { n: 'q1', zero: '(q0 | q1) === 0', c: carrySign('q2', 'q3', 'q1'), v: '((q2 ^ q1) & (q3 ^ q1))' }));
    else if (setFlags) out.push(L.setFlags('rh >>> 31', '(rl | rh) === 0 | 0', carryOut('ah', 'bh', 'rh'), '((ah ^ rh) & (bh ^ rh)) >>> 31'));
  } else {
    out.push(`const al = ${L.lo(n)};`, `const rl = ${sum('al', 'bl', carry)};`);
    out.push(L.set(d, 'rl', '0'));
    if (setFlags && pending) out.push(L.setPendingFlags('q0 = rl; q2 = al; q3 = bl;', { n: 'q0', zero: 'q0 === 0', c: carrySign('q2', 'q3', 'q0'), v: '((q2 ^ q0) & (q3 ^ q0))' }));
    else if (setFlags) out.push(L.setFlags('rl >>> 31', 'rl === 0 | 0', carryOut('al', 'bl', 'rl'), '((al ^ rl) & (bl ^ rl)) >>> 31'));
  }
  return out.join(' ');
}

/** AND/ORR/EOR/ANDS (opc 0..3) of register n with consts bl/bh into d (C6.2 "AND (shifted register)"). */
function logicCode(L: Locals, opc: number, n: number, sf: number, d: number): string {
  const op = opc === 1 ? '|' : opc === 2 ? '^' : '&';
  const out = [`const rl = ${L.lo(n)} ${op} bl;`, sf ? `const rh = ${L.hi(n)} ${op} bh;` : 'const rh = 0;'];
  out.push(L.set(d, 'rl', 'rh'));
  if (opc === 3) {
    out.push(sf
      ? L.setPendingFlags('q0 = rl; q1 = rh;', { n: 'q1', zero: '(q0 | q1) === 0', c: '0', v: '0' })
      : L.setPendingFlags('q0 = rl;', { n: 'q0', zero: 'q0 === 0', c: '0', v: '0' }));
  }
  return out.join(' ');
}

/**
 * ASR, LSR and LSL (immediate), the SBFM/UBFM aliases (C6.2 "ASR (immediate)": SBFM with imms =
 * datasize - 1; "LSR (immediate)": UBFM likewise; "LSL (immediate)": UBFM with imms + 1 = immr),
 * as the shift itself: a third of the operations of the general bitfield. Null for other forms.
 */
function shiftAliasCode(L: Locals, i: A64Instruction): string | null {
  const r = i.imm2;
  const s = i.shiftAmount;
  const top = i.sf ? 63 : 31;
  let type: number;
  let amount: number;
  if (s === top && i.op !== Op.BFM) {
    type = i.op === Op.SBFM ? 2 : 1;
    amount = r;
  } else if (i.op === Op.UBFM && s + 1 === r) {
    type = 0;
    amount = top - s;
  } else return null;
  return `${shiftCode(L, i.xn, type, amount, i.sf)} ${L.set(i.xd, 'bl', 'bh')}`;
}

/** SBFM/UBFM/BFM (C6.2 "BFM"): ROR(src, immr) under wmask, merged with dst or the sign under tmask. */
function bitfieldCode(L: Locals, i: A64Instruction): string {
  const shift = shiftAliasCode(L, i);
  if (shift !== null) return shift;
  const d = i.xd;
  const r = i.imm2;
  const out: string[] = [`const sl = ${L.lo(i.xn)}, sh = ${i.sf ? L.hi(i.xn) : '0'};`];
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
  out.push(i.op === Op.BFM ? `const dl = ${L.lo(d)}, dh = ${L.hi(d)};` : 'const dl = 0, dh = 0;');
  out.push(`const botL = (dl & ${~i.imm}) | (rl & ${i.imm | 0}), botH = (dh & ${~i.immHi}) | (rh & ${i.immHi | 0});`);
  if (i.op === Op.SBFM) {
    const s = i.shiftAmount;
    out.push(`const topL = (${s >= 32 ? `sh >>> ${s - 32}` : `sl >>> ${s}`}) & 1 ? -1 : 0, topH = topL;`);
  } else out.push('const topL = dl, topH = dh;');
  out.push(L.set(d, `(topL & ${~i.tmaskLo}) | (botL & ${i.tmaskLo | 0})`, i.sf ? `(topH & ${~i.tmaskHi}) | (botH & ${i.tmaskHi | 0})` : '0'));
  return out.join(' ');
}

/** Inline code for a Straight instruction that cannot raise an exception, or null (use `execute`). */
function inlineCode(L: Locals, i: A64Instruction): string | null {
  const d = i.xd;
  switch (i.op) {
    // No effect in this model (handlers-system.ts noEffect): nothing to run.
    case Op.HINT:
    case Op.DSB:
    case Op.DMB:
    case Op.ISB:
      return '';
    case Op.ADD_SUB_IMM:
      if (i.variant === 0) return `const bl = ${i.imm | 0}, bh = 0; ${addCode(L, i.xn, '0', i.sf, i.setFlags, d)}`;
      return `const bl = ${~i.imm}, bh = -1; ${addCode(L, i.xn, '1', i.sf, i.setFlags, d)}`;
    case Op.ADD_SUB_SHIFTED:
    case Op.ADD_SUB_EXT: {
      const operand = i.op === Op.ADD_SUB_SHIFTED ? shiftCode(L, i.xm, i.shiftType, i.shiftAmount, i.sf) : extendCode(L, i.xm, i.shiftType, i.shiftAmount);
      if (i.variant === 0) return `${operand} ${addCode(L, i.xn, '0', i.sf, i.setFlags, d)}`;
      return `{ ${operand} const nl = ~bl, nh = ~bh; { const bl = nl, bh = nh; ${addCode(L, i.xn, '1', i.sf, i.setFlags, d)} } }`;
    }
    case Op.ADC_SBC: {
      const m = i.xm;
      const b = i.variant === 0 ? `const bl = ${L.lo(m)}, bh = ${L.hi(m)};` : `const bl = ~${L.lo(m)}, bh = ~${L.hi(m)};`;
      return `${b} ${addCode(L, i.xn, L.flag('c'), i.sf, i.setFlags, d)}`;
    }
    case Op.LOGIC_IMM:
      return `const bl = ${i.imm | 0}, bh = ${i.immHi | 0}; ${logicCode(L, i.variant, i.xn, i.sf, d)}`;
    case Op.LOGIC_SHIFTED: {
      const operand = shiftCode(L, i.xm, i.shiftType, i.shiftAmount, i.sf);
      if (!i.imm2) return `${operand} ${logicCode(L, i.variant, i.xn, i.sf, d)}`;
      return `{ ${operand} const nl = ~bl, nh = ${i.sf ? '~bh' : '0'}; { const bl = nl, bh = nh; ${logicCode(L, i.variant, i.xn, i.sf, d)} } }`;
    }
    case Op.MOVZ:
    case Op.MOVN: {
      const s = i.shiftAmount;
      let l = s < 32 ? i.imm << s : 0;
      let h = s >= 32 ? i.imm << (s - 32) : 0;
      if (i.op === Op.MOVN) {
        l = ~l;
        h = i.sf ? ~h : 0;
      }
      return L.set(d, `${l | 0}`, `${h | 0}`);
    }
    case Op.MOVK: {
      if (d === DISCARD || d === ZR) return '';
      const s = i.shiftAmount;
      const k = s & 31;
      const merge = (v: string): string => `(${v} & ${~(0xffff << k)}) | ${(i.imm << k) | 0}`;
      if (s < 32) return L.set(d, merge(L.lo(d)), i.sf ? L.hi(d) : '0');
      return L.set(d, L.lo(d), merge(L.hi(d)));
    }
    case Op.SBFM:
    case Op.UBFM:
    case Op.BFM:
      return d === DISCARD || d === ZR ? '' : bitfieldCode(L, i);
    case Op.CSEL: {
      // C6.2 "CSEL"/"CSINC"/"CSINV"/"CSNEG": Xd = cond ? Xn : op(Xm). A branch, not a mask
      // select: measured faster on the bench's CSINC, whose condition is predictable (see
      // conditionExpression); op(Xm)'s carry is a compare made 0/1 by `| 0`, no branch.
      if (d === DISCARD || d === ZR) return '';
      const cond = conditionExpression(L, i.cond);
      const sf = i.sf;
      if (cond === null) return L.set(d, L.lo(i.xn), sf ? L.hi(i.xn) : '0');
      let other: string;
      switch (i.variant) {
        case 1: other = 'const tl = (ml + 1) | 0, th = (mh + (tl === 0 | 0)) | 0;'; break;
        case 2: other = 'const tl = ~ml, th = ~mh;'; break;
        case 3: other = 'const tl = (0 - ml) | 0, th = (~mh + (ml === 0 | 0)) | 0;'; break;
        default: other = 'const tl = ml, th = mh;';
      }
      return `if (${cond}) { ${L.set(d, L.lo(i.xn), sf ? L.hi(i.xn) : '0')} } else { const ml = ${L.lo(i.xm)}, mh = ${L.hi(i.xm)}; ${other} ${L.set(d, 'tl', sf ? 'th' : '0')} }`;
    }
    case Op.CCMP_REG:
    case Op.CCMP_IMM: {
      const cond = conditionExpression(L, i.cond) ?? 'true';
      const f = i.imm2;
      const otherwise = L.setFlags(`${(f >>> 3) & 1}`, `${(f >>> 2) & 1}`, `${(f >>> 1) & 1}`, `${f & 1}`);
      let b: string;
      if (i.op === Op.CCMP_IMM) b = i.variant === 1 ? `const bl = ${~i.imm}, bh = -1;` : `const bl = ${i.imm | 0}, bh = 0;`;
      else b = i.variant === 1 ? `const bl = ~${L.lo(i.xm)}, bh = ~${L.hi(i.xm)};` : `const bl = ${L.lo(i.xm)}, bh = ${L.hi(i.xm)};`;
      // Both arms leave NZCV in the flag locals (a pending state would differ between them).
      return `if (${cond}) { ${b} ${addCode(L, i.xn, i.variant === 1 ? '1' : '0', i.sf, true, DISCARD, false)} } else { ${otherwise} }`;
    }
    default:
      return null;
  }
}

/** Largest address magnitude modelled (A64Cpu's toAddress): the high half of a VA within +-2^53. */
const VA_HIGH_LIMIT = 0x200000;

/**
 * Around the full-path call of an inline access: the block puts the instruction's PC and its
 * not-yet-added retirements there (`A64Cpu.retiredNow`), so what the call reaches (the caches, an
 * observer of loads) sees the exact position; an abort's exit clears the bias in the shared tail.
 */
const AT = '/*at*/';
const DONE = '/*done*/';

/** The VA of halves sl/sh plus `plus` bytes as the double the executor's memory takes. */
function vaOf(plus: number): string {
  return `sh * ${TWO32} + (sl >>> 0)${plus ? ` + ${plus}` : ''}`;
}

/**
 * One element of an access of 2^size bytes at VA sl/sh + `plus`: the halves it moves (`${v}l`/`${v}h`
 * for a load, register t's for a store) and its full-path statement, with the calls `A64Cpu.load`
 * and `A64Cpu.store` make: one read8/read16/read32 or write, or two 32-bit ones low word first.
 * `check`: the first element's full path first faults on a VA beyond +-2^53 as `address` does (an
 * inline hit proves the VA representable, see `inlineAccessA64`).
 */
function element(L: Locals, write: boolean, v: string, t: number, size: number, plus: number, check: string): A64Element {
  const va = `const va = ${vaOf(plus)};`;
  if (write) {
    const lo = L.lo(t);
    const call = size === 0 ? `M.write8(va, ${lo} & 0xff);` : size === 1 ? `M.write16(va, ${lo} & 0xffff);` : size === 2 ? `M.write32(va, ${lo} >>> 0);` : `M.write32(va, ${lo} >>> 0); M.write32(va + 4, ${L.hi(t)} >>> 0);`;
    return { lo, hi: size === 3 ? L.hi(t) : null, slow: `${check} ${va} ${AT} ${call} ${DONE}` };
  }
  if (size === 3) return { lo: `${v}l`, hi: `${v}h`, slow: `${check} ${va} ${AT} ${v}l = M.read32(va) | 0; ${v}h = M.read32(va + 4) | 0; ${DONE}` };
  const read = size === 0 ? 'read8' : size === 1 ? 'read16' : 'read32';
  return { lo: `${v}r`, hi: null, slow: `${check} ${va} ${AT} ${v}r = M.${read}(va) | 0; ${DONE}` };
}

/** Declarations of a load's raw halves, and after the access its register halves ${v}l/${v}h, sign- or zero-extended (LDRS/LDRSW to 32 or 64 bits by sf, C6.2 "LDRSB (immediate)"). */
function loadDeclare(v: string, size: number): string {
  return size === 3 ? `let ${v}l = 0, ${v}h = 0;` : `let ${v}r = 0;`;
}
function loadExtend(v: string, size: number, signed: boolean, sf: number): string {
  if (size === 3) return '';
  if (!signed) return `const ${v}l = ${v}r, ${v}h = 0;`;
  const ext = size === 0 ? `(${v}r << 24) >> 24` : size === 1 ? `(${v}r << 16) >> 16` : `${v}r`;
  return `const ${v}l = ${ext}, ${v}h = ${sf ? `${v}l >> 31` : '0'};`;
}

/**
 * Inline code for the common integer loads and stores, or null (use `execute`): LDR/LDRS/STR
 * with an immediate offset (scaled or unscaled), pre/post-index or register offset, LDP/LDPSW/STP
 * (offset, pre/post-index, LDNP/STNP) and LDR/LDRSW (literal); C6.2 operation pseudocode, in the
 * executor's order: address (a VA beyond 2^53 faults as `address` does), every access, then the
 * register writes (so an access that aborts changes no register), then the writeback, which wins
 * over a loaded register equal to the base as in `A64Cpu.writeback`. LDTR/STTR, exclusives,
 * acquire/release and prefetches stay with `execute`. The address stays two int32 halves sl/sh;
 * only a full-path call makes the double. The code may throw MemoryAbort; the caller wraps it.
 */
function memoryCode(L: Locals, i: A64Instruction, pc: number): string | null {
  const op = i.op;
  const mode = i.variant;
  const out: string[] = [];
  const write = op === Op.STR || op === Op.STP;
  const literal = op === Op.LDR_LIT || op === Op.LDRSW_LIT;
  const single = op === Op.LDR || op === Op.LDRS || op === Op.STR;
  const pair = op === Op.LDP || op === Op.LDPSW || op === Op.STP;
  const imm = i.imm | 0;
  const immHi = imm < 0 ? -1 : 0;
  if (literal) {
    // C6.2 "LDR (literal)": address = PC + offset, no writeback.
    const target = pc + i.imm;
    out.push(`const sl = ${target | 0}, sh = ${Math.floor(target / TWO32) | 0};`);
  } else {
    if (single && !(mode === Mode.OFFSET || mode === Mode.UNSCALED || mode === Mode.PRE_INDEX || mode === Mode.POST_INDEX || mode === Mode.REGISTER)) return null;
    if (pair && !(mode === Mode.OFFSET || mode === Mode.NON_TEMPORAL || mode === Mode.PRE_INDEX || mode === Mode.POST_INDEX)) return null;
    if (!single && !pair) return null;
    out.push(`const bal = ${L.lo(i.xn)}, bah = ${L.hi(i.xn)};`);
    // The address: base + offset, or the base itself for post-index (C6.2 "LDR (immediate)").
    if (mode === Mode.REGISTER) {
      out.push(extendCode(L, i.xm, i.shiftType, i.shiftAmount));
      out.push(`const sl = (bal + bl) | 0; const sh = ${sum('bah', 'bh', lowCarry('bal', 'sl', '0'))};`);
    } else if (mode === Mode.POST_INDEX || imm === 0) {
      out.push('const sl = bal, sh = bah;');
    } else {
      out.push(`const sl = (bal + ${imm}) | 0; const sh = ${sum('bah', `${immHi}`, lowCarry('bal', 'sl', '0'))};`);
    }
  }
  const check = literal ? '' : `if (sh >= ${VA_HIGH_LIMIT} || sh < ${-VA_HIGH_LIMIT}) cpu.unrepresentable(sl >>> 0, sh >>> 0, ${write});`;
  const size = i.size;
  const bytes = (1 << size) as 1 | 2 | 4 | 8;
  const first = element(L, write, 't', i.xd, size, 0, check);
  if (!write) out.push(loadDeclare('t', size), pair ? loadDeclare('u', size) : '');
  if (pair) {
    const second = element(L, write, 'u', i.xa, size, bytes, '');
    out.push(inlinePairA64(write, 'sl', 'sh', `(sl + ${bytes}) | 0`, `(_l2 >>> 0) < (sl >>> 0) ? (sh + 1) | 0 : sh`, bytes, first, second));
  } else {
    out.push(inlineAccessA64(write, 'sl', 'sh', bytes, first));
  }
  if (!write) {
    const signed = op === Op.LDRS || op === Op.LDPSW || op === Op.LDRSW_LIT;
    const sf = literal ? 1 : i.sf;
    out.push(loadExtend('t', size, signed, sf), L.set(i.xd, 'tl', 'th'));
    if (pair) out.push(loadExtend('u', size, signed, sf), L.set(i.xa, 'ul', 'uh'));
  }
  // Writeback: base + offset (pre-index: the address), applied after the register writes.
  if (mode === Mode.PRE_INDEX && !literal) out.push(L.set(i.xn, 'sl', 'sh'));
  else if (mode === Mode.POST_INDEX && !literal) {
    out.push(`const wl = (bal + ${imm}) | 0;`, L.set(i.xn, 'wl', sum('bah', `${immHi}`, lowCarry('bal', 'wl', '0'))));
  }
  return out.join(' ');
}

/** A PC-relative branch whose target is a constant: when it is taken, and what it does first (BL). */
interface InlineBranch {
  readonly target: number;
  /** Condition expression; null: always taken. */
  readonly taken: string | null;
  readonly before: string;
}

function branchOf(L: Locals, i: A64Instruction, pc: number): InlineBranch | null {
  const target = pc + i.imm;
  switch (i.op) {
    case Op.B:
      return { target, taken: null, before: '' };
    case Op.BL: {
      // X30 <- PC + 4 (C6.2 "BL").
      const next = pc + 4;
      return { target, taken: null, before: L.set(30, `${next | 0}`, `${Math.floor(next / TWO32) | 0}`) };
    }
    case Op.B_COND:
      return { target, taken: conditionExpression(L, i.cond), before: '' };
    case Op.CBZ:
    case Op.CBNZ: {
      const t = i.xd;
      const zero = i.sf ? `(${L.lo(t)} | ${L.hi(t)}) === 0` : `${L.lo(t)} === 0`;
      return { target, taken: i.op === Op.CBZ ? zero : `!(${zero})`, before: '' };
    }
    case Op.TBZ:
    case Op.TBNZ: {
      const b = i.imm2;
      const bit = b >= 32 ? `((${L.hi(i.xd)} >>> ${b - 32}) & 1)` : `((${L.lo(i.xd)} >>> ${b}) & 1)`;
      return { target, taken: `${bit} ${i.op === Op.TBZ ? '===' : '!=='} 0`, before: '' };
    }
    default:
      return null;
  }
}

/** One instruction of a block: inline code, an inline branch, or a call to `execute`. */
interface Step {
  readonly insn: A64Instruction;
  readonly off: number;
  readonly pc: number;
  readonly inline: string | null;
  /** Inline load/store code that may throw MemoryAbort (see `memoryCode`), or null. */
  readonly access: string | null;
  readonly branch: InlineBranch | null;
  /** A Branch-flow instruction run by `execute` (ends the block). */
  readonly callBranch: boolean;
  readonly writes: ReadonlySet<number>;
  readonly writesFlags: boolean;
  readonly readsFlags: boolean;
  /** NZCV left pending before and after the step (null: in the flag locals). */
  readonly flagsBefore: PendingFlags | null;
  readonly flagsAfter: PendingFlags | null;
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
  // Pass 1: the instructions, their inline code and the locals they use.
  const L = new Locals();
  const steps: Step[] = [];
  let ended = false;
  for (let off = start; off < 1024 && steps.length < MAX_BLOCK; off++) {
    const insn = decodeAt(off);
    const branchFlow = isBranch(insn);
    if (!branchFlow && !isStraight(insn)) break;
    const pc = pageBase + off * 4;
    L.writes = new Set<number>();
    L.writesFlags = false;
    L.readsFlags = false;
    const flagsBefore = L.pending;
    const branch = branchFlow ? branchOf(L, insn, pc) : null;
    const inline = branchFlow ? null : inlineCode(L, insn);
    const access = branchFlow || inline !== null ? null : memoryCode(L, insn, pc);
    // A call to `execute` leaves NZCV in the executor, reloaded into the flag locals after it.
    if (inline === null && access === null && branch === null) L.pending = null;
    steps.push({ insn, off, pc, inline, access, branch, callBranch: branchFlow && branch === null, writes: L.writes, writesFlags: L.writesFlags, readsFlags: L.readsFlags, flagsBefore, flagsAfter: L.pending });
    if (branchFlow) {
      ended = true;
      break;
    }
  }
  if (steps.length === 0) return null;
  const length = steps.length;
  const first = steps[0];
  const last = steps[length - 1];
  const loops = last.branch !== null && last.branch.target === first.pc;
  const calls = steps.filter((st) => st.inline === null && st.access === null && st.branch === null).map((st) => steps.indexOf(st));
  const hasCall = calls.length > 0;
  const lastCall = hasCall ? calls[calls.length - 1] : -1;
  // Where memory may first change: a generic call or an inline load/store (a store, or a load
  // whose cache fill writes a dirty victim back). Words after it are checked before they run.
  const firstWriter = steps.findIndex((st) => st.access !== null || (st.inline === null && st.branch === null));
  const writesMemory = firstWriter >= 0;
  const hasAccess = steps.some((st) => st.access !== null);

  // Pass 2: the function body.
  const used = [...L.used].sort((a, b) => a - b);
  const flagsUsed = L.flagsUsed;
  const load = used.map((r) => `l${r} = lo[${r}] | 0, h${r} = hi[${r}] | 0`);
  if (flagsUsed) load.push('fn = cpu.n, fz = cpu.z, fc = cpu.c, fv = cpu.v');
  if (L.pendingUsed) load.push('q0 = 0, q1 = 0, q2 = 0, q3 = 0');
  const reload = used.map((r) => `l${r} = lo[${r}] | 0; h${r} = hi[${r}] | 0;`).join(' ') + (flagsUsed ? ' fn = cpu.n; fz = cpu.z; fc = cpu.c; fv = cpu.v;' : '');
  // Written since the executor's state was last in step with the locals; a loop pass starts with
  // what the previous pass wrote after its last call (everything, when it has none).
  const dirty = new Set<number>();
  let dirtyFlags = false;
  if (loops) {
    for (let k = lastCall + 1; k < length; k++) {
      for (const r of steps[k].writes) dirty.add(r);
      if (steps[k].writesFlags) dirtyFlags = true;
    }
  }
  // `flags`: NZCV pending at that point (computed into the executor), or null (the flag locals).
  const writeBack = (flags: PendingFlags | null): string => {
    const out = [...dirty].sort((a, b) => a - b).map((r) => `lo[${r}] = l${r}; hi[${r}] = h${r};`);
    if (dirtyFlags) out.push(flags === null ? 'cpu.n = fn; cpu.z = fz; cpu.c = fc; cpu.v = fv;' : materialize(flags, 'cpu.'));
    // The inline accesses' hit counts, before a call or an exit.
    if (hasAccess) out.push(INLINE_ACCESS_SPILL);
    return out.join(' ');
  };
  // Retired but not yet added to cpu.instructionsRetired: `pending` inline steps of this pass, plus,
  // in a loop without calls, the `s` steps of the passes before (a call loop adds them each pass).
  let pending = 0;
  const retire = (): string => {
    if (loops && !hasCall) return `cpu.instructionsRetired += s + ${pending}; `;
    return pending > 0 ? `cpu.instructionsRetired += ${pending}; ` : '';
  };
  const result = (k: number, exit: number): string => (loops ? `((s + ${k}) << 2) | ${exit}` : `${(k << 2) | exit}`);
  const here = (st: Step): string => `cpu.curPc = ${st.pc}; cpu.curWord = ${st.insn.word | 0};`;
  /**
   * The exits taken before or inside one step (a stale word before step k; an abort or a stop
   * request in the access of step k - 1) all go through one shared tail after the `exit` label,
   * so each site costs three assignments, not a write-back of every register (V8 stops
   * optimising functions past a bytecode size). `xk`: steps of this pass done (PC = their end);
   * `xr`: the retirements still to add (plus `s` in a loop without calls); `xc`: 0 stale word,
   * 1 abort `xe` in step xk - 1, 2 stop request after step xk - 1. The tail writes back every
   * local: each holds the register's current value (loaded at entry, reloaded after calls), and
   * the flag locals NZCV, computed at the site when they are pending (`flags`).
   */
  const exitAt = (k: number, retired: number, kind: number, flags: PendingFlags | null, extra = ''): string =>
    `{ ${flags === null ? '' : materialize(flags, 'f')}xk = ${k}; xr = ${retired}; xc = ${kind};${extra} break exit; }`;
  // NZCV at the top of a loop pass are read or may leave the block (an exit) before the pass
  // writes them: a pass that ends with them pending computes them before going round.
  const flagsLiveAtTop = ((): boolean => {
    if (writesMemory) return true;
    for (const st of steps) {
      if (st.readsFlags) return true;
      if (st.writesFlags) return false;
    }
    return true;
  })();
  const sharedTail = (): string => {
    const all = used.map((r) => `lo[${r}] = l${r}; hi[${r}] = h${r};`);
    if (flagsUsed) all.push('cpu.n = fn; cpu.z = fz; cpu.c = fc; cpu.v = fv;');
    if (hasAccess) all.push(INLINE_ACCESS_SPILL);
    return [
      all.join(' '),
      'cpu.retiredBias = 0;',
      `cpu.instructionsRetired += ${loops && !hasCall ? 's + ' : ''}xr;`,
      `if (xk > 0) { cpu.curPc = ${first.pc} + 4 * (xk - 1); cpu.curWord = I[xk - 1].word | 0; }`,
      `cpu.pc = ${first.pc} + 4 * xk;`,
      'if (xc === 1) cpu.abort(xe, I[xk - 1]);',
      `return ((${loops ? 's + ' : ''}xk) << 2) | (xc === 0 ? ${BlockExit.Stale} : ${BlockExit.Leave});`,
    ].join('\n');
  };

  const body: string[] = [];
  // Every word once at entry (nothing has run: a stale one leaves it all to the interpreter),
  // unless each word is checked before it runs anyway (a loop with calls or memory accesses).
  if (!(loops && writesMemory)) {
    const stale = steps.map((st) => `words[${st.off}] !== ${st.insn.word >>> 0}`).join(' || ');
    body.push(`if (${stale}) { cpu.pc = ${first.pc}; return ${BlockExit.Stale}; }`);
  }
  body.push(`let ${['s = 0', ...load].join(', ')};`);
  if (loops) body.push(`const last = (budget - ${length}) | 0;`);
  if (hasAccess) body.push('const M = cpu.memory;', inlineAccessPrologue('M', null));
  // MC: a call (a handler or an access's full path) may have changed memory or raised attention
  // since the words were last all seen unchanged; an inline hit changes neither (it writes the L1
  // line, not the memory fetches read, and calls nothing), so the checks below test MC first.
  if (writesMemory) body.push(`let xk = 0, xr = 0, xc = 0, xe = null, MC = ${loops ? 1 : 0};`, 'exit: {');
  if (loops) body.push('for (;;) {');
  for (let k = 0; k < length; k++) {
    const st = steps[k];
    // After a call or access (in this pass, or the last one for a loop) memory may have changed.
    if (writesMemory && (loops || k > firstWriter)) {
      body.push(`if (MC !== 0 && words[${st.off}] !== ${st.insn.word >>> 0}) ${exitAt(k, pending, 0, st.flagsBefore)}`);
    }
    if (st.inline !== null) {
      body.push(`{ ${st.inline} }`);
      for (const r of st.writes) dirty.add(r);
      if (st.writesFlags) dirtyFlags = true;
      pending++;
      continue;
    }
    if (st.access !== null) {
      // An abort leaves the interpreter's state before `execute` (no register written: the
      // accesses come first) and is routed as the generic path routes it; a stop requested by
      // the access ends the block after this instruction, as the generic path's attention check.
      const position = `cpu.curPc = ${st.pc}; cpu.curWord = ${st.insn.word | 0}; cpu.retiredBias = ${loops && !hasCall ? 's + ' : ''}${pending};`;
      const access = st.access.replaceAll(AT, position).replaceAll(DONE, 'cpu.retiredBias = 0; MC = 1;');
      body.push(`try { ${access} } catch (e) ${exitAt(k + 1, pending, 1, st.flagsBefore, ' xe = e;')}`);
      for (const r of st.writes) dirty.add(r);
      pending++;
      body.push(`if (MC !== 0 && cpu.attention !== 0) ${exitAt(k + 1, pending, 2, st.flagsBefore)}`);
      continue;
    }
    const branch = st.branch;
    if (branch !== null) {
      for (const r of st.writes) dirty.add(r);
      if (st.writesFlags) dirtyFlags = true;
      pending++;
      const next = st.pc + 4;
      if (branch.before !== '') body.push(branch.before);
      if (loops) {
        // Taken: another pass if the budget covers it, else leave at the target (the loop start).
        // One exit for both ways out, so its code has type feedback once either has run.
        // s stays below MAX_BLOCK_BUDGET: `| 0` spares the overflow check; `last` is the budget less one pass.
        body.push(`${hasCall ? retire() : ''}s = (s + ${length}) | 0;`);
        // The next pass checks no word while every word is still the one compiled (a loop with
        // calls keeps checking: each pass calls).
        if (writesMemory && !hasCall) body.push(`if (MC !== 0 && ${steps.map((x) => `words[${x.off}] === ${x.insn.word >>> 0}`).join(' && ')}) MC = 0;`);
        pending = 0;
        const round = `{ ${flagsLiveAtTop && st.flagsAfter !== null ? materialize(st.flagsAfter, 'f') : ''}continue; }`;
        if (branch.taken === null) body.push(`if (s <= last) ${round} cpu.pc = ${branch.target};`);
        else body.push(`const taken = ${branch.taken}; if (taken && s <= last) ${round} cpu.pc = taken ? ${branch.target} : ${next};`);
        body.push(`${writeBack(st.flagsAfter)} ${retire()}${here(st)} return (s << 2) | ${BlockExit.Continue};`);
      } else {
        const pcExpr = branch.taken === null ? `${branch.target}` : `(${branch.taken}) ? ${branch.target} : ${next}`;
        body.push(`${writeBack(st.flagsAfter)} ${retire()}${here(st)} cpu.pc = ${pcExpr}; return ${result(length, BlockExit.Continue)};`);
      }
      break;
    }
    // The interpreter's step: execute, route an abort, retire unless suppressed, stop on attention.
    const steps1 = k + 1;
    body.push(`${writeBack(st.flagsBefore)} ${retire()}${here(st)} cpu.pc = ${st.pc + 4};`);
    pending = 0;
    dirty.clear();
    dirtyFlags = false;
    body.push(`try { cpu.execute(I[${k}]); } catch (e) { cpu.abort(e, I[${k}]); return ${result(steps1, BlockExit.Leave)}; }`);
    body.push('if (cpu.retireSuppressed) cpu.retireSuppressed = false; else cpu.instructionsRetired++;');
    body.push(`if (cpu.attention !== 0) return ${result(steps1, BlockExit.Leave)};`);
    if (st.callBranch) {
      body.push(`return ${result(steps1, BlockExit.Continue)};`);
      break;
    }
    // A Straight instruction falls through unless it raised an exception (PC moved).
    body.push(`if (cpu.pc !== ${st.pc + 4}) return ${result(steps1, BlockExit.Leave)};`);
    body.push(reload, 'MC = 1;');
    if (hasAccess) body.push(inlineAccessReload(null));
  }
  if (!ended) {
    body.push(`${writeBack(last.flagsAfter)} ${retire()}${here(last)} cpu.pc = ${last.pc + 4}; return ${result(length, BlockExit.Continue)};`);
  }
  if (loops) body.push('}');
  if (writesMemory) body.push('}', sharedTail());
  const source = `"use strict"; return function a64Block(cpu, lo, hi, words, budget, I) {\n${body.join('\n')}\n};`;
  let run = functions.get(source);
  if (run === undefined) {
    if (functions.size >= MAX_FUNCTIONS) functions.clear();
    run = (new Function(blockFactoryArguments[0], source) as (x: unknown) => A64BlockFunction)(blockFactoryArguments[1]);
    functions.set(source, run);
  }
  return { run, insns: steps.map((st) => st.insn), length, loops, shortCalls: loops ? SHORT_CALLS : 0 };
}
