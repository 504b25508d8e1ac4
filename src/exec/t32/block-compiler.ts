/**
 * Dynamic recompilation of hot T32 runs, as A32's (src/exec/a32/block-compiler.ts, whose code
 * generation and function assembly this uses): a straight line of T32 instructions from one code
 * page, ending at a B, BL, CBZ or CBNZ (included), before the first instruction that must go back
 * to the run loop, before a 32-bit instruction that straddles the page end, or at the page end.
 *
 * Most T32 records are A32 records (src/decode/t32), so the A32 inline code serves them, with PC
 * reading as the instruction's address + 4, or Align(PC, 4) for ADR and literal loads (Arm ARM F1
 * "Use of the PC"). IT blocks are compiled in: a block is only entered outside an IT block, so
 * the ITSTATE of every instruction after an IT is known here, the records are decoded for it (their
 * condition, and whether 16-bit forms set flags), the IT instruction itself compiles to nothing,
 * and ITSTATE is written back wherever the interpreter would show it: before every handler call
 * and inline access's full-path call, and at every exit (F1 "IT block state register, ITSTATE").
 *
 * Self-modifying code: each instruction checks the host words it occupies (one, or two for a
 * 32-bit instruction across a word boundary), on entry or before it runs, as A32's blocks do.
 */
import { decodeT32, isT32Wide } from '../../decode/t32/decoder';
import { T32Op, type T32Instruction } from '../../decode/t32/instruction';
import type { A32Instruction } from '../../decode/a32/instruction';
import { conditionExpression, emitBlock, inlineCode, local, type CompiledA32Block, type InlineCode, type PlannedBranch, type PlannedInstruction } from '../a32/block-compiler';
import type { Handler } from '../a32/handlers-alu';
import { itAdvance } from './it-state';

const MAX_BLOCK = 64;
/** Halfwords in a 4 KiB code page. */
export const PAGE_HALFWORDS = 2048;
/** IT sets ITSTATE, which the compiler follows: no code. */
const IF_THEN_CODE: InlineCode = { code: '', reads: [], writes: [], writesFlags: false };

function halfwordAt(words: Uint32Array, h: number): number {
  const w = words[h >>> 1];
  return h & 1 ? w >>> 16 : w & 0xffff;
}

/**
 * The branch that may close a block: B, B<c>, BL (BranchWritePC(PC + imm32), LR = next | 1 for
 * BL) and CBZ/CBNZ (forward when Rn is (not) zero), F5 "B", "BL, BLX (immediate)", "CBNZ, CBZ".
 */
function closingBranch(insn: T32Instruction, pc: number): PlannedBranch | null {
  if (insn.kind !== 'ok') return null;
  if ((insn.op as number) === T32Op.Branch) {
    const link = insn.sub !== 0 ? ((pc + insn.length) | 1) | 0 : null;
    return { taken: conditionExpression(insn.cond), target: ((pc + 4 + insn.imm) & ~1) >>> 0, link, reads: [] };
  }
  if ((insn.op as number) === T32Op.CompareBranch) {
    return { taken: `(${local(insn.rn)} ${insn.sub === 1 ? '!==' : '==='} 0)`, target: (pc + 4 + insn.imm) >>> 0, link: null, reads: [insn.rn] };
  }
  return null;
}

/**
 * Compile the T32 run starting at halfword `start` of a code page whose first byte is at VA
 * `pageBase`, entered outside an IT block. `isStraight(insn)` says whether an instruction may sit
 * inside a block (T32Executor's Flow); null when the first instruction may not.
 */
export function compileT32Block(
  words: Uint32Array,
  pageBase: number,
  start: number,
  isStraight: (insn: T32Instruction) => boolean,
  handlerOf: (insn: T32Instruction) => Handler,
): CompiledA32Block | null {
  const plan: PlannedInstruction[] = [];
  let branch: PlannedBranch | null = null;
  let it = 0;
  for (let h = start; h < PAGE_HALFWORDS && plan.length < MAX_BLOCK; ) {
    const hw1 = halfwordAt(words, h);
    const wide = isT32Wide(hw1);
    if (wide && h === PAGE_HALFWORDS - 1) break; // the second halfword is on the next page
    const insn = decodeT32(hw1, wide ? halfwordAt(words, h + 1) : 0, it);
    const pc = (pageBase + 2 * h) >>> 0;
    const first = h >>> 1;
    const lastWord = (h + (wide ? 1 : 0)) >>> 1;
    const checks = lastWord === first ? [first, words[first]] : [first, words[first], lastWord, words[lastWord]];
    const pcRead = insn.alignPc ? ((pc + 4) & ~3) >>> 0 : (pc + 4) >>> 0;
    const planned: PlannedInstruction = { insn, pc, next: (pc + insn.length) >>> 0, pcRead, checks, inline: null, it };
    const itAfter = insn.kind === 'ok' && (insn.op as number) === T32Op.IfThen ? insn.newItState : itAdvance(it);
    const closing = closingBranch(insn, pc);
    if (closing !== null) {
      // A branch inside an IT block is its last instruction (else UNPREDICTABLE, not decoded 'ok').
      if (itAfter !== 0) break;
      branch = closing;
      plan.push(planned);
      it = itAfter;
      break;
    }
    if (!isStraight(insn)) break;
    const inline = (insn.op as number) === T32Op.IfThen ? IF_THEN_CODE : inlineCode(insn, pcRead, plan.length);
    plan.push({ ...planned, inline });
    it = itAfter;
    h += insn.length >>> 1;
  }
  if (plan.length === 0) return null;
  return emitBlock({ thumb: true, instructions: plan, branch, endIt: it }, handlerOf as (insn: A32Instruction) => Handler);
}
