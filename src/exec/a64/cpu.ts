/**
 * An AArch64 PE at EL0/EL1 running real A64 code: registers as 32-bit halves, decode cached per
 * address, exceptions to EL1 through VBAR_EL1 (Arm ARM D1.10), traps to a virtual EL2 through
 * the El2Gate. The executor owns PSTATE (NZCV, DAIF, CurrentEL, SPSel), SP_EL0/SP_EL1 and the
 * exception registers ELR_EL1, SPSR_EL1, VBAR_EL1, ESR_EL1, FAR_EL1; every other system
 * register or instruction goes to the SystemInstructionHandler. Instructions run through the
 * handler table (handlers.ts: ALU, branches, memory, system), or compiled (block-compiler.ts).
 */
import { ExceptionLoopGuard } from '../exception-loop-error';
import { decodeA64 } from '../../decode/a64/decode';
import { A64Op, RegIndex } from '../../decode/a64/instruction';
import type { A64Instruction } from '../../decode/a64/instruction';
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import { faultStatusCode, MemoryAbort } from '../../mmu/fault';
import type { El2Gate } from '../el2-gate';
import type { GuestMemory } from '../guest-memory';
import { AccessOutcome } from '../system-instructions';
import type { SystemAccessContext, SystemInstructionHandler } from '../system-instructions';
import { GuestException } from './guest-exception';
import { codePageSourceOf, type CodePageSource, type HostCodePage } from '../code-page';
import { BlockExit, MAX_BLOCK_BUDGET, compileA64Block, type CompiledA64Block } from './block-compiler';
import { dataAbortIss, EC, instructionAbortIss, syndrome } from './syndrome';
import { dataAbortInfo } from './data-abort-info';
import { HANDLERS as HANDLER_TABLE } from './handlers';
import { isPlainSystemRead } from './handlers-system';
import { toAddress } from './operands';

export type StopReason = 'budget' | 'halted' | 'wfi' | 'wfe' | 'requested' | 'exception';
export type ExceptionPolicy = 'take' | 'stop';

export interface A64CpuOptions {
  readonly memory: GuestMemory;
  readonly system?: SystemInstructionHandler;
  readonly el2?: El2Gate;
}

/** The system handler used when none is given: every access is UNDEFINED. */
export const UNDEFINED_SYSTEM: SystemInstructionHandler = {
  coproc: (_a: CoprocAccess) => AccessOutcome.Undefined,
  sys: (_a: SysAccess) => AccessOutcome.Undefined,
};

const SP = RegIndex.SP;
// Module-local copies: reading an imported binding can cost a getter call per access under
// CommonJS interop (tsx), and the dispatch reads these on every instruction.
const Op: typeof A64Op = { ...A64Op };
const HANDLERS = HANDLER_TABLE;
const Exit: typeof BlockExit = { ...BlockExit };
const TWO32 = 4294967296;
/** Decode cache: direct-mapped by PC. */
const CACHE_BITS = 14;
const CACHE_MASK = (1 << CACHE_BITS) - 1;

/** Attention bits: conditions checked once per instruction, outside the fast path. */
const ATTN_STOP = 1;
const ATTN_ILLEGAL = 2;
const ATTN_BAD_PC = 4;
/** An interrupt input is high and not masked: take it at this boundary. */
const ATTN_INTERRUPT = 8;

/** PSTATE.I and F in the `daif` field (SPSR bits [7] and [6] >> 6). */
const DAIF_I = 2;
const DAIF_F = 1;
/** Offsets of the IRQ and FIQ entries within a vector group (D1.10.2 "Exception vectors"). */
const VECTOR_IRQ = 0x080;
const VECTOR_FIQ = 0x100;

/**
 * How an instruction relates to the block it runs in (see `runBlock`): Straight ones cannot change
 * the exception level, the translation regime or request a stop, and fall through unless they
 * take an exception; Branch ones (B..RET) may continue in the same page; Ends returns to the run
 * loop after it (system instructions, exception generation, hints, UNDEFINED).
 */
const Flow = { Straight: 0, Branch: 1, Ends: 2 } as const;

function flowOf(insn: A64Instruction): number {
  const op = insn.op;
  if ((op >= Op.ADR && op <= Op.EXTR) || op >= Op.LOGIC_SHIFTED) return Flow.Straight;
  // NOP-class hints (NOP, YIELD, and PACIASP, AUTIASP, BTI... with FEAT_PAuth and FEAT_BTI not
  // implemented) and barriers have no effect here (handlers-system.ts): they need not end a block.
  // Debian's arm64 kernel starts and ends most functions with one.
  if (op === Op.HINT || op === Op.DSB || op === Op.DMB || op === Op.ISB || isPlainSystemRead(insn)) return Flow.Straight;
  if (op >= Op.B && op <= Op.RET) return Flow.Branch;
  return Flow.Ends;
}

/** Decoded records of one code page, indexed by word offset; `words` are the words they were made from. */
class A64PageRecords {
  readonly insns: A64Instruction[];
  readonly words = new Uint32Array(1024);
  readonly flows = new Uint8Array(1024);
  /** Compiled blocks by entry offset, for code mapped at VA `blocksVa` (PCs are compiled in). */
  blocks: (CompiledA64Block | undefined)[] = [];
  blocksVa = -1;
  /** Entries seen per offset until the block there is compiled; NOT_COMPILABLE once it cannot be. */
  readonly heat = new Uint8Array(1024);

  constructor(blank: A64Instruction) {
    // Word 0 is what `blank` decodes from, so every slot starts consistent.
    this.insns = new Array<A64Instruction>(1024).fill(blank);
    this.flows.fill(flowOf(blank));
  }
}

/** Block entries before a run is compiled (compiling costs far more than interpreting once). */
const HOT_ENTRIES = 16;
const NOT_COMPILABLE = 255;

export class A64Cpu implements SystemAccessContext {
  readonly memory: GuestMemory;
  readonly system: SystemInstructionHandler;
  readonly el2: El2Gate | null;

  // Registers, PSTATE and the fields below that are not private are also the executor's internals,
  // read and written by the handlers (handlers-*.ts) and by compiled blocks (block-compiler.ts).

  /** X0..X30, XZR (31), current SP (32), discard (33): low and high halves. */
  readonly lo = new Uint32Array(34);
  readonly hi = new Uint32Array(34);
  /** The stack pointer not currently selected (SP_EL0 at EL1h, SP_EL1 otherwise). */
  spAltLo = 0;
  spAltHi = 0;

  pc = 0;
  /** PSTATE.{N,Z,C,V}, one bit each. */
  n = 0;
  z = 0;
  c = 0;
  v = 0;
  /** PSTATE.{D,A,I,F} as SPSR bits [9:6] >> 6. */
  daif = 0xf;
  currentEl = 1;
  spSel = 1;
  /** PSTATE.IL (illegal execution state). */
  illegal = 0;

  elrLo = 0;
  elrHi = 0;
  spsr = 0;
  vbarLo = 0;
  vbarHi = 0;
  esr = 0;
  farLo = 0;
  farHi = 0;

  exceptionPolicy: ExceptionPolicy = 'take';
  stopReason: StopReason = 'budget';
  /** Why the CPU halted (from `halt(reason)`). */
  haltReason = '';
  instructionsRetired = 0;
  /** Entries into compiled blocks (one increment per `block.run` call): tests check the fast path really ran. */
  compiledBlockEntries = 0;
  /**
   * Retirements a compiled block has made but not yet added to instructionsRetired, set around
   * the full-path call of an inline access (0 everywhere else): see `retiredNow`.
   */
  retiredBias = 0;

  /** Address of the instruction being executed (ELR for faults, the base for skipInstruction). */
  curPc = 0;
  curWord = 0;
  /** Address of the instruction being executed (exact in the interpreter and in a compiled block's memory accesses). */
  get instructionPc(): number {
    return this.curPc;
  }

  /** Instructions retired before the one executing (exact inside a compiled block's memory access too). */
  get retiredNow(): number {
    return this.instructionsRetired + this.retiredBias;
  }
  attention = 0;
  retireSuppressed = false;
  private stopPending: StopReason | null = null;
  /** A branch target that cannot be fetched (misaligned or beyond 2^53), as halves. */
  private badPcLo = 0;
  private badPcHi = 0;
  /** Local exclusive monitor (B2.9): address and size of the open exclusive access, or -1. */
  exclusiveAddress = -1;
  exclusiveSize = 0;
  /** The event register (WFE/SEV, D1.16). */
  eventRegister = 0;
  /** The IRQ and FIQ inputs: the levels an interrupt controller drives (`setInterruptLine`). */
  irqLine = false;
  fiqLine = false;

  private readonly cacheTag = new Float64Array(1 << CACHE_BITS).fill(NaN);
  private readonly cacheWord = new Int32Array(1 << CACHE_BITS);
  private readonly cacheInsn: A64Instruction[] = new Array<A64Instruction>(1 << CACHE_BITS);

  // Operand scratch for shifted/extended operands (no allocation per instruction).
  opLo = 0;
  opHi = 0;

  constructor(options: A64CpuOptions) {
    this.memory = options.memory;
    this.system = options.system ?? UNDEFINED_SYSTEM;
    this.el2 = options.el2 ?? null;
    const blank = decodeA64(0);
    this.blank = blank;
    this.cacheInsn.fill(blank);
    this.codePages = codePageSourceOf(options.memory);
  }

  /** Page-at-a-time fetch when the memory offers it (TranslatedMemory), else null. */
  private readonly codePages: CodePageSource | null;
  private readonly blank: A64Instruction;

  // ---------------------------------------------------------------- registers

  /** Low half of Xn (n = 31 reads as zero). */
  xLo(n: number): number {
    return n === 31 ? 0 : this.lo[n];
  }
  xHi(n: number): number {
    return n === 31 ? 0 : this.hi[n];
  }
  /** Xn as a number when it fits in 53 bits (tests, tools); NaN otherwise. */
  x(n: number): number {
    return n === 31 ? 0 : this.hi[n] < 0x200000 ? this.hi[n] * TWO32 + this.lo[n] : NaN;
  }
  setX(n: number, lo: number, hi = 0): void {
    if (n < 0 || n > 30) return;
    this.lo[n] = lo >>> 0;
    this.hi[n] = hi >>> 0;
  }

  get spEl0Lo(): number {
    return this.spBank() === 0 ? this.lo[SP] : this.spAltLo;
  }
  get spEl0Hi(): number {
    return this.spBank() === 0 ? this.hi[SP] : this.spAltHi;
  }
  get spEl1Lo(): number {
    return this.spBank() === 1 ? this.lo[SP] : this.spAltLo;
  }
  get spEl1Hi(): number {
    return this.spBank() === 1 ? this.hi[SP] : this.spAltHi;
  }
  setSpEl0(lo: number, hi = 0): void {
    if (this.spBank() === 0) {
      this.lo[SP] = lo >>> 0;
      this.hi[SP] = hi >>> 0;
    } else {
      this.spAltLo = lo >>> 0;
      this.spAltHi = hi >>> 0;
    }
  }
  setSpEl1(lo: number, hi = 0): void {
    if (this.spBank() === 1) {
      this.lo[SP] = lo >>> 0;
      this.hi[SP] = hi >>> 0;
    } else {
      this.spAltLo = lo >>> 0;
      this.spAltHi = hi >>> 0;
    }
  }
  /** The current stack pointer (SP_EL0 or SP_EL1 per PSTATE), low and high halves. */
  get spLo(): number {
    return this.lo[SP];
  }
  get spHi(): number {
    return this.hi[SP];
  }

  /** PSTATE.{N,Z,C,V} as 4 bits (N = bit 3). */
  get nzcv(): number {
    return (this.n << 3) | (this.z << 2) | (this.c << 1) | this.v;
  }
  set nzcv(value: number) {
    this.n = (value >>> 3) & 1;
    this.z = (value >>> 2) & 1;
    this.c = (value >>> 1) & 1;
    this.v = value & 1;
  }

  /** Current exception level, 0 or 1 (SystemAccessContext.el). */
  get el(): number {
    return this.currentEl;
  }
  set el(value: number) {
    this.currentEl = value === 0 ? 0 : 1;
    this.selectSp();
  }
  /** PSTATE.SP (SPSel). */
  get spsel(): number {
    return this.spSel;
  }
  set spsel(value: number) {
    this.spSel = value & 1;
    this.selectSp();
  }

  /** PSTATE in the SPSR_EL1 format (C5.2.18): N Z C V [31:28], IL [20], D A I F [9:6], M[3:0] = EL:SP. */
  get pstate(): number {
    return (
      ((this.n << 31) | (this.z << 30) | (this.c << 29) | (this.v << 28) | (this.illegal << 20) | (this.daif << 6) | (this.currentEl << 2) | this.spSel) >>>
      0
    );
  }
  set pstate(value: number) {
    this.nzcv = value >>> 28;
    this.illegal = (value >>> 20) & 1;
    this.daif = (value >>> 6) & 0xf;
    this.currentEl = (value >>> 2) & 1;
    this.spSel = value & 1;
    this.selectSp();
    this.updateAttention();
  }

  /** Bank that slot SP holds: SP_EL0 at EL0 or with SPSel = 0, else SP_EL1. */
  private spBank(): number {
    return this.currentEl === 0 ? 0 : this.spSel;
  }
  private heldBank = 1;
  selectSp(): void {
    const want = this.spBank();
    if (want === this.heldBank) return;
    const l = this.lo[SP];
    const h = this.hi[SP];
    this.lo[SP] = this.spAltLo;
    this.hi[SP] = this.spAltHi;
    this.spAltLo = l;
    this.spAltHi = h;
    this.heldBank = want;
  }

  // ---------------------------------------------------------------- SystemAccessContext / TrappedVcpu

  readonly cond = 0xe;
  readonly is16bit = false;
  readRegister(n: number): number {
    return this.xLo(n);
  }
  readRegisterHigh(n: number): number {
    return this.xHi(n);
  }
  writeRegister(n: number, low: number, high = 0): void {
    this.setX(n, low, high);
  }
  skipInstruction(): void {
    this.pc = this.curPc + 4;
  }
  injectUndefined(): void {
    this.pc = this.curPc;
    this.takeException(EC.UNKNOWN, 0, this.curPc, true);
  }
  injectDataAbort(va: number, fsc: number, write: boolean): void {
    this.pc = this.curPc;
    this.farLo = va >>> 0;
    this.farHi = Math.floor(va / TWO32) >>> 0;
    const ec = this.currentEl === 0 ? EC.DABT_LOWER : EC.DABT_SAME;
    this.takeException(ec, (fsc & 0x3f) | (write ? 1 << 6 : 0), this.curPc, true);
  }
  halt(reason: string): void {
    this.haltReason = reason;
    this.stop('halted');
  }

  // ---------------------------------------------------------------- running

  /** Ask the CPU to stop at the next instruction boundary. */
  requestStop(): void {
    this.stop('requested');
  }

  stop(reason: StopReason): void {
    if (this.stopPending === null) this.stopPending = reason;
    this.attention |= ATTN_STOP;
  }

  updateAttention(): void {
    this.attention =
      (this.stopPending !== null ? ATTN_STOP : 0) | (this.illegal ? ATTN_ILLEGAL : 0) | (this.attention & ATTN_BAD_PC) | (this.interruptReady() ? ATTN_INTERRUPT : 0);
  }

  /** An interrupt input is high and PSTATE does not mask it. */
  private interruptReady(): boolean {
    return (this.irqLine && (this.daif & DAIF_I) === 0) || (this.fiqLine && (this.daif & DAIF_F) === 0);
  }

  /**
   * Drive the PE's IRQ or FIQ input (an interrupt controller's output to it). An interrupt whose
   * input is high is taken at the first instruction boundary where PSTATE.I (F) does not mask it:
   * at once when it rises unmasked, or right after the instruction that unmasks it (MSR DAIFClr,
   * MSR DAIF, ERET) (D1.3.6 "Asynchronous exception masking", D1.10 "Exception entry"). The input
   * also ends a WFI (D1.16.2). Routing (HCR_EL2.IMO/FMO, virtual interrupts) is the caller's.
   */
  setInterruptLine(kind: 'irq' | 'fiq', level: boolean): void {
    if (kind === 'irq') this.irqLine = level;
    else this.fiqLine = level;
    this.updateAttention();
  }

  /** Run up to `maxInstructions` instructions; returns how many retired. */
  run(maxInstructions: number): number {
    const start = this.instructionsRetired;
    this.stopReason = 'budget';
    const source = this.codePages;
    for (let k = 0; k < maxInstructions; ) {
      if (this.attention !== 0) {
        // A stop ends the run; a pending fault is taken and counts as this step.
        if (this.serviceAttention()) break;
        k++;
        continue;
      }
      if (source === null) {
        this.stepOne();
        k++;
      } else {
        k += this.runBlock(source, maxInstructions - k);
      }
    }
    if (this.attention !== 0 && this.stopPending !== null) this.serviceAttention();
    return this.instructionsRetired - start;
  }

  /** Execute one instruction (or take the exception it raises). */
  step(): void {
    this.stopReason = 'budget';
    if (this.attention !== 0) {
      this.serviceAttention();
      return;
    }
    this.stepOne();
    if (this.stopPending !== null) this.serviceAttention();
  }

  /** Handle pending conditions; true when the run must stop. */
  private serviceAttention(): boolean {
    if (this.stopPending !== null) {
      this.stopReason = this.stopPending;
      this.stopPending = null;
      this.attention &= ~ATTN_STOP;
      return true;
    }
    if (this.attention & ATTN_INTERRUPT) {
      // A pending unmasked interrupt is taken before the next instruction; FIQ has priority.
      this.attention &= ~ATTN_INTERRUPT;
      if (!(this.fiqLine && this.takeInterrupt('fiq')) && this.irqLine) this.takeInterrupt('irq');
      return this.stopPending !== null;
    }
    if (this.attention & ATTN_BAD_PC) {
      this.attention &= ~ATTN_BAD_PC;
      this.curPc = this.pc;
      this.curWord = 0;
      // A misaligned PC faults before the fetch (D1.10.1 "PC alignment checking"); an
      // address beyond 2^53 is a level 0 translation fault here (not canonical for setway).
      this.farLo = this.badPcLo;
      this.farHi = this.badPcHi;
      if (this.badPcLo & 3) this.takeException(EC.PC_ALIGN, 0, this.pc, true, true);
      else this.takeException(this.currentEl === 0 ? EC.IABT_LOWER : EC.IABT_SAME, instructionAbortIss(0b000100, false), this.pc, true, true);
      this.retireSuppressed = false; // nothing retired this step; the handler's first instruction will be
      return this.stopPending !== null;
    }
    if (this.attention & ATTN_ILLEGAL) {
      // PSTATE.IL set: the next instruction takes an Illegal Execution State exception (D1.11.4).
      this.curPc = this.pc;
      this.takeException(EC.ILLEGAL_STATE, 0, this.pc, true);
      this.retireSuppressed = false;
      return this.stopPending !== null;
    }
    return false;
  }

  private stepOne(): void {
    const pc = this.pc;
    this.curPc = pc;
    let word: number;
    try {
      word = this.memory.fetch32(pc) | 0;
    } catch (e) {
      this.curWord = 0;
      this.abort(e, null);
      return;
    }
    const idx = (pc >>> 2) & CACHE_MASK;
    let insn = this.cacheInsn[idx];
    if (this.cacheTag[idx] !== pc || this.cacheWord[idx] !== word) {
      insn = decodeA64(word);
      this.cacheTag[idx] = pc;
      this.cacheWord[idx] = word;
      this.cacheInsn[idx] = insn;
    }
    this.curWord = word;
    this.pc = pc + 4;
    try {
      this.execute(insn);
    } catch (e) {
      this.abort(e, insn);
      return;
    }
    if (this.retireSuppressed) this.retireSuppressed = false;
    else this.instructionsRetired++;
  }

  /**
   * Up to `limit` steps from one code page, exactly as that many `stepOne` calls would run them,
   * until an instruction leaves the page, branches other than by B..RET, ends the block (system
   * instructions, exceptions) or raises attention. The page is translated once, on entry: the
   * instructions run in between cannot change the translation regime or the exception level.
   * Every word is read from the page and checked against its decoded record, so a write to the
   * code is seen by the next instruction. Returns the steps taken.
   */
  private runBlock(source: CodePageSource, limit: number): number {
    let pc = this.pc;
    this.curPc = pc;
    let host: HostCodePage | null;
    try {
      host = source.codePage(pc);
    } catch (e) {
      this.curWord = 0;
      this.abort(e, null);
      return 1;
    }
    if (host === null) {
      this.stepOne();
      return 1;
    }
    const records = this.recordsOf(host);
    const words = host.words;
    const recWords = records.words;
    const insns = records.insns;
    const flows = records.flows;
    const pageBase = Math.floor(pc / 4096) * 4096;
    if (records.blocksVa !== pageBase) {
      records.blocks = new Array<CompiledA64Block | undefined>(1024);
      records.blocksVa = pageBase;
      records.heat.fill(0);
    }
    const blocks = records.blocks;
    const heat = records.heat;
    const lo = this.lo;
    const hi = this.hi;
    let off = (pc - pageBase) >>> 2;
    let steps = 0;
    let insn = this.blank;
    let entry = true;
    try {
      for (;;) {
        if (entry) {
          // A block entry (run start or branch target): run its compiled block, or count it.
          // A pending suppressed retirement (none is left between steps) would be left to the interpreter.
          const block = blocks[off];
          if (block !== undefined) {
            if (limit - steps >= block.length && !this.retireSuppressed) {
              let budget = block.length;
              if (block.shortCalls === 0) budget = Math.min(limit - steps, MAX_BLOCK_BUDGET);
              else block.shortCalls--;
              this.compiledBlockEntries++;
              const out = block.run(this, lo, hi, words, budget, block.insns);
              steps += out >>> 2;
              const exit = out & 3;
              if (exit === Exit.Leave) return steps;
              if (exit === Exit.Stale) {
                blocks[off] = undefined;
                heat[off] = 0;
              } else if (steps >= limit) return steps;
              pc = this.pc;
              const delta = pc - pageBase;
              if (delta < 0 || delta >= 4096) return steps;
              off = delta >>> 2;
              // After a stale exit the changed word is interpreted before any block runs again.
              if (exit === Exit.Continue) continue;
            }
          } else if (heat[off] < NOT_COMPILABLE && ++heat[off] >= HOT_ENTRIES) {
            const compiled = this.compileBlock(records, words, pageBase, off);
            if (compiled === null) heat[off] = NOT_COMPILABLE;
            else {
              blocks[off] = compiled;
              continue;
            }
          }
          entry = false;
        }
        const word = words[off];
        insn = insns[off];
        if (recWords[off] !== word) {
          insn = decodeA64(word | 0);
          insns[off] = insn;
          recWords[off] = word;
          flows[off] = flowOf(insn);
        }
        this.curPc = pc;
        this.curWord = word | 0;
        this.pc = pc + 4;
        steps++;
        this.execute(insn);
        if (this.retireSuppressed) this.retireSuppressed = false;
        else this.instructionsRetired++;
        if (this.attention !== 0 || steps >= limit) return steps;
        const flow = flows[off];
        if (flow === Flow.Straight) {
          if (this.pc !== pc + 4 || off === 1023) return steps;
          pc += 4;
          off++;
        } else if (flow === Flow.Branch) {
          pc = this.pc;
          const delta = pc - pageBase;
          if (delta < 0 || delta >= 4096) return steps;
          off = delta >>> 2;
          entry = true;
        } else {
          return steps;
        }
      }
    } catch (e) {
      this.abort(e, insn);
      return steps;
    }
  }

  /** Compile the block entered at word `start`, decoding (and recording) its words as they are now. */
  private compileBlock(records: A64PageRecords, words: Uint32Array, pageBase: number, start: number): CompiledA64Block | null {
    const decodeAt = (off: number): A64Instruction => {
      const word = words[off];
      if (records.words[off] !== word) {
        records.insns[off] = decodeA64(word | 0);
        records.words[off] = word;
        records.flows[off] = flowOf(records.insns[off]);
      }
      return records.insns[off];
    };
    return compileA64Block(words, pageBase, start, decodeAt, (i) => flowOf(i) === Flow.Straight, (i) => flowOf(i) === Flow.Branch);
  }

  private recordsOf(host: HostCodePage): A64PageRecords {
    let records = host.a64 as A64PageRecords | null;
    if (records === null) {
      records = new A64PageRecords(this.blank);
      host.a64 = records;
    }
    return records;
  }

  // ---------------------------------------------------------------- exceptions

  private readonly exceptionLoop = new ExceptionLoopGuard();

  /** Stop a guest that only takes exceptions (each entry faults again) instead of spinning forever. */
  private noteExceptionEntry(ec: number): void {
    this.exceptionLoop.note(this.instructionsRetired, this.curPc, exceptionName(ec));
  }

  /**
   * Take a synchronous exception to EL1 (D1.10.2): SPSR_EL1 <- PSTATE, ELR_EL1 <- return address,
   * ESR_EL1 <- syndrome, PSTATE.{D,A,I,F} <- 1, SPSel <- 1, EL <- 1, PC <- VBAR_EL1 + offset
   * (0x000 current EL with SP_EL0, 0x200 current EL with SP_ELx, 0x400 lower EL using AArch64).
   * `fault` marks an exception that means the instruction did not complete (not retired).
   */
  takeException(ec: number, iss: number, returnAddress: number, fault: boolean, pcFault = false): void {
    this.noteExceptionEntry(ec);
    const esr = syndrome(ec, iss);
    if (this.exceptionPolicy === 'stop') {
      this.pc = this.curPc;
      this.stopReason = 'exception';
      throw new GuestException(ec, esr, this.curPc, pcFault ? 0 : this.curWord, exceptionName(ec));
    }
    // Read (and cleared) by the retire check after `execute`; callers outside it clear it themselves.
    if (fault) this.retireSuppressed = true;
    this.esr = esr;
    if (pcFault) this.enterEl1(this.badPcLo, this.badPcHi, 0);
    else this.enterEl1(returnAddress >>> 0, Math.floor(returnAddress / TWO32) >>> 0, 0);
  }

  /**
   * Exception entry to EL1 (D1.10.2), common to synchronous and asynchronous exceptions:
   * SPSR_EL1 <- PSTATE, ELR_EL1 <- elrHi:elrLo, PSTATE.{D,A,I,F} <- 1, IL <- 0, EL1h, the local
   * monitor cleared, PC <- VBAR_EL1 + the offset of the taken-from state (0x000 current EL with
   * SP_EL0, 0x200 current EL with SP_ELx, 0x400 lower EL using AArch64) + `kindOffset`
   * (0x000 synchronous, 0x080 IRQ, 0x100 FIQ, 0x180 SError).
   */
  private enterEl1(elrLo: number, elrHi: number, kindOffset: number): void {
    const offset = (this.currentEl === 1 ? (this.spSel ? 0x200 : 0x000) : 0x400) + kindOffset;
    this.spsr = this.pstate;
    this.elrLo = elrLo;
    this.elrHi = elrHi;
    this.currentEl = 1;
    this.spSel = 1;
    this.daif = 0xf;
    this.illegal = 0;
    this.selectSp();
    this.exclusiveAddress = -1;
    this.updateAttention();
    this.setPcFromHalves((this.vbarLo + offset) >>> 0, this.vbarHi + ((this.vbarLo + offset) > 0xffffffff ? 1 : 0));
  }

  /**
   * Take an IRQ or FIQ exception to EL1 at the current instruction boundary if PSTATE.I (F) is
   * clear (D1.10 "Exception entry", asynchronous exceptions); false when it is masked. Called
   * between `run` calls, never inside an instruction: ELR_EL1 is the next instruction to execute
   * (a pending PC alignment fault stays pending: ELR holds the unfetchable target); ESR_EL1 and
   * FAR_EL1 are not written. Taken whatever `exceptionPolicy` says (it governs exceptions the
   * guest raises). Routing (HCR_EL2.IMO/FMO, virtual interrupts) is the caller's.
   */
  takeInterrupt(kind: 'irq' | 'fiq'): boolean {
    const fiq = kind === 'fiq';
    if ((this.daif & (fiq ? DAIF_F : DAIF_I)) !== 0) return false;
    let lo: number;
    let hi: number;
    if (this.attention & ATTN_BAD_PC) {
      this.attention &= ~ATTN_BAD_PC;
      lo = this.badPcLo;
      hi = this.badPcHi;
    } else {
      lo = this.pc >>> 0;
      hi = Math.floor(this.pc / TWO32) >>> 0;
    }
    this.enterEl1(lo, hi, fiq ? VECTOR_FIQ : VECTOR_IRQ);
    return true;
  }

  /** Set the PC from a 64-bit value; an unfetchable one raises its fault at the next fetch. */
  setPcFromHalves(lo: number, hi: number): void {
    const a = toAddress(lo, hi);
    if (Number.isNaN(a) || (lo & 3) !== 0) {
      this.badPcLo = lo >>> 0;
      this.badPcHi = hi >>> 0;
      this.attention |= ATTN_BAD_PC;
      this.pc = Number.isNaN(a) ? 0 : a;
      return;
    }
    this.pc = a;
  }

  undefinedInstruction(): void {
    this.pc = this.curPc;
    this.takeException(EC.UNKNOWN, 0, this.curPc, true);
  }

  /** A trap to EL2 (D1.10: the exception is taken to EL2, whose handler sets the return PC). */
  trapToEl2(esr: number, returnPc: number): void {
    const el2 = this.el2;
    if (el2 === null) throw new Error('A64Cpu: trap to EL2 with no EL2 present');
    this.pc = returnPc;
    el2.takeTrap(esr, { far: 0, hpfar: 0 }, this);
    // EL2's exception return sets the event register (D1.16.1).
    this.eventRegister = 1;
  }

  /** A MemoryAbort (or anything else thrown) while executing `insn` (null: during the fetch). */
  abort(e: unknown, insn: A64Instruction | null): void {
    if (!(e instanceof MemoryAbort)) throw e;
    const f = e.fault;
    this.pc = this.curPc;
    const fsc = faultStatusCode(f);
    const isFetch = insn === null || f.access === 'fetch';
    if (f.stage === 2) {
      const el2 = this.el2;
      if (el2 === null) throw new Error(`A64Cpu: stage 2 fault with no EL2 present: ${e.message}`);
      let esr: number;
      if (isFetch) {
        esr = syndrome(EC.IABT_LOWER, instructionAbortIss(fsc, f.s1ptw));
      } else {
        esr = syndrome(EC.DABT_LOWER, dataAbortIss(dataAbortInfo(insn, f.access === 'write', fsc, f.s1ptw, true)));
      }
      this.retireSuppressed = true;
      el2.takeTrap(esr, { far: f.va, hpfar: Math.floor(f.ipa / 4096) * 16 }, this);
      this.eventRegister = 1; // EL2's exception return (D1.16.1)
      // The handler retries the access (PC unchanged) or emulates and skips it (retired).
      this.retireSuppressed = false;
      if (this.pc === this.curPc + 4) this.instructionsRetired++;
      return;
    }
    if (this.farOverride) {
      this.farOverride = false;
      this.farLo = this.pendingFarLo;
      this.farHi = this.pendingFarHi;
    } else {
      this.farLo = f.va >>> 0;
      this.farHi = Math.floor(f.va / TWO32) >>> 0;
    }
    if (isFetch) {
      this.takeException(this.currentEl === 0 ? EC.IABT_LOWER : EC.IABT_SAME, instructionAbortIss(fsc, false), this.curPc, true);
    } else {
      const iss = dataAbortIss(dataAbortInfo(insn, f.access === 'write', fsc, false, false));
      this.takeException(this.currentEl === 0 ? EC.DABT_LOWER : EC.DABT_SAME, iss, this.curPc, true);
    }
    // The aborted instruction is not retired (its step ends here); the next one must be.
    this.retireSuppressed = false;
  }

  /** An address beyond 2^53: a stage 1 level 0 translation fault (not canonical for any regime setway models). */
  unrepresentable(lo: number, hi: number, write: boolean): never {
    const abort = new MemoryAbort({ kind: 'translation', stage: 1, level: 0, access: write ? 'write' : 'read', va: 0, ipa: 0, s1ptw: false });
    this.pendingFarLo = lo;
    this.pendingFarHi = hi;
    this.farOverride = true;
    throw abort;
  }
  private farOverride = false;
  private pendingFarLo = 0;
  private pendingFarHi = 0;
  /** The base register's written-back value of a pre/post-indexed access, set before the access (handlers-memory). */
  wbLo = 0;
  wbHi = 0;

  setXFromNumber(d: number, value: number): void {
    this.lo[d] = value >>> 0;
    this.hi[d] = Math.floor(value / TWO32) >>> 0;
  }

  /** Run one decoded instruction (the interpreter's step and a compiled block's generic call). */
  execute(i: A64Instruction): void {
    HANDLERS[i.op](this, i);
  }
}

function exceptionName(ec: number): string {
  switch (ec) {
    case EC.UNKNOWN:
      return 'undefined instruction';
    case EC.WFX:
      return 'WFI/WFE';
    case EC.FP_ACCESS:
      return 'FP/SIMD access';
    case EC.ILLEGAL_STATE:
      return 'illegal execution state';
    case EC.SVC64:
      return 'SVC';
    case EC.SYS64:
      return 'MSR/MRS/SYS trapped';
    case EC.IABT_LOWER:
    case EC.IABT_SAME:
      return 'instruction abort';
    case EC.PC_ALIGN:
      return 'PC alignment fault';
    case EC.DABT_LOWER:
    case EC.DABT_SAME:
      return 'data abort';
    case EC.BRK64:
      return 'BRK';
  }
  return 'exception';
}
