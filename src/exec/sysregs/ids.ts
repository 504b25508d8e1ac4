/**
 * Named handles on the register model's storage, for the executors and the MMU glue.
 *
 * Every stored register is one 64-bit slot (two 32-bit halves). A `SysRegId` names a view of a
 * slot: the whole register, or the half that an AArch32 register is architecturally mapped to
 * (Arm ARM DDI 0487, D17/G8 register descriptions, "Configuration": e.g. TTBCR is TCR_EL1[31:0]
 * and TTBCR2 is TCR_EL1[63:32]; DFAR is FAR_EL1[31:0] and IFAR is FAR_EL1[63:32]).
 */

export type SysRegId = number;

/** How a view maps onto its slot. */
export const View = { Full: 0, Low: 1, High: 2 } as const;
export type View = (typeof View)[keyof typeof View];

const full = (slot: number): SysRegId => slot * 4 + View.Full;
const low = (slot: number): SysRegId => slot * 4 + View.Low;
const high = (slot: number): SysRegId => slot * 4 + View.High;

export const slotOf = (id: SysRegId): number => id >> 2;
export const viewOf = (id: SysRegId): View => (id & 3) as View;
/** The whole-register id of the slot that `id` views. */
export const fullId = (id: SysRegId): SysRegId => id & ~3;

/** Storage slots, one per 64-bit register. */
const Slot = {
  SCTLR: 0,
  ACTLR: 1,
  CPACR: 2,
  TTBR0: 3,
  TTBR1: 4,
  TCR: 5,
  DACR: 6,
  ESR: 7,
  IFSR: 8,
  AFSR0: 9,
  AFSR1: 10,
  FAR: 11,
  PAR: 12,
  MAIR: 13,
  AMAIR: 14,
  VBAR: 15,
  CONTEXTIDR: 16,
  TPIDR_EL0: 17,
  TPIDRRO_EL0: 18,
  TPIDR_EL1: 19,
  CSSELR: 20,
  CNTKCTL: 21,
  CNTP_CTL: 22,
  CNTP_CVAL: 23,
  CNTV_CTL: 24,
  CNTV_CVAL: 25,
  MDSCR: 26,
  OSLSR: 27,
  OSDLR: 28,
  DBGPRCR: 29,
  MDCCINT: 30,
  DBGBVR0: 31,
  DBGBVR1: 32,
  DBGBCR0: 33,
  DBGBCR1: 34,
  DBGWVR0: 35,
  DBGWVR1: 36,
  DBGWCR0: 37,
  DBGWCR1: 38,
  DBGVCR: 39,
} as const;

export const SLOT_COUNT = 40;

/** Register ids: AArch64 names are the whole register, AArch32 names the view they map to. */
export const SysReg = {
  SCTLR_EL1: full(Slot.SCTLR),
  SCTLR: full(Slot.SCTLR),
  ACTLR_EL1: full(Slot.ACTLR),
  ACTLR: low(Slot.ACTLR),
  ACTLR2: high(Slot.ACTLR),
  CPACR_EL1: full(Slot.CPACR),
  CPACR: full(Slot.CPACR),
  TTBR0_EL1: full(Slot.TTBR0),
  /** AArch32 TTBR0 is 64-bit with LPAE: get() is bits [31:0], getHigh() bits [63:32]. */
  TTBR0: full(Slot.TTBR0),
  TTBR1_EL1: full(Slot.TTBR1),
  TTBR1: full(Slot.TTBR1),
  TCR_EL1: full(Slot.TCR),
  TTBCR: low(Slot.TCR),
  TTBCR2: high(Slot.TCR),
  DACR: full(Slot.DACR),
  ESR_EL1: full(Slot.ESR),
  DFSR: low(Slot.ESR),
  IFSR: full(Slot.IFSR),
  AFSR0_EL1: full(Slot.AFSR0),
  ADFSR: low(Slot.AFSR0),
  AFSR1_EL1: full(Slot.AFSR1),
  AIFSR: low(Slot.AFSR1),
  FAR_EL1: full(Slot.FAR),
  DFAR: low(Slot.FAR),
  IFAR: high(Slot.FAR),
  PAR_EL1: full(Slot.PAR),
  PAR: full(Slot.PAR),
  MAIR_EL1: full(Slot.MAIR),
  PRRR: low(Slot.MAIR),
  MAIR0: low(Slot.MAIR),
  NMRR: high(Slot.MAIR),
  MAIR1: high(Slot.MAIR),
  AMAIR_EL1: full(Slot.AMAIR),
  AMAIR0: low(Slot.AMAIR),
  AMAIR1: high(Slot.AMAIR),
  VBAR_EL1: full(Slot.VBAR),
  VBAR: low(Slot.VBAR),
  CONTEXTIDR_EL1: full(Slot.CONTEXTIDR),
  CONTEXTIDR: low(Slot.CONTEXTIDR),
  TPIDR_EL0: full(Slot.TPIDR_EL0),
  TPIDRURW: low(Slot.TPIDR_EL0),
  TPIDRRO_EL0: full(Slot.TPIDRRO_EL0),
  TPIDRURO: low(Slot.TPIDRRO_EL0),
  TPIDR_EL1: full(Slot.TPIDR_EL1),
  TPIDRPRW: low(Slot.TPIDR_EL1),
  CSSELR_EL1: full(Slot.CSSELR),
  CSSELR: low(Slot.CSSELR),
  CNTKCTL_EL1: full(Slot.CNTKCTL),
  CNTKCTL: low(Slot.CNTKCTL),
  CNTP_CTL: full(Slot.CNTP_CTL),
  CNTP_CVAL: full(Slot.CNTP_CVAL),
  CNTV_CTL: full(Slot.CNTV_CTL),
  CNTV_CVAL: full(Slot.CNTV_CVAL),
  MDSCR_EL1: full(Slot.MDSCR),
  OSLSR_EL1: full(Slot.OSLSR),
  OSDLR_EL1: full(Slot.OSDLR),
  DBGPRCR_EL1: full(Slot.DBGPRCR),
  MDCCINT_EL1: full(Slot.MDCCINT),
  DBGBVR0_EL1: full(Slot.DBGBVR0),
  DBGBVR1_EL1: full(Slot.DBGBVR1),
  DBGBCR0_EL1: full(Slot.DBGBCR0),
  DBGBCR1_EL1: full(Slot.DBGBCR1),
  DBGWVR0_EL1: full(Slot.DBGWVR0),
  DBGWVR1_EL1: full(Slot.DBGWVR1),
  DBGWCR0_EL1: full(Slot.DBGWCR0),
  DBGWCR1_EL1: full(Slot.DBGWCR1),
  DBGVCR: full(Slot.DBGVCR),
} as const;

export type SysRegName = keyof typeof SysReg;
