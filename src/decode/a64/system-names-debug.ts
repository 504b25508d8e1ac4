/**
 * AArch64 self-hosted debug registers of Armv8.0-A (Arm ARM D13 "AArch64 Self-hosted Debug" and
 * the debug register descriptions in D17/D19): the op0=0b10 space (C5.3 "Moves to and from debug
 * and trace System registers"), op1 0 (EL1), 3 (EL0), 4 (EL2). Trace-unit registers (op1=1) are
 * left out: they belong to the optional ETM/ETE.
 */
import { family, type SystemRegisterRow } from './system-register-row';

export const DEBUG_REGISTERS: readonly SystemRegisterRow[] = [
  ['OSDTRRX_EL1', 2, 0, 0, 0, 2, 'rw'],
  ['MDCCINT_EL1', 2, 0, 0, 2, 0, 'rw'],
  ['MDSCR_EL1', 2, 0, 0, 2, 2, 'rw'],
  ['OSDTRTX_EL1', 2, 0, 0, 3, 2, 'rw'],
  ['OSECCR_EL1', 2, 0, 0, 6, 2, 'rw'],
  ['MDRAR_EL1', 2, 0, 1, 0, 0, 'r'],
  // OSLAR_EL1 is write-only and OSLSR_EL1 read-only: the OS Lock is set through one, seen through the other.
  ['OSLAR_EL1', 2, 0, 1, 0, 4, 'w'],
  ['OSLSR_EL1', 2, 0, 1, 1, 4, 'r'],
  ['OSDLR_EL1', 2, 0, 1, 3, 4, 'rw'],
  ['DBGPRCR_EL1', 2, 0, 1, 4, 4, 'rw'],
  ['DBGCLAIMSET_EL1', 2, 0, 7, 8, 6, 'rw'],
  ['DBGCLAIMCLR_EL1', 2, 0, 7, 9, 6, 'rw'],
  ['DBGAUTHSTATUS_EL1', 2, 0, 7, 14, 6, 'r'],
  // ThumbEE registers, AArch32 state only (DDI 0487A: TEECR32_EL1, TEEHBR32_EL1).
  ['TEECR32_EL1', 2, 2, 0, 0, 0, 'rw'],
  ['TEEHBR32_EL1', 2, 2, 1, 0, 0, 'rw'],
  // Debug Communications Channel at EL0. DBGDTRRX_EL0 (read) and DBGDTRTX_EL0 (write) share one encoding.
  ['MDCCSR_EL0', 2, 3, 0, 1, 0, 'r'],
  ['DBGDTR_EL0', 2, 3, 0, 4, 0, 'rw'],
  ['DBGDTRRX_EL0', 2, 3, 0, 5, 0, 'r'],
  ['DBGDTRTX_EL0', 2, 3, 0, 5, 0, 'w'],
  ['DBGVCR32_EL2', 2, 4, 0, 7, 0, 'rw'],
  // Breakpoint and watchpoint value/control registers: CRm = n, op2 = 4 (BVR), 5 (BCR), 6 (WVR), 7 (WCR); n = 0..15.
  ...family('DBGBVR<n>_EL1', 0, 15, 'rw', (n) => [2, 0, 0, n, 4]),
  ...family('DBGBCR<n>_EL1', 0, 15, 'rw', (n) => [2, 0, 0, n, 5]),
  ...family('DBGWVR<n>_EL1', 0, 15, 'rw', (n) => [2, 0, 0, n, 6]),
  ...family('DBGWCR<n>_EL1', 0, 15, 'rw', (n) => [2, 0, 0, n, 7]),
];
