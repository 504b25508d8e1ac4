/**
 * The guest's stage 1 translation controls, as plain values the exec layer copies from the
 * system registers whenever one of them changes (SCTLR, TTBR0/1, TTBCR/TCR, MAIR/PRRR/NMRR,
 * DACR, CONTEXTIDR for AArch32; SCTLR_EL1, TTBR0/1_EL1, TCR_EL1, MAIR_EL1 for AArch64).
 * 64-bit registers are given as halves; unused fields stay 0.
 */

/**
 * 'off': stage 1 disabled whatever SCTLR.M says (e.g. before the guest's registers are known).
 * 'short': AArch32 short-descriptor (TTBCR.EAE = 0). 'lpae': AArch32 long-descriptor
 * (TTBCR.EAE = 1). 'a64': AArch64 EL1&0 regime, 4 KB granule.
 */
export type Stage1Format = 'off' | 'short' | 'lpae' | 'a64';

export interface Stage1Regime {
  readonly format: Stage1Format;
  /** SCTLR / SCTLR_EL1 bits [31:0]: M[0], C[2], I[12], WXN[19], UWXN[20] (AArch32), TRE[28], AFE[29] (AArch32). */
  readonly sctlr: number;
  /** TTBR0 / TTBR0_EL1 (AArch32 short-descriptor: the 32-bit TTBR0 in `ttbr0Lo`). */
  readonly ttbr0Lo: number;
  readonly ttbr0Hi: number;
  readonly ttbr1Lo: number;
  readonly ttbr1Hi: number;
  /** TTBCR (AArch32) or TCR_EL1 bits [31:0]. */
  readonly tcrLo: number;
  /** TCR_EL1 bits [63:32] (IPS[34:32], AS[36], ...); TTBCR2 for AArch32 is not modelled. */
  readonly tcrHi: number;
  /** MAIR_EL1 halves, or MAIR0 (lo) / MAIR1 (hi) for 'lpae'. */
  readonly mairLo: number;
  readonly mairHi: number;
  /** PRRR and NMRR, for 'short' with SCTLR.TRE = 1. */
  readonly prrr: number;
  readonly nmrr: number;
  /** DACR, for 'short'. */
  readonly dacr: number;
  /** CONTEXTIDR; its bits [7:0] are the ASID for 'short'. */
  readonly contextidr: number;
}

/** SCTLR / SCTLR_EL1 bits (D17 "SCTLR_EL1"; G8 "SCTLR"). */
export const SCTLR = {
  M: 1 << 0,
  C: 1 << 2,
  I: 1 << 12,
  WXN: 1 << 19,
  UWXN: 1 << 20,
  TRE: 1 << 28,
  AFE: 1 << 29,
} as const;

/** Stage 1 off: a vCPU out of reset. */
export const STAGE1_OFF: Stage1Regime = Object.freeze({
  format: 'off',
  sctlr: 0,
  ttbr0Lo: 0,
  ttbr0Hi: 0,
  ttbr1Lo: 0,
  ttbr1Hi: 0,
  tcrLo: 0,
  tcrHi: 0,
  mairLo: 0,
  mairHi: 0,
  prrr: 0,
  nmrr: 0,
  dacr: 0,
  contextidr: 0,
});

export function stage1Regime(fields: Partial<Stage1Regime>): Stage1Regime {
  return Object.freeze({ ...STAGE1_OFF, ...fields });
}

/** Whether stage 1 translates (format known and SCTLR.M set). */
export function stage1Enabled(r: Stage1Regime): boolean {
  return r.format !== 'off' && (r.sctlr & SCTLR.M) !== 0;
}

/**
 * The ASID that tags this regime's non-global TLB entries: CONTEXTIDR[7:0] for short
 * descriptors; TTBR0 or TTBR1 (TTBCR.A1 / TCR_EL1.A1, bit 22) bits [63:48] otherwise, 8 bits
 * unless TCR_EL1.AS (bit 36) selects 16 (G5 "ASID"; D8 "Translation Lookaside Buffers").
 */
export function currentAsid(r: Stage1Regime): number {
  if (r.format === 'short') return r.contextidr & 0xff;
  const hi = (r.tcrLo & (1 << 22)) !== 0 ? r.ttbr1Hi : r.ttbr0Hi;
  const sixteen = r.format === 'a64' && (r.tcrHi & (1 << 4)) !== 0;
  return (hi >>> 16) & (sixteen ? 0xffff : 0xff);
}
