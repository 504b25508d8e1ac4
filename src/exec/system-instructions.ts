/**
 * The contract between an executor and the system-register model (src/exec/sysregs).
 *
 * The executor decodes MCR/MRC/MCRR/MRRC or MSR/MRS/SYS/SYSL into the shared record
 * (src/decode/system-access.ts) and hands it over. The model decides, from HCR_EL2 and the
 * register table, whether the access is UNDEFINED, traps to EL2 (it builds the exact syndrome and
 * calls the EL2 gate), or completes (it reads or writes Rt through the context).
 *
 * PSTATE and the registers the executor itself owns (AArch32 CPSR/SPSR and banked registers,
 * AArch64 NZCV, DAIF, CurrentEL, SPSel, SP_EL0, SP_EL1) are handled by the executor before it
 * calls here.
 */
import type { CoprocAccess, SysAccess } from '../decode/system-access';
import type { TrappedVcpu } from './el2-gate';

/** Result of a system access. Done: the executor advances the PC. Trapped: went to EL2, whose
 * handler already set the return PC. Undefined: take the Undefined Instruction exception. */
export const AccessOutcome = { Done: 0, Trapped: 1, Undefined: 2 } as const;
export type AccessOutcome = (typeof AccessOutcome)[keyof typeof AccessOutcome];

/** What the system-register model needs of the CPU that executes the access. */
export interface SystemAccessContext extends TrappedVcpu {
  /** Exception level the access runs at: 0 (PL0/EL0) or 1 (PL1/EL1). */
  readonly el: number;
  /** AArch32 condition field of the instruction (ISS COND, reported with CV=1); 0xE for AArch64. */
  readonly cond: number;
  /** True for a 16-bit T32 instruction (ISS IL = 0). */
  readonly is16bit: boolean;
  /**
   * AArch32 PSTATE.M[4:0] of the accessing code (0x10 usr, 0x13 svc, ...); undefined for AArch64.
   * Needed because an AArch64 EL2 reports an AArch32 Rt in the AArch64 view of the registers
   * (R14 in SVC mode is X18; Arm ARM "Mapping of the general-purpose registers between the
   * Execution states"). Optional: without it the register number is reported as written.
   */
  readonly aarch32Mode?: number;
}

export interface SystemInstructionHandler {
  coproc(access: CoprocAccess, ctx: SystemAccessContext): AccessOutcome;
  sys(access: SysAccess, ctx: SystemAccessContext): AccessOutcome;
}
