/**
 * How a guest CPU reaches the (virtual) EL2 above it. Traps travel up through this interface,
 * never through an import: src/hyp implements it, src/exec only calls it.
 *
 * The executor builds the exact ESR_EL2/HSR value for what trapped (src/exec syndrome encoding)
 * and calls `takeTrap`. The hypervisor decides from the syndrome and the guest's registers only,
 * as a real one does; the guest's PC still points at the trapping instruction, and the handler
 * normally calls `skipInstruction()` (ELR_EL2 += 4, or 2 for a 16-bit T32 instruction).
 */

/** HCR_EL2 / HCR bit positions (Arm ARM D17 "HCR_EL2"; AArch32 HCR in G8 has the same low 32 bits). */
export const HCR = {
  VM: 1 << 0,
  SWIO: 1 << 1,
  PTW: 1 << 2,
  FMO: 1 << 3,
  IMO: 1 << 4,
  AMO: 1 << 5,
  FB: 1 << 9,
  DC: 1 << 12,
  TWI: 1 << 13,
  TWE: 1 << 14,
  TID0: 1 << 15,
  TID1: 1 << 16,
  TID2: 1 << 17,
  TID3: 1 << 18,
  TSC: 1 << 19,
  TIDCP: 1 << 20,
  TAC: 1 << 21,
  TSW: 1 << 22,
  TPC: 1 << 23,
  TPU: 1 << 24,
  TTLB: 1 << 25,
  TVM: 1 << 26,
  TGE: 1 << 27,
  TDZ: 1 << 28,
  HCD: 1 << 29,
  TRVM: 1 << 30,
  RW: 1 << 31,
} as const;
/** HCR_EL2.FWB is bit 46: bit 14 of the high word (FEAT_S2FWB). */
export const HCR_HI_FWB = 1 << (46 - 32);

/** The trapped vCPU as the EL2 handler sees it: its general registers and its return address. */
export interface TrappedVcpu {
  /** Register n (R0-R14 / X0-X30; 31 reads as zero for A64). Low 32 bits. */
  readRegister(n: number): number;
  /** High 32 bits of Xn (0 for AArch32). */
  readRegisterHigh(n: number): number;
  writeRegister(n: number, low: number, high?: number): void;
  /** Return to the instruction after the trapping one (ELR_EL2 + instruction length). */
  skipInstruction(): void;
  /** Make the trapping instruction UNDEFINED in the guest (an Undefined Instruction exception at EL1). */
  injectUndefined(): void;
  /** Inject a synchronous Data Abort into the guest at EL1 for `va` with long-descriptor status `fsc`. */
  injectDataAbort(va: number, fsc: number, write: boolean): void;
  /** Stop running this vCPU after the handler returns (guest halted, e.g. its final HVC). */
  halt(reason: string): void;
}

export interface TrapDetail {
  /** FAR_EL2/HDFAR/HIFAR for aborts; 0 otherwise. */
  readonly far: number;
  /** HPFAR_EL2 for stage-2 aborts (IPA[47:12] in bits [43:4]), as a number; 0 otherwise. */
  readonly hpfar: number;
}

export interface El2Gate {
  /** HCR_EL2 bits [31:0] in force for this vCPU. Read on every system access that may trap. */
  readonly hcr: number;
  /** HCR_EL2 bits [63:32]. */
  readonly hcrHigh: number;
  /** A synchronous exception to EL2 with syndrome `esr` (ESR_EL2 / HSR). */
  takeTrap(esr: number, detail: TrapDetail, vcpu: TrappedVcpu): void;
}

/** An EL2 that traps nothing: a guest running on bare metal (tests, `setway run` with no hypervisor). */
export class BareMetal implements El2Gate {
  hcr = 0;
  hcrHigh = 0;
  takeTrap(esr: number): void {
    throw new Error(`trap to EL2 (ESR 0x${(esr >>> 0).toString(16)}) with no hypervisor present`);
  }
}
