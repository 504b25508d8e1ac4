/**
 * TLB maintenance instructions by name, as the Arm ARM spells them (AArch32 G8 "TLB maintenance
 * operations", e.g. TLBIMVA; AArch64 C5.5 "TLBI", e.g. VAE1), applied to a Tlb for the VMID of
 * the issuing context. Operand layouts follow the register descriptions (TLBIMVA: MVA[31:12],
 * ASID[7:0]; TLBI VAE1: ASID[63:48], VA[55:12] in bits [43:0]; TLBI IPAS2E1: IPA[51:12] in [39:0];
 * TLBIIPAS2: IPA[39:12] in [27:0]).
 */

import { ALL_ASIDS, type Tlb } from './tlb';

export class TlbMaintenanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlbMaintenanceError';
  }
}

type Action =
  | 'stage1-all' // all stage 1 entries of the VMID
  | 'vmid-all' // stage 1 and stage 2 of the VMID
  | 'everything'
  | 'a32-va-asid'
  | 'a32-va-all'
  | 'a32-asid'
  | 'a32-ipa'
  | 'a64-va-asid'
  | 'a64-va-all'
  | 'a64-asid'
  | 'a64-ipa'
  | 'none'; // EL2's own regime (not modelled): nothing of a guest's

const ACTIONS = new Map<string, Action>();
function define(action: Action, ...names: string[]): void {
  for (const n of names) ACTIONS.set(n, action);
}
// AArch32 (G8). I/D variants act on the unified TLB model.
define('stage1-all', 'TLBIALL', 'TLBIALLIS', 'ITLBIALL', 'DTLBIALL');
define('a32-va-asid', 'TLBIMVA', 'TLBIMVAIS', 'ITLBIMVA', 'DTLBIMVA', 'TLBIMVAL', 'TLBIMVALIS');
define('a32-va-all', 'TLBIMVAA', 'TLBIMVAAIS', 'TLBIMVAAL', 'TLBIMVAALIS');
define('a32-asid', 'TLBIASID', 'TLBIASIDIS', 'ITLBIASID', 'DTLBIASID');
define('a32-ipa', 'TLBIIPAS2', 'TLBIIPAS2IS', 'TLBIIPAS2L', 'TLBIIPAS2LIS');
define('everything', 'TLBIALLNSNH', 'TLBIALLNSNHIS');
define('none', 'TLBIALLH', 'TLBIALLHIS', 'TLBIMVAH', 'TLBIMVAHIS', 'TLBIMVALH', 'TLBIMVALHIS');
// AArch64 (C5.5), with their Inner/Outer Shareable forms.
function a64(action: Action, ...bases: string[]): void {
  for (const b of bases) define(action, b, `${b}IS`, `${b}OS`);
}
a64('stage1-all', 'VMALLE1');
a64('a64-va-asid', 'VAE1', 'VALE1');
a64('a64-va-all', 'VAAE1', 'VAALE1');
a64('a64-asid', 'ASIDE1');
a64('a64-ipa', 'IPAS2E1', 'IPAS2LE1');
a64('vmid-all', 'VMALLS12E1');
a64('everything', 'ALLE1');
// Range forms (FEAT_TLBIRANGE): invalidate more than asked, which is always permitted.
a64('stage1-all', 'RVAE1', 'RVAAE1', 'RVALE1', 'RVAALE1');
a64('vmid-all', 'RIPAS2E1', 'RIPAS2LE1');
a64('none', 'ALLE2', 'VAE2', 'VALE2');

/** True for the Inner/Outer Shareable forms, which act on every PE's TLB in the domain. */
export function isBroadcastTlbOp(op: string): boolean {
  return /(IS|OS)$/.test(op) && ACTIONS.has(op);
}

export function isKnownTlbOp(op: string): boolean {
  return ACTIONS.has(op);
}

/** VA from a TLBI VAE1-style operand: the page number VA[55:12] is in bits [43:0], sign-extended from VA bit 55. */
function a64VaOperand(lo: number, hi: number): number {
  let page = (hi & 0xfff) * 4294967296 + (lo >>> 0);
  if ((hi & 0x800) !== 0) page -= 2 ** 44;
  return page * 4096;
}

/** Apply TLB maintenance `op` with operand `lo`/`hi` for the context whose VMID is `vmid`. */
export function applyTlbMaintenance(tlb: Tlb, op: string, lo: number, hi: number, vmid: number): void {
  const action = ACTIONS.get(op);
  if (action === undefined) throw new TlbMaintenanceError(`unknown TLB maintenance operation '${op}'`);
  switch (action) {
    case 'stage1-all':
      return tlb.invalidateStage1(vmid);
    case 'vmid-all':
      return tlb.invalidateVmid(vmid);
    case 'everything':
      return tlb.invalidateAll();
    case 'a32-va-asid':
      return tlb.invalidateVa(vmid, (lo & 0xfffff000) >>> 0, lo & 0xff);
    case 'a32-va-all':
      return tlb.invalidateVa(vmid, (lo & 0xfffff000) >>> 0, ALL_ASIDS);
    case 'a32-asid':
      return tlb.invalidateAsid(vmid, lo & 0xff);
    case 'a32-ipa':
      return tlb.invalidateIpa(vmid, (lo & 0x0fffffff) * 4096);
    case 'a64-va-asid':
      return tlb.invalidateVa(vmid, a64VaOperand(lo, hi), hi >>> 16);
    case 'a64-va-all':
      return tlb.invalidateVa(vmid, a64VaOperand(lo, hi), ALL_ASIDS);
    case 'a64-asid':
      return tlb.invalidateAsid(vmid, hi >>> 16);
    case 'a64-ipa':
      return tlb.invalidateIpa(vmid, ((hi & 0xff) * 4294967296 + (lo >>> 0)) * 4096);
    case 'none':
      return;
  }
}
