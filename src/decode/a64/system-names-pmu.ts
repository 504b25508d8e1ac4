/**
 * Performance Monitors Extension registers of Armv8.0-A (PMUv3; Arm ARM D11 "The Performance
 * Monitors Extension" and the PMU register descriptions). PMMIR_EL1 (Armv8.4) is left out.
 */
import { family, type SystemRegisterRow } from './system-register-row';

export const PMU_REGISTERS: readonly SystemRegisterRow[] = [
  ['PMINTENSET_EL1', 3, 0, 9, 14, 1, 'rw'],
  ['PMINTENCLR_EL1', 3, 0, 9, 14, 2, 'rw'],
  ['PMCR_EL0', 3, 3, 9, 12, 0, 'rw'],
  ['PMCNTENSET_EL0', 3, 3, 9, 12, 1, 'rw'],
  ['PMCNTENCLR_EL0', 3, 3, 9, 12, 2, 'rw'],
  ['PMOVSCLR_EL0', 3, 3, 9, 12, 3, 'rw'],
  // PMSWINC_EL0 only increments counters: write-only. PMCEID0/1_EL0 are identification: read-only.
  ['PMSWINC_EL0', 3, 3, 9, 12, 4, 'w'],
  ['PMSELR_EL0', 3, 3, 9, 12, 5, 'rw'],
  ['PMCEID0_EL0', 3, 3, 9, 12, 6, 'r'],
  ['PMCEID1_EL0', 3, 3, 9, 12, 7, 'r'],
  ['PMCCNTR_EL0', 3, 3, 9, 13, 0, 'rw'],
  ['PMXEVTYPER_EL0', 3, 3, 9, 13, 1, 'rw'],
  ['PMXEVCNTR_EL0', 3, 3, 9, 13, 2, 'rw'],
  ['PMUSERENR_EL0', 3, 3, 9, 14, 0, 'rw'],
  ['PMOVSSET_EL0', 3, 3, 9, 14, 3, 'rw'],
  // PMEVCNTR<n>_EL0: CRn 14, CRm = 0b10:n[4:3], op2 = n[2:0]; PMEVTYPER<n>_EL0: CRm = 0b11:n[4:3]; n = 0..30.
  ...family('PMEVCNTR<n>_EL0', 0, 30, 'rw', (n) => [3, 3, 14, 0b1000 | (n >>> 3), n & 7]),
  ...family('PMEVTYPER<n>_EL0', 0, 30, 'rw', (n) => [3, 3, 14, 0b1100 | (n >>> 3), n & 7]),
  // n = 31 of the PMEVTYPER pattern is the cycle counter's filter.
  ['PMCCFILTR_EL0', 3, 3, 14, 15, 7, 'rw'],
];
