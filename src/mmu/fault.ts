/**
 * A failed memory access, as the translation and memory system report it. The executor turns it
 * into a guest Data/Prefetch Abort (stage 1) or an EL2 trap (stage 2, EC 0x20/0x24).
 *
 * Fault status codes are the long-descriptor/AArch64 DFSC/IFSC values (Arm ARM D17 "ESR_ELx",
 * ISS encoding for a Data Abort: DFSC). AArch32 short-descriptor FSR values are derived from
 * `kind` and `level` by the executor when it reports to a short-descriptor guest.
 */

export type FaultKind =
  | 'translation' // DFSC 0b0001LL
  | 'access-flag' // DFSC 0b0010LL
  | 'permission' // DFSC 0b0011LL
  | 'address-size' // DFSC 0b0000LL
  | 'alignment' // DFSC 0b100001
  | 'external' // DFSC 0b010000 (synchronous external abort, e.g. a hole in physical memory)
  | 'domain'; // short-descriptor only

export type FaultAccess = 'read' | 'write' | 'fetch';

export interface FaultInfo {
  readonly kind: FaultKind;
  /** Translation stage that faulted: 1 (guest tables) or 2 (the p2m). */
  readonly stage: 1 | 2;
  /** Lookup level of the descriptor that faulted (0..3); -1 where no level applies. */
  readonly level: number;
  readonly access: FaultAccess;
  /** Virtual address of the access (FAR). */
  readonly va: number;
  /** Intermediate physical address, known for stage-2 faults (HPFAR_EL2 holds ipa >> 12 << 4). */
  readonly ipa: number;
  /** True when a stage-2 fault happened on a stage-1 table walk (ESR ISS.S1PTW). */
  readonly s1ptw: boolean;
  /** For short-descriptor domain faults, the domain. */
  readonly domain?: number;
}

/** DFSC/IFSC (6 bits) of a fault, long-descriptor/AArch64 form (Arm ARM D17, ESR_ELx ISS DFSC). */
export function faultStatusCode(f: Pick<FaultInfo, 'kind' | 'level'>): number {
  const lvl = f.level < 0 ? 0 : f.level & 3;
  switch (f.kind) {
    case 'address-size':
      return 0b000000 | lvl;
    case 'translation':
      return 0b000100 | lvl;
    case 'access-flag':
      return 0b001000 | lvl;
    case 'permission':
      return 0b001100 | lvl;
    case 'external':
      return 0b010000;
    case 'alignment':
      return 0b100001;
    case 'domain':
      // Only reported through the short-descriptor FSR; long-descriptor has no domain faults.
      return 0b111101;
  }
}

/**
 * Thrown for every fault, including each MMIO access a hypervisor emulates (a guest polling its
 * UART raises hundreds of thousands): so no stack trace is captured (it names no guest state, and
 * capturing one cost ~20 us a fault in a deep interpreter stack) and the message is made only when read.
 */
export class MemoryAbort extends Error {
  constructor(readonly fault: FaultInfo) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super();
    Error.stackTraceLimit = limit;
    this.name = 'MemoryAbort';
  }

  override get message(): string {
    const fault = this.fault;
    return (
      `stage ${fault.stage} ${fault.kind} fault` +
      (fault.level >= 0 ? ` at level ${fault.level}` : '') +
      ` on ${fault.access} of VA 0x${fault.va.toString(16)}` +
      (fault.stage === 2 ? ` (IPA 0x${fault.ipa.toString(16)}${fault.s1ptw ? ', stage-1 table walk' : ''})` : '')
    );
  }
}
