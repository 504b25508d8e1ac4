/**
 * Branches, status-register moves, hints, barriers, exception-generating and exception-return
 * instructions, CPS/SETEND/SRS/RFE and coprocessor moves (Arm ARM F5 pseudocode; G1 for the
 * PL1 behaviour).
 */
import { A32Op, HintOp as HintOps } from '../../decode/a32/index';
import type { A32Cpu } from './cpu';
import type { Handler } from './handlers-alu';
import * as modes from './modes';
import { HCR as HcrBits } from '../el2-gate';
import { hvcSyndrome, smcSyndrome, wfxSyndrome } from './syndrome';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const { bankOf, isGuestMode } = modes;
const Bank = { ...modes.Bank };
const Mode = { ...modes.Mode };
const Psr = { ...modes.Psr };
const HCR = { ...HcrBits };
const HintOp = { ...HintOps };

const undefinedInstruction: Handler = (cpu, i) => {
  cpu.undefinedInstruction(i.kind === 'unpredictable' ? `UNPREDICTABLE encoding taken as UNDEFINED (${i.reason})` : i.reason || 'UNDEFINED');
};

// ---- branches ----

const branch: Handler = (cpu, i) => {
  if (i.sub) cpu.r[14] = cpu.current + 4; // BL
  cpu.branchTo(cpu.r[15] + i.imm);
};

const branchLinkExchangeImm: Handler = (cpu, i) => {
  cpu.r[14] = cpu.current + 4;
  // BLX (immediate) always switches to T32: target = Align(PC, 4) + imm32.
  cpu.bxWritePc(((cpu.r[15] + i.imm) | 1) >>> 0);
};

const branchExchange: Handler = (cpu, i) => {
  cpu.bxWritePc(cpu.r[i.rm]);
};

const branchLinkExchangeReg: Handler = (cpu, i) => {
  const target = cpu.r[i.rm];
  cpu.r[14] = cpu.current + 4;
  cpu.bxWritePc(target);
};

// ---- status registers (Arm ARM F5 "MRS", "MSR"; G1 "CPSRWriteByInstr", "SPSRWriteByInstr") ----

/** The execution-state bits (IT, J, T) read as zero through MRS. */
const MRS_MASK = ~(Psr.IT_MASK | Psr.J | Psr.T);

const moveFromStatus: Handler = (cpu, i) => {
  if (i.sub) {
    if (cpu.currentBank === Bank.USR) return cpu.undefinedInstruction('MRS SPSR in User or System mode');
    cpu.r[i.rd] = cpu.spsr();
  } else {
    cpu.r[i.rd] = (cpu.cpsr & MRS_MASK) >>> 0;
  }
};

/** Byte mask of the MSR fields (c, x, s, f = bytes 0..3). */
function fieldMask(mask: number): number {
  return ((mask & 1 ? 0xff : 0) | (mask & 2 ? 0xff00 : 0) | (mask & 4 ? 0xff0000 : 0) | (mask & 8 ? 0xff000000 : 0)) >>> 0;
}

function writeStatus(cpu: A32Cpu, value: number, mask: number, spsr: boolean): void {
  if (spsr) {
    if (cpu.currentBank === Bank.USR) return cpu.undefinedInstruction('MSR SPSR in User or System mode');
    const m = fieldMask(mask);
    cpu.setSpsr((cpu.spsr() & ~m) | (value & m));
    return;
  }
  const privileged = cpu.el === 1;
  let rest = cpu.psrRest;
  if (mask & 8) {
    cpu.setNZCV(value >>> 28);
    rest = (rest & ~Psr.Q) | (value & Psr.Q);
  }
  if (mask & 4) rest = (rest & ~(0xf << Psr.GE_SHIFT)) | (value & (0xf << Psr.GE_SHIFT));
  if (mask & 2) {
    rest = (rest & ~Psr.E) | (value & Psr.E);
    if (privileged) rest = (rest & ~Psr.A) | (value & Psr.A);
  }
  if (mask & 1 && privileged) rest = (rest & ~(Psr.I | Psr.F)) | (value & (Psr.I | Psr.F));
  cpu.psrRest = rest;
  if (mask & 1 && privileged && (value & Psr.M_MASK) !== cpu.mode) cpu.writeModeByInstruction(value & Psr.M_MASK);
}

const moveToStatusReg: Handler = (cpu, i) => {
  writeStatus(cpu, cpu.r[i.rn], i.imm2, i.sub === 1);
};

const moveToStatusImm: Handler = (cpu, i) => {
  writeStatus(cpu, i.imm, i.imm2, i.sub === 1);
};

/**
 * Banked register of R:SYSm (Arm ARM F5 "MRS (Banked register)" and the SYSm table): bank and
 * register number, with reg -1 for the SPSR. Hyp and Monitor registers are not reachable from a
 * Non-secure PL1 guest: UNDEFINED.
 */
function bankedTarget(rSysm: number): { bank: number; reg: number } | undefined {
  const sysm = rSysm & 0x1f;
  if (rSysm & 0x20) {
    const spsrBanks: Record<number, number> = { 0b01110: Bank.FIQ, 0b10000: Bank.IRQ, 0b10010: Bank.SVC, 0b10100: Bank.ABT, 0b10110: Bank.UND };
    const bank = spsrBanks[sysm];
    return bank === undefined ? undefined : { bank, reg: -1 };
  }
  if (sysm <= 0b00110) return { bank: Bank.USR, reg: 8 + sysm };
  if (sysm >= 0b01000 && sysm <= 0b01110) return { bank: Bank.FIQ, reg: 8 + (sysm & 7) };
  const others: Record<number, number> = { 0b10000: Bank.IRQ, 0b10010: Bank.SVC, 0b10100: Bank.ABT, 0b10110: Bank.UND };
  const bank = others[sysm & 0b11110];
  if (bank === undefined) return undefined;
  return { bank, reg: sysm & 1 ? 13 : 14 };
}

const moveFromBanked: Handler = (cpu, i) => {
  const t = cpu.el === 0 ? undefined : bankedTarget(i.imm);
  if (t === undefined) return cpu.undefinedInstruction('MRS (Banked register) not accessible');
  cpu.r[i.rd] = t.reg < 0 ? cpu.readSpsrOfBank(t.bank) : cpu.readBankedRegister(t.bank, t.reg);
};

const moveToBanked: Handler = (cpu, i) => {
  const t = cpu.el === 0 ? undefined : bankedTarget(i.imm);
  if (t === undefined) return cpu.undefinedInstruction('MSR (Banked register) not accessible');
  if (t.reg < 0) cpu.writeSpsrOfBank(t.bank, cpu.r[i.rn]);
  else cpu.writeBankedRegister(t.bank, t.reg, cpu.r[i.rn]);
};

// ---- hints, barriers ----

const hint: Handler = (cpu, i) => {
  // SEV and SEVL set the event register (G1.19.1); other PEs' events are not delivered.
  if (i.sub === HintOp.SEV || i.sub === HintOp.SEVL) {
    cpu.eventRegister = 1;
    return;
  }
  if (i.sub === HintOp.WFI || i.sub === HintOp.WFE) {
    const wfe = i.sub === HintOp.WFE;
    // A WFE that finds the event register set clears it and completes: the Hyp trap checks run
    // only when it would wait (WFE pseudocode: IsEventRegisterSet() first; G8 "HCR".TWE).
    if (wfe && cpu.eventRegister !== 0) {
      cpu.eventRegister = 0;
      return;
    }
    const el2 = cpu.el2;
    // HCR.TWI/TWE trap WFI/WFE from PL0 and PL1 to Hyp mode (Arm ARM G1 "Traps to Hyp mode of WFI and WFE"), EC 0x01.
    if (el2 !== undefined && (el2.hcr & (wfe ? HCR.TWE : HCR.TWI)) !== 0) {
      cpu.trapToEl2(wfxSyndrome(i.cond, wfe, cpu.is16bit));
      return;
    }
    // WFI stops the run; WFE completes at once, a wake-up the architecture permits at any time
    // (G1.19.1), so a waiting loop checks its condition again.
    if (!wfe) cpu.waitForInterrupt();
  }
  // NOP, YIELD, CSDB, DBG and reserved hints: no effect here.
};

const nothing: Handler = () => {};

const clearExclusive: Handler = (cpu) => {
  cpu.exclusiveAddress = -1;
};

// ---- exception generating ----

const supervisorCall: Handler = (cpu) => cpu.supervisorCall();

const hypervisorCall: Handler = (cpu, i) => {
  const el2 = cpu.el2;
  // HVC is UNDEFINED at PL0, with no EL2, and when HCR.HCD disables it (Arm ARM F5 "HVC").
  if (cpu.el === 0 || el2 === undefined || (el2.hcr & HCR.HCD) !== 0) return cpu.undefinedInstruction('HVC with no EL2 (or at PL0, or HCR.HCD set)');
  // HVC is an exception call: its preferred return address is the next instruction. trapToEl2
  // leaves PC at the HVC, so point it past the HVC (a handler's skipInstruction gives the same).
  cpu.trapToEl2(hvcSyndrome(i.imm));
  if (cpu.r[15] === cpu.current) cpu.r[15] = cpu.current + 4;
};

const secureMonitorCall: Handler = (cpu) => {
  const el2 = cpu.el2;
  // No EL3 is modelled: SMC is UNDEFINED unless HCR.TSC traps it from PL1 to EL2 (EC 0x13).
  if (cpu.el === 1 && el2 !== undefined && (el2.hcr & HCR.TSC) !== 0) {
    cpu.trapToEl2(smcSyndrome());
    return;
  }
  cpu.undefinedInstruction('SMC with no EL3');
};

const breakpoint: Handler = (cpu) => cpu.breakpoint();

const permanentlyUndefined: Handler = (cpu, i) => cpu.undefinedInstruction(`UDF #${i.imm}`);

const exceptionReturn: Handler = (cpu) => {
  // ERET at PL1 (not Hyp) returns with LR and SPSR of the current mode; UNDEFINED at PL0,
  // CONSTRAINED UNPREDICTABLE in System mode (taken as UNDEFINED).
  if (cpu.currentBank === Bank.USR) return cpu.undefinedInstruction('ERET in User or System mode');
  cpu.exceptionReturn(cpu.r[14], cpu.spsr());
};

// ---- CPS, SETEND, SRS, RFE ----

const changeProcessorState: Handler = (cpu, i) => {
  if (cpu.el === 0) return; // CPS is a NOP in User mode
  if (i.sub >= 2) {
    const bits = (i.imm & 4 ? Psr.A : 0) | (i.imm & 2 ? Psr.I : 0) | (i.imm & 1 ? Psr.F : 0);
    cpu.psrRest = i.sub === 2 ? cpu.psrRest & ~bits : cpu.psrRest | bits;
  }
  if (i.imm2 & 0x100) cpu.writeModeByInstruction(i.imm2 & 0x1f);
};

const setEndianness: Handler = (cpu, i) => {
  cpu.psrRest = i.sub ? cpu.psrRest | Psr.E : cpu.psrRest & ~Psr.E;
};

function multipleStart(base: number, index: boolean, add: boolean): number {
  if (add) return (index ? base + 4 : base) >>> 0;
  return (index ? base - 8 : base - 4) >>> 0;
}

const storeReturnState: Handler = (cpu, i) => {
  const mode = i.imm;
  if (cpu.el === 0 || cpu.currentBank === Bank.USR || !isGuestMode(mode) || mode === Mode.USR) {
    return cpu.undefinedInstruction('SRS from User/System mode or to a mode the guest cannot use');
  }
  const bank = bankOf(mode);
  const base = cpu.readBankedRegister(bank, 13);
  const address = multipleStart(base, i.index, i.add);
  cpu.write32(address, cpu.r[14], true);
  cpu.write32(address + 4, cpu.spsr(), true);
  if (i.wback) cpu.writeBankedRegister(bank, 13, (i.add ? base + 8 : base - 8) >>> 0);
};

const returnFromException: Handler = (cpu, i) => {
  if (cpu.el === 0) return cpu.undefinedInstruction('RFE in User mode');
  const base = cpu.r[i.rn];
  const address = multipleStart(base, i.index, i.add);
  const pc = cpu.read32(address, true);
  const spsr = cpu.read32(address + 4, true);
  if (i.wback) cpu.r[i.rn] = (i.add ? base + 8 : base - 8) >>> 0;
  cpu.exceptionReturn(pc, spsr);
};

const coprocessorMove: Handler = (cpu, i) => {
  cpu.coprocessorAccess(i.coproc!);
};

export const systemHandlers: Record<number, Handler> = {
  [A32Op.Undefined]: undefinedInstruction,
  [A32Op.Branch]: branch,
  [A32Op.BranchLinkExchangeImm]: branchLinkExchangeImm,
  [A32Op.BranchExchange]: branchExchange,
  [A32Op.BranchLinkExchangeReg]: branchLinkExchangeReg,
  [A32Op.MoveFromStatus]: moveFromStatus,
  [A32Op.MoveToStatusReg]: moveToStatusReg,
  [A32Op.MoveToStatusImm]: moveToStatusImm,
  [A32Op.MoveFromBanked]: moveFromBanked,
  [A32Op.MoveToBanked]: moveToBanked,
  [A32Op.Hint]: hint,
  [A32Op.Barrier]: nothing,
  [A32Op.ClearExclusive]: clearExclusive,
  [A32Op.SupervisorCall]: supervisorCall,
  [A32Op.HypervisorCall]: hypervisorCall,
  [A32Op.SecureMonitorCall]: secureMonitorCall,
  [A32Op.Breakpoint]: breakpoint,
  [A32Op.PermanentlyUndefined]: permanentlyUndefined,
  [A32Op.ExceptionReturn]: exceptionReturn,
  [A32Op.ChangeProcessorState]: changeProcessorState,
  [A32Op.SetEndianness]: setEndianness,
  [A32Op.StoreReturnState]: storeReturnState,
  [A32Op.ReturnFromException]: returnFromException,
  [A32Op.Preload]: nothing,
  [A32Op.CoprocessorMove]: coprocessorMove,
  [A32Op.CoprocessorMove2]: coprocessorMove,
};
