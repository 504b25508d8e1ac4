/**
 * The hypervisor's stage 2 controls for one vCPU, as plain values the machine copies from
 * HCR_EL2, VTTBR_EL2 and VTCR_EL2 when they change.
 */

import { vmidOf } from './stage2-descriptor';

export interface Stage2Regime {
  /** HCR_EL2.VM: stage 2 translation on. */
  readonly enabled: boolean;
  /** VTTBR_EL2 halves: BADDR [47:1], VMID [55:48]. The VMID tags TLB entries even while `enabled` is false. */
  readonly vttbrLo: number;
  readonly vttbrHi: number;
  /** VTCR_EL2 halves (use vtcrFromAArch32 for an AArch32 hypervisor's VTCR). */
  readonly vtcrLo: number;
  readonly vtcrHi: number;
  /** HCR_EL2.DC: stage 1 off for EL1&0, default attributes Normal Non-shareable Write-Back. */
  readonly dc: boolean;
  /** HCR_EL2.PTW: a stage 1 walk that reaches Device memory through stage 2 takes a stage 2 Permission fault. */
  readonly ptw: boolean;
  /** HCR_EL2.FWB (FEAT_S2FWB): stage 2 MemAttr uses the forced Write-Back encoding. */
  readonly fwb: boolean;
}

export const STAGE2_OFF: Stage2Regime = Object.freeze({ enabled: false, vttbrLo: 0, vttbrHi: 0, vtcrLo: 0, vtcrHi: 0, dc: false, ptw: false, fwb: false });

export function stage2Regime(fields: Partial<Stage2Regime>): Stage2Regime {
  return Object.freeze({ ...STAGE2_OFF, ...fields });
}

/** The stage 2 regime for a p2m (its VTTBR_EL2 and VTCR_EL2), stage 2 on. */
export function stage2RegimeFor(p2m: { vttbr: { lo: number; hi: number }; vtcr: { lo: number; hi: number } }, extra: Partial<Stage2Regime> = {}): Stage2Regime {
  return stage2Regime({ enabled: true, vttbrLo: p2m.vttbr.lo, vttbrHi: p2m.vttbr.hi, vtcrLo: p2m.vtcr.lo, vtcrHi: p2m.vtcr.hi, ...extra });
}

export function vmidOfRegime(r: Stage2Regime): number {
  return vmidOf(r.vttbrHi);
}
