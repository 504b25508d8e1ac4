/**
 * GICv3 CPU interface system registers (GIC architecture specification IHI 0069, chapter 12
 * "System register descriptions": ICC_* in 12.2, ICH_* in 12.5). The virtual interface ICV_*
 * registers share the ICC_* encodings (an EL1 access is redirected by ICH_HCR_EL2/HCR_EL2.{IMO,FMO}),
 * so the encoding prints as its ICC_* name. GICv3.3 NMI and GICv4.1 registers are left out.
 */
import { family, type SystemRegisterRow } from './system-register-row';

export const GIC_REGISTERS: readonly SystemRegisterRow[] = [
  ['ICC_PMR_EL1', 3, 0, 4, 6, 0, 'rw'],
  // Group 0: acknowledge and highest-pending are read-only, end-of-interrupt write-only.
  ['ICC_IAR0_EL1', 3, 0, 12, 8, 0, 'r'],
  ['ICC_EOIR0_EL1', 3, 0, 12, 8, 1, 'w'],
  ['ICC_HPPIR0_EL1', 3, 0, 12, 8, 2, 'r'],
  ['ICC_BPR0_EL1', 3, 0, 12, 8, 3, 'rw'],
  // Active priorities: ICC_AP0R<n>_EL1 at CRm 8, op2 = 4 + n; ICC_AP1R<n>_EL1 at CRm 9, op2 = n; n = 0..3.
  ...family('ICC_AP0R<n>_EL1', 0, 3, 'rw', (n) => [3, 0, 12, 8, 4 + n]),
  ...family('ICC_AP1R<n>_EL1', 0, 3, 'rw', (n) => [3, 0, 12, 9, n]),
  ['ICC_DIR_EL1', 3, 0, 12, 11, 1, 'w'],
  ['ICC_RPR_EL1', 3, 0, 12, 11, 3, 'r'],
  // SGI generation registers are write-only.
  ['ICC_SGI1R_EL1', 3, 0, 12, 11, 5, 'w'],
  ['ICC_ASGI1R_EL1', 3, 0, 12, 11, 6, 'w'],
  ['ICC_SGI0R_EL1', 3, 0, 12, 11, 7, 'w'],
  // Group 1.
  ['ICC_IAR1_EL1', 3, 0, 12, 12, 0, 'r'],
  ['ICC_EOIR1_EL1', 3, 0, 12, 12, 1, 'w'],
  ['ICC_HPPIR1_EL1', 3, 0, 12, 12, 2, 'r'],
  ['ICC_BPR1_EL1', 3, 0, 12, 12, 3, 'rw'],
  ['ICC_CTLR_EL1', 3, 0, 12, 12, 4, 'rw'],
  ['ICC_SRE_EL1', 3, 0, 12, 12, 5, 'rw'],
  ['ICC_IGRPEN0_EL1', 3, 0, 12, 12, 6, 'rw'],
  ['ICC_IGRPEN1_EL1', 3, 0, 12, 12, 7, 'rw'],
  // EL2: virtual CPU interface control. ICH_AP0R<n>_EL2 at CRm 8, ICH_AP1R<n>_EL2 at CRm 9, op2 = n; n = 0..3.
  ...family('ICH_AP0R<n>_EL2', 0, 3, 'rw', (n) => [3, 4, 12, 8, n]),
  ...family('ICH_AP1R<n>_EL2', 0, 3, 'rw', (n) => [3, 4, 12, 9, n]),
  ['ICC_SRE_EL2', 3, 4, 12, 9, 5, 'rw'],
  ['ICH_HCR_EL2', 3, 4, 12, 11, 0, 'rw'],
  // Type and status registers: read-only.
  ['ICH_VTR_EL2', 3, 4, 12, 11, 1, 'r'],
  ['ICH_MISR_EL2', 3, 4, 12, 11, 2, 'r'],
  ['ICH_EISR_EL2', 3, 4, 12, 11, 3, 'r'],
  ['ICH_ELRSR_EL2', 3, 4, 12, 11, 5, 'r'],
  ['ICH_VMCR_EL2', 3, 4, 12, 11, 7, 'rw'],
  // List registers ICH_LR<n>_EL2: CRm = 0b110:n[3], op2 = n[2:0]; n = 0..15.
  ...family('ICH_LR<n>_EL2', 0, 15, 'rw', (n) => [3, 4, 12, 0b1100 | (n >>> 3), n & 7]),
  // EL3.
  ['ICC_CTLR_EL3', 3, 6, 12, 12, 4, 'rw'],
  ['ICC_SRE_EL3', 3, 6, 12, 12, 5, 'rw'],
  ['ICC_IGRPEN1_EL3', 3, 6, 12, 12, 7, 'rw'],
];
