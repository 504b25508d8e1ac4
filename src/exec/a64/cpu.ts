/**
 * An AArch64 PE at EL0/EL1 running real A64 code: registers as 32-bit halves, decode cached per
 * address, exceptions to EL1 through VBAR_EL1 (Arm ARM D1.10), traps to a virtual EL2 through
 * the El2Gate. The executor owns PSTATE (NZCV, DAIF, CurrentEL, SPSel), SP_EL0/SP_EL1 and the
 * exception registers ELR_EL1, SPSR_EL1, VBAR_EL1, ESR_EL1, FAR_EL1; every other system
 * register or instruction goes to the SystemInstructionHandler.
 */
import { ExceptionLoopGuard } from '../exception-loop-error';
import { decodeA64 } from '../../decode/a64/decode';
import { A64Op, AddrMode, RegIndex } from '../../decode/a64/instruction';
import type { A64Instruction } from '../../decode/a64/instruction';
import { sysKey } from '../../decode/system-access';
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import { faultStatusCode, MemoryAbort } from '../../mmu/fault';
import { HCR } from '../el2-gate';
import type { El2Gate } from '../el2-gate';
import type { GuestMemory } from '../guest-memory';
import { AccessOutcome } from '../system-instructions';
import type { SystemAccessContext, SystemInstructionHandler } from '../system-instructions';
import { bswap32, divS64, divU64, mulHighS64, mulHighU64, mulLow64, mulS32, mulU32, rbit32, rev16x32, wide } from './arith64';
import { CRC32_TABLE, CRC32C_TABLE, crc32Step } from './crc32';
import { GuestException } from './guest-exception';
import { codePageSourceOf, type CodePageSource, type HostCodePage } from '../code-page';
import { BlockExit, MAX_BLOCK_BUDGET, compileA64Block, type CompiledA64Block } from './block-compiler';
import { dataAbortIss, EC, instructionAbortIss, syndrome, sysTrapSyndrome, wfxSyndrome } from './syndrome';

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

const { SP, DISCARD } = RegIndex;
// Module-local copies: reading an imported binding can cost a getter call per access under
// CommonJS interop (tsx), and the dispatch switch reads these on every instruction.
const Op: typeof A64Op = { ...A64Op };
const Mode: typeof AddrMode = { ...AddrMode };
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

/** Encodings (sysKey) of the registers the executor serves itself (D17; C5.2 for the PSTATE ones). */
const KEY = {
  NZCV: sysKey({ op0: 3, op1: 3, crn: 4, crm: 2, op2: 0 }),
  DAIF: sysKey({ op0: 3, op1: 3, crn: 4, crm: 2, op2: 1 }),
  CURRENT_EL: sysKey({ op0: 3, op1: 0, crn: 4, crm: 2, op2: 2 }),
  SPSEL: sysKey({ op0: 3, op1: 0, crn: 4, crm: 2, op2: 0 }),
  SP_EL0: sysKey({ op0: 3, op1: 0, crn: 4, crm: 1, op2: 0 }),
  SP_EL1: sysKey({ op0: 3, op1: 4, crn: 4, crm: 1, op2: 0 }),
  SPSR_EL1: sysKey({ op0: 3, op1: 0, crn: 4, crm: 0, op2: 0 }),
  ELR_EL1: sysKey({ op0: 3, op1: 0, crn: 4, crm: 0, op2: 1 }),
  VBAR_EL1: sysKey({ op0: 3, op1: 0, crn: 12, crm: 0, op2: 0 }),
  ESR_EL1: sysKey({ op0: 3, op1: 0, crn: 5, crm: 2, op2: 0 }),
  FAR_EL1: sysKey({ op0: 3, op1: 0, crn: 6, crm: 0, op2: 0 }),
  DC_ZVA: sysKey({ op0: 1, op1: 3, crn: 7, crm: 4, op2: 1 }),
} as const;

/** The signed 64-bit value hi:lo as a number, or NaN when its magnitude is beyond 2^53 (not modelled). */
function toAddress(lo: number, hi: number): number {
  const h = hi | 0;
  if (h >= 0x200000 || h < -0x200000) return NaN;
  return h * TWO32 + (lo >>> 0);
}

export class A64Cpu implements SystemAccessContext {
  readonly memory: GuestMemory;
  readonly system: SystemInstructionHandler;
  readonly el2: El2Gate | null;

  /** X0..X30, XZR (31), current SP (32), discard (33): low and high halves. */
  private readonly lo = new Uint32Array(34);
  private readonly hi = new Uint32Array(34);
  /** The stack pointer not currently selected (SP_EL0 at EL1h, SP_EL1 otherwise). */
  private spAltLo = 0;
  private spAltHi = 0;

  pc = 0;
  /** PSTATE.{N,Z,C,V}, one bit each. */
  private n = 0;
  private z = 0;
  private c = 0;
  private v = 0;
  /** PSTATE.{D,A,I,F} as SPSR bits [9:6] >> 6. */
  daif = 0xf;
  private currentEl = 1;
  private spSel = 1;
  /** PSTATE.IL (illegal execution state). */
  private illegal = 0;

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
  private curPc = 0;
  private curWord = 0;
  /** Address of the instruction being executed (exact in the interpreter and in a compiled block's memory accesses). */
  get instructionPc(): number {
    return this.curPc;
  }

  /** Instructions retired before the one executing (exact inside a compiled block's memory access too). */
  get retiredNow(): number {
    return this.instructionsRetired + this.retiredBias;
  }
  private attention = 0;
  private retireSuppressed = false;
  private stopPending: StopReason | null = null;
  /** A branch target that cannot be fetched (misaligned or beyond 2^53), as halves. */
  private badPcLo = 0;
  private badPcHi = 0;
  /** Local exclusive monitor (B2.9): address and size of the open exclusive access, or -1. */
  private exclusiveAddress = -1;
  private exclusiveSize = 0;
  /** The event register (WFE/SEV, D1.16). */
  private eventRegister = 0;
  /** The IRQ and FIQ inputs: the levels an interrupt controller drives (`setInterruptLine`). */
  private irqLine = false;
  private fiqLine = false;

  private readonly cacheTag = new Float64Array(1 << CACHE_BITS).fill(NaN);
  private readonly cacheWord = new Int32Array(1 << CACHE_BITS);
  private readonly cacheInsn: A64Instruction[] = new Array<A64Instruction>(1 << CACHE_BITS);

  // Operand scratch for shifted/extended operands (no allocation per instruction).
  private opLo = 0;
  private opHi = 0;

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
  private selectSp(): void {
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

  private stop(reason: StopReason): void {
    if (this.stopPending === null) this.stopPending = reason;
    this.attention |= ATTN_STOP;
  }

  private updateAttention(): void {
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
  private takeException(ec: number, iss: number, returnAddress: number, fault: boolean, pcFault = false): void {
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
  private setPcFromHalves(lo: number, hi: number): void {
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

  private undefinedInstruction(): void {
    this.pc = this.curPc;
    this.takeException(EC.UNKNOWN, 0, this.curPc, true);
  }

  /** A trap to EL2 (D1.10: the exception is taken to EL2, whose handler sets the return PC). */
  private trapToEl2(esr: number, returnPc: number): void {
    const el2 = this.el2;
    if (el2 === null) throw new Error('A64Cpu: trap to EL2 with no EL2 present');
    this.pc = returnPc;
    el2.takeTrap(esr, { far: 0, hpfar: 0 }, this);
  }

  /** A MemoryAbort (or anything else thrown) while executing `insn` (null: during the fetch). */
  private abort(e: unknown, insn: A64Instruction | null): void {
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
        esr = syndrome(EC.DABT_LOWER, dataAbortIss(this.abortInfo(insn, f.access === 'write', fsc, f.s1ptw, true)));
      }
      this.retireSuppressed = true;
      el2.takeTrap(esr, { far: f.va, hpfar: Math.floor(f.ipa / 4096) * 16 }, this);
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
      const iss = dataAbortIss(this.abortInfo(insn, f.access === 'write', fsc, false, false));
      this.takeException(this.currentEl === 0 ? EC.DABT_LOWER : EC.DABT_SAME, iss, this.curPc, true);
    }
    // The aborted instruction is not retired (its step ends here); the next one must be.
    this.retireSuppressed = false;
  }

  /** Data Abort syndrome fields for `insn` (D17 "ESR_EL2" ISS for a Data Abort; ISV rules). */
  private abortInfo(insn: A64Instruction, write: boolean, dfsc: number, s1ptw: boolean, toEl2: boolean) {
    const op = insn.op;
    const single =
      ((op === Op.LDR || op === Op.LDRS || op === Op.STR) && insn.variant !== Mode.PRE_INDEX && insn.variant !== Mode.POST_INDEX) ||
      op === Op.LDR_LIT ||
      op === Op.LDRSW_LIT ||
      op === Op.LDAR ||
      op === Op.STLR;
    // CM: cache maintenance and address translation instructions; DC ZVA is neither, it faults
    // as a store (D17 "ESR_EL2", ISS for a Data Abort, CM).
    const cm = op === Op.SYS && sysKey(insn.sys as SysAccess) !== KEY.DC_ZVA;
    return {
      // ISV is reported only for stage 2 aborts on single-register accesses without writeback,
      // not exclusives, not on a stage 1 walk (D17 "ESR_EL2", ISV); faults to EL1 report ISV = 0 (Armv8.0).
      valid: toEl2 && single && !s1ptw,
      size: insn.size,
      signExtend: op === Op.LDRS || op === Op.LDRSW_LIT,
      rt: insn.rt,
      sixtyFour: insn.sf === 1,
      acquireRelease: op === Op.LDAR || op === Op.STLR,
      cacheMaintenance: cm,
      s1ptw,
      // Cache maintenance reports WnR = 1 (D17 "ESR_ELx" WnR).
      write: write || cm,
      dfsc,
    };
  }

  /** An alignment fault for exclusive/ordered accesses (B2.5.2: these always check alignment). */
  private checkAlignment(va: number, bytes: number, write: boolean): void {
    if (va % bytes !== 0) {
      throw new MemoryAbort({ kind: 'alignment', stage: 1, level: -1, access: write ? 'write' : 'read', va, ipa: 0, s1ptw: false });
    }
  }

  // ---------------------------------------------------------------- operands

  private condHolds(cond: number): boolean {
    // ConditionHolds (J1 shared pseudocode): cond<3:1> picks the test, cond<0> inverts (except 1111).
    let r: boolean;
    switch (cond >>> 1) {
      case 0:
        r = this.z === 1;
        break;
      case 1:
        r = this.c === 1;
        break;
      case 2:
        r = this.n === 1;
        break;
      case 3:
        r = this.v === 1;
        break;
      case 4:
        r = this.c === 1 && this.z === 0;
        break;
      case 5:
        r = this.n === this.v;
        break;
      case 6:
        r = this.n === this.v && this.z === 0;
        break;
      default:
        return true;
    }
    return (cond & 1) === 1 ? !r : r;
  }

  /** AddWithCarry (J1) into register slot d, setting NZCV when asked. 32-bit ops zero the high half. */
  private addWithCarry(aLo: number, aHi: number, bLo: number, bHi: number, carry: number, sf: number, setFlags: boolean, d: number): void {
    const l = aLo + bLo + carry;
    const rl = l >>> 0;
    if (sf) {
      const h = aHi + bHi + (l > 0xffffffff ? 1 : 0);
      const rh = h >>> 0;
      this.lo[d] = rl;
      this.hi[d] = rh;
      if (setFlags) {
        this.n = rh >>> 31;
        this.z = (rl | rh) === 0 ? 1 : 0;
        this.c = h > 0xffffffff ? 1 : 0;
        this.v = ((aHi ^ rh) & (bHi ^ rh)) >>> 31;
      }
    } else {
      this.lo[d] = rl;
      this.hi[d] = 0;
      if (setFlags) {
        this.n = rl >>> 31;
        this.z = rl === 0 ? 1 : 0;
        this.c = l > 0xffffffff ? 1 : 0;
        this.v = ((aLo ^ rl) & (bLo ^ rl)) >>> 31;
      }
    }
  }

  /** Shift register slot m by (type, amount) into opLo/opHi (C6.2 ShiftReg). */
  private shiftOperand(m: number, type: number, amount: number, sf: number): void {
    let l = this.lo[m];
    if (!sf) {
      if (amount !== 0) {
        if (type === 0) l = l << amount;
        else if (type === 1) l = l >>> amount;
        else if (type === 2) l = (l | 0) >> amount;
        else l = (l >>> amount) | (l << (32 - amount));
      }
      this.opLo = l >>> 0;
      this.opHi = 0;
      return;
    }
    let h = this.hi[m];
    if (amount !== 0) {
      const s = amount & 31;
      if (type === 0) {
        if (amount >= 32) {
          h = l << s;
          l = 0;
        } else {
          h = (h << s) | (l >>> (32 - s));
          l = l << s;
        }
      } else if (type === 1) {
        if (amount >= 32) {
          l = h >>> s;
          h = 0;
        } else {
          l = (l >>> s) | (h << (32 - s));
          h = h >>> s;
        }
      } else if (type === 2) {
        if (amount >= 32) {
          l = (h | 0) >> s;
          h = (h | 0) >> 31;
        } else {
          l = (l >>> s) | (h << (32 - s));
          h = (h | 0) >> s;
        }
      } else {
        this.shiftOperandValue(l, h, 3, amount);
        return;
      }
    }
    this.opLo = l >>> 0;
    this.opHi = h >>> 0;
  }

  /** Extend register slot m by option then shift left by amount (C6.2 ExtendReg) into opLo/opHi. */
  private extendOperand(m: number, option: number, amount: number): void {
    let l = this.lo[m];
    let h = this.hi[m];
    switch (option) {
      case 0:
        l &= 0xff;
        h = 0;
        break;
      case 1:
        l &= 0xffff;
        h = 0;
        break;
      case 2:
        h = 0;
        break;
      case 3:
        break;
      case 4:
        l = (l << 24) >> 24;
        h = l >> 31;
        break;
      case 5:
        l = (l << 16) >> 16;
        h = l >> 31;
        break;
      case 6:
        h = (l | 0) >> 31;
        break;
    }
    if (amount !== 0) {
      h = (h << amount) | (l >>> (32 - amount));
      l = l << amount;
    }
    this.opLo = l >>> 0;
    this.opHi = h >>> 0;
  }

  private setNZ(lo: number, hi: number, sf: number): void {
    if (sf) {
      this.n = hi >>> 31;
      this.z = (lo | hi) === 0 ? 1 : 0;
    } else {
      this.n = lo >>> 31;
      this.z = lo === 0 ? 1 : 0;
    }
    this.c = 0;
    this.v = 0;
  }

  /** Base + offset for loads and stores, as a VA number; also leaves the 64-bit sum in opLo/opHi for writeback. */
  private address(i: A64Instruction): number {
    const n = i.xn;
    let offLo: number;
    let offHi: number;
    if (i.variant === Mode.REGISTER) {
      this.extendOperand(i.xm, i.shiftType, i.shiftAmount);
      offLo = this.opLo;
      offHi = this.opHi;
    } else if (i.variant === Mode.POST_INDEX) {
      offLo = 0;
      offHi = 0;
    } else {
      offLo = i.imm >>> 0;
      offHi = i.imm < 0 ? 0xffffffff : 0;
    }
    const l = this.lo[n] + offLo;
    const lo = l >>> 0;
    const hi = (this.hi[n] + offHi + (l > 0xffffffff ? 1 : 0)) >>> 0;
    this.opLo = lo;
    this.opHi = hi;
    const va = toAddress(lo, hi);
    if (Number.isNaN(va)) this.unrepresentable(lo, hi, i.op === Op.STR || i.op === Op.STP || i.op === Op.STXR || i.op === Op.STXP || i.op === Op.STLR);
    return va;
  }

  /** An address beyond 2^53: a stage 1 level 0 translation fault (not canonical for any regime setway models). */
  private unrepresentable(lo: number, hi: number, write: boolean): never {
    const abort = new MemoryAbort({ kind: 'translation', stage: 1, level: 0, access: write ? 'write' : 'read', va: 0, ipa: 0, s1ptw: false });
    this.pendingFarLo = lo;
    this.pendingFarHi = hi;
    this.farOverride = true;
    throw abort;
  }
  private farOverride = false;
  private pendingFarLo = 0;
  private pendingFarHi = 0;

  /** Base <- base + imm for pre/post-indexed forms, computed before the access (the base may also be a destination). */
  private wbLo = 0;
  private wbHi = 0;
  private prepareWriteback(i: A64Instruction): void {
    const n = i.xn;
    const l = this.lo[n] + (i.imm >>> 0);
    this.wbHi = (this.hi[n] + (i.imm < 0 ? 0xffffffff : 0) + (l > 0xffffffff ? 1 : 0)) >>> 0;
    this.wbLo = l >>> 0;
  }
  /**
   * Apply the writeback after the register writes: with Rt == Rn (CONSTRAINED UNPREDICTABLE,
   * C6.2 "LDR (immediate)") the base gets the written-back address, as QEMU does.
   */
  private writeback(i: A64Instruction): void {
    this.lo[i.xn] = this.wbLo;
    this.hi[i.xn] = this.wbHi;
  }

  /** Load `size` (log2 bytes) from va into opLo/opHi, zero-extended. */
  private load(va: number, size: number): void {
    const m = this.memory;
    switch (size) {
      case 0:
        this.opLo = m.read8(va);
        this.opHi = 0;
        return;
      case 1:
        this.opLo = m.read16(va);
        this.opHi = 0;
        return;
      case 2:
        this.opLo = m.read32(va) >>> 0;
        this.opHi = 0;
        return;
      default: {
        // Two 32-bit accesses, low word first (little-endian).
        const l = m.read32(va) >>> 0;
        this.opHi = m.read32(va + 4) >>> 0;
        this.opLo = l;
      }
    }
  }

  private store(va: number, size: number, lo: number, hi: number): void {
    const m = this.memory;
    switch (size) {
      case 0:
        m.write8(va, lo & 0xff);
        return;
      case 1:
        m.write16(va, lo & 0xffff);
        return;
      case 2:
        m.write32(va, lo >>> 0);
        return;
      default:
        m.write32(va, lo >>> 0);
        m.write32(va + 4, hi >>> 0);
    }
  }

  /** Sign-extend opLo/opHi from `size` into a 32- or 64-bit register value. */
  private signExtendLoaded(size: number, sf: number): void {
    let l = this.opLo;
    if (size === 0) l = (l << 24) >> 24;
    else if (size === 1) l = (l << 16) >> 16;
    else l = l | 0;
    this.opLo = l >>> 0;
    this.opHi = sf ? (l >> 31) >>> 0 : 0;
  }

  // ---------------------------------------------------------------- execute

  private execute(i: A64Instruction): void {
    const lo = this.lo;
    const hi = this.hi;
    switch (i.op) {
      case Op.ADD_SUB_IMM: {
        const a = i.xn;
        if (i.variant === 0) this.addWithCarry(lo[a], hi[a], i.imm, 0, 0, i.sf, i.setFlags, i.xd);
        else this.addWithCarry(lo[a], hi[a], ~i.imm >>> 0, 0xffffffff, 1, i.sf, i.setFlags, i.xd);
        return;
      }
      case Op.ADD_SUB_SHIFTED:
      case Op.ADD_SUB_EXT: {
        if (i.op === Op.ADD_SUB_SHIFTED) this.shiftOperand(i.xm, i.shiftType, i.shiftAmount, i.sf);
        else this.extendOperand(i.xm, i.shiftType, i.shiftAmount);
        const a = i.xn;
        if (i.variant === 0) this.addWithCarry(lo[a], hi[a], this.opLo, this.opHi, 0, i.sf, i.setFlags, i.xd);
        else this.addWithCarry(lo[a], hi[a], ~this.opLo >>> 0, ~this.opHi >>> 0, 1, i.sf, i.setFlags, i.xd);
        return;
      }
      case Op.ADC_SBC: {
        const a = i.xn;
        const m = i.xm;
        if (i.variant === 0) this.addWithCarry(lo[a], hi[a], lo[m], hi[m], this.c, i.sf, i.setFlags, i.xd);
        else this.addWithCarry(lo[a], hi[a], ~lo[m] >>> 0, ~hi[m] >>> 0, this.c, i.sf, i.setFlags, i.xd);
        return;
      }
      case Op.LOGIC_IMM:
        this.logic(i.variant, lo[i.xn], hi[i.xn], i.imm, i.immHi, i.sf, i.xd);
        return;
      case Op.LOGIC_SHIFTED: {
        this.shiftOperand(i.xm, i.shiftType, i.shiftAmount, i.sf);
        let bl = this.opLo;
        let bh = this.opHi;
        if (i.imm2) {
          bl = ~bl >>> 0;
          bh = i.sf ? ~bh >>> 0 : 0;
        }
        this.logic(i.variant, lo[i.xn], hi[i.xn], bl, bh, i.sf, i.xd);
        return;
      }
      case Op.MOVZ:
      case Op.MOVN: {
        const s = i.shiftAmount;
        let l = s < 32 ? (i.imm << s) >>> 0 : 0;
        let h = s >= 32 ? (i.imm << (s - 32)) >>> 0 : 0;
        if (i.op === Op.MOVN) {
          l = ~l >>> 0;
          h = i.sf ? ~h >>> 0 : 0;
        }
        lo[i.xd] = l;
        hi[i.xd] = h;
        return;
      }
      case Op.MOVK: {
        const s = i.shiftAmount;
        const d = i.xd;
        if (s < 32) lo[d] = ((lo[d] & ~(0xffff << s)) | (i.imm << s)) >>> 0;
        else hi[d] = ((hi[d] & ~(0xffff << (s - 32))) | (i.imm << (s - 32))) >>> 0;
        if (!i.sf) hi[d] = 0;
        return;
      }
      case Op.ADR:
        this.setXFromNumber(i.xd, this.curPc + i.imm);
        return;
      case Op.ADRP:
        this.setXFromNumber(i.xd, Math.floor(this.curPc / 4096) * 4096 + i.imm);
        return;
      case Op.SBFM:
      case Op.UBFM:
      case Op.BFM:
        this.bitfield(i);
        return;
      case Op.EXTR:
        this.extract(i);
        return;

      case Op.B:
        this.pc = this.curPc + i.imm;
        return;
      case Op.BL:
        this.setXFromNumber(30, this.curPc + 4);
        this.pc = this.curPc + i.imm;
        return;
      case Op.B_COND:
        if (this.condHolds(i.cond)) this.pc = this.curPc + i.imm;
        return;
      case Op.CBZ:
      case Op.CBNZ: {
        const t = i.xd;
        const zero = i.sf ? (lo[t] | hi[t]) === 0 : lo[t] === 0;
        if (zero === (i.op === Op.CBZ)) this.pc = this.curPc + i.imm;
        return;
      }
      case Op.TBZ:
      case Op.TBNZ: {
        const b = i.imm2;
        const bit = b >= 32 ? (hi[i.xd] >>> (b - 32)) & 1 : (lo[i.xd] >>> b) & 1;
        if ((bit === 0) === (i.op === Op.TBZ)) this.pc = this.curPc + i.imm;
        return;
      }
      case Op.BR:
      case Op.RET:
        this.setPcFromHalves(lo[i.xn], hi[i.xn]);
        return;
      case Op.BLR: {
        const tl = lo[i.xn];
        const th = hi[i.xn];
        this.setXFromNumber(30, this.curPc + 4);
        this.setPcFromHalves(tl, th);
        return;
      }

      case Op.CSEL: {
        const d = i.xd;
        if (this.condHolds(i.cond)) {
          lo[d] = lo[i.xn];
          hi[d] = i.sf ? hi[i.xn] : 0;
          return;
        }
        const m = i.xm;
        let l = lo[m];
        let h = hi[m];
        switch (i.variant) {
          case 1: {
            const s = l + 1;
            l = s >>> 0;
            if (s > 0xffffffff) h = (h + 1) >>> 0;
            break;
          }
          case 2:
            l = ~l >>> 0;
            h = ~h >>> 0;
            break;
          case 3:
            if (l === 0) h = -h >>> 0;
            else {
              l = -l >>> 0;
              h = ~h >>> 0;
            }
            break;
        }
        lo[d] = l;
        hi[d] = i.sf ? h : 0;
        return;
      }
      case Op.CCMP_REG:
      case Op.CCMP_IMM: {
        if (!this.condHolds(i.cond)) {
          this.nzcv = i.imm2;
          return;
        }
        const a = i.xn;
        const bl = i.op === Op.CCMP_IMM ? i.imm : lo[i.xm];
        const bh = i.op === Op.CCMP_IMM ? 0 : hi[i.xm];
        if (i.variant === 1) this.addWithCarry(lo[a], hi[a], ~bl >>> 0, ~bh >>> 0, 1, i.sf, true, DISCARD);
        else this.addWithCarry(lo[a], hi[a], bl, bh, 0, i.sf, true, DISCARD);
        return;
      }

      case Op.MADD:
      case Op.MSUB: {
        const n = i.xn;
        const m = i.xm;
        const a = i.xa;
        const d = i.xd;
        if (!i.sf) {
          const p = Math.imul(lo[n], lo[m]);
          lo[d] = (i.op === Op.MADD ? lo[a] + p : lo[a] - p) >>> 0;
          hi[d] = 0;
          return;
        }
        mulLow64(lo[n], hi[n], lo[m], hi[m]);
        this.accumulate(i.op === Op.MSUB, a, d);
        return;
      }
      case Op.SMADDL:
      case Op.SMSUBL:
        mulS32(lo[i.xn] | 0, lo[i.xm] | 0);
        this.accumulate(i.op === Op.SMSUBL, i.xa, i.xd);
        return;
      case Op.UMADDL:
      case Op.UMSUBL:
        mulU32(lo[i.xn], lo[i.xm]);
        this.accumulate(i.op === Op.UMSUBL, i.xa, i.xd);
        return;
      case Op.SMULH:
      case Op.UMULH:
        if (i.op === Op.SMULH) mulHighS64(lo[i.xn], hi[i.xn], lo[i.xm], hi[i.xm]);
        else mulHighU64(lo[i.xn], hi[i.xn], lo[i.xm], hi[i.xm]);
        lo[i.xd] = wide[0];
        hi[i.xd] = wide[1];
        return;
      case Op.UDIV:
      case Op.SDIV:
        this.divide(i);
        return;
      case Op.LSLV:
      case Op.LSRV:
      case Op.ASRV:
      case Op.RORV: {
        // The shift amount is Rm modulo the data size (C6.2 "LSLV").
        const amount = lo[i.xm] & (i.sf ? 63 : 31);
        this.shiftOperand(i.xn, i.op - Op.LSLV, amount, i.sf);
        lo[i.xd] = this.opLo;
        hi[i.xd] = this.opHi;
        return;
      }
      case Op.CRC32:
      case Op.CRC32C: {
        // Wd = CRC step of Wn with the low 2^sz bytes of Rm, zero-extended (C6.2 "CRC32B").
        const table = i.op === Op.CRC32 ? CRC32_TABLE : CRC32C_TABLE;
        lo[i.xd] = crc32Step(table, lo[i.xn], lo[i.xm], hi[i.xm], i.size);
        hi[i.xd] = 0;
        return;
      }
      case Op.RBIT:
      case Op.REV16:
      case Op.REV32:
      case Op.REV64:
      case Op.CLZ:
      case Op.CLS:
        this.dataProcessing1(i);
        return;

      case Op.LDR:
      case Op.LDRS: {
        const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
        if (wb) this.prepareWriteback(i);
        const va = this.address(i);
        this.load(va, i.size);
        if (i.op === Op.LDRS) this.signExtendLoaded(i.size, i.sf);
        lo[i.xd] = this.opLo;
        hi[i.xd] = this.opHi;
        if (wb) this.writeback(i);
        return;
      }
      case Op.STR: {
        const t = i.xd;
        const tl = lo[t];
        const th = hi[t];
        const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
        if (wb) this.prepareWriteback(i);
        const va = this.address(i);
        this.store(va, i.size, tl, th);
        if (wb) this.writeback(i);
        return;
      }
      case Op.LDP:
      case Op.LDPSW: {
        const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
        if (wb) this.prepareWriteback(i);
        const va = this.address(i);
        const bytes = 1 << i.size;
        this.load(va, i.size);
        if (i.op === Op.LDPSW) this.signExtendLoaded(2, 1);
        const l1 = this.opLo;
        const h1 = this.opHi;
        this.load(va + bytes, i.size);
        if (i.op === Op.LDPSW) this.signExtendLoaded(2, 1);
        lo[i.xd] = l1;
        hi[i.xd] = h1;
        lo[i.xa] = this.opLo;
        hi[i.xa] = this.opHi;
        if (wb) this.writeback(i);
        return;
      }
      case Op.STP: {
        const l1 = lo[i.xd];
        const h1 = hi[i.xd];
        const l2 = lo[i.xa];
        const h2 = hi[i.xa];
        const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
        if (wb) this.prepareWriteback(i);
        const va = this.address(i);
        this.store(va, i.size, l1, h1);
        this.store(va + (1 << i.size), i.size, l2, h2);
        if (wb) this.writeback(i);
        return;
      }
      case Op.LDR_LIT:
      case Op.LDRSW_LIT: {
        this.load(this.curPc + i.imm, i.size);
        if (i.op === Op.LDRSW_LIT) this.signExtendLoaded(2, 1);
        lo[i.xd] = this.opLo;
        hi[i.xd] = this.opHi;
        return;
      }
      case Op.PRFM:
      case Op.PRFM_LIT:
      case Op.HINT:
      case Op.DSB:
      case Op.DMB:
      case Op.ISB:
        // Prefetch hints, NOP-class hints and barriers: no observable effect in this
        // sequentially consistent, single-observer model (C6.2 "PRFM", "HINT", "DSB").
        return;
      case Op.LDXR:
      case Op.LDAR:
      case Op.STLR:
      case Op.STXR:
      case Op.LDXP:
      case Op.STXP:
        this.exclusiveOrOrdered(i);
        return;
      case Op.CLREX:
        this.exclusiveAddress = -1;
        return;

      case Op.SVC:
        this.takeException(EC.SVC64, i.imm, this.curPc + 4, false);
        return;
      case Op.HVC:
        // HVC is UNDEFINED at EL0, with no EL2, or with HCR_EL2.HCD set (C6.2 "HVC").
        if (this.currentEl === 0 || this.el2 === null || (this.el2.hcr & HCR.HCD) !== 0) this.undefinedInstruction();
        else this.trapToEl2(syndrome(EC.HVC64, i.imm), this.curPc + 4);
        return;
      case Op.SMC:
        // No EL3: SMC is UNDEFINED unless HCR_EL2.TSC traps it from EL1 to EL2 (D1.19.x, "HCR_EL2".TSC).
        if (this.currentEl === 1 && this.el2 !== null && (this.el2.hcr & HCR.TSC) !== 0) this.trapToEl2(syndrome(EC.SMC64, i.imm), this.curPc);
        else this.undefinedInstruction();
        return;
      case Op.BRK:
        this.takeException(EC.BRK64, i.imm, this.curPc, true);
        return;
      case Op.ERET:
        this.exceptionReturn();
        return;
      case Op.WFI:
      case Op.WFE:
        this.waitFor(i.op === Op.WFE);
        return;
      case Op.SEV:
      case Op.SEVL:
        this.eventRegister = 1;
        return;

      case Op.MSR_IMM:
        this.msrImmediate(i);
        return;
      case Op.MRS:
      case Op.MSR_REG:
      case Op.SYS:
      case Op.SYSL:
        this.systemAccess(i);
        return;

      case Op.FPSIMD:
        // Floating point and Advanced SIMD are not implemented (ID_AA64PFR0_EL1.FP and AdvSIMD
        // read 0xF), so their encodings are UNDEFINED (D17 "ID_AA64PFR0_EL1"; C4.1).
        this.undefinedInstruction();
        return;
      default:
        // UNALLOCATED and UNDEFINED (C4.1: unallocated encodings are UNDEFINED).
        this.undefinedInstruction();
        return;
    }
  }

  private setXFromNumber(d: number, value: number): void {
    this.lo[d] = value >>> 0;
    this.hi[d] = Math.floor(value / TWO32) >>> 0;
  }

  private logic(opc: number, al: number, ah: number, bl: number, bh: number, sf: number, d: number): void {
    let l: number;
    let h: number;
    switch (opc) {
      case 0:
      case 3:
        l = al & bl;
        h = ah & bh;
        break;
      case 1:
        l = al | bl;
        h = ah | bh;
        break;
      default:
        l = al ^ bl;
        h = ah ^ bh;
    }
    l >>>= 0;
    h = sf ? h >>> 0 : 0;
    this.lo[d] = l;
    this.hi[d] = h;
    if (opc === 3) this.setNZ(l, h, sf);
  }

  /** Xd <- Xa +/- wide (64-bit). */
  private accumulate(subtract: boolean, a: number, d: number): void {
    const pl = wide[0];
    const ph = wide[1];
    const al = this.lo[a];
    const ah = this.hi[a];
    if (subtract) {
      const l = al - pl;
      this.lo[d] = l >>> 0;
      this.hi[d] = (ah - ph - (l < 0 ? 1 : 0)) >>> 0;
    } else {
      const l = al + pl;
      this.lo[d] = l >>> 0;
      this.hi[d] = (ah + ph + (l > 0xffffffff ? 1 : 0)) >>> 0;
    }
  }

  private divide(i: A64Instruction): void {
    const n = i.xn;
    const m = i.xm;
    const d = i.xd;
    if (!i.sf) {
      const a = this.lo[n];
      const b = this.lo[m];
      let q: number;
      if (b === 0) q = 0;
      else if (i.op === Op.UDIV) q = Math.floor(a / b);
      else q = Math.trunc((a | 0) / (b | 0));
      this.lo[d] = q >>> 0;
      this.hi[d] = 0;
      return;
    }
    if (i.op === Op.UDIV) divU64(this.lo[n], this.hi[n], this.lo[m], this.hi[m]);
    else divS64(this.lo[n], this.hi[n], this.lo[m], this.hi[m]);
    this.lo[d] = wide[0];
    this.hi[d] = wide[1];
  }

  private dataProcessing1(i: A64Instruction): void {
    const l = this.lo[i.xn];
    const h = this.hi[i.xn];
    const d = i.xd;
    let rl: number;
    let rh = 0;
    const sf = i.sf;
    switch (i.op) {
      case Op.RBIT:
        if (sf) {
          rl = rbit32(h);
          rh = rbit32(l);
        } else rl = rbit32(l);
        break;
      case Op.REV16:
        rl = rev16x32(l);
        if (sf) rh = rev16x32(h);
        break;
      case Op.REV32:
        rl = bswap32(l);
        rh = bswap32(h);
        break;
      case Op.REV64:
        if (sf) {
          rl = bswap32(h);
          rh = bswap32(l);
        } else rl = bswap32(l);
        break;
      case Op.CLZ:
        rl = sf ? (h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l)) : Math.clz32(l);
        break;
      default: {
        // CLS: leading bits equal to the sign bit, not counting it (C6.2 "CLS").
        if (sf) {
          const neg = h >>> 31 === 1;
          const xh = neg ? ~h >>> 0 : h;
          const xl = neg ? ~l >>> 0 : l;
          rl = (xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl)) - 1;
        } else {
          const x = l >>> 31 ? ~l : l;
          rl = Math.clz32(x) - 1;
        }
      }
    }
    this.lo[d] = rl >>> 0;
    this.hi[d] = sf ? rh >>> 0 : 0;
  }

  /** SBFM/UBFM/BFM (C6.2 "BFM" operation): bot = ROR(src, R) & wmask merged with dst; top from sign or dst. */
  private bitfield(i: A64Instruction): void {
    const n = i.xn;
    const d = i.xd;
    const r = i.imm2;
    const sf = i.sf;
    let sl = this.lo[n];
    let sh = sf ? this.hi[n] : 0;
    // ROR(src, R)
    if (sf) {
      this.opLo = sl;
      this.opHi = sh;
      if (r !== 0) {
        this.shiftOperandValue(sl, sh, 3, r);
      }
    } else {
      this.opLo = r === 0 ? sl : ((sl >>> r) | (sl << (32 - r))) >>> 0;
      this.opHi = 0;
    }
    const rl = this.opLo;
    const rh = this.opHi;
    const isBfm = i.op === Op.BFM;
    const dl = isBfm ? this.lo[d] : 0;
    const dh = isBfm ? this.hi[d] : 0;
    const botL = (dl & ~i.imm) | (rl & i.imm);
    const botH = (dh & ~i.immHi) | (rh & i.immHi);
    let topL: number;
    let topH: number;
    if (i.op === Op.SBFM) {
      // Replicate(src<S>)
      const s = i.shiftAmount;
      const bit = s >= 32 ? (sh >>> (s - 32)) & 1 : (sl >>> s) & 1;
      topL = topH = bit ? 0xffffffff : 0;
    } else {
      topL = dl;
      topH = dh;
    }
    sl = (topL & ~i.tmaskLo) | (botL & i.tmaskLo);
    sh = (topH & ~i.tmaskHi) | (botH & i.tmaskHi);
    this.lo[d] = sl >>> 0;
    this.hi[d] = sf ? sh >>> 0 : 0;
  }

  /** 64-bit rotate right of (l, h) by r (1..63) into opLo/opHi. */
  private shiftOperandValue(l: number, h: number, _type: 3, r: number): void {
    if (r >= 32) {
      const t = l;
      l = h;
      h = t;
    }
    const s = r & 31;
    if (s !== 0) {
      const nl = (l >>> s) | (h << (32 - s));
      h = (h >>> s) | (l << (32 - s));
      l = nl;
    }
    this.opLo = l >>> 0;
    this.opHi = h >>> 0;
  }

  /** EXTR: bits [lsb+datasize-1 : lsb] of Xn:Xm (C6.2 "EXTR"). */
  private extract(i: A64Instruction): void {
    const lsb = i.shiftAmount;
    const ml = this.lo[i.xm];
    const mh = this.hi[i.xm];
    const nl = this.lo[i.xn];
    const nh = this.hi[i.xn];
    const d = i.xd;
    if (!i.sf) {
      this.lo[d] = lsb === 0 ? ml : ((ml >>> lsb) | (nl << (32 - lsb))) >>> 0;
      this.hi[d] = 0;
      return;
    }
    let l: number;
    let h: number;
    if (lsb === 0) {
      l = ml;
      h = mh;
    } else if (lsb < 32) {
      l = (ml >>> lsb) | (mh << (32 - lsb));
      h = (mh >>> lsb) | (nl << (32 - lsb));
    } else if (lsb === 32) {
      l = mh;
      h = nl;
    } else {
      const s = lsb - 32;
      l = (mh >>> s) | (nl << (32 - s));
      h = (nl >>> s) | (nh << (32 - s));
    }
    this.lo[d] = l >>> 0;
    this.hi[d] = h >>> 0;
  }

  /** LDXR/STXR/LDXP/STXP/LDAXR/STLXR/LDAR/STLR with the local exclusive monitor (B2.9). */
  private exclusiveOrOrdered(i: A64Instruction): void {
    const lo = this.lo;
    const hi = this.hi;
    const pair = i.op === Op.LDXP || i.op === Op.STXP;
    const bytes = (1 << i.size) * (pair ? 2 : 1);
    const write = i.op === Op.STXR || i.op === Op.STXP || i.op === Op.STLR;
    const va = this.address(i);
    this.checkAlignment(va, bytes, write);
    switch (i.op) {
      case Op.LDXR:
      case Op.LDAR: {
        this.load(va, i.size);
        if (i.op === Op.LDXR) {
          this.exclusiveAddress = va;
          this.exclusiveSize = bytes;
        }
        lo[i.xd] = this.opLo;
        hi[i.xd] = this.opHi;
        return;
      }
      case Op.LDXP: {
        this.load(va, i.size);
        const l1 = this.opLo;
        const h1 = this.opHi;
        this.load(va + (1 << i.size), i.size);
        this.exclusiveAddress = va;
        this.exclusiveSize = bytes;
        lo[i.xd] = l1;
        hi[i.xd] = h1;
        lo[i.xa] = this.opLo;
        hi[i.xa] = this.opHi;
        return;
      }
      case Op.STLR:
        this.store(va, i.size, lo[i.xd], hi[i.xd]);
        return;
      default: {
        // STXR/STXP: store only if the monitor holds this address and size; Ws <- 0 on success, 1 on failure.
        const ok = this.exclusiveAddress === va && this.exclusiveSize === bytes;
        if (ok) {
          this.store(va, i.size, lo[i.xd], hi[i.xd]);
          if (pair) this.store(va + (1 << i.size), i.size, lo[i.xa], hi[i.xa]);
        }
        this.exclusiveAddress = -1;
        lo[i.xm] = ok ? 0 : 1;
        hi[i.xm] = 0;
      }
    }
  }

  /** WFI/WFE: trap to EL2 under HCR_EL2.TWI/TWE (D1.19.x), else wait (the run stops with 'wfi'). */
  private waitFor(isWfe: boolean): void {
    const el2 = this.el2;
    if (el2 !== null && (el2.hcr & (isWfe ? HCR.TWE : HCR.TWI)) !== 0) {
      this.trapToEl2(wfxSyndrome(isWfe), this.curPc);
      return;
    }
    if (isWfe && this.eventRegister) {
      this.eventRegister = 0;
      return;
    }
    // An interrupt input already high, masked or not, is a WFI wake-up event (D1.16.2): no wait.
    if (!isWfe && (this.irqLine || this.fiqLine)) return;
    // WFE waits for an event: SEV on any PE, another observer's store clearing the exclusive
    // monitor, an interrupt... Other vCPUs' events are not delivered here, so WFE ends the run as
    // a yield ('wfe'): the runner resumes the vCPU later, a wake-up the architecture permits at
    // any time (D1.16.1), and the waiting loop checks its condition again.
    this.stop(isWfe ? 'wfe' : 'wfi');
  }

  /** MSR DAIFSet/DAIFClr/SPSel, #imm (C6.2 "MSR (immediate)"). */
  private msrImmediate(i: A64Instruction): void {
    const field = i.imm2;
    if (field === 0b000101) {
      if (this.currentEl === 0) return this.undefinedInstruction();
      this.spsel = i.imm & 1;
      return;
    }
    if (this.currentEl === 0) {
      // DAIF at EL0 needs SCTLR_EL1.UMA, taken here as 0: trapped to EL1 with EC 0x18 (D17 "SCTLR_EL1".UMA).
      this.pc = this.curPc;
      const esr = sysTrapSyndrome({ op0: 0, op1: field >>> 3, crn: 4, crm: i.imm, op2: field & 7, rt: 31, read: false });
      this.takeException(EC.SYS64, esr & 0x1ffffff, this.curPc, true);
      return;
    }
    if (field === 0b011110) this.daif |= i.imm;
    else {
      this.daif &= ~i.imm & 0xf;
      this.updateAttention();
    }
  }

  /** MRS/MSR/SYS/SYSL: registers the executor owns first, then the system-register model. */
  private systemAccess(i: A64Instruction): void {
    const a = i.sys as SysAccess;
    const key = sysKey(a);
    const el1 = this.currentEl === 1;
    if (i.op === Op.MRS || i.op === Op.MSR_REG) {
      const read = a.read;
      const t = i.xd;
      switch (key) {
        case KEY.NZCV:
          if (read) this.setXFromNumber(t, this.nzcv * 0x10000000);
          else this.nzcv = this.lo[t] >>> 28;
          return;
        case KEY.DAIF:
          if (!el1) {
            this.pc = this.curPc;
            this.takeException(EC.SYS64, sysTrapSyndrome(a) & 0x1ffffff, this.curPc, true);
            return;
          }
          if (read) this.setXFromNumber(t, this.daif << 6);
          else {
            this.daif = (this.lo[t] >>> 6) & 0xf;
            this.updateAttention();
          }
          return;
        case KEY.CURRENT_EL:
          if (!el1 || !read) return this.undefinedInstruction();
          this.setXFromNumber(t, this.currentEl << 2);
          return;
        case KEY.SPSEL:
          if (!el1) return this.undefinedInstruction();
          if (read) this.setXFromNumber(t, this.spSel);
          else this.spsel = this.lo[t] & 1;
          return;
        case KEY.SP_EL0:
          // UNDEFINED at EL0 and when SP_EL0 is the current stack pointer (C5.2 "SP_EL0").
          if (!el1 || this.spSel === 0) return this.undefinedInstruction();
          if (read) {
            this.lo[t] = this.spAltLo;
            this.hi[t] = this.spAltHi;
          } else {
            this.spAltLo = this.lo[t];
            this.spAltHi = this.hi[t];
          }
          return;
        case KEY.SP_EL1:
          // Accessible from EL2 and EL3 only.
          return this.undefinedInstruction();
        case KEY.SPSR_EL1:
        case KEY.ELR_EL1:
        case KEY.VBAR_EL1:
        case KEY.ESR_EL1:
        case KEY.FAR_EL1:
          this.exceptionRegister(key, a, t);
          return;
      }
    }
    this.pc = this.curPc;
    const outcome = this.system.sys(a, this);
    if (outcome === AccessOutcome.Done) this.pc = this.curPc + 4;
    else if (outcome === AccessOutcome.Undefined) this.undefinedInstruction();
  }

  /** ELR_EL1, SPSR_EL1, VBAR_EL1, ESR_EL1, FAR_EL1 (EL1 only; ESR/FAR trapped by HCR_EL2.TVM/TRVM). */
  private exceptionRegister(key: number, a: SysAccess, t: number): void {
    if (this.currentEl === 0) return this.undefinedInstruction();
    const read = a.read;
    if ((key === KEY.ESR_EL1 || key === KEY.FAR_EL1) && this.el2 !== null && (this.el2.hcr & (read ? HCR.TRVM : HCR.TVM)) !== 0) {
      this.trapToEl2(sysTrapSyndrome(a), this.curPc);
      return;
    }
    const lo = this.lo;
    const hi = this.hi;
    switch (key) {
      case KEY.SPSR_EL1:
        if (read) this.setXFromNumber(t, this.spsr);
        else this.spsr = lo[t];
        return;
      case KEY.ELR_EL1:
        if (read) {
          lo[t] = this.elrLo;
          hi[t] = this.elrHi;
        } else {
          this.elrLo = lo[t];
          this.elrHi = hi[t];
        }
        return;
      case KEY.VBAR_EL1:
        // Bits [10:0] are RES0 (D17 "VBAR_EL1").
        if (read) {
          lo[t] = this.vbarLo;
          hi[t] = this.vbarHi;
        } else {
          this.vbarLo = (lo[t] & ~0x7ff) >>> 0;
          this.vbarHi = hi[t];
        }
        return;
      case KEY.ESR_EL1:
        if (read) this.setXFromNumber(t, this.esr);
        else this.esr = lo[t];
        return;
      default:
        if (read) {
          lo[t] = this.farLo;
          hi[t] = this.farHi;
        } else {
          this.farLo = lo[t];
          this.farHi = hi[t];
        }
    }
  }

  /**
   * ERET from EL1 (C6.2 "ERET", D1.11): PC <- ELR_EL1, PSTATE <- SPSR_EL1. An illegal return
   * (AArch32 target, a higher or reserved mode) keeps EL and SP and sets PSTATE.IL (D1.11.4).
   */
  private exceptionReturn(): void {
    if (this.currentEl === 0) return this.undefinedInstruction();
    const spsr = this.spsr;
    const m = spsr & 0x1f;
    const legal = m === 0b00000 || m === 0b00100 || m === 0b00101;
    this.nzcv = spsr >>> 28;
    this.daif = (spsr >>> 6) & 0xf;
    if (legal) {
      this.currentEl = (m >>> 2) & 1;
      this.spSel = m & 1;
      this.illegal = (spsr >>> 20) & 1;
    } else {
      this.illegal = 1;
    }
    this.selectSp();
    this.exclusiveAddress = -1;
    this.updateAttention();
    this.setPcFromHalves(this.elrLo, this.elrHi);
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
