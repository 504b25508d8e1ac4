/**
 * What a CPU's system instructions reach outside the CPU: caches, TLBs and the cache ID
 * registers of the physical CPU it runs on. The machine (src/hyp) implements it per vCPU and
 * re-points it when the scheduler moves the vCPU to another pCPU; the executor never knows.
 */

/** Data-cache maintenance by set/way (Arm ARM D7.5.9; AArch32 DCISW/DCCSW/DCCISW, G7). */
export type SetWayOp = 'isw' | 'csw' | 'cisw';

/** Data-cache maintenance by virtual address (DC IVAC/CVAC/CIVAC/CVAU/CVAP/ZVA; AArch32 DCIMVAC, DCCMVAC, DCCIMVAC, DCCMVAU). */
export type VaCacheOp = 'ivac' | 'cvac' | 'civac' | 'cvau' | 'cvap' | 'zva';

/** Instruction-cache and branch-predictor maintenance (IC IALLU/IALLUIS/IVAU; AArch32 ICIALLU, ICIALLUIS, ICIMVAU, BPIALL...). */
export type InstructionCacheOp = 'iallu' | 'ialluis' | 'ivau' | 'bpiall';

export interface CacheIdentification {
  /** CLIDR / CLIDR_EL1 as this PE reports it (Arm ARM D17 "CLIDR_EL1"). */
  clidr(): number;
  /** CCSIDR for the cache CSSELR selects (32-bit format, D17 "CCSIDR_EL1"); 0 for a cache that does not exist. */
  ccsidr(csselr: number): number;
  /** CTR / CTR_EL0 (D17 "CTR_EL0"). */
  ctr(): number;
}

export interface SystemPort {
  readonly cacheId: CacheIdentification;
  /** A set/way operation that runs on this PE (not trapped, or executed by a policy on the guest's behalf). */
  dataCacheSetWay(op: SetWayOp, operand: number): void;
  /** A data-cache operation by VA; the port translates `va` as a read would (D7.5.10). */
  dataCacheByVa(op: VaCacheOp, va: number): void;
  instructionCache(op: InstructionCacheOp, va: number): void;
  /**
   * A TLB maintenance instruction. `op` is the register name as the Arm ARM spells it
   * (e.g. 'TLBIALL', 'TLBIMVA', 'VMALLE1', 'VAE1'); `operand` the value of Rt (low 32 bits; the
   * high half in `operandHi` for AArch64).
   */
  tlbInvalidate(op: string, operand: number, operandHi: number): void;
  /** A register that controls stage-1 translation changed (SCTLR, TTBRn, TTBCR/TCR, MAIR, DACR...). */
  translationControlChanged(): void;
}
