/**
 * Dynamic recompilation of hot A32 runs: a straight line of instructions from one code page,
 * ending at a B/BL (included), before the first instruction that must go back to the run loop,
 * or at the page end, becomes one JavaScript function (`new Function`).
 *
 * Data-processing instructions with an immediate or immediate-shifted register operand are
 * emitted inline (Arm ARM F5 data-processing pseudocode, AddWithCarry and Shift_C of F2); every
 * other instruction calls its ordinary handler with the same bookkeeping `A32Cpu.runBlock` does.
 * Each instruction first checks its word is still the one compiled, so self-modifying code is
 * seen exactly where the interpreter would see it.
 *
 * A block function returns one of BlockExit: Continue (PC is the next instruction, same regime),
 * Leave (a handler branched or raised an exception: back to the run loop) or Stale (a word
 * changed: PC is that instruction, drop the block).
 */
import { A32Op, DpOpcode, Shift, type A32Instruction } from '../../decode/a32/index';
import type { A32Cpu } from './cpu';
import type { Handler } from './handlers-alu';

export const BlockExit = { Leave: 0, Continue: 1, Stale: 2 } as const;

export type BlockFunction = (cpu: A32Cpu, r: Uint32Array, words: Uint32Array) => number;

export interface CompiledA32Block {
  readonly run: BlockFunction;
  /** Most instructions one call retires (the caller enters only with that much budget left). */
  readonly length: number;
}

const MAX_BLOCK = 64;
const Op = { ...A32Op };
const Dp = { ...DpOpcode };
const Sh = { ...Shift };

/** ConditionPassed (Arm ARM F2 "Conditional execution") as a JavaScript expression over the CPU's flags. */
function conditionExpression(cond: number): string | null {
  switch (cond) {
    case 0: return 'cpu.flagZ === 1';
    case 1: return 'cpu.flagZ === 0';
    case 2: return 'cpu.flagC === 1';
    case 3: return 'cpu.flagC === 0';
    case 4: return 'cpu.flagN === 1';
    case 5: return 'cpu.flagN === 0';
    case 6: return 'cpu.flagV === 1';
    case 7: return 'cpu.flagV === 0';
    case 8: return '(cpu.flagC === 1 && cpu.flagZ === 0)';
    case 9: return '(cpu.flagC === 0 || cpu.flagZ === 1)';
    case 10: return 'cpu.flagN === cpu.flagV';
    case 11: return 'cpu.flagN !== cpu.flagV';
    case 12: return '(cpu.flagZ === 0 && cpu.flagN === cpu.flagV)';
    case 13: return '(cpu.flagZ === 1 || cpu.flagN !== cpu.flagV)';
    default: return null; // AL
  }
}

/** Shift_C with constant type and amount: [value expression, carry expression]. */
function shiftExpressions(v: string, type: number, amount: number): [string, string] {
  if (amount === 0) return [v, 'cpu.flagC'];
  if (type === Sh.RRX) return [`((cpu.flagC << 31) | (${v} >>> 1)) >>> 0`, `(${v} & 1)`];
  switch (type) {
    case Sh.LSL:
      if (amount >= 32) return ['0', amount === 32 ? `(${v} & 1)` : '0'];
      return [`((${v} << ${amount}) >>> 0)`, `((${v} >>> ${32 - amount}) & 1)`];
    case Sh.LSR:
      if (amount >= 32) return ['0', amount === 32 ? `(${v} >>> 31)` : '0'];
      return [`(${v} >>> ${amount})`, `((${v} >>> ${amount - 1}) & 1)`];
    case Sh.ASR:
      if (amount >= 32) return [`((${v} >> 31) >>> 0)`, `(${v} >>> 31)`];
      return [`((${v} >> ${amount}) >>> 0)`, `((${v} >> ${amount - 1}) & 1)`];
    default: {
      const a = amount & 31;
      const value = a === 0 ? v : `(((${v} >>> ${a}) | (${v} << ${32 - a})) >>> 0)`;
      return [value, `(${value} >>> 31)`];
    }
  }
}

/** Inline code for a data-processing instruction, or null when it must use its handler. */
function dataProcessingCode(i: A32Instruction, pc: number): string | null {
  if (i.op !== Op.DataProcessingImm && i.op !== Op.DataProcessingReg) return null;
  const sub = i.sub;
  const compare = sub >= Dp.TST && sub <= Dp.CMN;
  if (!compare && i.rd === 15) return null; // ALUWritePC and exception returns: the handler
  const pcValue = ((pc + 8) >>> 0).toString();
  const reg = (n: number): string => (n === 15 ? pcValue : `r[${n}]`);
  const lines: string[] = [];
  let carryExpr: string;
  if (i.op === Op.DataProcessingImm) {
    lines.push(`const b = ${i.imm >>> 0};`);
    carryExpr = i.immCarry < 0 ? 'cpu.flagC' : String(i.immCarry);
  } else {
    lines.push(`const m = ${reg(i.rm)};`);
    const [value, carry] = shiftExpressions('m', i.shiftType, i.shiftAmount);
    lines.push(`const b = ${value};`);
    carryExpr = carry;
  }
  lines.push(`const a = ${reg(i.rn)};`);
  let arithmetic = true;
  // AddWithCarry(x, y, carry_in) as x + y + c on unsigned values.
  const add = (x: string, y: string, c: string): void => {
    lines.push(`const x = ${x}, y = ${y};`, `const s = x + y + ${c};`, 'const res = s >>> 0;');
  };
  switch (sub) {
    case Dp.AND: case Dp.TST: lines.push('const res = (a & b) >>> 0;'); arithmetic = false; break;
    case Dp.EOR: case Dp.TEQ: lines.push('const res = (a ^ b) >>> 0;'); arithmetic = false; break;
    case Dp.SUB: case Dp.CMP: add('a', '(~b >>> 0)', '1'); break;
    case Dp.RSB: add('b', '(~a >>> 0)', '1'); break;
    case Dp.ADD: case Dp.CMN: add('a', 'b', '0'); break;
    case Dp.ADC: add('a', 'b', 'cpu.flagC'); break;
    case Dp.SBC: add('a', '(~b >>> 0)', 'cpu.flagC'); break;
    case Dp.RSC: add('b', '(~a >>> 0)', 'cpu.flagC'); break;
    case Dp.ORR: lines.push('const res = (a | b) >>> 0;'); arithmetic = false; break;
    case Dp.MOV: lines.push('const res = b >>> 0;'); arithmetic = false; break;
    case Dp.BIC: lines.push('const res = (a & ~b) >>> 0;'); arithmetic = false; break;
    default: lines.push('const res = ~b >>> 0;'); arithmetic = false; break;
  }
  if (i.setFlags && !arithmetic) lines.push(`const sc = ${carryExpr};`);
  if (!compare) lines.push(`r[${i.rd}] = res;`);
  if (i.setFlags) {
    lines.push('cpu.flagN = res >>> 31;', 'cpu.flagZ = res === 0 ? 1 : 0;');
    if (arithmetic) lines.push('cpu.flagC = s > 0xffffffff ? 1 : 0;', 'cpu.flagV = (((x ^ res) & (y ^ res)) >>> 31) & 1;');
    else lines.push('cpu.flagC = sc;');
  }
  return lines.join(' ');
}

/**
 * Compile the run starting at word `start` of a page whose first byte is at VA `pageBase`.
 * `decodeAt(off)` returns the current record for a word; `isStraight(insn)` says whether the
 * instruction may sit inside a block (see A32Cpu's Flow). Null when the first instruction may not.
 */
export function compileA32Block(
  words: Uint32Array,
  pageBase: number,
  start: number,
  decodeAt: (off: number) => A32Instruction,
  isStraight: (insn: A32Instruction) => boolean,
  handlerOf: (insn: A32Instruction) => Handler,
): CompiledA32Block | null {
  const insns: A32Instruction[] = [];
  const handlers: Handler[] = [];
  const body: string[] = [];
  let pending = 0; // retired instructions not yet added to cpu.instructionsRetired
  const flush = (): string => {
    const s = pending > 0 ? `cpu.instructionsRetired += ${pending}; ` : '';
    pending = 0;
    return s;
  };
  let off = start;
  let last = -1;
  let ended = false;
  while (off < 1024 && insns.length < MAX_BLOCK) {
    const insn = decodeAt(off);
    const isBranch = insn.kind === 'ok' && insn.op === Op.Branch;
    if (!isBranch && !isStraight(insn)) break;
    const k = insns.length;
    insns.push(insn);
    handlers.push(handlerOf(insn));
    const pc = (pageBase + off * 4) >>> 0;
    last = k;
    // The stale exit retires what ran before it, without flushing the count the normal path keeps.
    const retiredSoFar = pending > 0 ? `cpu.instructionsRetired += ${pending}; ` : '';
    body.push(`if (words[${off}] !== ${insn.word}) { ${retiredSoFar}r[15] = ${pc}; cpu.current = ${pc}; return 2; }`);
    const cond = conditionExpression(insn.cond);
    if (isBranch) {
      const target = ((pc + 8 + insn.imm) & ~3) >>> 0;
      const link = insn.sub ? `r[14] = ${(pc + 4) >>> 0}; ` : '';
      pending++;
      const exit = `${flush()}cpu.current = ${pc}; cpu.currentInsn = I[${k}];`;
      if (cond === null) body.push(`${exit} ${link}r[15] = ${target}; return 1;`);
      else body.push(`${exit} if (${cond}) { ${link}r[15] = ${target}; } else { r[15] = ${(pc + 4) >>> 0}; } return 1;`);
      ended = true;
      break;
    }
    const inline = dataProcessingCode(insn, pc);
    if (inline !== null) {
      body.push(cond === null ? `{ ${inline} }` : `if (${cond}) { ${inline} }`);
      pending++;
    } else {
      const call = `r[15] = ${(pc + 8) >>> 0}; cpu.branched = false; H[${k}](cpu, I[${k}]); cpu.instructionsRetired++; if (cpu.branched) return 0;`;
      const pre = `${flush()}cpu.current = ${pc}; cpu.currentInsn = I[${k}];`;
      body.push(cond === null ? `${pre} ${call}` : `${pre} if (${cond}) { ${call} } else { cpu.instructionsRetired++; }`);
    }
    off++;
  }
  if (last < 0) return null;
  if (!ended) {
    const lastPc = (pageBase + (off - 1) * 4) >>> 0;
    body.push(`${flush()}cpu.current = ${lastPc}; cpu.currentInsn = I[${last}]; r[15] = ${(pageBase + off * 4) >>> 0}; return 1;`);
  }
  const source = `"use strict"; return function a32Block(cpu, r, words) {\n${body.join('\n')}\n};`;
  const factory = new Function('H', 'I', source) as (h: Handler[], i: A32Instruction[]) => BlockFunction;
  return { run: factory(handlers, insns), length: insns.length };
}
