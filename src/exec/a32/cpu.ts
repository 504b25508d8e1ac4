/**
 * The A32 (AArch32 ARM state) CPU at PL1/PL0 under a virtual EL2: register file with banking,
 * CPSR/SPSRs, the fetch-decode-execute loop with a per-address decode cache, exception entry
 * and return (Arm ARM G1.12 "Exception handling"), aborts and EL2 traps.
 *
 * Between instructions `r[15]` is the address of the next instruction. While an instruction
 * executes, `r[15]` holds its address + 8 (the value an A32 instruction reads as PC, Arm ARM
 * F1 "Use of the PC"; + 4 in T32 state, src/exec/t32); a handler that writes the PC sets `branched`.
 */
import { ExceptionLoopGuard } from '../exception-loop-error';
import { A32Instruction, A32Op, decodeA32 as decode } from '../../decode/a32/index';
import { MemoryAbort, faultStatusCode, type FaultInfo } from '../../mmu/fault';
import type { El2Gate } from '../el2-gate';
import type { GuestMemory } from '../guest-memory';
import { AccessOutcome, type SystemAccessContext, type SystemInstructionHandler } from '../system-instructions';
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import * as modes from './modes';
import { GuestException, type GuestExceptionKind } from './errors';
import { T32Executor, itAdvance } from '../t32/index';
import { abortSyndrome, type AccessSyndrome } from './syndrome';
import { HANDLERS as HANDLER_TABLE } from './handlers';
import { codePageSourceOf, type CodePageSource, type HostCodePage } from '../code-page';
import { compileA32Block, type CompiledA32Block } from './block-compiler';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const HANDLERS = HANDLER_TABLE;
const decodeA32 = decode;
const { bankOf, isGuestMode } = modes;
const Bank = { ...modes.Bank };
const Mode = { ...modes.Mode };
const Psr = { ...modes.Psr };

export type StopReason = 'budget' | 'halted' | 'wfi' | 'requested' | 'exception';

/** A guest-visible abort, for the system-register model to record in DFSR/DFAR or IFSR/IFAR. */
export interface GuestAbortInfo {
  readonly kind: 'data' | 'prefetch';
  readonly fault: FaultInfo;
  /** Long-descriptor status code (Arm ARM G8 "DFSR", LPAE format). */
  readonly status: number;
  readonly address: number;
  readonly write: boolean;
}

export interface A32CpuOptions {
  readonly memory: GuestMemory;
  readonly system?: SystemInstructionHandler;
  readonly el2?: El2Gate;
  /**
   * Exception vector base, overriding the one derived from `sctlr` and `vbar` (Arm ARM G1.12.1):
   * for tests that place the vectors directly.
   */
  readonly vectorBase?: () => number;
  /**
   * SCTLR as the guest wrote it, read at exception entry: V[13] selects the high vectors at
   * 0xFFFF0000, TE[30] takes exceptions in T32 state, EE[25] sets CPSR.E (G8 "SCTLR"). Default 0.
   */
  readonly sctlr?: () => number;
  /** VBAR: the vector base while SCTLR.V is 0 (bits [4:0] are RES0, G8 "VBAR"). Default 0. */
  readonly vbar?: () => number;
  /** Called before a Data or Prefetch Abort is taken to PL1 (to set DFSR/DFAR, IFSR/IFAR). */
  readonly onGuestAbort?: (info: GuestAbortInfo) => void;
}

/** Handles nothing: every coprocessor access is UNDEFINED (used when no system model is wired). */
const NO_SYSTEM: SystemInstructionHandler = {
  coproc: () => AccessOutcome.Undefined,
  sys: () => AccessOutcome.Undefined,
};

const CACHE_SIZE = 1 << 14;
const CACHE_MASK = CACHE_SIZE - 1;
/** Executor handler index used for UNDEFINED and UNPREDICTABLE records (both raise UNDEFINED here). */
const UNDEFINED_HANDLER = 0;

/**
 * How an instruction relates to the block it runs in (see `runBlock`): Straight ones may neither
 * change the translation regime, the mode nor request a stop; Branch (B, BL) may continue in the
 * same page after branching; Ends returns to the run loop after it (system instructions, UNDEFINED).
 */
const Flow = { Straight: 0, Branch: 1, Ends: 2 } as const;

function flowOf(insn: A32Instruction): number {
  const op = insn.op;
  if (insn.kind !== 'ok' || op === A32Op.Undefined) return Flow.Ends;
  if (op === A32Op.Branch) return Flow.Branch;
  return op < A32Op.Branch ? Flow.Straight : Flow.Ends;
}

/** Decoded records of one code page, indexed by word offset in the page. */
class A32PageRecords {
  readonly insns: A32Instruction[];
  readonly handlers = new Uint8Array(1024);
  readonly flows = new Uint8Array(1024);
  /** Compiled blocks by entry offset, for code mapped at VA `blocksVa` (PCs are compiled in). */
  blocks: (CompiledA32Block | undefined)[] = [];
  blocksVa = -1;
  /** Entries seen per offset until the block there is compiled; NOT_COMPILABLE once it cannot be. */
  readonly heat = new Uint8Array(1024);

  constructor(sentinel: A32Instruction) {
    this.insns = new Array<A32Instruction>(1024).fill(sentinel);
    this.handlers.fill(handlerFor(sentinel));
    this.flows.fill(flowOf(sentinel));
  }
}

/** Block entries before a run is compiled (compiling costs far more than interpreting once). */
const HOT_ENTRIES = 16;
const NOT_COMPILABLE = 255;

/** Exception vector offsets (Arm ARM G1.12.1 "Exception vectors and the exception base address"). */
const Vector = { UNDEFINED: 0x04, SVC: 0x08, PREFETCH_ABORT: 0x0c, DATA_ABORT: 0x10, IRQ: 0x18, FIQ: 0x1c } as const;

/** SCTLR bits read at exception entry (Arm ARM G8 "SCTLR"). */
const SCTLR_V = 1 << 13;
const SCTLR_EE = 1 << 25;
const SCTLR_TE = 1 << 30;
const HIGH_VECTORS = 0xffff0000;

/** ExcVectorBase() (G1.12.1): 0xFFFF0000 with SCTLR.V set, else VBAR[31:5]. */
function exceptionVectorBase(sctlr: () => number, vbar: () => number): () => number {
  return () => ((sctlr() & SCTLR_V) !== 0 ? HIGH_VECTORS : (vbar() & ~0x1f) >>> 0);
}

export class A32Cpu implements SystemAccessContext {
  /** R0-R15 as the current mode sees them. */
  readonly r = new Uint32Array(16);
  readonly memory: GuestMemory;
  readonly system: SystemInstructionHandler;
  readonly el2: El2Gate | undefined;
  exceptionPolicy: 'take' | 'stop' = 'take';
  /** SCTLR.A: alignment checking for every access (off: LDR/STR/LDRH/STRH may be unaligned). */
  strictAlignment = false;
  stopReason: StopReason = 'budget';
  instructionsRetired = 0;
  /** Entries into compiled blocks (one increment per `block.run` call): tests check the fast path really ran. */
  compiledBlockEntries = 0;
  /** Set by skipInstruction: the EL2 handler completed the trapped instruction. */
  private skippedByEl2 = false;

  // ---- executor internals (read by the handlers) ----
  /** NZCV flags, 0 or 1 each. */
  flagN = 0;
  flagZ = 0;
  flagC = 0;
  flagV = 0;
  /** CPSR without NZCV. */
  psrRest: number = Mode.SVC | Psr.A | Psr.I | Psr.F;
  /** Set by a handler that wrote the PC. */
  branched = false;
  /** The event register (WFE/SEV, G1.19.1 "Wait For Event"): set by SEV, SEVL and exception returns. */
  eventRegister = 0;
  /** Address of the instruction executing (or that last executed). */
  current = 0;

  /** The instruction executing: `current` (GuestCpu's name for it). */
  get instructionPc(): number {
    return this.current;
  }

  /** Instructions retired before the one executing: compiled blocks keep the count exact around every call. */
  get retiredNow(): number {
    return this.instructionsRetired;
  }
  currentInsn: A32Instruction;
  /** True while an MRC executes: a write of "R15" by the system model sets NZCV (MRC APSR_nzcv form). */
  coprocReadToFlags = false;
  /** Local exclusive monitor (Arm ARM E2.9 / G "Exclusive access instructions"): tagged address, -1 = open. */
  exclusiveAddress = -1;
  exclusiveSize = 0;
  /** Scratch for LDM, so a faulting LDM changes no register. */
  readonly scratch = new Uint32Array(16);
  /** Set when the executing T32 instruction (IT) or an exception entry/return/trap wrote ITSTATE: no ITAdvance after it. */
  itStateWritten = false;
  private t32: T32Executor | null = null;

  private readonly vectorBase: () => number;
  private readonly sctlr: () => number;
  private readonly onGuestAbort: ((info: GuestAbortInfo) => void) | undefined;
  private readonly bankR13 = new Uint32Array(8);
  private readonly bankR14 = new Uint32Array(8);
  private readonly spsrs = new Uint32Array(8);
  /** R8-R12 of every mode but FIQ, while FIQ is current; and FIQ's R8-R12 while it is not. */
  private readonly usrHigh = new Uint32Array(5);
  private readonly fiqHigh = new Uint32Array(5);
  private bank: number = Bank.SVC;
  private stopRequested = false;
  /** The IRQ and FIQ inputs: the levels an interrupt controller drives (`setInterruptLine`). */
  private irqLine = false;
  private fiqLine = false;
  /** T or IL set: the fast path must not run. */
  private slowState = false;
  private readonly decodeCache: A32Instruction[];
  private readonly handlerCache = new Uint8Array(CACHE_SIZE);
  /** Page-at-a-time fetch when the memory offers it (TranslatedMemory), else null. */
  private readonly codePages: CodePageSource | null;
  private readonly sentinel: A32Instruction;

  constructor(options: A32CpuOptions) {
    this.memory = options.memory;
    this.system = options.system ?? NO_SYSTEM;
    this.el2 = options.el2;
    const sctlr = options.sctlr ?? (() => 0);
    this.sctlr = sctlr;
    this.vectorBase = options.vectorBase ?? exceptionVectorBase(sctlr, options.vbar ?? (() => 0));
    this.onGuestAbort = options.onGuestAbort;
    const sentinel = decodeA32(0);
    this.sentinel = sentinel;
    this.codePages = codePageSourceOf(options.memory);
    this.currentInsn = sentinel;
    this.decodeCache = new Array<A32Instruction>(CACHE_SIZE).fill(sentinel);
    this.handlerCache.fill(handlerFor(sentinel));
  }

  // ---- CPSR, modes, banking ----

  get cpsr(): number {
    return ((this.flagN << 31) | (this.flagZ << 30) | (this.flagC << 29) | (this.flagV << 28) | this.psrRest) >>> 0;
  }

  /** Write the whole CPSR (test set-up, exception entry/return): switches the register bank with the mode. */
  set cpsr(value: number) {
    const mode = value & Psr.M_MASK;
    if (bankOf(mode) < 0) throw new RangeError(`CPSR.M 0x${mode.toString(16)} is not an AArch32 mode`);
    this.switchBank(bankOf(mode));
    this.flagN = (value >>> 31) & 1;
    this.flagZ = (value >>> 30) & 1;
    this.flagC = (value >>> 29) & 1;
    this.flagV = (value >>> 28) & 1;
    this.psrRest = value & 0x0fffffff;
    this.slowState = (value & (Psr.T | Psr.IL)) !== 0;
  }

  get mode(): number {
    return this.psrRest & Psr.M_MASK;
  }

  /** CPSR.T: T32 state. */
  get thumb(): boolean {
    return (this.psrRest & Psr.T) !== 0;
  }

  /** ITSTATE as one byte, IT[7:2] from CPSR[15:10] and IT[1:0] from CPSR[26:25] (Arm ARM G8 "CPSR"). */
  get itState(): number {
    const rest = this.psrRest;
    return ((rest >>> 8) & 0xfc) | ((rest >>> 25) & 3);
  }

  set itState(it: number) {
    this.psrRest = (this.psrRest & ~Psr.IT_MASK) | ((it & 0xfc) << 8) | ((it & 3) << 25);
  }

  get pc(): number {
    return this.r[15];
  }

  set pc(value: number) {
    this.r[15] = value;
  }

  /** SPSR of `mode` (default: the current mode). USR/SYS have none: reads 0. */
  spsr(mode: number = this.mode): number {
    const b = bankOf(mode);
    return b <= 0 ? 0 : this.spsrs[b];
  }

  setSpsr(value: number, mode: number = this.mode): void {
    const b = bankOf(mode);
    if (b <= 0) throw new RangeError(`mode 0x${mode.toString(16)} has no SPSR`);
    this.spsrs[b] = value >>> 0;
  }

  /** Current bank index (Bank.*). */
  get currentBank(): number {
    return this.bank;
  }

  private switchBank(to: number): void {
    const from = this.bank;
    if (from === to) return;
    const r = this.r;
    this.bankR13[from] = r[13];
    this.bankR14[from] = r[14];
    if (from === Bank.FIQ || to === Bank.FIQ) {
      // FIQ banks R8-R12 too (Arm ARM G1.8 "Banked registers").
      const save = from === Bank.FIQ ? this.fiqHigh : this.usrHigh;
      const load = to === Bank.FIQ ? this.fiqHigh : this.usrHigh;
      for (let k = 0; k < 5; k++) {
        save[k] = r[8 + k];
        r[8 + k] = load[k];
      }
    }
    r[13] = this.bankR13[to];
    r[14] = this.bankR14[to];
    this.bank = to;
  }

  /** Register `n` (8-14) of the mode whose bank is `bank`, whichever mode is current. */
  readBankedRegister(bank: number, n: number): number {
    if (n < 8 || n === 15) return this.r[n];
    if (n <= 12) {
      const wantFiq = bank === Bank.FIQ;
      const curFiq = this.bank === Bank.FIQ;
      if (wantFiq === curFiq) return this.r[n];
      return wantFiq ? this.fiqHigh[n - 8] : this.usrHigh[n - 8];
    }
    if (bank === this.bank) return this.r[n];
    return n === 13 ? this.bankR13[bank] : this.bankR14[bank];
  }

  writeBankedRegister(bank: number, n: number, value: number): void {
    if (n < 8 || n === 15) {
      this.r[n] = value;
      return;
    }
    if (n <= 12) {
      const wantFiq = bank === Bank.FIQ;
      const curFiq = this.bank === Bank.FIQ;
      if (wantFiq === curFiq) this.r[n] = value;
      else (wantFiq ? this.fiqHigh : this.usrHigh)[n - 8] = value;
      return;
    }
    if (bank === this.bank) this.r[n] = value;
    else (n === 13 ? this.bankR13 : this.bankR14)[bank] = value;
  }

  readSpsrOfBank(bank: number): number {
    return this.spsrs[bank];
  }

  writeSpsrOfBank(bank: number, value: number): void {
    this.spsrs[bank] = value >>> 0;
  }

  /**
   * CPSR.M write by MSR/CPS (Arm ARM G1.9.4): a mode that is not reachable from the guest, or a
   * change of mode from PL0, is an illegal mode change and leaves the mode unchanged.
   */
  writeModeByInstruction(mode: number): void {
    if (this.el === 0 || !isGuestMode(mode)) return;
    this.switchBank(bankOf(mode));
    this.psrRest = (this.psrRest & ~Psr.M_MASK) | mode;
  }

  setNZCV(nzcv: number): void {
    this.flagN = (nzcv >>> 3) & 1;
    this.flagZ = (nzcv >>> 2) & 1;
    this.flagC = (nzcv >>> 1) & 1;
    this.flagV = nzcv & 1;
  }

  get bigEndian(): boolean {
    return (this.psrRest & Psr.E) !== 0;
  }

  // ---- SystemAccessContext / TrappedVcpu ----

  /** PSTATE.M: an AArch64 EL2 reports Rt in the AArch64 view of this mode's registers (SVC's R14 is X18). */
  get aarch32Mode(): number {
    return this.mode;
  }

  get el(): number {
    return this.mode === Mode.USR ? 0 : 1;
  }

  /** Set while an LDRT/STRT-family access runs (handlers-memory): it is checked as PL0's. */
  unprivilegedAccess = false;

  /** The privilege a data access is checked against: PL0 in User mode and for the T forms. */
  get accessEl(): 0 | 1 {
    return this.unprivilegedAccess || this.mode === Mode.USR ? 0 : 1;
  }

  get cond(): number {
    return this.currentInsn.cond;
  }

  /** A 16-bit T32 instruction is executing (syndrome IL = 0). */
  get is16bit(): boolean {
    return this.thumb && this.instructionLength === 2;
  }

  /** Length of the executing instruction: 4, or 2 for a 16-bit T32 one. */
  get instructionLength(): number {
    const insn = this.currentInsn as { length?: number };
    return this.thumb && insn.length === 2 ? 2 : 4;
  }

  readRegister(n: number): number {
    // An instruction reads PC as its address + 8 (A32) or + 4 (T32).
    return n === 15 ? (this.current + (this.thumb ? 4 : 8)) >>> 0 : this.r[n];
  }

  readRegisterHigh(): number {
    return 0;
  }

  writeRegister(n: number, low: number): void {
    if (n === 15) {
      if (this.coprocReadToFlags) {
        this.setNZCV(low >>> 28);
        return;
      }
      this.r[15] = low;
      this.branched = true;
      return;
    }
    this.r[n] = low;
  }

  /** ELR_EL2 + the instruction's length; in T32 state ITSTATE advances past it too (as KVM's kvm_skip_instr32 does). */
  skipInstruction(): void {
    this.r[15] = (this.current + this.instructionLength) >>> 0;
    this.branched = true;
    this.skippedByEl2 = true;
    if (this.thumb) {
      this.itState = itAdvance(this.itState);
      this.itStateWritten = true;
    }
  }

  injectUndefined(): void {
    this.r[15] = this.current;
    this.takeException('undefined', Vector.UNDEFINED, Mode.UND, this.current + (this.thumb ? 2 : 4), false, false, 'injected by EL2');
  }

  injectDataAbort(va: number, fsc: number, write: boolean): void {
    this.r[15] = this.current;
    this.dataAbortToGuest({ kind: 'external', stage: 1, level: -1, access: write ? 'write' : 'read', va, ipa: va, s1ptw: false }, fsc);
  }

  halt(reason: string): void {
    this.stopRequested = true;
    this.stopReason = 'halted';
    this.haltMessage = reason;
  }

  haltMessage = '';

  /**
   * WFI with nothing to wake it: stop the run. The WFI has retired and PC is past it, so a later
   * run resumes after it, and an interrupt taken meanwhile returns there (LR_irq = PC + 4).
   */
  waitForInterrupt(): void {
    // An interrupt input already high, masked or not, is a WFI wake-up event (G1.19.2): no wait.
    if (this.irqLine || this.fiqLine) return;
    this.stopRequested = true;
    this.stopReason = 'wfi';
  }

  /**
   * Drive the PE's IRQ or FIQ input (an interrupt controller's output to it). An interrupt whose
   * input is high is taken at an instruction boundary where CPSR.I (F) does not mask it: before
   * the next block or step once it rises, or once an instruction (CPS, MSR, an exception return)
   * unmasks it, as such instructions end a block (G1.12 "Asynchronous exception masking").
   * Routing (HCR.IMO/FMO, virtual interrupts) is the caller's.
   */
  setInterruptLine(kind: 'irq' | 'fiq', level: boolean): void {
    if (kind === 'irq') this.irqLine = level;
    else this.fiqLine = level;
  }

  /** Take a pending unmasked interrupt at this boundary, FIQ first. */
  private takePendingInterrupt(): void {
    if (!(this.fiqLine && this.takeInterrupt('fiq')) && this.irqLine) this.takeInterrupt('irq');
  }

  // ---- running ----

  requestStop(): void {
    this.stopRequested = true;
    this.stopReason = 'requested';
  }

  /** Run up to `maxInstructions`; returns how many retired. */
  run(maxInstructions: number): number {
    const start = this.instructionsRetired;

    this.stopRequested = false;
    this.stopReason = 'budget';
    for (;;) {
      try {
        const end = start + maxInstructions;
        if (this.codePages === null) {
          while (this.instructionsRetired < end && !this.stopRequested) {
            if (this.irqLine || this.fiqLine) this.takePendingInterrupt();
            this.step();
          }
        } else {
          while (this.instructionsRetired < end && !this.stopRequested) {
            if (this.irqLine || this.fiqLine) this.takePendingInterrupt();
            if (!this.slowState) this.runBlock(this.codePages, end);
            else if ((this.psrRest & (Psr.T | Psr.IL)) === Psr.T) (this.t32 ??= new T32Executor()).runBlock(this, this.codePages, end);
            else this.step();
          }
        }
        return this.instructionsRetired - start;
      } catch (e) {
        if (!(e instanceof MemoryAbort)) throw e;
        this.handleAbort(e);
      }
    }
  }

  /** Execute one instruction (an abort it raises propagates as MemoryAbort; `run` handles it). */
  step(): void {
    const r = this.r;
    const pc = r[15];
    this.current = pc;
    if (this.slowState && this.slowStateCheck(pc)) return;
    const word = this.memory.fetch32(pc);
    const slot = (pc >>> 2) & CACHE_MASK;
    let insn = this.decodeCache[slot];
    if (insn.word !== word) {
      insn = decodeA32(word);
      this.decodeCache[slot] = insn;
      this.handlerCache[slot] = handlerFor(insn);
    }
    this.currentInsn = insn;
    const cond = insn.cond;
    if (cond !== 14 && !this.conditionPassed(cond)) {
      r[15] = pc + 4;
      this.instructionsRetired++;
      return;
    }
    r[15] = pc + 8;
    this.branched = false;
    HANDLERS[this.handlerCache[slot]](this, insn);
    if (!this.branched) r[15] = pc + 4;
    this.instructionsRetired++;
  }

  /**
   * Run instructions from one code page until one leaves it, branches other than by B/BL, is a
   * system instruction, or the budget ends. The page is translated once, on entry (Straight and
   * Branch instructions cannot change the translation regime, the mode or the stop request);
   * every word is still read from the page and checked against its decoded record, so a write to
   * the code is seen by the next instruction. Does exactly what `step` would, instruction by
   * instruction.
   */
  private runBlock(source: CodePageSource, end: number): void {
    const r = this.r;
    let pc = r[15];
    this.current = pc;
    const host = source.codePage(pc);
    if (host === null) {
      this.step();
      return;
    }
    const records = this.recordsOf(host);
    const words = host.words;
    const insns = records.insns;
    const handlers = records.handlers;
    const flows = records.flows;
    const pageBase = (pc & ~0xfff) >>> 0;
    if (records.blocksVa !== pageBase) {
      records.blocks = new Array<CompiledA32Block | undefined>(1024);
      records.blocksVa = pageBase;
      records.heat.fill(0);
    }
    const blocks = records.blocks;
    const heat = records.heat;
    let off = (pc & 0xfff) >>> 2;
    let entry = true;
    for (;;) {
      if (entry) {
        // A block entry (run start or branch target): run its compiled block, or count it.
        const block = blocks[off];
        if (block !== undefined) {
          if (end - this.instructionsRetired >= block.length) {
            this.compiledBlockEntries++;
            const exit = block.run(this, r, words, end - this.instructionsRetired, block.handlers, block.insns);
            if (exit === 0) return;
            if (exit === 2) {
              blocks[off] = undefined;
              heat[off] = 0;
            }
            pc = r[15];
            if (((pc & ~0xfff) >>> 0) !== pageBase || this.instructionsRetired >= end) return;
            off = (pc & 0xfff) >>> 2;
            continue;
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
      let insn = insns[off];
      if (insn.word !== word) {
        insn = decodeA32(word);
        insns[off] = insn;
        handlers[off] = handlerFor(insn);
        flows[off] = flowOf(insn);
      }
      this.current = pc;
      this.currentInsn = insn;
      const cond = insn.cond;
      if (cond !== 14 && !this.conditionPassed(cond)) {
        pc = pc + 4;
        r[15] = pc;
        this.instructionsRetired++;
      } else {
        r[15] = pc + 8;
        this.branched = false;
        HANDLERS[handlers[off]](this, insn);
        this.instructionsRetired++;
        const flow = flows[off];
        if (this.branched) {
          if (flow !== Flow.Branch) return;
          pc = r[15];
          if (((pc & ~0xfff) >>> 0) !== pageBase) return;
          if (this.instructionsRetired >= end) return;
          off = (pc & 0xfff) >>> 2;
          entry = true;
          continue;
        }
        pc = pc + 4;
        r[15] = pc;
        if (flow === Flow.Ends) return;
      }
      if (off === 1023 || this.instructionsRetired >= end) return;
      off++;
    }
  }

  private compileBlock(records: A32PageRecords, words: Uint32Array, pageBase: number, start: number): CompiledA32Block | null {
    const decodeAt = (off: number): A32Instruction => {
      let insn = records.insns[off];
      if (insn.word !== words[off]) {
        insn = decodeA32(words[off]);
        records.insns[off] = insn;
        records.handlers[off] = handlerFor(insn);
        records.flows[off] = flowOf(insn);
      }
      return insn;
    };
    return compileA32Block(words, pageBase, start, decodeAt, (insn) => flowOf(insn) === Flow.Straight, (insn) => HANDLERS[handlerFor(insn)]);
  }

  private recordsOf(host: HostCodePage): A32PageRecords {
    let records = host.a32 as A32PageRecords | null;
    if (records === null) {
      records = new A32PageRecords(this.sentinel);
      host.a32 = records;
    }
    return records;
  }

  /** Run `step` and turn an abort into its exception, as `run` does (for single-stepping tests). */
  stepHandlingAborts(): void {
    try {
      this.step();
    } catch (e) {
      if (!(e instanceof MemoryAbort)) throw e;
      this.handleAbort(e);
    }
  }

  /** ConditionPassed (Arm ARM F2 "Conditional execution"). */
  conditionPassed(cond: number): boolean {
    switch (cond) {
      case 0: return this.flagZ === 1;
      case 1: return this.flagZ === 0;
      case 2: return this.flagC === 1;
      case 3: return this.flagC === 0;
      case 4: return this.flagN === 1;
      case 5: return this.flagN === 0;
      case 6: return this.flagV === 1;
      case 7: return this.flagV === 0;
      case 8: return this.flagC === 1 && this.flagZ === 0;
      case 9: return this.flagC === 0 || this.flagZ === 1;
      case 10: return this.flagN === this.flagV;
      case 11: return this.flagN !== this.flagV;
      case 12: return this.flagZ === 0 && this.flagN === this.flagV;
      case 13: return this.flagZ === 1 || this.flagN !== this.flagV;
      default: return true;
    }
  }

  /** T or IL is set. Returns true when an exception was taken instead of executing. */
  private slowStateCheck(pc: number): boolean {
    if (this.psrRest & Psr.IL) {
      // PSTATE.IL set by an illegal exception return: the next instruction takes an Illegal
      // State exception, reported as UNDEFINED at PL1 (Arm ARM G1.10 "Illegal return events").
      this.currentInsn = this.decodeCache[0];
      this.psrRest &= ~Psr.IL;
      this.slowState = (this.psrRest & Psr.T) !== 0;
      this.takeException('undefined', Vector.UNDEFINED, Mode.UND, pc + 4, false, false, 'illegal execution state (PSTATE.IL)');
      return true;
    }
    if (this.psrRest & Psr.T) {
      (this.t32 ??= new T32Executor()).step(this);
      return true;
    }
    return false;
  }

  // ---- PC writes (Arm ARM F1/G "Pseudocode details of operations on ARM core registers") ----

  /** BranchWritePC: A32 state, word aligned. */
  branchTo(address: number): void {
    this.r[15] = address & ~3;
    this.branched = true;
  }

  /** BXWritePC (also LoadWritePC, and ALUWritePC in A32 state, in ARMv7+): bit 0 selects T32. */
  bxWritePc(address: number): void {
    if (address & 1) {
      this.psrRest |= Psr.T;
      this.slowState = true;
      this.r[15] = address & ~1;
    } else {
      // address<1:0> == '10' is CONSTRAINED UNPREDICTABLE; the word-aligned address is used.
      this.psrRest &= ~Psr.T;
      this.slowState = (this.psrRest & Psr.IL) !== 0;
      this.r[15] = address & ~3;
    }
    this.branched = true;
  }

  /** ALUWritePC: interworking in A32 state, BranchWritePC (bit 0 ignored) in T32 state. */
  aluWritePc(address: number): void {
    if (!this.thumb) {
      this.bxWritePc(address);
      return;
    }
    this.r[15] = address & ~1;
    this.branched = true;
  }

  /**
   * AArch32.ExceptionReturn: CPSR from `spsr` (SetPSTATEFromPSR, with the illegal-return check of
   * G1.10), then branch to `address` in the state the new CPSR selects.
   */
  exceptionReturn(address: number, spsr: number): void {
    // An exception return sets the event register, legal or not (AArch32.ExceptionReturn: SendEventLocal).
    this.eventRegister = 1;
    const mode = spsr & Psr.M_MASK;
    // Returning to a mode the guest cannot enter, or from PL0, or to a higher PL, is illegal:
    // PSTATE.IL is set, the mode and T are unchanged (G1.10 "Illegal exception returns from AArch32 state").
    if (!isGuestMode(mode) || this.el === 0) {
      this.psrRest |= Psr.IL;
      this.slowState = true;
      this.branchTo(address);
      return;
    }
    this.cpsr = spsr;
    this.itStateWritten = true;
    if (spsr & Psr.T) this.r[15] = address & ~1;
    else this.r[15] = address & ~3;
    this.branched = true;
  }

  // ---- exceptions ----

  /**
   * Take a synchronous exception to a PL1 mode (Arm ARM G1.12 "Exception handling"), or stop
   * with GuestException under exceptionPolicy 'stop'.
   */
  takeException(kind: GuestExceptionKind, offset: number, mode: number, lr: number, setA: boolean, setF: boolean, detail: string): void {
    this.noteExceptionEntry(detail);
    if (this.exceptionPolicy === 'stop') {
      this.r[15] = this.current;
      this.stopReason = 'exception';
      throw new GuestException(kind, this.current, this.currentInsn.word, detail);
    }
    this.enterMode(offset, mode, lr, setA, setF);
  }

  /**
   * AArch32.EnterMode (G1.12): SPSR_<mode> = CPSR, LR_<mode> = `lr`, CPSR.M = mode, I = 1 (A and
   * F as given), T = SCTLR.TE, E = SCTLR.EE, IT and IL cleared, the local monitor cleared,
   * PC = ExcVectorBase() + offset.
   */
  private enterMode(offset: number, mode: number, lr: number, setA: boolean, setF: boolean): void {
    const old = this.cpsr;
    this.switchBank(bankOf(mode));
    this.spsrs[this.bank] = old;
    this.r[14] = lr;
    let rest = (this.psrRest & ~(Psr.M_MASK | Psr.T | Psr.IT_MASK | Psr.J | Psr.E | Psr.IL)) | mode | Psr.I;
    if (setA) rest |= Psr.A;
    if (setF) rest |= Psr.F;
    const sctlr = this.sctlr();
    if (sctlr & SCTLR_TE) rest |= Psr.T;
    if (sctlr & SCTLR_EE) rest |= Psr.E;
    this.psrRest = rest;
    this.itStateWritten = true;
    this.slowState = (rest & Psr.T) !== 0;
    this.exclusiveAddress = -1;
    this.r[15] = (this.vectorBase() + offset) >>> 0;
    this.branched = true;
  }

  /**
   * Take an IRQ or FIQ exception at the current instruction boundary if CPSR.I (F) is clear
   * (G1.12 "IRQ exception", "FIQ exception"); false when it is masked. Called between `run`
   * calls, never inside an instruction: the preferred return address is the next instruction
   * to execute, `r[15]`, and LR_<mode> = it + 4. IRQ mode sets I and A; FIQ mode sets I, A
   * and F. Taken whatever `exceptionPolicy` says (it governs exceptions the guest raises).
   * Routing (HCR.IMO/FMO, virtual interrupts) is the caller's: this is the exception at PL1.
   */
  takeInterrupt(kind: 'irq' | 'fiq'): boolean {
    const fiq = kind === 'fiq';
    if ((this.psrRest & (fiq ? Psr.F : Psr.I)) !== 0) return false;
    const preferredReturn = this.r[15];
    if (fiq) this.enterMode(Vector.FIQ, Mode.FIQ, (preferredReturn + 4) >>> 0, true, true);
    else this.enterMode(Vector.IRQ, Mode.IRQ, (preferredReturn + 4) >>> 0, true, false);
    return true;
  }

  private readonly exceptionLoop = new ExceptionLoopGuard();

  /** Stop a guest that only takes exceptions (each entry faults again) instead of spinning forever. */
  private noteExceptionEntry(detail: string): void {
    this.exceptionLoop.note(this.instructionsRetired, this.current, detail);
  }

  /** UNDEFINED: the Undefined Instruction exception, LR = address + 4, or + 2 from T32 (G1.12.3 "Undefined Instruction exception"). */
  undefinedInstruction(detail: string): void {
    this.takeException('undefined', Vector.UNDEFINED, Mode.UND, this.current + (this.thumb ? 2 : 4), false, false, detail);
  }

  /** SVC: LR = the next instruction; from T32, ITSTATE advances before CPSR is saved (AArch32.TakeSVCException). */
  supervisorCall(): void {
    if (this.thumb) this.itState = itAdvance(this.itState);
    this.takeException('supervisor-call', Vector.SVC, Mode.SVC, this.current + this.instructionLength, false, false, `SVC #${this.currentInsn.imm}`);
  }

  /** BKPT: a debug event taken as a Prefetch Abort (G2 "Breakpoint instructions"), LR = address + 4. */
  breakpoint(): void {
    this.takeException('breakpoint', Vector.PREFETCH_ABORT, Mode.ABT, this.current + 4, true, false, `BKPT #${this.currentInsn.imm}`);
  }

  /** Trap the current instruction to EL2: the handler sees PC = the instruction and normally skips it. */
  trapToEl2(esr: number, far = 0, hpfar = 0): void {
    const el2 = this.el2;
    if (el2 === undefined) throw new Error('trapToEl2 with no EL2 gate');
    this.r[15] = this.current;
    this.branched = true;
    // ITSTATE stays that of the trapped instruction unless the handler skips it (skipInstruction).
    this.itStateWritten = true;
    el2.takeTrap(esr, { far, hpfar }, this);
    this.eventRegister = 1; // EL2's exception return (G1.19.1)
  }

  private handleAbort(e: MemoryAbort): void {
    const fault = e.fault;
    this.r[15] = this.current;
    if (fault.stage === 2 && this.el2 !== undefined) {
      // Stage 2 abort: EC 0x20/0x24 to EL2 with HPFAR = IPA[39:12] << 4 (G8 "HPFAR"); the
      // instruction is retried unless the handler skips it.
      // Only a CP15 maintenance MCR (DCIMVAC, DCCMVAC, DCCMVAU, DCCIMVAC, ICIMVAU) reaches memory
      // from an MCR: its abort reports CM=1, WnR=1 (G8 "HSR", ISS for a Data Abort: CM, WnR).
      const maintenance = this.currentInsn.op === A32Op.CoprocessorMove;
      const syndrome = abortSyndrome(fault, fault.access === 'fetch' ? null : accessSyndromeOf(this.currentInsn), maintenance);
      this.skippedByEl2 = false;
      this.el2.takeTrap(syndrome, { far: fault.va >>> 0, hpfar: Math.floor(fault.ipa / 4096) * 16 }, this);
      this.eventRegister = 1; // EL2's exception return (G1.19.1)
      // Emulated and skipped (MMIO) it has retired, as the same access does on bare metal: guest
      // time (retired instructions) then runs alike with and without a hypervisor. Retried, not yet.
      if (this.skippedByEl2) this.instructionsRetired++;
      return;
    }
    if (fault.stage === 2) throw e;
    if (fault.access === 'fetch') {
      this.onGuestAbort?.({ kind: 'prefetch', fault, status: faultStatusCode(fault), address: fault.va >>> 0, write: false });
      this.takeException('prefetch-abort', Vector.PREFETCH_ABORT, Mode.ABT, this.current + 4, true, false, e.message);
      return;
    }
    this.dataAbortToGuest(fault, faultStatusCode(fault), e.message);
  }

  /** Data Abort to PL1 (ABT mode, vector +0x10, LR = address + 8). */
  private dataAbortToGuest(fault: FaultInfo, status: number, detail = 'data abort'): void {
    this.onGuestAbort?.({ kind: 'data', fault, status, address: fault.va >>> 0, write: fault.access === 'write' });
    this.takeException('data-abort', Vector.DATA_ABORT, Mode.ABT, this.current + 8, true, false, detail);
  }

  // ---- memory helpers with alignment and endianness (Arm ARM E2.4 "Alignment support", E2.5 "Endian support") ----

  alignmentFault(address: number, write: boolean): never {
    throw new MemoryAbort({ kind: 'alignment', stage: 1, level: -1, access: write ? 'write' : 'read', va: address >>> 0, ipa: 0, s1ptw: false });
  }

  read32(address: number, mustAlign: boolean): number {
    if ((address & 3) !== 0 && (mustAlign || this.strictAlignment)) this.alignmentFault(address, false);
    const v = this.memory.read32(address >>> 0);
    return this.psrRest & Psr.E ? byteSwap32(v) : v;
  }

  read16(address: number, mustAlign: boolean): number {
    if ((address & 1) !== 0 && (mustAlign || this.strictAlignment)) this.alignmentFault(address, false);
    const v = this.memory.read16(address >>> 0);
    return this.psrRest & Psr.E ? ((v >>> 8) | ((v & 0xff) << 8)) : v;
  }

  read8(address: number): number {
    return this.memory.read8(address >>> 0);
  }

  write32(address: number, value: number, mustAlign: boolean): void {
    if ((address & 3) !== 0 && (mustAlign || this.strictAlignment)) this.alignmentFault(address, true);
    this.memory.write32(address >>> 0, this.psrRest & Psr.E ? byteSwap32(value) : value >>> 0);
  }

  write16(address: number, value: number, mustAlign: boolean): void {
    if ((address & 1) !== 0 && (mustAlign || this.strictAlignment)) this.alignmentFault(address, true);
    const v = value & 0xffff;
    this.memory.write16(address >>> 0, this.psrRest & Psr.E ? ((v >>> 8) | ((v & 0xff) << 8)) : v);
  }

  write8(address: number, value: number): void {
    this.memory.write8(address >>> 0, value & 0xff);
  }

  // ---- system instruction plumbing ----

  /** MCR/MRC/MCRR/MRRC: hand the shared record to the system model and obey its outcome. */
  coprocessorAccess(access: CoprocAccess): void {
    this.r[15] = this.current;
    this.branched = true;
    this.coprocReadToFlags = access.read && !access.wide && access.rt === 15;
    let outcome: AccessOutcome;
    try {
      outcome = this.system.coproc(access, this);
    } finally {
      this.coprocReadToFlags = false;
    }
    if (outcome === AccessOutcome.Done) this.r[15] = this.current + 4;
    else if (outcome === AccessOutcome.Undefined) this.undefinedInstruction(`coprocessor access p${access.coproc} c${access.crn} c${access.crm} op1 ${access.opc1} op2 ${access.opc2} is UNDEFINED`);
  }

  /** Unused by A32 (AArch64 SYS instructions); present so the CPU is a full context. */
  sysAccess(access: SysAccess): AccessOutcome {
    return this.system.sys(access, this);
  }
}

function handlerFor(insn: A32Instruction): number {
  return insn.kind === 'ok' ? insn.op : UNDEFINED_HANDLER;
}

export function byteSwap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** The ISS fields of a data abort for the instruction, or null when ISV must be 0 (D17 "ISV"). */
export function accessSyndromeOf(insn: A32Instruction): AccessSyndrome | null {
  const single = insn.op === A32Op.LoadStoreWordByte || insn.op === A32Op.LoadStoreExtra;
  const acqRel = insn.op === A32Op.LoadAcquire || insn.op === A32Op.StoreRelease;
  if (!single && !acqRel) return null;
  // Instructions that write back the base register report ISV = 0.
  if (single && insn.wback) return null;
  return {
    sizeLog2: insn.size === 1 ? 0 : insn.size === 2 ? 1 : 2,
    signExtend: insn.signed,
    rt: insn.rt,
    acquireRelease: acqRel,
    is16bit: (insn as { length?: number }).length === 2,
  };
}
