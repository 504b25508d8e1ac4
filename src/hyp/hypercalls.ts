/**
 * What the virtual EL2 does with an HVC (and an SMC trapped by HCR.TSC) other than the ROMs'
 * `HVC #0` stop: a platform installs a handler (PSCI, src/platform/psci.ts). It reads and writes
 * the guest's registers through TrappedVcpu, as a hypervisor's hypercall path does.
 */
import type { TrappedVcpu } from '../exec/el2-gate';

export interface HypercallHandler {
  /** `imm16` is the HVC/SMC immediate; `smc` says which instruction. Return false if unhandled. */
  call(vcpu: number, imm16: number, smc: boolean, regs: TrappedVcpu): boolean;
}
