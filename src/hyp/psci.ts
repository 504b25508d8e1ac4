/**
 * PSCI 1.0 (Arm DEN0022) over HVC, as KVM and Xen offer it to guests: the calls Linux and U-Boot
 * make to learn the version, bring secondary CPUs up and down, and power off or reset. The
 * function ID is in r0/w0, arguments in r1-r3/x1-x3, the result in r0/x0 (DEN0022 5.2). SMC32
 * IDs are 0x8400_00xx, SMC64 0xC400_00xx. What a call does to vCPUs is the VM runner's business
 * (PsciTarget); this file only decodes and answers.
 */
import type { TrappedVcpu } from '../exec/el2-gate';
import type { HypercallHandler } from './hypercalls';

/** Return codes (DEN0022 5.2.2). */
export const PSCI_RET = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  DENIED: -3,
  ALREADY_ON: -4,
  ON_PENDING: -5,
  INTERNAL_FAILURE: -6,
} as const;

/** Function numbers, the low byte of the function ID (DEN0022 5.1). */
const FN = {
  VERSION: 0x00,
  CPU_SUSPEND: 0x01,
  CPU_OFF: 0x02,
  CPU_ON: 0x03,
  AFFINITY_INFO: 0x04,
  MIGRATE: 0x05,
  MIGRATE_INFO_TYPE: 0x06,
  MIGRATE_INFO_UP_CPU: 0x07,
  SYSTEM_OFF: 0x08,
  SYSTEM_RESET: 0x09,
  FEATURES: 0x0a,
} as const;

/** PSCI 1.0: major 1 in [31:16], minor 0. */
export const PSCI_VERSION_1_0 = 0x0001_0000;

/** What PSCI asks of the VM: the runner owns the vCPUs' power states. */
export interface PsciTarget {
  /** vCPU index for an MPIDR affinity value (Aff0 = index here), or -1. */
  vcpuOfMpidr(mpidr: number): number;
  /** 'on', 'off' or 'on-pending'. */
  powerState(vcpu: number): 'on' | 'off' | 'on-pending';
  /** Start `vcpu` at `entry` (bit 0 = Thumb for AArch32) with `context` in r0/x0, MMU and caches off. */
  cpuOn(vcpu: number, entry: number, entryHigh: number, context: number, contextHigh: number): void;
  cpuOff(vcpu: number): void;
  systemOff(): void;
  systemReset(): void;
}

const SUPPORTED = new Set<number>([FN.VERSION, FN.CPU_SUSPEND, FN.CPU_OFF, FN.CPU_ON, FN.AFFINITY_INFO, FN.MIGRATE_INFO_TYPE, FN.SYSTEM_OFF, FN.SYSTEM_RESET, FN.FEATURES]);
/** Calls that exist as SMC64 too (DEN0022 table 5): the rest are 32-bit only. */
const HAS_64 = new Set<number>([FN.CPU_SUSPEND, FN.CPU_ON, FN.AFFINITY_INFO, FN.MIGRATE, FN.MIGRATE_INFO_UP_CPU]);

export class Psci implements HypercallHandler {
  /** Calls made, by function name (for the run's report). */
  readonly calls = new Map<string, number>();

  constructor(
    private readonly target: PsciTarget,
    private readonly aarch64: boolean,
  ) {}

  call(vcpu: number, imm16: number, _smc: boolean, regs: TrappedVcpu): boolean {
    if (imm16 !== 0) return false;
    const id = regs.readRegister(0) >>> 0;
    const family = (id & 0xffff_ff00) >>> 0;
    const is64 = family === 0xc400_0000;
    if (family !== 0x8400_0000 && !is64) return false;
    const fn = id & 0xff;
    const ret = (value: number) => regs.writeRegister(0, value >>> 0, this.aarch64 && value < 0 ? 0xffff_ffff : 0);
    if (!SUPPORTED.has(fn) || (is64 && !HAS_64.has(fn)) || (is64 && !this.aarch64)) {
      ret(PSCI_RET.NOT_SUPPORTED);
      return true;
    }
    this.calls.set(NAMES[fn], (this.calls.get(NAMES[fn]) ?? 0) + 1);
    const arg = (n: number) => regs.readRegister(n) >>> 0;
    const argHigh = (n: number) => (is64 ? regs.readRegisterHigh(n) >>> 0 : 0);
    switch (fn) {
      case FN.VERSION:
        ret(PSCI_VERSION_1_0);
        return true;
      case FN.FEATURES: {
        const asked = arg(1);
        const askedFamily = (asked & 0xffff_ff00) >>> 0;
        const known = askedFamily === 0x8400_0000 || (askedFamily === 0xc400_0000 && HAS_64.has(asked & 0xff) && this.aarch64);
        // CPU_SUSPEND's feature flags: original power-state format, no OS-initiated mode (DEN0022 5.15).
        ret(known && SUPPORTED.has(asked & 0xff) ? 0 : PSCI_RET.NOT_SUPPORTED);
        return true;
      }
      case FN.CPU_SUSPEND:
        // A standby request: return at once, as a wake-up may come any time (DEN0022 5.4).
        ret(PSCI_RET.SUCCESS);
        return true;
      case FN.CPU_OFF:
        this.target.cpuOff(vcpu);
        return true;
      case FN.CPU_ON: {
        const t = this.target.vcpuOfMpidr(arg(1));
        if (t < 0 || argHigh(1) !== 0) ret(PSCI_RET.INVALID_PARAMETERS);
        else if (this.target.powerState(t) === 'on') ret(PSCI_RET.ALREADY_ON);
        else if (this.target.powerState(t) === 'on-pending') ret(PSCI_RET.ON_PENDING);
        else {
          this.target.cpuOn(t, arg(2), argHigh(2), arg(3), argHigh(3));
          ret(PSCI_RET.SUCCESS);
        }
        return true;
      }
      case FN.AFFINITY_INFO: {
        if (arg(2) !== 0) {
          ret(PSCI_RET.INVALID_PARAMETERS); // only affinity level 0 is meaningful for a flat VM
          return true;
        }
        const t = this.target.vcpuOfMpidr(arg(1));
        if (t < 0) ret(PSCI_RET.INVALID_PARAMETERS);
        else ret({ on: 0, off: 1, 'on-pending': 2 }[this.target.powerState(t)]);
        return true;
      }
      case FN.MIGRATE_INFO_TYPE:
        ret(2); // no Trusted OS: nothing to migrate (DEN0022 5.9)
        return true;
      case FN.SYSTEM_OFF:
        this.target.systemOff();
        return true;
      case FN.SYSTEM_RESET:
        this.target.systemReset();
        return true;
    }
    return false;
  }
}

const NAMES: Record<number, string> = {
  [FN.VERSION]: 'PSCI_VERSION',
  [FN.CPU_SUSPEND]: 'CPU_SUSPEND',
  [FN.CPU_OFF]: 'CPU_OFF',
  [FN.CPU_ON]: 'CPU_ON',
  [FN.AFFINITY_INFO]: 'AFFINITY_INFO',
  [FN.MIGRATE]: 'MIGRATE',
  [FN.MIGRATE_INFO_TYPE]: 'MIGRATE_INFO_TYPE',
  [FN.MIGRATE_INFO_UP_CPU]: 'MIGRATE_INFO_UP_CPU',
  [FN.SYSTEM_OFF]: 'SYSTEM_OFF',
  [FN.SYSTEM_RESET]: 'SYSTEM_RESET',
  [FN.FEATURES]: 'PSCI_FEATURES',
};
