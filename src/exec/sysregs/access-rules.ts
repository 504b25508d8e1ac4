/**
 * Who may perform a system access, in the order the Arm ARM access pseudocode checks it
 * (DDI 0487, the "Accessing ..." pseudocode of each register, AArch64.CheckSystemAccess and the
 * AArch32 equivalents): an encoding that does not exist or cannot be used in this direction is
 * UNDEFINED; at EL0 the EL0 rule applies first (UNDEFINED, or a trap to EL1 when an EL1 control
 * such as SCTLR_EL1.UCT is 0); then the HCR_EL2 trap to EL2; then the access happens.
 *
 * Not modelled: HSTR_EL2, fine-grained traps (HFGxTR_EL2), HCR_EL2.TGE/E2H routing, EL3. With
 * HCR_EL2.TIDCP set, whether EL0 accesses to IMPLEMENTATION DEFINED encodings trap is
 * IMPLEMENTATION DEFINED; this model leaves them UNDEFINED at EL0.
 */
import * as el2Gate from '../el2-gate';
import type { El0Rule, HcrTrapBit, SysRegRow } from './table';
import * as sysregTable from './table';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// trap-path files') a trapped ID-register read cost 1.66x the host instructions under vitest,
// 1.07x under tsx, and the same in compiled dist/ (issue 17).
const { directionAllowed } = sysregTable;
const { HCR } = el2Gate;

export const Decision = { Access: 0, Undefined: 1, TrapToEl1: 2, TrapToEl2: 3 } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/** SCTLR_EL1 / SCTLR bits the EL0 rules read (D17 "SCTLR_EL1", G8 "SCTLR"). */
export const SCTLR_BITS = {
  CP15BEN: 1 << 5,
  DZE: 1 << 14,
  UCT: 1 << 15,
  nTWI: 1 << 16,
  nTWE: 1 << 18,
  UCI: 1 << 26,
} as const;

/** CNTKCTL_EL1 / CNTKCTL EL0 enables (D17 "CNTKCTL_EL1"). */
export const CNTKCTL_BITS = {
  EL0PCTEN: 1 << 0,
  EL0VCTEN: 1 << 1,
  EL0VTEN: 1 << 8,
  EL0PTEN: 1 << 9,
} as const;

/** Mask of each trap bit in HCR_EL2[31:0]. TACR is bit 21 (D17 "HCR_EL2.TACR"; `HCR.TAC` in el2-gate.ts). */
export const HCR_TRAP_MASK: Readonly<Record<HcrTrapBit, number>> = {
  TVM: HCR.TVM,
  TRVM: HCR.TRVM,
  TID1: HCR.TID1,
  TID2: HCR.TID2,
  TID3: HCR.TID3,
  TSW: HCR.TSW,
  TPC: HCR.TPC,
  TPU: HCR.TPU,
  TTLB: HCR.TTLB,
  TACR: HCR.TAC,
  TDZ: HCR.TDZ,
};

/** The controls an access decision depends on, read at the moment of the access. */
export interface AccessControls {
  /** HCR_EL2[31:0]. */
  readonly hcr: number;
  /** SCTLR_EL1[31:0]. */
  readonly sctlr: number;
  /** CNTKCTL_EL1[31:0]. */
  readonly cntkctl: number;
}

function el0Decision(rule: El0Rule, read: boolean, c: AccessControls): Decision {
  switch (rule) {
    case 'none':
      return Decision.Undefined;
    case 'rw':
    case 'cp15ben':
      return Decision.Access;
    case 'ro':
      return read ? Decision.Access : Decision.Undefined;
    case 'uct':
      return c.sctlr & SCTLR_BITS.UCT ? Decision.Access : Decision.TrapToEl1;
    case 'uci':
      return c.sctlr & SCTLR_BITS.UCI ? Decision.Access : Decision.TrapToEl1;
    case 'dze':
      return c.sctlr & SCTLR_BITS.DZE ? Decision.Access : Decision.TrapToEl1;
    case 'cntpct':
      return c.cntkctl & CNTKCTL_BITS.EL0PCTEN ? Decision.Access : Decision.TrapToEl1;
    case 'cntvct':
      return c.cntkctl & CNTKCTL_BITS.EL0VCTEN ? Decision.Access : Decision.TrapToEl1;
    case 'cntfrq':
      return c.cntkctl & (CNTKCTL_BITS.EL0PCTEN | CNTKCTL_BITS.EL0VCTEN) ? Decision.Access : Decision.TrapToEl1;
    case 'cntp':
      return c.cntkctl & CNTKCTL_BITS.EL0PTEN ? Decision.Access : Decision.TrapToEl1;
    case 'cntv':
      return c.cntkctl & CNTKCTL_BITS.EL0VTEN ? Decision.Access : Decision.TrapToEl1;
  }
}

/**
 * Decide an access to a known encoding (`row` undefined: no such register here).
 * `implementationDefined`: the encoding lies in the IMPLEMENTATION DEFINED space HCR_EL2.TIDCP traps.
 */
export function decideAccess(
  row: SysRegRow | undefined,
  el0: El0Rule,
  read: boolean,
  el: number,
  c: AccessControls,
  implementationDefined: boolean,
): Decision {
  if (row === undefined || !directionAllowed(row, read)) {
    // TIDCP traps the whole reserved space at EL1, implemented or not.
    return implementationDefined && el === 1 && c.hcr & HCR.TIDCP ? Decision.TrapToEl2 : Decision.Undefined;
  }
  // SCTLR.CP15BEN=0 makes the CP15 barriers UNDEFINED at EL0 and EL1 (G8 "SCTLR.CP15BEN").
  if (el0 === 'cp15ben' && (c.sctlr & SCTLR_BITS.CP15BEN) === 0) return Decision.Undefined;
  if (el === 0) {
    const d = el0Decision(el0, read, c);
    if (d !== Decision.Access) return d;
  }
  const bit = read ? row.trapRead : row.trapWrite;
  if (bit !== undefined && (c.hcr & HCR_TRAP_MASK[bit]) !== 0) return Decision.TrapToEl2;
  return Decision.Access;
}

/**
 * WFI/WFE (D17 "HCR_EL2.TWI/TWE", "SCTLR_EL1.nTWI/nTWE"): at EL0 a 0 in SCTLR.nTWx traps to EL1
 * first; then HCR_EL2.TWx traps EL0 and EL1 to EL2 (EC 0x01). Access means "execute normally".
 */
export function decideWfx(isWfe: boolean, el: number, hcr: number, sctlr: number): Decision {
  if (el === 0 && (sctlr & (isWfe ? SCTLR_BITS.nTWE : SCTLR_BITS.nTWI)) === 0) return Decision.TrapToEl1;
  if (hcr & (isWfe ? HCR.TWE : HCR.TWI)) return Decision.TrapToEl2;
  return Decision.Access;
}

/**
 * SMC (D17 "HCR_EL2.TSC"): UNDEFINED at EL0; at EL1 HCR_EL2.TSC traps it to EL2 (EC 0x13/0x17).
 * Untrapped, it is UNDEFINED here because the modelled machine has no EL3.
 */
export function decideSmc(el: number, hcr: number): Decision {
  if (el === 0) return Decision.Undefined;
  return hcr & HCR.TSC ? Decision.TrapToEl2 : Decision.Undefined;
}

/** HVC (D17 "HCR_EL2.HCD"): UNDEFINED at EL0 and when HCD is 1; otherwise taken to EL2 (EC 0x12/0x16). */
export function decideHvc(el: number, hcr: number): Decision {
  if (el === 0 || hcr & HCR.HCD) return Decision.Undefined;
  return Decision.TrapToEl2;
}
