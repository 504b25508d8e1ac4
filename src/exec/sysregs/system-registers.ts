/**
 * The system-register model of one vCPU: the executors hand it every MCR/MRC/MCRR/MRRC and
 * MSR/MRS/SYS/SYSL (src/exec/system-instructions.ts); it decides UNDEFINED / trap / access from
 * the register table (./table.ts) and HCR_EL2, builds the exact syndrome for a trap, and
 * otherwise reads or writes the register or performs the operation through the SystemPort.
 */
import * as systemAccess from '../../decode/system-access';
import { type CoprocAccess, type SysAccess } from '../../decode/system-access';
import { HCR, type El2Gate, type TrapDetail } from '../el2-gate';
import * as syndromeEncode from '../syndrome/encode';
import { AccessOutcome, type SystemAccessContext, type SystemInstructionHandler } from '../system-instructions';
import type { SetWayOp, SystemPort, VaCacheOp } from '../system-port';
import * as accessRules from './access-rules';
import { SLOT_COUNT, SysReg, type SysRegId, View, slotOf, viewOf } from './ids';
import * as sysregTable from './table';
import { SYSREG_ROWS, type SysRegRow } from './table';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// trap-path files') a trapped ID-register read cost 1.66x the host instructions under vitest,
// 1.07x under tsx, and the same in compiled dist/ (issue 17).
const { encodeCoprocTrap, encodeSysTrap, encodeUnknown } = syndromeEncode;
const { Decision, decideAccess } = accessRules;
const { isA32ImplementationDefined, isA64ImplementationDefined, lookupCoproc, lookupSys } = sysregTable;
const { coprocKey, sysKey } = systemAccess;

/** A port that can also run stage-1 address translation for AT/ATS1C* (optional extension of SystemPort). */
export interface AddressTranslationPort extends SystemPort {
  /** Translate `va` as `op` ('ATS1CPR', 'AT S1E1R', ...) would and return the PAR/PAR_EL1 value [low, high]. */
  addressTranslate(op: string, va: number): readonly [number, number];
}

export interface SystemRegistersOptions {
  readonly port: SystemPort;
  readonly el2: El2Gate;
  /** EL1 runs in AArch64 (MSR/MRS/SYS); false for an AArch32 guest (MCR/MRC). */
  readonly aarch64: boolean;
  /** MIDR/MIDR_EL1. Default: Cortex-A53 r0p4 (0x410FD034) for AArch64, Cortex-A7 r0p5 (0x410FC075) for AArch32. */
  readonly midr?: number;
  /** MPIDR/MPIDR_EL1. Default 0x80000000 (bit 31 is RES1; affinity 0.0.0). */
  readonly mpidr?: number;
  readonly revidr?: number;
  /** Values of ID registers by row key ('ID_MMFR0', 'ID_AA64MMFR0_EL1', ...); unlisted ones read as their default. */
  readonly idRegisters?: Readonly<Record<string, number>>;
  /** FEAT_CCIDX: CCSIDR2 exists. Default false (CCSIDR2 is UNDEFINED). */
  readonly ccidx?: boolean;
  /** CNTFRQ in Hz. Default 24 MHz. */
  readonly counterFrequency?: number;
  /**
   * The system counter (CNTPCT; CNTVCT equals it: CNTVOFF is 0), a non-negative integer below
   * 2^53 that never goes back, e.g. a platform's `() => Math.floor(instructionsRetired / 16)`.
   * Default: advances by 1 on every guest read (`timerOutput` does not advance it).
   */
  readonly readCounter?: () => number;
  /** DCZID_EL0.BS, log2 of the DC ZVA block in words. Default 4 (64 bytes). */
  readonly dczBlockLog2Words?: number;
  /**
   * EL2 is AArch64 (syndromes are ESR_EL2: an AArch32 Rt is reported in the AArch64 view, which
   * needs SystemAccessContext.aarch32Mode) or AArch32 (HSR: Rt as written). Default: same as
   * `aarch64` (an AArch32-only guest CPU such as a Cortex-A7 has an AArch32 Hyp mode).
   */
  readonly el2AArch64?: boolean;
  /** Called after a write changed a register; `id` is the whole-register id (e.g. SysReg.TCR_EL1 for TTBCR2). */
  readonly onChange?: (id: SysRegId) => void;
}

/** A register access the model cannot serve, e.g. a CPU-owned register handed to it. */
export class SysRegError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SysRegError';
  }
}

/**
 * ID register defaults. AArch32: Cortex-A7 TRM values, reduced to what setway implements:
 * ID_PFR0 0x00000031, A32 and T32 with Thumb-2 (State1 0b0011), no Jazelle registers, no ThumbEE; ID_PFR1 0x00011001,
 * Virtualization and the Generic Timer but no Security Extensions the guest could use (SMC is
 * UNDEFINED); ID_DFR0 0x00000005, v7.1 Debug through CP14 only, no memory-mapped debug, no trace,
 * no PMU (G8 "ID_PFR0", "ID_PFR1", "ID_DFR0"). AArch64: a Cortex-A53 (TRM "ID_AA64*")
 * reduced to what setway implements, as a hypervisor sanitises them for its guest, so a kernel
 * uses nothing that is not there (D17 register descriptions):
 * - ID_AA64PFR0_EL1: EL0, EL1, EL2 AArch64 only (no AArch32 at any EL), no EL3; FP and AdvSIMD
 *   0xF (not implemented: the executor runs no FP/SIMD); GIC 0 (no system-register GIC
 *   interface: the virt board's GICv2 is memory-mapped); RAS, SVE, AMU, MPAM, CSV2/3 0.
 * - ID_AA64PFR1_EL1 0: no BTI, SSBS, MTE. ID_AA64ISAR0_EL1 0x00010000: CRC32 instructions
 *   (CRC32 [19:16] 0b0001, as the Cortex-A53 has them); no AES/SHA (FP/SIMD is not executed),
 *   atomics, RDM. ID_AA64ISAR1_EL1 0: no pointer authentication, JSCVT, LRCPC.
 * - ID_AA64DFR0_EL1 0x00101006: DebugVer Armv8.0, 2 breakpoints, 2 watchpoints, 1 context-aware
 *   breakpoint (the architectural minimum), PMUVer 0 (no PMU), no trace, no SPE.
 * - ID_AA64MMFR0_EL1 0x0f000022: PARange 40 bits (the VM's IPA size), 16-bit ASIDs, mixed
 *   endian not supported, 4 KB granule only (TGran4 0, TGran64 0xF, TGran16 0).
 * - ID_AA64MMFR1/2_EL1 0: no hardware AF/dirty, 8-bit VMIDs, no VHE, PAN, LOR, HPDS.
 */
const ID_DEFAULTS: Readonly<Record<string, number>> = {
  ID_PFR0: 0x00000031,
  ID_PFR1: 0x00011001,
  ID_DFR0: 0x00000005,
  ID_MMFR0: 0x10101105,
  ID_MMFR1: 0x40000000,
  ID_MMFR2: 0x01240000,
  ID_MMFR3: 0x02102211,
  ID_ISAR0: 0x02101110,
  ID_ISAR1: 0x13112111,
  ID_ISAR2: 0x21232041,
  ID_ISAR3: 0x11112131,
  ID_ISAR4: 0x10011142,
  ID_AA64PFR0_EL1: 0x00ff0111,
  ID_AA64ISAR0_EL1: 0x00010000,
  ID_AA64DFR0_EL1: 0x00101006,
  ID_AA64MMFR0_EL1: 0x0f000022,
};

const NO_DETAIL: TrapDetail = { far: 0, hpfar: 0 };
const ALL_BITS: readonly [number, number] = [0xffffffff, 0xffffffff];
const SCTLR_SLOT = slotOf(SysReg.SCTLR_EL1);
const CNTKCTL_SLOT = slotOf(SysReg.CNTKCTL_EL1);
const TWO_POW_32 = 4294967296;

/** Signed 64-bit value of two halves as a JS number (the GuestMemory VA convention). */
function signed64(lo: number, hi: number): number {
  return (hi | 0) * TWO_POW_32 + (lo >>> 0);
}

/** Unsigned 64-bit value of two halves (inexact beyond 2^53, where no counter reaches). */
function unsigned64(lo: number, hi: number): number {
  return (hi >>> 0) * TWO_POW_32 + (lo >>> 0);
}

/** The two EL1 generic timers (D11.2 "The AArch64 view of the Generic Timer"). */
export type GenericTimer = 'physical' | 'virtual';

/** What the platform sees of one generic timer: its interrupt output (D11.2.4 "Timers"). */
export interface TimerOutput {
  /** The interrupt is asserted: CTL.ENABLE = 1, CTL.IMASK = 0 and ISTATUS (count >= CVAL). */
  readonly asserted: boolean;
  /**
   * The count at which the output is asserted: CVAL while ENABLE = 1 and IMASK = 0 (at or below
   * the count when already asserted), else Infinity (nothing asserts it until the guest writes
   * CTL). Any guest write of CTL, CVAL or TVAL can change it: ask again after each run.
   */
  readonly firesAt: number;
}

/** CNTP_CTL/CNTV_CTL bits (D17 "CNTP_CTL_EL0"). */
const TIMER_ENABLE = 1;
const TIMER_IMASK = 2;
const TIMER_ISTATUS = 4;
const CNTP_CTL_SLOT = slotOf(SysReg.CNTP_CTL);
const CNTP_CVAL_SLOT = slotOf(SysReg.CNTP_CVAL);
const CNTV_CTL_SLOT = slotOf(SysReg.CNTV_CTL);
const CNTV_CVAL_SLOT = slotOf(SysReg.CNTV_CVAL);

export class SystemRegisters implements SystemInstructionHandler {
  /** Register ids for get/getHigh/set (the same object as `SysReg` in ./ids). */
  static readonly ids = SysReg;

  private readonly port: SystemPort;
  private readonly el2: El2Gate;
  private readonly aarch64: boolean;
  private readonly el2AArch64: boolean;
  private readonly options: SystemRegistersOptions;
  private readonly lo = new Uint32Array(SLOT_COUNT);
  private readonly hi = new Uint32Array(SLOT_COUNT);
  /** Slots whose change affects stage-1 translation. */
  private readonly translationSlot = new Uint8Array(SLOT_COUNT);
  private counterTicks = 0;
  // Controls of the current access, refreshed per access (no allocation on the hot path).
  private readonly ctl = { hcr: 0, sctlr: 0, cntkctl: 0 };
  // Result of the last read, to avoid allocating a pair per access.
  private readLo = 0;
  private readHi = 0;

  /**
   * ESR_EL1 for the most recent Undefined outcome: EC 0x00 (0x02000000) for UNDEFINED, or the
   * EC 0x18 / 0x03 / 0x04 syndrome when an EL0 access trapped to an AArch64 EL1 (SCTLR_EL1.UCT,
   * UCI, DZE = 0; CNTKCTL_EL1 EL0 enables = 0). The executor reports it in ESR_EL1.
   */
  lastUndefinedSyndrome = encodeUnknown();

  readonly onChange?: (id: SysRegId) => void;

  constructor(options: SystemRegistersOptions) {
    this.options = options;
    this.port = options.port;
    this.el2 = options.el2;
    this.aarch64 = options.aarch64;
    this.el2AArch64 = options.el2AArch64 ?? options.aarch64;
    this.onChange = options.onChange;
    for (const row of SYSREG_ROWS) {
      if (row.reg === undefined) continue;
      const slot = slotOf(row.reg);
      if (row.translationControl) this.translationSlot[slot] = 1;
      if (row.reset) {
        this.lo[slot] = row.reset[0];
        this.hi[slot] = row.reset[1];
      }
    }
  }

  // --- named access for executors and glue -------------------------------------------------

  /** The 32 bits a view names: the low half of a whole register, or the half an AArch32 view maps to. */
  get(id: SysRegId): number {
    const slot = slotOf(id);
    return viewOf(id) === View.High ? this.hi[slot] : this.lo[slot];
  }

  /** Bits [63:32] of a whole register; 0 for a 32-bit view. */
  getHigh(id: SysRegId): number {
    return viewOf(id) === View.Full ? this.hi[slotOf(id)] : 0;
  }

  /**
   * Write a register as hardware would (no traps, no masks): a whole register takes `lo` and
   * `hi` (default 0); a half view takes `lo` into its half. Translation-control changes are
   * signalled as for a guest write.
   */
  set(id: SysRegId, lo: number, hi = 0): void {
    const slot = slotOf(id);
    const view = viewOf(id);
    const newLo = view === View.High ? this.lo[slot] : lo >>> 0;
    const newHi = view === View.Full ? hi >>> 0 : view === View.High ? lo >>> 0 : this.hi[slot];
    this.store(slot, newLo, newHi);
  }

  // --- generic timer, for the platform --------------------------------------------------------

  /**
   * The interrupt output of the physical or virtual EL1 timer at counter value `count` (default:
   * the counter now, read without advancing the default counter). CVAL is compared unsigned,
   * as the Arm ARM treats it ("zero-extended in all counter calculations", D17 "CNTP_CVAL_EL0").
   * The platform routes an asserted output to its interrupt controller (PPI 30 physical, 27
   * virtual on a GICv2/v3 board) and uses `firesAt` to know when to look again.
   */
  timerOutput(timer: GenericTimer, count: number = this.peekCounter()): TimerOutput {
    const physical = timer === 'physical';
    const ctl = this.lo[physical ? CNTP_CTL_SLOT : CNTV_CTL_SLOT];
    if ((ctl & (TIMER_ENABLE | TIMER_IMASK)) !== TIMER_ENABLE) return { asserted: false, firesAt: Infinity };
    const cvalSlot = physical ? CNTP_CVAL_SLOT : CNTV_CVAL_SLOT;
    const cval = unsigned64(this.lo[cvalSlot], this.hi[cvalSlot]);
    return { asserted: count >= cval, firesAt: cval };
  }

  /** The counter as `readCounter` gives it, or the default counter's last value (not advanced). */
  private peekCounter(): number {
    return this.options.readCounter ? this.options.readCounter() : this.counterTicks;
  }

  // --- SystemInstructionHandler ------------------------------------------------------------

  coproc(access: CoprocAccess, ctx: SystemAccessContext): AccessOutcome {
    this.lastUndefinedSyndrome = encodeUnknown();
    // Rt = PC (and MRRC with Rt = Rt2) is CONSTRAINED UNPREDICTABLE for cp15; treated as UNDEFINED.
    if (access.rt === 15 || (access.wide && (access.rt2 === 15 || (access.read && access.rt === access.rt2)))) return AccessOutcome.Undefined;
    const entry = lookupCoproc(coprocKey(access));
    const row = entry && this.implemented(entry.row) ? entry.row : undefined;
    const decision = decideAccess(row, entry ? entry.encoding.el0 : 'none', access.read, ctx.el, this.controls(), isA32ImplementationDefined(access));
    if (decision === Decision.Undefined) return AccessOutcome.Undefined;
    if (decision === Decision.TrapToEl1) {
      // EL1 in AArch64 always reports in the AArch64 view.
      if (this.aarch64) this.lastUndefinedSyndrome = encodeCoprocTrap(access, ctx.cond, ctx.is16bit, ctx.aarch32Mode ?? 0x10);
      return AccessOutcome.Undefined;
    }
    if (decision === Decision.TrapToEl2) {
      this.el2.takeTrap(encodeCoprocTrap(access, ctx.cond, ctx.is16bit, this.el2AArch64 ? ctx.aarch32Mode : undefined), NO_DETAIL, ctx);
      return AccessOutcome.Trapped;
    }
    const { encoding } = entry!;
    if (access.read) {
      this.read(row!, encoding.name);
      if (access.wide) {
        ctx.writeRegister(access.rt, this.readLo);
        ctx.writeRegister(access.rt2, this.readHi);
      } else {
        ctx.writeRegister(access.rt, encoding.view === View.High ? this.readHi : this.readLo);
      }
    } else {
      const lo = ctx.readRegister(access.rt) >>> 0;
      const hi = access.wide ? ctx.readRegister(access.rt2) >>> 0 : 0;
      this.write(row!, encoding.name, encoding.view, lo, hi, false);
    }
    return AccessOutcome.Done;
  }

  sys(access: SysAccess, ctx: SystemAccessContext): AccessOutcome {
    this.lastUndefinedSyndrome = encodeUnknown();
    const entry = lookupSys(sysKey(access));
    const row = entry && this.implemented(entry.row) ? entry.row : undefined;
    const decision = decideAccess(row, entry ? entry.encoding.el0 : 'none', access.read, ctx.el, this.controls(), isA64ImplementationDefined(access));
    if (decision === Decision.Undefined) return AccessOutcome.Undefined;
    if (decision === Decision.TrapToEl1) {
      this.lastUndefinedSyndrome = encodeSysTrap(access);
      return AccessOutcome.Undefined;
    }
    if (decision === Decision.TrapToEl2) {
      this.el2.takeTrap(encodeSysTrap(access), NO_DETAIL, ctx);
      return AccessOutcome.Trapped;
    }
    const { encoding } = entry!;
    if (access.read) {
      this.read(row!, encoding.name);
      if (access.rt !== 31) ctx.writeRegister(access.rt, this.readLo, this.readHi);
    } else {
      this.write(row!, encoding.name, View.Full, ctx.readRegister(access.rt) >>> 0, ctx.readRegisterHigh(access.rt) >>> 0, true);
    }
    return AccessOutcome.Done;
  }

  // --- internals -----------------------------------------------------------------------------

  private controls(): { hcr: number; sctlr: number; cntkctl: number } {
    const c = this.ctl;
    c.hcr = this.el2.hcr;
    c.sctlr = this.lo[SCTLR_SLOT];
    c.cntkctl = this.lo[CNTKCTL_SLOT];
    return c;
  }

  private implemented(row: SysRegRow): boolean {
    // No FP/Advanced SIMD in any configuration (ID_AA64PFR0_EL1.FP/AdvSIMD 0xF, MVFR0-2 0).
    if (row.feature === 'FP') return false;
    return row.feature !== 'CCIDX' || this.options.ccidx === true;
  }

  private store(slot: number, lo: number, hi: number): void {
    if (this.lo[slot] === lo && this.hi[slot] === hi) return;
    this.lo[slot] = lo;
    this.hi[slot] = hi;
    if (this.translationSlot[slot]) this.port.translationControlChanged();
    this.onChange?.(slot * 4);
  }

  private counter(): number {
    if (this.options.readCounter) return this.options.readCounter();
    return ++this.counterTicks;
  }

  private identValue(row: SysRegRow, source: string): number {
    switch (source) {
      case 'midr':
        return this.options.midr ?? (this.aarch64 ? 0x410fd034 : 0x410fc075);
      case 'mpidr':
        return this.options.mpidr ?? 0x80000000;
      case 'revidr':
        return this.options.revidr ?? 0;
      case 'id':
        return this.options.idRegisters?.[row.key] ?? ID_DEFAULTS[row.key] ?? 0;
      case 'dczid':
        // DCZID_EL0: DZP[4]=0 (DC ZVA permitted), BS[3:0] (D17 "DCZID_EL0").
        return (this.options.dczBlockLog2Words ?? 4) & 0xf;
      case 'cntfrq':
        return this.options.counterFrequency ?? 24_000_000;
      case 'dbgdidr':
        // WRPs 1, BRPs 1, CTX_CMPs 0, Version 0b0101 (v7.1), nSUHD_imp (see the table).
        return 0x1105_4000;
      default:
        return 0;
    }
  }

  /** Read `row` into readLo/readHi (the whole 64-bit register). */
  private read(row: SysRegRow, name: string): void {
    const b = row.behaviour;
    let lo = 0;
    let hi = 0;
    switch (b.kind) {
      case 'storage': {
        const slot = slotOf(row.reg!);
        lo = this.lo[slot];
        hi = this.hi[slot];
        if (row.readMask !== undefined) {
          lo = (lo & row.readMask[0]) >>> 0;
          hi = (hi & row.readMask[1]) >>> 0;
        }
        break;
      }
      case 'ident':
        lo = this.identValue(row, b.source) >>> 0;
        break;
      case 'cache-id': {
        const id = this.port.cacheId;
        if (b.which === 'ctr') lo = id.ctr();
        else if (b.which === 'clidr') lo = id.clidr();
        else {
          // CCSIDR for the cache CSSELR selects (D17 "CCSIDR_EL1"); CCSIDR2 holds NumSets when FEAT_CCIDX.
          const ccsidr = id.ccsidr(this.lo[slotOf(SysReg.CSSELR_EL1)]);
          lo = b.which === 'ccsidr' ? ccsidr : (ccsidr >>> 13) & 0x7fff;
        }
        lo >>>= 0;
        break;
      }
      case 'counter': {
        const count = this.counter();
        lo = count >>> 0;
        hi = Math.floor(count / TWO_POW_32) >>> 0;
        break;
      }
      case 'timer-cval':
      case 'timer-ctl':
      case 'timer-tval': {
        const slot = slotOf(row.reg!);
        if (b.kind === 'timer-cval') {
          lo = this.lo[slot];
          hi = this.hi[slot];
        } else {
          const cvalSlot = b.timer === 'physical' ? CNTP_CVAL_SLOT : CNTV_CVAL_SLOT;
          const count = this.counter();
          if (b.kind === 'timer-tval') {
            // TVAL reads (CVAL - count)[31:0] (D17 "CNTP_TVAL_EL0"): only the low halves matter.
            lo = (this.lo[cvalSlot] - (count >>> 0)) >>> 0;
          } else {
            // ISTATUS[2]: enabled and the timer condition met, count >= CVAL (CVAL unsigned).
            lo = this.lo[slot] & (TIMER_ENABLE | TIMER_IMASK);
            if (lo & TIMER_ENABLE && count >= unsigned64(this.lo[cvalSlot], this.hi[cvalSlot])) lo |= TIMER_ISTATUS;
          }
        }
        break;
      }
      case 'raz-wi':
        break;
      case 'cpu':
        throw new SysRegError(`${name} is served by the executor (PSTATE or special-purpose register) and must not reach the register model`);
      default:
        throw new SysRegError(`${name} cannot be read (${b.kind})`);
    }
    this.readLo = lo;
    this.readHi = hi;
  }

  /** Write or perform `row` with operand lo/hi through the encoding's view. */
  private write(row: SysRegRow, name: string, view: View, lo: number, hi: number, aarch64: boolean): void {
    const b = row.behaviour;
    const hcr = this.el2.hcr;
    switch (b.kind) {
      case 'storage':
      case 'timer-ctl':
      case 'timer-cval': {
        const slot = slotOf(row.reg!);
        const mask = row.writeMask ?? ALL_BITS;
        let newLo = this.lo[slot];
        let newHi = this.hi[slot];
        if (view !== View.High) newLo = (lo & mask[0]) >>> 0;
        if (view === View.Full) newHi = (hi & mask[1]) >>> 0;
        else if (view === View.High) newHi = (lo & mask[1]) >>> 0;
        this.store(slot, newLo, newHi);
        return;
      }
      case 'timer-tval': {
        // Writing TVAL sets CVAL = count + SignExtend(TVAL) (D17 "CNTP_TVAL_EL0").
        const cval = this.counter() + (lo | 0);
        const cvalHi = Math.floor(cval / TWO_POW_32);
        this.store(slotOf(row.reg!), (cval - cvalHi * TWO_POW_32) >>> 0, cvalHi >>> 0);
        return;
      }
      case 'set-way': {
        // D7.5.9 / DC ISW pseudocode: with HCR_EL2.SWIO, or with HCR_EL2.{DC,VM} not {0,0}, an
        // EL1 invalidate by set/way performs a clean and invalidate. The port sees the upgraded op.
        let op: SetWayOp = b.op;
        if (op === 'isw' && hcr & (HCR.SWIO | HCR.VM | HCR.DC)) op = 'cisw';
        this.port.dataCacheSetWay(op, lo);
        return;
      }
      case 'cache-va': {
        // DC IVAC pseudocode: with HCR_EL2.{DC,VM} not {0,0}, EL1 invalidate by VA acts as DC CIVAC.
        let op: VaCacheOp = b.op;
        if (op === 'ivac' && hcr & (HCR.VM | HCR.DC)) op = 'civac';
        this.port.dataCacheByVa(op, aarch64 ? signed64(lo, hi) : lo);
        return;
      }
      case 'icache':
        this.port.instructionCache(b.op, b.op === 'ivau' ? (aarch64 ? signed64(lo, hi) : lo) : 0);
        return;
      case 'tlb':
        this.port.tlbInvalidate(name.startsWith('TLBI ') ? name.slice(5) : name, lo, hi);
        return;
      case 'barrier':
        // One in-order PE: the CP15 barriers have nothing to wait for.
        return;
      case 'at': {
        const port = this.port as Partial<AddressTranslationPort>;
        if (typeof port.addressTranslate !== 'function') {
          throw new SysRegError(`${name} needs SystemPort.addressTranslate, which this port does not provide`);
        }
        const [parLo, parHi] = port.addressTranslate(name, aarch64 ? signed64(lo, hi) : lo);
        this.store(slotOf(SysReg.PAR_EL1), parLo >>> 0, parHi >>> 0);
        return;
      }
      case 'raz-wi':
        return;
      case 'os-lock': {
        // OSLAR_EL1.OSLK is bit 0; DBGOSLAR locks on the key 0xC5ACCE55 only (G8 "DBGOSLAR").
        const lock = aarch64 ? lo & 1 : lo >>> 0 === 0xc5acce55 ? 1 : 0;
        const slot = slotOf(SysReg.OSLSR_EL1);
        this.store(slot, ((this.lo[slot] & ~2) | (lock << 1)) >>> 0, 0);
        return;
      }
      case 'cpu':
        throw new SysRegError(`${name} is served by the executor (PSTATE or special-purpose register) and must not reach the register model`);
      default:
        throw new SysRegError(`${name} cannot be written (${b.kind})`);
    }
  }
}

