/**
 * AArch32 processor modes and register banking (Arm ARM G1.7 "AArch32 PE modes, Exception
 * levels..." and G1.8 "Banked registers"; CPSR.M encodings in G8 "CPSR").
 */
export const Mode = {
  USR: 0x10,
  FIQ: 0x11,
  IRQ: 0x12,
  SVC: 0x13,
  MON: 0x16,
  ABT: 0x17,
  HYP: 0x1a,
  UND: 0x1b,
  SYS: 0x1f,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Index of the R13/R14/SPSR bank a mode uses: USR and SYS share bank 0 (and have no SPSR). */
export const Bank = { USR: 0, FIQ: 1, IRQ: 2, SVC: 3, ABT: 4, UND: 5, MON: 6, HYP: 7 } as const;

/** Bank index of a mode, or -1 for an encoding that is not a mode. */
export function bankOf(mode: number): number {
  switch (mode & 0x1f) {
    case Mode.USR:
    case Mode.SYS:
      return Bank.USR;
    case Mode.FIQ:
      return Bank.FIQ;
    case Mode.IRQ:
      return Bank.IRQ;
    case Mode.SVC:
      return Bank.SVC;
    case Mode.ABT:
      return Bank.ABT;
    case Mode.UND:
      return Bank.UND;
    case Mode.MON:
      return Bank.MON;
    case Mode.HYP:
      return Bank.HYP;
    default:
      return -1;
  }
}

/**
 * Modes a guest at PL1 (Non-secure EL1) may enter. Monitor and Hyp belong to EL3/EL2, and the
 * reserved encodings are not modes: a write of any of them is an illegal mode change (Arm ARM
 * G1.9.4 "Illegal changes to PSTATE.M", G1.10 "Illegal exception returns from AArch32").
 */
export function isGuestMode(mode: number): boolean {
  const b = bankOf(mode);
  return b >= 0 && b !== Bank.MON && b !== Bank.HYP;
}

export const MODE_NAMES: Record<number, string> = {
  0x10: 'usr', 0x11: 'fiq', 0x12: 'irq', 0x13: 'svc', 0x16: 'mon', 0x17: 'abt', 0x1a: 'hyp', 0x1b: 'und', 0x1f: 'sys',
};

/** CPSR bit positions (Arm ARM G8 "CPSR", "SPSR"). */
export const Psr = {
  N: 1 << 31,
  Z: 1 << 30,
  C: 1 << 29,
  V: 1 << 28,
  Q: 1 << 27,
  J: 1 << 24,
  IL: 1 << 20,
  GE_SHIFT: 16,
  E: 1 << 9,
  A: 1 << 8,
  I: 1 << 7,
  F: 1 << 6,
  T: 1 << 5,
  M_MASK: 0x1f,
  /** IT[1:0] bits[26:25], IT[7:2] bits[15:10]. */
  IT_MASK: (3 << 25) | (0x3f << 10),
} as const;
