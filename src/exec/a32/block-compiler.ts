/**
 * Dynamic recompilation of hot A32 runs: a straight line of instructions from one code page,
 * ending at a B/BL (included), before the first instruction that must go back to the run loop,
 * or at the page end, becomes one JavaScript function (`new Function`).
 *
 * Data-processing instructions with an immediate or immediate-shifted register operand,
 * MOVW/MOVT, and the common single loads and stores (which call the CPU's access helpers, so
 * alignment, endianness, translation and caches are the interpreter's own) are emitted inline (Arm ARM F5 data-processing pseudocode, AddWithCarry and Shift_C
 * of F2) over JavaScript locals: the registers they use and NZCV are loaded once on entry, kept as
 * int32 locals (TurboFan keeps them in machine registers and drops flag results nobody reads),
 * and written back at every exit and before every other instruction, which calls its ordinary
 * handler with the same bookkeeping `A32Cpu.runBlock` does and may read or write anything; the
 * locals are reloaded after it returns.
 *
 * A block whose closing branch targets its own first instruction is a loop and runs in place
 * while the branch is taken and the budget covers another whole pass, as QEMU chains a
 * translation block to itself.
 *
 * Self-modifying code is seen exactly where the interpreter would see it. A word can change only
 * through a memory write, which here happens only inside a handler (executors run one at a time),
 * so a block without handler calls checks its words once, on entry; one with handler calls checks
 * each word before it runs. A block that finds a changed word on entry returns Stale before
 * running anything, and the run loop interprets from its start.
 *
 * An inline access that aborts leaves exactly the state the handler would have: the locals are
 * stored, the instructions before it retired, PC at it + 8, and the MemoryAbort goes on to the
 * run loop.
 *
 * A block function returns one of BlockExit: Continue (PC is the next instruction, same regime),
 * Leave (a handler branched or raised an exception: back to the run loop) or Stale (a word
 * changed: PC is that instruction, drop the block).
 */
import { A32Op, DpOpcode, Shift, type A32Instruction } from '../../decode/a32/index';
import { ORN as OrnOpcode } from '../../decode/t32/rows-32-data-processing';
import { itAdvance } from '../t32/it-state';
import type { A32Cpu } from './cpu';
import type { Handler } from './handlers-alu';
import { blockFactoryArguments, INLINE_ACCESS_SPILL, inlineAccessPrologue, inlineAccessReload, inlineLoad, inlineStore } from '../inline-data-access';
import { BlockFlags, CARRY_IN, conditionReads, FLAG_NAMES, type FlagName, type FlagUpdate } from './block-flags';

export const BlockExit = { Leave: 0, Continue: 1, Stale: 2 } as const;

/**
 * `budget`: instructions the caller still allows (at least `length`); a loop stops within it.
 * `H`, `I`: the block's handlers and records, passed in so one function serves every block with
 * the same source (the same words at the same addresses), in any CPU or machine.
 */
export type BlockFunction = (cpu: A32Cpu, r: Uint32Array, words: Uint32Array, budget: number, H: readonly Handler[], I: readonly A32Instruction[]) => number;

export interface CompiledA32Block {
  readonly run: BlockFunction;
  readonly handlers: readonly Handler[];
  readonly insns: readonly A32Instruction[];
  /** Instructions one pass retires (the caller enters only with that much budget left). */
  readonly length: number;
  /** The closing branch targets the first instruction: the function loops in place. */
  readonly loops: boolean;
}

const MAX_BLOCK = 64;
/** Data accesses are little-endian inline; CPSR.E set (SETEND BE) leaves them to the helpers. */
const BIG_ENDIAN = 'cpu.bigEndian';
/** Functions by source: V8's optimised code then survives new machines (a sweep builds thousands). */
const functions = new Map<string, BlockFunction>();
const MAX_FUNCTIONS = 4096;
const Op = { ...A32Op };
const Dp = { ...DpOpcode };
const Sh = { ...Shift };
/** T32's ORN (an A32 data-processing record with this sub-operation, F5 "ORN"). */
const ORN = OrnOpcode;

/**
 * ConditionPassed (Arm ARM F2 "Conditional execution") of a closing branch, as a marker the
 * emitter replaces with the expression over the flags where they are then; null for AL.
 */
export function conditionExpression(cond: number): string | null {
  return cond >>> 1 === 7 ? null : `@cond${cond}@`;
}
const CONDITION_MARK = /@cond(\d+)@/g;

/**
 * Shift_C (Arm ARM F2) of int32 `v` by a constant: [int32 value expression, carry (0/1)
 * expression, or null when the carry is C unchanged (LSL #0)].
 */
function shiftExpressions(v: string, type: number, amount: number): [string, string | null] {
  if (type === Sh.RRX) return [`((${CARRY_IN} << 31) | (${v} >>> 1))`, `(${v} & 1)`];
  if (amount === 0) return [v, null];
  switch (type) {
    case Sh.LSL:
      if (amount >= 32) return ['0', amount === 32 ? `(${v} & 1)` : '0'];
      return [`(${v} << ${amount})`, `((${v} >>> ${32 - amount}) & 1)`];
    case Sh.LSR:
      if (amount >= 32) return ['0', amount === 32 ? `(${v} >>> 31)` : '0'];
      return [`((${v} >>> ${amount}) | 0)`, `((${v} >>> ${amount - 1}) & 1)`];
    case Sh.ASR:
      if (amount >= 32) return [`(${v} >> 31)`, `(${v} >>> 31)`];
      return [`(${v} >> ${amount})`, `((${v} >> ${amount - 1}) & 1)`];
    default: {
      const a = amount & 31;
      const value = a === 0 ? v : `((${v} >>> ${a}) | (${v} << ${32 - a}))`;
      return [value, `(${value} >>> 31)`];
    }
  }
}

/** What an inline instruction does with registers and flags (the locals a block needs). */
export interface InlineCode {
  readonly code: string;
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  readonly writesFlags: boolean;
  /** It accesses memory: it may abort, and may change what later fetches read. */
  readonly memory?: boolean;
  /** How it sets NZCV (`writesFlags`), from the consts of `code`; the emitter adds the statements. */
  readonly flags?: FlagUpdate;
}

/** The local that holds register `n` inside a block. */
export const local = (n: number): string => `R${n}`;

/**
 * Inline code for a data-processing instruction, or null when it must use its handler.
 * `pcRead`: the value the instruction reads as PC (A32: its address + 8; T32: + 4, or
 * Align(PC, 4) for ADR; Arm ARM F1 "Use of the PC").
 */
export function dataProcessingCode(i: A32Instruction, pcRead: number): InlineCode | null {
  if (i.op !== Op.DataProcessingImm && i.op !== Op.DataProcessingReg) return null;
  const sub = i.sub;
  const compare = sub >= Dp.TST && sub <= Dp.CMN;
  const move = sub === Dp.MOV || sub === Dp.MVN;
  if (!compare && i.rd === 15) return null; // ALUWritePC and exception returns: the handler
  const reads: number[] = [];
  const reg = (n: number): string => {
    if (n === 15) return String(pcRead | 0);
    reads.push(n);
    return local(n);
  };
  const lines: string[] = [];
  let carryExpr: string | null;
  if (i.op === Op.DataProcessingImm) {
    lines.push(`const b = ${i.imm | 0};`);
    carryExpr = i.immCarry < 0 ? null : String(i.immCarry);
  } else {
    const [value, carry] = shiftExpressions('m', i.shiftType, i.shiftAmount);
    lines.push(`const m = ${reg(i.rm)};`, `const b = ${value};`);
    carryExpr = carry;
  }
  if (!move) lines.push(`const a = ${reg(i.rn)};`);
  // Logical operations set N, Z and the shifter's carry (F5 "AND (register)" and the like).
  let flags: FlagUpdate = { kind: 'logical', carry: carryExpr };
  // AddWithCarry(x, y, carry_in) on int32 values (the flags derive from x, y and res).
  const add = (x: string, y: string, carryIn: '0' | '1' | 'C'): void => {
    lines.push(`const x = ${x}, y = ${y};`);
    lines.push(carryIn === 'C' ? `const res = (((x + y) | 0) + ${CARRY_IN}) | 0;` : `const res = (x + y + ${carryIn}) | 0;`);
    flags = { kind: 'arithmetic', carryIn, subtract: y.startsWith('~') };
  };
  switch (sub) {
    case Dp.AND: case Dp.TST: lines.push('const res = a & b;'); break;
    case Dp.EOR: case Dp.TEQ: lines.push('const res = a ^ b;'); break;
    case Dp.SUB: case Dp.CMP: add('a', '~b', '1'); break;
    case Dp.RSB: add('b', '~a', '1'); break;
    case Dp.ADD: case Dp.CMN: add('a', 'b', '0'); break;
    case Dp.ADC: add('a', 'b', 'C'); break;
    case Dp.SBC: add('a', '~b', 'C'); break;
    case Dp.RSC: add('b', '~a', 'C'); break;
    case Dp.ORR: lines.push('const res = a | b;'); break;
    case Dp.MOV: lines.push('const res = b;'); break;
    case Dp.BIC: lines.push('const res = a & ~b;'); break;
    case ORN: lines.push('const res = a | ~b;'); break;
    default: lines.push('const res = ~b;'); break;
  }
  const writes: number[] = [];
  if (!compare) {
    lines.push(`${local(i.rd)} = res;`);
    writes.push(i.rd);
  }
  return { code: lines.join(' '), reads, writes, writesFlags: i.setFlags, ...(i.setFlags ? { flags } : {}) };
}

/** MOVW / MOVT (Arm ARM F5.1.129, F5.1.132): MOVT keeps the low half of Rd. */
export function moveWideCode(i: A32Instruction): InlineCode | null {
  if (i.op !== Op.MovWide || i.rd === 15) return null;
  const rd = local(i.rd);
  if (i.sub === 0) return { code: `${rd} = ${i.imm | 0};`, reads: [], writes: [i.rd], writesFlags: false };
  return { code: `${rd} = ${(i.imm << 16) | 0} | (${rd} & 0xffff);`, reads: [i.rd], writes: [i.rd], writesFlags: false };
}

/**
 * LDR/STR/LDRB/STRB and LDRH/STRH/LDRSB/LDRSH with an immediate or immediate-shifted register
 * offset (Arm ARM F5 pseudocode of each): the access first, through the CPU's own alignment and
 * endianness helpers, then the base writeback, then Rt, as the handlers do. The T (unprivileged)
 * forms, loads to the PC and PC-based writeback stay with the handlers.
 */
/**
 * Marks the full-path call of an inline access; the block puts there the exact count and PC of
 * the instruction, so what the call reaches (the caches, an observer of loads) sees its position.
 */
const AT = '/*at*/';

/**
 * `k`: the instruction's index in its block, recorded in `at` before the access (see the abort
 * path); `pcRead` as for `dataProcessingCode`.
 */
export function loadStoreCode(i: A32Instruction, pcRead: number, k: number): InlineCode | null {
  if (i.op !== Op.LoadStoreWordByte && i.op !== Op.LoadStoreExtra) return null;
  if (i.unprivileged || i.rt === 15 || (i.rn === 15 && i.wback)) return null;
  const extra = i.op === Op.LoadStoreExtra;
  if (extra && !(i.size === 2 || (i.size === 1 && i.load && i.signed))) return null;
  const reads: number[] = [];
  const reg = (n: number): string => {
    if (n === 15) return String(pcRead | 0);
    reads.push(n);
    return local(n);
  };
  const lines = [`const base = ${reg(i.rn)};`];
  if (i.regOffset) lines.push(`const m = ${reg(i.rm)};`, `const offset = ${shiftExpressions('m', i.shiftType, i.shiftAmount)[0]};`);
  else lines.push(`const offset = ${i.imm | 0};`);
  lines.push(`const offsetAddr = (base ${i.add ? '+' : '-'} offset) | 0;`, `const address = ${i.index ? 'offsetAddr' : 'base'};`, `at = ${k};`);
  const writes: number[] = [];
  const wback = i.wback ? `${local(i.rn)} = offsetAddr; ` : '';
  if (i.wback) writes.push(i.rn);
  // Aligned little-endian accesses that hit the L1 are made inline; everything else calls the
  // CPU's helpers (alignment faults, endianness, translation, the caches' full path).
  const va = '(address >>> 0)';
  if (i.load) {
    let call: string;
    if (i.size === 4) call = 'cpu.read32(address, false)';
    else if (i.size === 2) call = 'cpu.read16(address, false)';
    else call = 'cpu.read8(address)';
    lines.push('let raw = 0;', inlineLoad(va, i.size as 1 | 2 | 4, 'raw', null, `${AT} raw = ${call} | 0;`, true));
    let value = 'raw';
    if (i.signed) value = i.size === 2 ? '(raw << 16) >> 16' : '(raw << 24) >> 24';
    lines.push(`const value = ${value};`, `${wback}${local(i.rt)} = value;`);
    writes.push(i.rt);
  } else {
    const value = reg(i.rt);
    const call = i.size === 4 ? `cpu.write32(address, ${value}, false);` : i.size === 2 ? `cpu.write16(address, ${value}, false);` : `cpu.write8(address, ${value});`;
    lines.push(inlineStore(va, i.size as 1 | 2 | 4, value, null, `${AT} ${call}`, true), wback);
  }
  return { code: lines.join(' '), reads, writes, writesFlags: false, memory: true };
}

/** Inline code for the instruction at index `k` of its block that reads PC as `pcRead`, or null (its handler runs). */
export function inlineCode(i: A32Instruction, pcRead: number, k: number): InlineCode | null {
  if (i.kind !== 'ok') return null;
  return dataProcessingCode(i, pcRead) ?? moveWideCode(i) ?? loadStoreCode(i, pcRead, k);
}

/**
 * One instruction of a block being compiled (A32 or T32): where it is, what it reads as PC, the
 * host words of the code page it was decoded from (`checks`: index, value pairs, tested before it
 * runs so a changed word makes the block Stale), its inline code (null: its handler runs) and, in
 * T32 state, the ITSTATE it executes under.
 */
export interface PlannedInstruction {
  readonly insn: A32Instruction;
  readonly pc: number;
  /** The address of the next instruction. */
  readonly next: number;
  readonly pcRead: number;
  readonly checks: readonly number[];
  readonly inline: InlineCode | null;
  readonly it: number;
}

/** The block's closing branch (its last instruction): taken when `taken` holds (null: always). */
export interface PlannedBranch {
  readonly taken: string | null;
  readonly target: number;
  /** What R14 receives when it links (BL), else null. */
  readonly link: number | null;
  /** Registers `taken` reads (CBZ/CBNZ's Rn). */
  readonly reads: readonly number[];
}

export interface BlockPlan {
  /** T32 state: handlers see ITSTATE, which exits and calls write back (`it` of each instruction). */
  readonly thumb: boolean;
  readonly instructions: readonly PlannedInstruction[];
  /** Non-null when the last instruction is the closing branch. */
  readonly branch: PlannedBranch | null;
  /** ITSTATE after the last instruction. */
  readonly endIt: number;
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
  const plan: PlannedInstruction[] = [];
  let branch: PlannedBranch | null = null;
  for (let off = start; off < 1024 && plan.length < MAX_BLOCK; off++) {
    const insn = decodeAt(off);
    const pc = (pageBase + off * 4) >>> 0;
    const planned = { insn, pc, next: (pc + 4) >>> 0, pcRead: pc + 8, checks: [off, insn.word], inline: null, it: 0 };
    if (insn.kind === 'ok' && insn.op === Op.Branch) {
      const link = insn.sub !== 0 ? (pc + 4) | 0 : null;
      branch = { taken: conditionExpression(insn.cond), target: ((pc + 8 + insn.imm) & ~3) >>> 0, link, reads: [] };
      plan.push(planned);
      break;
    }
    if (!isStraight(insn)) break;
    plan.push({ ...planned, inline: inlineCode(insn, pc + 8, plan.length) });
  }
  if (plan.length === 0) return null;
  return emitBlock({ thumb: false, instructions: plan, branch, endIt: 0 }, handlerOf);
}

/** A statement that sets ITSTATE to `it` (T32 blocks that contain an IT block), else ''. */
type ItWrite = (it: number) => string;

/** The flags an instruction reads before it sets any ('all': its state must be whole there) and those it sets. */
function flagUse(p: PlannedInstruction, isBranch: boolean, branchTaken: string | null): { reads: readonly FlagName[] | 'all'; writes: readonly FlagName[] } {
  if (isBranch) {
    const cond = branchTaken === null ? null : /@cond(\d+)@/.exec(branchTaken);
    return { reads: cond === null ? [] : conditionReads(Number(cond[1])), writes: [] };
  }
  const inline = p.inline;
  if (inline === null || inline.memory === true) return { reads: 'all', writes: [] };
  const update = inline.flags;
  if (update === undefined) return { reads: [...conditionReads(p.insn.cond), ...(inline.code.includes(CARRY_IN) ? ['C' as const] : [])], writes: [] };
  if (conditionReads(p.insn.cond).length > 0) return { reads: 'all', writes: [] };
  const reads: FlagName[] = inline.code.includes(CARRY_IN) ? ['C'] : [];
  if (update.kind === 'arithmetic') return { reads, writes: FLAG_NAMES };
  return { reads, writes: update.carry === null ? ['N', 'Z'] : ['N', 'Z', 'C'] };
}

/**
 * The flags a loop pass reads (or may leave the block with) before it sets them: those must be
 * in their locals when the previous pass goes round; the others may stay pending.
 */
function flagsLiveAtTop(plan: readonly PlannedInstruction[], branchPlan: PlannedBranch | null, calls: boolean): Set<FlagName> {
  // A block with calls or accesses may leave before every instruction (a changed word).
  if (calls) return new Set(FLAG_NAMES);
  const live = new Set<FlagName>();
  const written = new Set<FlagName>();
  plan.forEach((p, k) => {
    const use = flagUse(p, branchPlan !== null && k === plan.length - 1, branchPlan?.taken ?? null);
    for (const n of use.reads === 'all' ? FLAG_NAMES : use.reads) if (!written.has(n)) live.add(n);
    for (const n of use.writes) written.add(n);
  });
  return live;
}

/** Generate (or reuse) the function of a planned block. */
export function emitBlock(blockPlan: BlockPlan, handlerOf: (insn: A32Instruction) => Handler): CompiledA32Block {
  const plan = blockPlan.instructions;
  const branchPlan = blockPlan.branch;
  const branch = branchPlan === null ? null : plan[plan.length - 1];
  const startPc = plan[0].pc;
  const thumb = blockPlan.thumb;
  const target = branchPlan === null ? -1 : branchPlan.target;
  const loops = target === startPc;
  const length = plan.length;
  // Handler calls and inline accesses may change memory, and so the words later fetches read.
  const calls = plan.some((p) => p !== branch && (p.inline === null || p.inline.memory === true));
  const accesses = plan.some((p) => p.inline?.memory === true);
  // ITSTATE is written back only where it may be non-zero (entry is always outside an IT block).
  const tracksIt = plan.some((p) => p.it !== 0) || blockPlan.endIt !== 0;
  const itWrite: ItWrite = (it) => (tracksIt ? `cpu.itState = ${it}; ` : '');

  // The locals: every register inline code reads or writes; NZCV always (cheap, and conditions read them).
  const used = new Set<number>();
  const written = new Set<number>();
  for (const p of plan) {
    if (p.inline === null) continue;
    for (const n of p.inline.reads) used.add(n);
    for (const n of p.inline.writes) {
      used.add(n);
      written.add(n);
    }
  }
  for (const n of branchPlan?.reads ?? []) used.add(n);
  // BL writes LR: through the R14 local, so a pass that loops sees it and every exit stores it.
  const links = branchPlan !== null && branchPlan.link !== null;
  if (links) {
    used.add(14);
    written.add(14);
  }
  const flagsWritten = plan.some((p) => p.inline?.writesFlags === true);
  const load = [...used].map((n) => `${local(n)} = r[${n}] | 0;`).join(' ') + ' fN = cpu.flagN; fZ = cpu.flagZ; fC = cpu.flagC; fV = cpu.flagV;';
  // Leaving the block or calling out: registers, flags (from their locals) and the inline accesses' hit counts.
  const store =
    [...written].map((n) => `r[${n}] = ${local(n)};`).join(' ') +
    (flagsWritten ? ' cpu.flagN = fN; cpu.flagZ = fZ; cpu.flagC = fC; cpu.flagV = fV;' : '') +
    (accesses ? ` ${INLINE_ACCESS_SPILL}` : '');
  const F = new BlockFlags();
  /** instructionsRetired once `k` instructions of the current pass have retired. */
  const retired = (k: number): string => (loops ? `ret + passes * ${length} + ${k}` : `ret + ${k}`);
  /** Leave the function: state written back (pending flags computed), `k` instructions of this pass retired, PC (and ITSTATE `it`) set. */
  const exit = (k: number, pcValue: string, kind: number, it: number, extra = ''): string =>
    `${F.pendingToLocals()} ${store} cpu.instructionsRetired = ${retired(k)}; ${extra}${itWrite(it)}r[15] = ${pcValue}; return ${kind};`;
  const wordsChanged = (checks: readonly number[]): string => {
    const tests: string[] = [];
    for (let j = 0; j < checks.length; j += 2) tests.push(`words[${checks[j]}] !== ${checks[j + 1]}`);
    return tests.join(' || ');
  };

  const body: string[] = [];
  plan.forEach((p, k) => {
    if (calls) body.push(`if (${wordsChanged(p.checks)}) { cpu.current = ${p.pc}; ${exit(k, String(p.pc), BlockExit.Stale, p.it)} }`);
    if (p === branch) return;
    const inline = p.inline;
    if (inline !== null) {
      const update = inline.flags;
      // An access may abort (the catch below stores the flag locals); a conditional flag-setting
      // instruction sets them in its arm: both need the flags whole before them.
      if (inline.memory === true || (update !== undefined && p.insn.cond >>> 1 !== 7)) body.push(F.settle());
      const cond = F.condition(p.insn.cond);
      // T32: the abort path finds the instruction's whole position set here (see the catch below).
      const position = thumb ? ` cpu.currentInsn = I[${k}]; ${itWrite(p.it)}r[15] = ${p.pcRead >>> 0};` : '';
      let code = inline.code.replaceAll(AT, `cpu.instructionsRetired = ${retired(k)}; cpu.current = ${p.pc};${position}`).replaceAll(CARRY_IN, F.bit('C'));
      if (update !== undefined) code += ` ${cond === null ? F.pend(update, k) : BlockFlags.eager(update)}`;
      body.push(cond === null ? `{ ${code} }` : `if (${cond}) { ${code} }`);
      return;
    }
    body.push(F.settle());
    const cond = F.condition(p.insn.cond);
    // T32 inside an IT block: the handler sees its ITSTATE, which advances unless it wrote ITSTATE itself.
    const inIt = thumb && p.it !== 0;
    const call = [
      `${accesses ? 'at = -1; ' : ''}${store} cpu.instructionsRetired = ${retired(k)}; cpu.current = ${p.pc}; cpu.currentInsn = I[${k}];${tracksIt ? ` cpu.itState = ${p.it};` : ''}`,
      `r[15] = ${p.pcRead >>> 0}; cpu.branched = false;${inIt ? ' cpu.itStateWritten = false;' : ''} H[${k}](cpu, I[${k}]);`,
      `if (cpu.branched) { ${inIt ? `if (!cpu.itStateWritten) cpu.itState = ${itAdvance(p.it)}; ` : ''}cpu.instructionsRetired = ${retired(k + 1)}; return ${BlockExit.Leave}; }`,
      load,
      accesses ? inlineAccessReload(BIG_ENDIAN) : '',
    ].join(' ');
    body.push(cond === null ? call : `if (${cond}) { ${call} }`);
  });

  const last = plan[length - 1];
  const at = `cpu.current = ${last.pc}; cpu.currentInsn = I[${length - 1}]; `;
  if (branchPlan === null) {
    body.push(exit(length, String(last.next), BlockExit.Continue, blockPlan.endIt, at));
  } else {
    const cond = branchPlan.taken === null ? 'true' : branchPlan.taken.replace(CONDITION_MARK, (_, c: string) => F.condition(Number(c))!);
    const link = links ? `R14 = ${branchPlan.link}; ` : '';
    // passes stays below maxPasses (at most 2^30): `| 0` spares the overflow check. Flags the next
    // pass reads before setting them are computed before it; the others may stay pending.
    const round = loops ? `{ ${F.someToLocals(flagsLiveAtTop(plan, branchPlan, calls))} continue; }` : '';
    const taken = loops
      ? `passes = (passes + 1) | 0; if (passes < maxPasses) ${round} ${exit(0, String(target), BlockExit.Continue, 0, at)}`
      : exit(length, String(target), BlockExit.Continue, 0, at);
    body.push(`if (${cond}) { ${link}${taken} }`, exit(length, String(last.next), BlockExit.Continue, 0, at));
  }

  const entryChecks: number[] = [];
  if (!calls) {
    const seen = new Set<number>();
    for (const p of plan) {
      for (let j = 0; j < p.checks.length; j += 2) {
        if (seen.has(p.checks[j])) continue;
        seen.add(p.checks[j]);
        entryChecks.push(p.checks[j], p.checks[j + 1]);
      }
    }
  }
  const entryCheck = wordsChanged(entryChecks);
  const declare = ['const ret = cpu.instructionsRetired;', 'let fN = 0, fZ = 0, fC = 0, fV = 0;'];
  // The values pending flags derive from (see block-flags.ts).
  if (F.saved.size > 0) declare.push(`let ${[...F.saved].map((q) => `${q} = 0`).join(', ')};`);
  // An inline access that aborts leaves the state a handler would have left: locals stored,
  // instructions before it retired, PC, current and currentInsn at it (`at`, its index).
  if (accesses) declare.push('let at = -1;');
  // Whole passes the budget allows, kept a small integer (a longer run just re-enters).
  if (loops) declare.push(`let passes = 0; const maxPasses = Math.min(Math.floor(budget / ${length}), 0x40000000);`);
  if (used.size > 0) declare.push(`let ${[...used].map((n) => `${local(n)} = 0`).join(', ')};`);
  // A32 instructions are 4 bytes apart, so the abort path computes the position from `at`; a T32
  // access set it before its full-path call (the only call that can throw). The flags are in
  // their locals at every access.
  const abortState = thumb
    ? store
    : `${store} cpu.instructionsRetired = ${retired(0)} + at; cpu.current = (${startPc} + 4 * at) >>> 0; cpu.currentInsn = I[at]; r[15] = (${startPc} + 4 * at + 8) >>> 0;`;
  const source = [
    `"use strict"; return function ${thumb ? 't32Block' : 'a32Block'}(cpu, r, words, budget, H, I) {`,
    entryCheck === '' ? '' : `if (${entryCheck}) { r[15] = ${startPc}; cpu.current = ${startPc}; return ${BlockExit.Stale}; }`,
    ...declare,
    load,
    accesses ? inlineAccessPrologue('cpu.memory', BIG_ENDIAN) : '',
    accesses ? 'try {' : '',
    loops ? 'for (;;) {' : '',
    ...body,
    loops ? '}' : '',
    accesses ? `} catch (e) { if (at >= 0) { ${abortState} } throw e; }` : '',
    '};',
  ].join('\n');
  let run = functions.get(source);
  if (run === undefined) {
    if (functions.size >= MAX_FUNCTIONS) functions.clear();
    run = (new Function(blockFactoryArguments[0], source) as (x: unknown) => BlockFunction)(blockFactoryArguments[1]);
    functions.set(source, run);
  }
  return { run, handlers: plan.map((p) => handlerOf(p.insn)), insns: plan.map((p) => p.insn), length, loops };
}
