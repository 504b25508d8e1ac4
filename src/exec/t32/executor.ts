/**
 * The T32 (Thumb) step of the AArch32 CPU: fetch one or two halfwords, decode for the current
 * ITSTATE (cached per halfword address), check the condition (the IT block's, or B<c>'s own),
 * run the handler (A32's for shared operations) with PC reading as the instruction's address + 4
 * (Align(PC, 4) for ADR and literal loads, Arm ARM F1 "Use of the PC"), then advance ITSTATE
 * (ITAdvance(), F1 "IT block state register, ITSTATE") unless the instruction or an exception
 * already set it.
 *
 * Syndromes of T32 instructions trapped to EL2: IL = 0 for a 16-bit encoding; for CV/COND the Arm
 * ARM (D17 "ESR_EL2", the CV field of the ISS encodings for WFx, MCR/MRC, MCRR/MRRC, SMC) lets a
 * T32 trap either report CV = 0 with COND UNKNOWN or CV = 1 with the condition that applied: setway
 * does the latter, the IT block's condition (ITSTATE[7:4]) inside one and AL outside, which is the
 * record's `cond` (the decoder fills it for the ITSTATE it decoded for) that `A32Cpu.cond` reports.
 */
import { A32Op } from '../../decode/a32/instruction';
import { decodeT32, isT32Wide } from '../../decode/t32/decoder';
import type { T32Instruction } from '../../decode/t32/instruction';
import { T32Op } from '../../decode/t32/instruction';
import type { A32Cpu } from '../a32/cpu';
import { HANDLERS as A32_HANDLERS } from '../a32/handlers';
import { BlockExit, type CompiledA32Block } from '../a32/block-compiler';
import type { Handler } from '../a32/handlers-alu';
import type { CodePageSource, HostCodePage } from '../code-page';
import { compileT32Block, PAGE_HALFWORDS } from './block-compiler';
import { t32Handlers, type T32Handler } from './handlers';
import { itAdvance } from './it-state';

const CACHE_SIZE = 1 << 13;
const CACHE_MASK = CACHE_SIZE - 1;

function buildTable(): T32Handler[] {
  const table: T32Handler[] = A32_HANDLERS.slice() as T32Handler[];
  for (const [op, h] of Object.entries(t32Handlers)) table[Number(op)] = h;
  return table;
}

const HANDLERS = buildTable();
const UNDEFINED_HANDLER = A32Op.Undefined;
/** CPSR IT[1:0] (bits 26:25) and IT[7:2] (bits 15:10). */
const IT_BITS = (3 << 25) | (0x3f << 10);

export { itAdvance };

/**
 * How an instruction relates to the run of instructions `runBlock` executes from one translated
 * code page: Straight ones cannot change the translation regime, the mode, the state or the stop
 * request; Branch ones (B, BL, CBZ, TBB) may continue in the same page; Ends returns to the run
 * loop (system instructions, UNDEFINED, BX/BLX and anything else that may change the state).
 */
const Flow = { Straight: 0, Branch: 1, Ends: 2 } as const;

function flowOf(insn: T32Instruction): number {
  const op = insn.op as number;
  if (insn.kind !== 'ok' || op === A32Op.Undefined) return Flow.Ends;
  if (op === T32Op.Branch || op === T32Op.CompareBranch || op === T32Op.TableBranch) return Flow.Branch;
  if (op === T32Op.IfThen) return Flow.Straight;
  return op < A32Op.Branch ? Flow.Straight : Flow.Ends;
}

function isStraight(insn: T32Instruction): boolean {
  return flowOf(insn) === Flow.Straight;
}

function handlerOf(insn: T32Instruction): Handler {
  return HANDLERS[insn.kind === 'ok' ? insn.op : UNDEFINED_HANDLER] as Handler;
}

/** Block entries before a run is compiled, as for A32 (compiling costs far more than interpreting once). */
const HOT_ENTRIES = 16;
const NOT_COMPILABLE = 255;

/** Compiled T32 blocks of one code page, by entry halfword, for code mapped at VA `va` (PCs are compiled in). */
class T32PageBlocks {
  readonly compiled: (CompiledA32Block | undefined)[] = new Array<CompiledA32Block | undefined>(PAGE_HALFWORDS);
  /** Entries seen per halfword until the block there is compiled; NOT_COMPILABLE once it cannot be. */
  readonly heat = new Uint8Array(PAGE_HALFWORDS);

  constructor(readonly va: number) {}
}

/**
 * Compiled blocks per code page, shared by every CPU on the same memory as A32's are (HostCodePage
 * has a slot per instruction set for A32 and A64 records; T32 keeps its own map).
 */
const pageBlocks = new WeakMap<HostCodePage, T32PageBlocks>();

export class T32Executor {
  /** The last page `blocksOf` returned, so a loop in one page skips the map lookup. */
  private lastHost: HostCodePage | null = null;
  private lastBlocks: T32PageBlocks | null = null;

  private readonly cache: T32Instruction[];
  private readonly handlers = new Uint8Array(CACHE_SIZE);
  private readonly flows = new Uint8Array(CACHE_SIZE);

  constructor() {
    const sentinel = decodeT32(0xffff, 0xffff);
    this.cache = new Array<T32Instruction>(CACHE_SIZE).fill(sentinel);
  }

  /** The compiled blocks of `host` mapped at `va` (a page mapped at another VA starts afresh). */
  private blocksOf(host: HostCodePage, va: number): T32PageBlocks {
    let blocks = this.lastHost === host ? this.lastBlocks! : pageBlocks.get(host);
    if (blocks === undefined || blocks.va !== va) {
      blocks = new T32PageBlocks(va);
      pageBlocks.set(host, blocks);
    }
    this.lastHost = host;
    this.lastBlocks = blocks;
    return blocks;
  }

  /** Execute one T32 instruction at `cpu.r[15]`. */
  step(cpu: A32Cpu): void {
    const r = cpu.r;
    const pc = r[15];
    cpu.current = pc;
    const memory = cpu.memory;
    const hw1 = memory.fetch16(pc >>> 0);
    const wide = isT32Wide(hw1);
    const word = wide ? ((hw1 << 16) | memory.fetch16((pc + 2) >>> 0)) >>> 0 : hw1;
    const it = cpu.itState;
    const slot = (pc >>> 1) & CACHE_MASK;
    let insn = this.cache[slot];
    if (insn.word !== word || insn.itState !== it) {
      insn = decodeT32(word >>> (wide ? 16 : 0), word & 0xffff, it);
      this.cache[slot] = insn;
      this.handlers[slot] = insn.kind === 'ok' ? insn.op : UNDEFINED_HANDLER;
      this.flows[slot] = flowOf(insn);
    }
    cpu.currentInsn = insn;
    const cond = insn.cond;
    if (cond !== 14 && !cpu.conditionPassed(cond)) {
      r[15] = pc + insn.length;
      cpu.itState = itAdvance(it);
      cpu.instructionsRetired++;
      return;
    }
    r[15] = insn.alignPc ? (pc + 4) & ~3 : pc + 4;
    cpu.branched = false;
    cpu.itStateWritten = false;
    HANDLERS[this.handlers[slot]](cpu, insn);
    if (!cpu.branched) r[15] = pc + insn.length;
    if (!cpu.itStateWritten) cpu.itState = itAdvance(it);
    cpu.instructionsRetired++;
  }

  /**
   * Run T32 instructions from one code page, translated once on entry (as the A32 `runBlock`
   * does): until one leaves the page or T32 state, is not Straight or a Branch, or the budget
   * ends. Each halfword is still read from the page and checked against its decoded record, so
   * code written meanwhile is seen. Does exactly what `step` would, instruction by instruction.
   * Block entries (the run's start and branch targets) outside an IT block run the compiled
   * block there, or count towards compiling it (src/exec/t32/block-compiler.ts).
   */
  runBlock(cpu: A32Cpu, source: CodePageSource, end: number): void {
    const r = cpu.r;
    let pc = r[15];
    cpu.current = pc;
    const host = source.codePage(pc);
    if (host === null) {
      this.step(cpu);
      return;
    }
    const words = host.words;
    const pageBase = (pc & ~0xfff) >>> 0;
    const blocks = this.blocksOf(host, pageBase);
    const cache = this.cache;
    let entry = true;
    for (;;) {
      const off = pc & 0xfff;
      if (entry && (cpu.psrRest & IT_BITS) === 0) {
        const h = off >>> 1;
        const block = blocks.compiled[h];
        if (block !== undefined) {
          if (end - cpu.instructionsRetired >= block.length) {
            cpu.compiledBlockEntries++;
            const exit = block.run(cpu, r, words, end - cpu.instructionsRetired, block.handlers, block.insns);
            if (exit === BlockExit.Leave) return;
            if (exit === BlockExit.Stale) {
              blocks.compiled[h] = undefined;
              blocks.heat[h] = 0;
            }
            pc = r[15];
            if (((pc & ~0xfff) >>> 0) !== pageBase || cpu.instructionsRetired >= end) return;
            continue;
          }
        } else if (blocks.heat[h] < NOT_COMPILABLE && ++blocks.heat[h] >= HOT_ENTRIES) {
          const compiled = compileT32Block(words, pageBase, h, isStraight, handlerOf);
          if (compiled === null) blocks.heat[h] = NOT_COMPILABLE;
          else {
            blocks.compiled[h] = compiled;
            continue;
          }
        }
      }
      entry = false;
      const first = words[off >>> 2];
      const hw1 = off & 2 ? first >>> 16 : first & 0xffff;
      const wide = hw1 >>> 11 >= 0b11101;
      if (wide && off === 0xffe) {
        // The second halfword is on the next page: fetch it through the memory system.
        this.step(cpu);
        return;
      }
      const word = wide ? ((hw1 << 16) | (off & 2 ? words[(off + 2) >>> 2] & 0xffff : first >>> 16)) >>> 0 : hw1;
      // Outside an IT block ITSTATE is 0 and ITAdvance leaves it 0: no CPSR access needed.
      const it = (cpu.psrRest & IT_BITS) === 0 ? 0 : cpu.itState;
      const slot = (pc >>> 1) & CACHE_MASK;
      let insn = cache[slot];
      if (insn.word !== word || insn.itState !== it) {
        insn = decodeT32(word >>> (wide ? 16 : 0), word & 0xffff, it);
        cache[slot] = insn;
        this.handlers[slot] = insn.kind === 'ok' ? insn.op : UNDEFINED_HANDLER;
        this.flows[slot] = flowOf(insn);
      }
      cpu.current = pc;
      cpu.currentInsn = insn;
      const cond = insn.cond;
      const flow = this.flows[slot];
      if (cond !== 14 && !cpu.conditionPassed(cond)) {
        pc = pc + insn.length;
        r[15] = pc;
        if (it !== 0) cpu.itState = itAdvance(it);
        cpu.instructionsRetired++;
      } else {
        r[15] = insn.alignPc ? (pc + 4) & ~3 : pc + 4;
        cpu.branched = false;
        cpu.itStateWritten = false;
        HANDLERS[this.handlers[slot]](cpu, insn);
        if (it !== 0 && !cpu.itStateWritten) cpu.itState = itAdvance(it);
        cpu.instructionsRetired++;
        if (cpu.branched) {
          if (flow !== Flow.Branch) return;
          pc = r[15];
          entry = true;
        } else {
          pc = pc + insn.length;
          r[15] = pc;
          if (flow === Flow.Ends) return;
        }
      }
      if (((pc & ~0xfff) >>> 0) !== pageBase || cpu.instructionsRetired >= end) return;
    }
  }
}
