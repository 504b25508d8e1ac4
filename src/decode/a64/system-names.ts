/**
 * Names of A64 system registers and system-instruction aliases for the disassembler, keyed by
 * `sysKey` (op0, op1, CRn, CRm, op2). Armv8.0-A registers only (Arm ARM D17 register
 * descriptions; C5.3 for DC/IC/TLBI/AT), plus the debug, PMU and GICv3 CPU interface families in
 * their own files. Others print in the generic S<op0>_<op1>_C<n>_C<m>_<op2> form.
 */
import { sysKey } from '../system-access';
import { DEBUG_REGISTERS } from './system-names-debug';
import { GIC_REGISTERS } from './system-names-gic';
import { PMU_REGISTERS } from './system-names-pmu';
import type { SystemRegisterRow } from './system-register-row';

function k(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return sysKey({ op0, op1, crn, crm, op2 });
}

const CORE_REGISTERS: readonly SystemRegisterRow[] = [
  // Identification (D17.2)
  ['MIDR_EL1', 3, 0, 0, 0, 0, 'r'],
  ['MPIDR_EL1', 3, 0, 0, 0, 5, 'r'],
  ['REVIDR_EL1', 3, 0, 0, 0, 6, 'r'],
  ['ID_PFR0_EL1', 3, 0, 0, 1, 0, 'r'],
  ['ID_PFR1_EL1', 3, 0, 0, 1, 1, 'r'],
  ['ID_DFR0_EL1', 3, 0, 0, 1, 2, 'r'],
  ['ID_AFR0_EL1', 3, 0, 0, 1, 3, 'r'],
  ['ID_MMFR0_EL1', 3, 0, 0, 1, 4, 'r'],
  ['ID_MMFR1_EL1', 3, 0, 0, 1, 5, 'r'],
  ['ID_MMFR2_EL1', 3, 0, 0, 1, 6, 'r'],
  ['ID_MMFR3_EL1', 3, 0, 0, 1, 7, 'r'],
  ['ID_ISAR0_EL1', 3, 0, 0, 2, 0, 'r'],
  ['ID_ISAR1_EL1', 3, 0, 0, 2, 1, 'r'],
  ['ID_ISAR2_EL1', 3, 0, 0, 2, 2, 'r'],
  ['ID_ISAR3_EL1', 3, 0, 0, 2, 3, 'r'],
  ['ID_ISAR4_EL1', 3, 0, 0, 2, 4, 'r'],
  ['ID_ISAR5_EL1', 3, 0, 0, 2, 5, 'r'],
  ['MVFR0_EL1', 3, 0, 0, 3, 0, 'r'],
  ['MVFR1_EL1', 3, 0, 0, 3, 1, 'r'],
  ['MVFR2_EL1', 3, 0, 0, 3, 2, 'r'],
  ['ID_AA64PFR0_EL1', 3, 0, 0, 4, 0, 'r'],
  ['ID_AA64PFR1_EL1', 3, 0, 0, 4, 1, 'r'],
  ['ID_AA64DFR0_EL1', 3, 0, 0, 5, 0, 'r'],
  ['ID_AA64DFR1_EL1', 3, 0, 0, 5, 1, 'r'],
  ['ID_AA64AFR0_EL1', 3, 0, 0, 5, 4, 'r'],
  ['ID_AA64AFR1_EL1', 3, 0, 0, 5, 5, 'r'],
  ['ID_AA64ISAR0_EL1', 3, 0, 0, 6, 0, 'r'],
  ['ID_AA64ISAR1_EL1', 3, 0, 0, 6, 1, 'r'],
  ['ID_AA64MMFR0_EL1', 3, 0, 0, 7, 0, 'r'],
  ['ID_AA64MMFR1_EL1', 3, 0, 0, 7, 1, 'r'],
  ['CCSIDR_EL1', 3, 1, 0, 0, 0, 'r'],
  ['CLIDR_EL1', 3, 1, 0, 0, 1, 'r'],
  ['AIDR_EL1', 3, 1, 0, 0, 7, 'r'],
  ['CSSELR_EL1', 3, 2, 0, 0, 0, 'rw'],
  ['CTR_EL0', 3, 3, 0, 0, 1, 'r'],
  ['DCZID_EL0', 3, 3, 0, 0, 7, 'r'],
  ['VPIDR_EL2', 3, 4, 0, 0, 0, 'rw'],
  ['VMPIDR_EL2', 3, 4, 0, 0, 5, 'rw'],
  // System control, translation (D17.2)
  ['SCTLR_EL1', 3, 0, 1, 0, 0, 'rw'],
  ['ACTLR_EL1', 3, 0, 1, 0, 1, 'rw'],
  ['CPACR_EL1', 3, 0, 1, 0, 2, 'rw'],
  ['SCTLR_EL2', 3, 4, 1, 0, 0, 'rw'],
  ['ACTLR_EL2', 3, 4, 1, 0, 1, 'rw'],
  ['HCR_EL2', 3, 4, 1, 1, 0, 'rw'],
  ['MDCR_EL2', 3, 4, 1, 1, 1, 'rw'],
  ['CPTR_EL2', 3, 4, 1, 1, 2, 'rw'],
  ['HSTR_EL2', 3, 4, 1, 1, 3, 'rw'],
  ['HACR_EL2', 3, 4, 1, 1, 7, 'rw'],
  ['SCTLR_EL3', 3, 6, 1, 0, 0, 'rw'],
  ['ACTLR_EL3', 3, 6, 1, 0, 1, 'rw'],
  ['SCR_EL3', 3, 6, 1, 1, 0, 'rw'],
  ['SDER32_EL3', 3, 6, 1, 1, 1, 'rw'],
  ['CPTR_EL3', 3, 6, 1, 1, 2, 'rw'],
  ['MDCR_EL3', 3, 6, 1, 3, 1, 'rw'],
  ['TTBR0_EL1', 3, 0, 2, 0, 0, 'rw'],
  ['TTBR1_EL1', 3, 0, 2, 0, 1, 'rw'],
  ['TCR_EL1', 3, 0, 2, 0, 2, 'rw'],
  ['TTBR0_EL2', 3, 4, 2, 0, 0, 'rw'],
  ['TCR_EL2', 3, 4, 2, 0, 2, 'rw'],
  ['VTTBR_EL2', 3, 4, 2, 1, 0, 'rw'],
  ['VTCR_EL2', 3, 4, 2, 1, 2, 'rw'],
  ['TTBR0_EL3', 3, 6, 2, 0, 0, 'rw'],
  ['TCR_EL3', 3, 6, 2, 0, 2, 'rw'],
  ['DACR32_EL2', 3, 4, 3, 0, 0, 'rw'],
  // Exception handling and PSTATE (C5.2)
  ['SPSR_EL1', 3, 0, 4, 0, 0, 'rw'],
  ['ELR_EL1', 3, 0, 4, 0, 1, 'rw'],
  ['SP_EL0', 3, 0, 4, 1, 0, 'rw'],
  ['SPSel', 3, 0, 4, 2, 0, 'rw'],
  ['CurrentEL', 3, 0, 4, 2, 2, 'r'],
  ['NZCV', 3, 3, 4, 2, 0, 'rw'],
  ['DAIF', 3, 3, 4, 2, 1, 'rw'],
  ['FPCR', 3, 3, 4, 4, 0, 'rw'],
  ['FPSR', 3, 3, 4, 4, 1, 'rw'],
  ['DSPSR_EL0', 3, 3, 4, 5, 0, 'rw'],
  ['DLR_EL0', 3, 3, 4, 5, 1, 'rw'],
  ['SPSR_EL2', 3, 4, 4, 0, 0, 'rw'],
  ['ELR_EL2', 3, 4, 4, 0, 1, 'rw'],
  ['SP_EL1', 3, 4, 4, 1, 0, 'rw'],
  ['SPSR_irq', 3, 4, 4, 3, 0, 'rw'],
  ['SPSR_abt', 3, 4, 4, 3, 1, 'rw'],
  ['SPSR_und', 3, 4, 4, 3, 2, 'rw'],
  ['SPSR_fiq', 3, 4, 4, 3, 3, 'rw'],
  ['SPSR_EL3', 3, 6, 4, 0, 0, 'rw'],
  ['ELR_EL3', 3, 6, 4, 0, 1, 'rw'],
  ['SP_EL2', 3, 6, 4, 1, 0, 'rw'],
  ['IFSR32_EL2', 3, 4, 5, 0, 1, 'rw'],
  ['AFSR0_EL1', 3, 0, 5, 1, 0, 'rw'],
  ['AFSR1_EL1', 3, 0, 5, 1, 1, 'rw'],
  ['ESR_EL1', 3, 0, 5, 2, 0, 'rw'],
  ['AFSR0_EL2', 3, 4, 5, 1, 0, 'rw'],
  ['AFSR1_EL2', 3, 4, 5, 1, 1, 'rw'],
  ['ESR_EL2', 3, 4, 5, 2, 0, 'rw'],
  ['FPEXC32_EL2', 3, 4, 5, 3, 0, 'rw'],
  ['AFSR0_EL3', 3, 6, 5, 1, 0, 'rw'],
  ['AFSR1_EL3', 3, 6, 5, 1, 1, 'rw'],
  ['ESR_EL3', 3, 6, 5, 2, 0, 'rw'],
  ['FAR_EL1', 3, 0, 6, 0, 0, 'rw'],
  ['FAR_EL2', 3, 4, 6, 0, 0, 'rw'],
  ['HPFAR_EL2', 3, 4, 6, 0, 4, 'rw'],
  ['FAR_EL3', 3, 6, 6, 0, 0, 'rw'],
  ['PAR_EL1', 3, 0, 7, 4, 0, 'rw'],
  ['MAIR_EL1', 3, 0, 10, 2, 0, 'rw'],
  ['AMAIR_EL1', 3, 0, 10, 3, 0, 'rw'],
  ['MAIR_EL2', 3, 4, 10, 2, 0, 'rw'],
  ['AMAIR_EL2', 3, 4, 10, 3, 0, 'rw'],
  ['MAIR_EL3', 3, 6, 10, 2, 0, 'rw'],
  ['AMAIR_EL3', 3, 6, 10, 3, 0, 'rw'],
  ['VBAR_EL1', 3, 0, 12, 0, 0, 'rw'],
  ['RVBAR_EL1', 3, 0, 12, 0, 1, 'r'],
  ['RMR_EL1', 3, 0, 12, 0, 2, 'rw'],
  ['ISR_EL1', 3, 0, 12, 1, 0, 'r'],
  ['VBAR_EL2', 3, 4, 12, 0, 0, 'rw'],
  ['RVBAR_EL2', 3, 4, 12, 0, 1, 'r'],
  ['RMR_EL2', 3, 4, 12, 0, 2, 'rw'],
  ['VBAR_EL3', 3, 6, 12, 0, 0, 'rw'],
  ['RVBAR_EL3', 3, 6, 12, 0, 1, 'r'],
  ['RMR_EL3', 3, 6, 12, 0, 2, 'rw'],
  ['CONTEXTIDR_EL1', 3, 0, 13, 0, 1, 'rw'],
  ['TPIDR_EL1', 3, 0, 13, 0, 4, 'rw'],
  ['TPIDR_EL0', 3, 3, 13, 0, 2, 'rw'],
  ['TPIDRRO_EL0', 3, 3, 13, 0, 3, 'rw'],
  ['TPIDR_EL2', 3, 4, 13, 0, 2, 'rw'],
  ['TPIDR_EL3', 3, 6, 13, 0, 2, 'rw'],
  // Generic timer (D17.8)
  ['CNTKCTL_EL1', 3, 0, 14, 1, 0, 'rw'],
  ['CNTFRQ_EL0', 3, 3, 14, 0, 0, 'rw'],
  ['CNTPCT_EL0', 3, 3, 14, 0, 1, 'r'],
  ['CNTVCT_EL0', 3, 3, 14, 0, 2, 'r'],
  ['CNTP_TVAL_EL0', 3, 3, 14, 2, 0, 'rw'],
  ['CNTP_CTL_EL0', 3, 3, 14, 2, 1, 'rw'],
  ['CNTP_CVAL_EL0', 3, 3, 14, 2, 2, 'rw'],
  ['CNTV_TVAL_EL0', 3, 3, 14, 3, 0, 'rw'],
  ['CNTV_CTL_EL0', 3, 3, 14, 3, 1, 'rw'],
  ['CNTV_CVAL_EL0', 3, 3, 14, 3, 2, 'rw'],
  ['CNTVOFF_EL2', 3, 4, 14, 0, 3, 'rw'],
  ['CNTHCTL_EL2', 3, 4, 14, 1, 0, 'rw'],
  ['CNTHP_TVAL_EL2', 3, 4, 14, 2, 0, 'rw'],
  ['CNTHP_CTL_EL2', 3, 4, 14, 2, 1, 'rw'],
  ['CNTHP_CVAL_EL2', 3, 4, 14, 2, 2, 'rw'],
  ['CNTPS_TVAL_EL1', 3, 7, 14, 2, 0, 'rw'],
  ['CNTPS_CTL_EL1', 3, 7, 14, 2, 1, 'rw'],
  ['CNTPS_CVAL_EL1', 3, 7, 14, 2, 2, 'rw'],
];

/** Every named register, for the disassembler and for tests that sweep the table. */
export const SYSTEM_REGISTER_ROWS: readonly SystemRegisterRow[] = [...CORE_REGISTERS, ...DEBUG_REGISTERS, ...PMU_REGISTERS, ...GIC_REGISTERS];

const READ_NAMES = new Map<number, string>();
const WRITE_NAMES = new Map<number, string>();
for (const [name, op0, op1, crn, crm, op2, rw] of SYSTEM_REGISTER_ROWS) {
  const key = k(op0, op1, crn, crm, op2);
  if (rw !== 'w') READ_NAMES.set(key, name);
  if (rw !== 'r') WRITE_NAMES.set(key, name);
}

/** Register name for MRS (`read`) or MSR, or null if this table has none. */
export function systemRegisterName(key: number, read: boolean): string | null {
  return (read ? READ_NAMES : WRITE_NAMES).get(key) ?? null;
}

/** A SYS alias: the instruction (dc/ic/tlbi/at), the operation, and whether it takes Xt. */
export interface SysAlias {
  readonly instruction: 'dc' | 'ic' | 'tlbi' | 'at';
  readonly operation: string;
  readonly takesRegister: boolean;
}

const SYS_ALIASES = new Map<number, SysAlias>();
function alias(instruction: SysAlias['instruction'], operation: string, op1: number, crn: number, crm: number, op2: number, takesRegister = true): void {
  SYS_ALIASES.set(k(1, op1, crn, crm, op2), { instruction, operation, takesRegister });
}
// DC (C5.3.x): by set/way at op1 0, by VA at op1 3.
alias('dc', 'ivac', 0, 7, 6, 1);
alias('dc', 'isw', 0, 7, 6, 2);
alias('dc', 'csw', 0, 7, 10, 2);
alias('dc', 'cisw', 0, 7, 14, 2);
alias('dc', 'zva', 3, 7, 4, 1);
alias('dc', 'cvac', 3, 7, 10, 1);
alias('dc', 'cvau', 3, 7, 11, 1);
alias('dc', 'civac', 3, 7, 14, 1);
// IC
alias('ic', 'ialluis', 0, 7, 1, 0, false);
alias('ic', 'iallu', 0, 7, 5, 0, false);
alias('ic', 'ivau', 3, 7, 5, 1);
// AT
alias('at', 's1e1r', 0, 7, 8, 0);
alias('at', 's1e1w', 0, 7, 8, 1);
alias('at', 's1e0r', 0, 7, 8, 2);
alias('at', 's1e0w', 0, 7, 8, 3);
alias('at', 's1e2r', 4, 7, 8, 0);
alias('at', 's1e2w', 4, 7, 8, 1);
alias('at', 's12e1r', 4, 7, 8, 4);
alias('at', 's12e1w', 4, 7, 8, 5);
alias('at', 's12e0r', 4, 7, 8, 6);
alias('at', 's12e0w', 4, 7, 8, 7);
alias('at', 's1e3r', 6, 7, 8, 0);
alias('at', 's1e3w', 6, 7, 8, 1);
// TLBI (C5.5): [op1, CRm, op2, name, takes Xt]
const TLBI: readonly [number, number, number, string, boolean][] = [
  [0, 3, 0, 'vmalle1is', false],
  [0, 3, 1, 'vae1is', true],
  [0, 3, 2, 'aside1is', true],
  [0, 3, 3, 'vaae1is', true],
  [0, 3, 5, 'vale1is', true],
  [0, 3, 7, 'vaale1is', true],
  [0, 7, 0, 'vmalle1', false],
  [0, 7, 1, 'vae1', true],
  [0, 7, 2, 'aside1', true],
  [0, 7, 3, 'vaae1', true],
  [0, 7, 5, 'vale1', true],
  [0, 7, 7, 'vaale1', true],
  [4, 0, 1, 'ipas2e1is', true],
  [4, 0, 5, 'ipas2le1is', true],
  [4, 3, 0, 'alle2is', false],
  [4, 3, 1, 'vae2is', true],
  [4, 3, 4, 'alle1is', false],
  [4, 3, 5, 'vale2is', true],
  [4, 3, 6, 'vmalls12e1is', false],
  [4, 4, 1, 'ipas2e1', true],
  [4, 4, 5, 'ipas2le1', true],
  [4, 7, 0, 'alle2', false],
  [4, 7, 1, 'vae2', true],
  [4, 7, 4, 'alle1', false],
  [4, 7, 5, 'vale2', true],
  [4, 7, 6, 'vmalls12e1', false],
  [6, 3, 0, 'alle3is', false],
  [6, 3, 1, 'vae3is', true],
  [6, 3, 5, 'vale3is', true],
  [6, 7, 0, 'alle3', false],
  [6, 7, 1, 'vae3', true],
  [6, 7, 5, 'vale3', true],
];
for (const [op1, crm, op2, name, reg] of TLBI) alias('tlbi', name, op1, 8, crm, op2, reg);

/** The DC/IC/TLBI/AT alias of a SYS encoding, or null. */
export function sysAlias(key: number): SysAlias | null {
  return SYS_ALIASES.get(key) ?? null;
}
