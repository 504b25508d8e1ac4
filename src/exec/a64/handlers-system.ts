/**
 * Exception generation and return, hints, barriers, WFI/WFE/SEV, MSR (immediate) and the
 * MRS/MSR/SYS/SYSL accesses (Arm ARM C6.2; D1.10 exception entry, D1.11 exception return,
 * D1.16 wait for interrupt/event). The executor serves the PSTATE registers, SP_EL0/SP_EL1 and
 * the EL1 exception registers itself; every other access goes to the SystemInstructionHandler.
 */
import { A64Op, type A64Instruction } from '../../decode/a64/instruction';
import { sysKey, type SysAccess } from '../../decode/system-access';
import { HCR } from '../el2-gate';
import { AccessOutcome } from '../system-instructions';
import type { A64Cpu } from './cpu';
import type { Handler } from './handlers-alu';
import { EC, syndrome, sysTrapSyndrome, wfxSyndrome } from './syndrome';

const Op: typeof A64Op = { ...A64Op };

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
} as const;

/**
 * MRS of a register no HCR_EL2 bit traps (no FEAT_FGT here) and whose read changes nothing but Xt:
 * the PSTATE views, SP_EL0 and TPIDR_EL1 (D17; C5.2). Linux reads SP_EL0 (`current`) and
 * TPIDR_EL1 (per-CPU offsets) in most functions. At EL0 the read may be UNDEFINED, an exception
 * like any other. Such reads need not end a block (A64Cpu's flowOf).
 */
const PLAIN_READS = new Set([KEY.NZCV, KEY.DAIF, KEY.CURRENT_EL, KEY.SPSEL, KEY.SP_EL0, sysKey({ op0: 3, op1: 0, crn: 13, crm: 0, op2: 4 })]);

export function isPlainSystemRead(i: A64Instruction): boolean {
  return i.op === Op.MRS && PLAIN_READS.has(sysKey(i.sys as SysAccess));
}

/** UNALLOCATED and UNDEFINED (C4.1: unallocated encodings are UNDEFINED). */
const undefinedInstruction: Handler = (cpu) => cpu.undefinedInstruction();

/**
 * Floating point and Advanced SIMD are not implemented (ID_AA64PFR0_EL1.FP and AdvSIMD read
 * 0xF), so their encodings are UNDEFINED (D17 "ID_AA64PFR0_EL1"; C4.1).
 */
const floatingPoint: Handler = undefinedInstruction;

/**
 * Prefetch-class hints, NOP-class hints and barriers: no observable effect in this sequentially
 * consistent, single-observer model (C6.2 "HINT", "DSB").
 */
const noEffect: Handler = () => {};

const supervisorCall: Handler = (cpu, i) => {
  cpu.takeException(EC.SVC64, i.imm, cpu.curPc + 4, false);
};

/** HVC is UNDEFINED at EL0, with no EL2, or with HCR_EL2.HCD set (C6.2 "HVC"). */
const hypervisorCall: Handler = (cpu, i) => {
  if (cpu.currentEl === 0 || cpu.el2 === null || (cpu.el2.hcr & HCR.HCD) !== 0) cpu.undefinedInstruction();
  else cpu.trapToEl2(syndrome(EC.HVC64, i.imm), cpu.curPc + 4);
};

/** No EL3: SMC is UNDEFINED unless HCR_EL2.TSC traps it from EL1 to EL2 (D1.19.x, "HCR_EL2".TSC). */
const secureMonitorCall: Handler = (cpu, i) => {
  if (cpu.currentEl === 1 && cpu.el2 !== null && (cpu.el2.hcr & HCR.TSC) !== 0) cpu.trapToEl2(syndrome(EC.SMC64, i.imm), cpu.curPc);
  else cpu.undefinedInstruction();
};

const breakpoint: Handler = (cpu, i) => {
  cpu.takeException(EC.BRK64, i.imm, cpu.curPc, true);
};

/**
 * ERET from EL1 (C6.2 "ERET", D1.11): PC <- ELR_EL1, PSTATE <- SPSR_EL1. An illegal return
 * (AArch32 target, a higher or reserved mode) keeps EL and SP and sets PSTATE.IL (D1.11.4).
 */
const exceptionReturn: Handler = (cpu) => {
  if (cpu.currentEl === 0) return cpu.undefinedInstruction();
  const spsr = cpu.spsr;
  const m = spsr & 0x1f;
  const legal = m === 0b00000 || m === 0b00100 || m === 0b00101;
  cpu.nzcv = spsr >>> 28;
  cpu.daif = (spsr >>> 6) & 0xf;
  if (legal) {
    cpu.currentEl = (m >>> 2) & 1;
    cpu.spSel = m & 1;
    cpu.illegal = (spsr >>> 20) & 1;
  } else {
    cpu.illegal = 1;
  }
  cpu.selectSp();
  cpu.exclusiveAddress = -1;
  // An exception return sets the event register (D1.16.1 "The Event Register").
  cpu.eventRegister = 1;
  cpu.updateAttention();
  cpu.setPcFromHalves(cpu.elrLo, cpu.elrHi);
};

/**
 * WFI/WFE: trap to EL2 under HCR_EL2.TWI/TWE, else wait (the run stops with 'wfi'). A WFE that
 * finds the event register set clears it and completes: it would not enter a low-power state,
 * so TWE does not trap it (C6.2 "WFE" pseudocode: the WFx trap checks run only when
 * !IsEventRegisterSet(); D17 "HCR_EL2".TWE).
 */
const waitFor: Handler = (cpu, i) => {
  const isWfe = i.op === Op.WFE;
  if (isWfe && cpu.eventRegister) {
    cpu.eventRegister = 0;
    return;
  }
  const el2 = cpu.el2;
  if (el2 !== null && (el2.hcr & (isWfe ? HCR.TWE : HCR.TWI)) !== 0) {
    cpu.trapToEl2(wfxSyndrome(isWfe), cpu.curPc);
    return;
  }
  // An interrupt input already high, masked or not, is a WFI wake-up event (D1.16.2): no wait.
  if (!isWfe && (cpu.irqLine || cpu.fiqLine)) return;
  // WFE waits for an event: SEV on any PE, another observer's store clearing the exclusive
  // monitor, an interrupt... Other vCPUs' events are not delivered here, so WFE ends the run as
  // a yield ('wfe'): the runner resumes the vCPU later, a wake-up the architecture permits at
  // any time (D1.16.1), and the waiting loop checks its condition again.
  cpu.stop(isWfe ? 'wfe' : 'wfi');
};

/** SEV and SEVL set the event register (D1.16.1). */
const sendEvent: Handler = (cpu) => {
  cpu.eventRegister = 1;
};

/** MSR DAIFSet/DAIFClr/SPSel, #imm (C6.2 "MSR (immediate)"). */
const msrImmediate: Handler = (cpu, i) => {
  const field = i.imm2;
  if (field === 0b000101) {
    if (cpu.currentEl === 0) return cpu.undefinedInstruction();
    cpu.spsel = i.imm & 1;
    return;
  }
  if (cpu.currentEl === 0) {
    // DAIF at EL0 needs SCTLR_EL1.UMA, taken here as 0: trapped to EL1 with EC 0x18 (D17 "SCTLR_EL1".UMA).
    cpu.pc = cpu.curPc;
    const esr = sysTrapSyndrome({ op0: 0, op1: field >>> 3, crn: 4, crm: i.imm, op2: field & 7, rt: 31, read: false });
    cpu.takeException(EC.SYS64, esr & 0x1ffffff, cpu.curPc, true);
    return;
  }
  if (field === 0b011110) cpu.daif |= i.imm;
  else {
    cpu.daif &= ~i.imm & 0xf;
    cpu.updateAttention();
  }
};

/** ELR_EL1, SPSR_EL1, VBAR_EL1, ESR_EL1, FAR_EL1 (EL1 only; ESR/FAR trapped by HCR_EL2.TVM/TRVM). */
function exceptionRegister(cpu: A64Cpu, key: number, a: SysAccess, t: number): void {
  if (cpu.currentEl === 0) return cpu.undefinedInstruction();
  const read = a.read;
  if ((key === KEY.ESR_EL1 || key === KEY.FAR_EL1) && cpu.el2 !== null && (cpu.el2.hcr & (read ? HCR.TRVM : HCR.TVM)) !== 0) {
    cpu.trapToEl2(sysTrapSyndrome(a), cpu.curPc);
    return;
  }
  const lo = cpu.lo;
  const hi = cpu.hi;
  switch (key) {
    case KEY.SPSR_EL1:
      if (read) cpu.setXFromNumber(t, cpu.spsr);
      else cpu.spsr = lo[t];
      return;
    case KEY.ELR_EL1:
      if (read) {
        lo[t] = cpu.elrLo;
        hi[t] = cpu.elrHi;
      } else {
        cpu.elrLo = lo[t];
        cpu.elrHi = hi[t];
      }
      return;
    case KEY.VBAR_EL1:
      // Bits [10:0] are RES0 (D17 "VBAR_EL1").
      if (read) {
        lo[t] = cpu.vbarLo;
        hi[t] = cpu.vbarHi;
      } else {
        cpu.vbarLo = (lo[t] & ~0x7ff) >>> 0;
        cpu.vbarHi = hi[t];
      }
      return;
    case KEY.ESR_EL1:
      if (read) cpu.setXFromNumber(t, cpu.esr);
      else cpu.esr = lo[t];
      return;
    default:
      if (read) {
        lo[t] = cpu.farLo;
        hi[t] = cpu.farHi;
      } else {
        cpu.farLo = lo[t];
        cpu.farHi = hi[t];
      }
  }
}

/** MRS/MSR of a register the executor owns; false when the system-register model serves it. */
function ownRegister(cpu: A64Cpu, i: A64Instruction, a: SysAccess, key: number): boolean {
  const el1 = cpu.currentEl === 1;
  const read = a.read;
  const t = i.xd;
  switch (key) {
    case KEY.NZCV:
      if (read) cpu.setXFromNumber(t, cpu.nzcv * 0x10000000);
      else cpu.nzcv = cpu.lo[t] >>> 28;
      return true;
    case KEY.DAIF:
      if (!el1) {
        cpu.pc = cpu.curPc;
        cpu.takeException(EC.SYS64, sysTrapSyndrome(a) & 0x1ffffff, cpu.curPc, true);
        return true;
      }
      if (read) cpu.setXFromNumber(t, cpu.daif << 6);
      else {
        cpu.daif = (cpu.lo[t] >>> 6) & 0xf;
        cpu.updateAttention();
      }
      return true;
    case KEY.CURRENT_EL:
      if (!el1 || !read) cpu.undefinedInstruction();
      else cpu.setXFromNumber(t, cpu.currentEl << 2);
      return true;
    case KEY.SPSEL:
      if (!el1) cpu.undefinedInstruction();
      else if (read) cpu.setXFromNumber(t, cpu.spSel);
      else cpu.spsel = cpu.lo[t] & 1;
      return true;
    case KEY.SP_EL0:
      // UNDEFINED at EL0 and when SP_EL0 is the current stack pointer (C5.2 "SP_EL0").
      if (!el1 || cpu.spSel === 0) cpu.undefinedInstruction();
      else if (read) {
        cpu.lo[t] = cpu.spAltLo;
        cpu.hi[t] = cpu.spAltHi;
      } else {
        cpu.spAltLo = cpu.lo[t];
        cpu.spAltHi = cpu.hi[t];
      }
      return true;
    case KEY.SP_EL1:
      // Accessible from EL2 and EL3 only.
      cpu.undefinedInstruction();
      return true;
    case KEY.SPSR_EL1:
    case KEY.ELR_EL1:
    case KEY.VBAR_EL1:
    case KEY.ESR_EL1:
    case KEY.FAR_EL1:
      exceptionRegister(cpu, key, a, t);
      return true;
  }
  return false;
}

/** MRS/MSR/SYS/SYSL: registers the executor owns first, then the system-register model. */
const systemAccess: Handler = (cpu, i) => {
  const a = i.sys as SysAccess;
  if ((i.op === Op.MRS || i.op === Op.MSR_REG) && ownRegister(cpu, i, a, sysKey(a))) return;
  cpu.pc = cpu.curPc;
  const outcome = cpu.system.sys(a, cpu);
  if (outcome === AccessOutcome.Done) cpu.pc = cpu.curPc + 4;
  else if (outcome === AccessOutcome.Undefined) cpu.undefinedInstruction();
  // Trapped: EL2 ran and returned, an exception return (D1.16.1: it sets the event register).
  else cpu.eventRegister = 1;
};

export const systemHandlers: Record<number, Handler> = {
  [Op.UNALLOCATED]: undefinedInstruction,
  [Op.UNDEFINED]: undefinedInstruction,
  [Op.FPSIMD]: floatingPoint,
  [Op.HINT]: noEffect,
  [Op.DSB]: noEffect,
  [Op.DMB]: noEffect,
  [Op.ISB]: noEffect,
  [Op.SVC]: supervisorCall,
  [Op.HVC]: hypervisorCall,
  [Op.SMC]: secureMonitorCall,
  [Op.BRK]: breakpoint,
  [Op.ERET]: exceptionReturn,
  [Op.WFI]: waitFor,
  [Op.WFE]: waitFor,
  [Op.SEV]: sendEvent,
  [Op.SEVL]: sendEvent,
  [Op.MSR_IMM]: msrImmediate,
  [Op.MRS]: systemAccess,
  [Op.MSR_REG]: systemAccess,
  [Op.SYS]: systemAccess,
  [Op.SYSL]: systemAccess,
};
