/**
 * PSCI function IDs (Arm DEN0022 "Power State Coordination Interface", chapter 5, the function ID table):
 * the SMC32 form (0x84000000 + n) and, for calls that pass addresses, the SMC64 form
 * (0xC4000000 + n) an AArch64 caller uses.
 */

export const PSCI_0_2_FN_BASE_32 = 0x8400_0000;
export const PSCI_0_2_FN_BASE_64 = 0xc400_0000;

export const PSCI_FN = {
  version: 0x00,
  cpuSuspend: 0x01,
  cpuOff: 0x02,
  cpuOn: 0x03,
  affinityInfo: 0x04,
  migrate: 0x05,
  migrateInfoType: 0x06,
  migrateInfoUpCpu: 0x07,
  systemOff: 0x08,
  systemReset: 0x09,
  features: 0x0a,
} as const;

/**
 * The IDs a PSCI 0.1 client reads from the DTB's /psci node (binding arm,psci: cpu_suspend,
 * cpu_off, cpu_on, migrate). For 0.2+ firmware these are the standard IDs, in the convention of
 * the caller's register width; CPU_OFF takes no address, so it is SMC32 for both.
 */
export function psci01FunctionIds(isa: 'a32' | 'a64'): {
  cpuSuspend: number;
  cpuOff: number;
  cpuOn: number;
  migrate: number;
} {
  const addressBase = isa === 'a64' ? PSCI_0_2_FN_BASE_64 : PSCI_0_2_FN_BASE_32;
  return {
    cpuSuspend: addressBase + PSCI_FN.cpuSuspend,
    cpuOff: PSCI_0_2_FN_BASE_32 + PSCI_FN.cpuOff,
    cpuOn: addressBase + PSCI_FN.cpuOn,
    migrate: addressBase + PSCI_FN.migrate,
  };
}
