/**
 * The one system-register table for AArch32 and AArch64: one row per register or system
 * instruction, with its AArch32 encodings (MCR/MRC and MCRR/MRRC, coproc 15), its AArch64
 * encoding (MSR/MRS/SYS), the HCR_EL2 bit that traps it, who may access it at EL0, and what an
 * access does. Decode-to-name, trap decisions, syndromes and traces all read this table; a new
 * register is one row.
 *
 * Encodings: Arm ARM DDI 0487, G8 register descriptions ("Accessing ...") and the AArch32
 * "System register encoding space" tables; D17/C5 for AArch64. Traps: D17 "HCR_EL2", the lists
 * under TVM, TRVM, TID1, TID2, TID3, TSW, TPCP (was TPC), TPU, TTLB, TACR, TDZ, TIDCP.
 * Architectural mappings (which AArch32 register is which half of which AArch64 one): the
 * "Configuration" paragraph of each register description.
 */
import type { InstructionCacheOp, SetWayOp, VaCacheOp } from '../system-port';
import { type SysRegId, SysReg, View, fullId } from './ids';

/** The HCR_EL2 bits that trap system-register accesses (names as in `HCR`, src/exec/el2-gate.ts). */
export type HcrTrapBit = 'TVM' | 'TRVM' | 'TID1' | 'TID2' | 'TID3' | 'TSW' | 'TPC' | 'TPU' | 'TTLB' | 'TACR' | 'TDZ';

/**
 * Who may use an encoding at EL0. 'none': UNDEFINED at EL0. 'rw'/'ro': always (read-only at EL0
 * for 'ro'). The others depend on a control; when it is 0 the access traps to EL1:
 * 'uct' SCTLR_EL1.UCT (CTR_EL0), 'uci' SCTLR_EL1.UCI (DC CVAU/CVAC/CIVAC/CVAP, IC IVAU),
 * 'dze' SCTLR_EL1.DZE (DC ZVA), 'cntpct'/'cntvct'/'cntfrq'/'cntp'/'cntv' CNTKCTL_EL1.EL0PCTEN,
 * EL0VCTEN, either of those two, EL0PTEN, EL0VTEN. 'cp15ben': AArch32 CP15DMB/DSB/ISB, which
 * SCTLR.CP15BEN enables at EL0 and EL1 alike (UNDEFINED when 0).
 */
export type El0Rule = 'none' | 'rw' | 'ro' | 'uct' | 'uci' | 'dze' | 'cp15ben' | 'cntpct' | 'cntvct' | 'cntfrq' | 'cntp' | 'cntv';

export interface CoprocEncoding {
  /** The Arm ARM name, e.g. 'DCCISW', 'TTBR0'. */
  readonly name: string;
  /** Second name for the same encoding, e.g. PRRR is MAIR0 when TTBCR.EAE is 1. */
  readonly alias?: string;
  readonly coproc: number;
  readonly opc1: number;
  readonly crn: number;
  readonly crm: number;
  readonly opc2: number;
  /** MCRR/MRRC form. */
  readonly wide: boolean;
  /** Which half of the row's 64-bit register this encoding reaches (View.Full for MCRR/MRRC). */
  readonly view: View;
  readonly el0: El0Rule;
}

export interface SysEncoding {
  /** The Arm ARM name: 'SCTLR_EL1' for a register, 'DC CISW' / 'TLBI VMALLE1' for an instruction. */
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly el0: El0Rule;
}

/** Source of a read-only identification value. */
export type IdentSource = 'midr' | 'mpidr' | 'revidr' | 'id' | 'dczid' | 'cntfrq' | 'dbgdidr' | 'zero';

export type Behaviour =
  | { readonly kind: 'storage' }
  | { readonly kind: 'ident'; readonly source: IdentSource }
  | { readonly kind: 'cache-id'; readonly which: 'ctr' | 'clidr' | 'ccsidr' | 'ccsidr2' }
  | { readonly kind: 'set-way'; readonly op: SetWayOp }
  | { readonly kind: 'cache-va'; readonly op: VaCacheOp }
  | { readonly kind: 'icache'; readonly op: InstructionCacheOp }
  | { readonly kind: 'tlb' }
  | { readonly kind: 'barrier' }
  | { readonly kind: 'at' }
  | { readonly kind: 'counter'; readonly timer: 'physical' | 'virtual' }
  | { readonly kind: 'timer-ctl' | 'timer-cval' | 'timer-tval'; readonly timer: 'physical' | 'virtual' }
  | { readonly kind: 'raz-wi' }
  /** OSLAR_EL1: a write sets OSLSR_EL1.OSLK to bit 0 of the value (D17 "OSLAR_EL1"). */
  | { readonly kind: 'os-lock' }
  /** AArch32 DBGOSLAR: the key 0xC5ACCE55 sets DBGOSLSR.OSLK, any other value clears it (G8 "DBGOSLAR"). */
  /** Served by the executor itself (PSTATE, ELR_EL1, SPSR_EL1, SP_EL0, FP control); listed for decode and traces. */
  | { readonly kind: 'cpu' };

export type Direction = 'rw' | 'ro' | 'wo';

export interface SysRegRow {
  /** Short unique key, e.g. 'SCTLR', 'DCCISW', 'MAIR'. */
  readonly key: string;
  readonly a32: readonly CoprocEncoding[];
  readonly a64: readonly SysEncoding[];
  readonly direction: Direction;
  /** HCR_EL2 bit that traps reads (MRC/MRRC/MRS) at EL1 (and at EL0 where EL0 may access it). */
  readonly trapRead?: HcrTrapBit;
  /** HCR_EL2 bit that traps writes and system instructions (MCR/MCRR/MSR/SYS). */
  readonly trapWrite?: HcrTrapBit;
  readonly behaviour: Behaviour;
  /** Storage, for 'storage' and timer rows. */
  readonly reg?: SysRegId;
  /** Reset value (low, high); 0 when absent (architecturally UNKNOWN registers reset to 0 here). */
  readonly reset?: readonly [number, number];
  /** Writable bits of the low and high halves; all bits when absent. */
  readonly writeMask?: readonly [number, number];
  /** Bits of the stored value a read returns (a read-only view of some fields); all when absent. */
  readonly readMask?: readonly [number, number];
  /** A write changes stage-1 translation: the model calls SystemPort.translationControlChanged(). */
  readonly translationControl?: boolean;
  /** Optional feature the row needs; absent features make the encodings UNDEFINED. */
  readonly feature?: 'CCIDX' | 'FP';
}

// --- builders -------------------------------------------------------------------------------

function mcr(name: string, opc1: number, crn: number, crm: number, opc2: number, view: View = View.Full, el0: El0Rule = 'none', alias?: string): CoprocEncoding {
  return { name, alias, coproc: 15, opc1, crn, crm, opc2, wide: false, view, el0 };
}
/** A cp14 (debug) MCR/MRC encoding: the AArch32 view of the self-hosted debug registers (G8 "DBG*"). */
function cp14(name: string, opc1: number, crn: number, crm: number, opc2: number, view: View = View.Full): CoprocEncoding {
  return { name, coproc: 14, opc1, crn, crm, opc2, wide: false, view, el0: 'none' };
}
function mcrr(name: string, opc1: number, crm: number, el0: El0Rule = 'none'): CoprocEncoding {
  return { name, coproc: 15, opc1, crn: 0, crm, opc2: 0, wide: true, view: View.Full, el0 };
}
function msr(name: string, op0: number, op1: number, crn: number, crm: number, op2: number, el0: El0Rule = 'none'): SysEncoding {
  return { name, op0, op1, crn, crm, op2, el0 };
}

type RowBase = Omit<SysRegRow, 'key' | 'a32' | 'a64' | 'behaviour' | 'direction'>;

function row(key: string, direction: Direction, behaviour: Behaviour, a32: CoprocEncoding[], a64: SysEncoding[], more: RowBase = {}): SysRegRow {
  return { key, a32, a64, direction, behaviour, ...more };
}

/** A VM control register (HCR_EL2.TVM traps writes, TRVM reads) that controls translation when `tc`. */
function vmControl(key: string, reg: SysRegId, a32: CoprocEncoding[], a64: SysEncoding[], tc: boolean, reset?: readonly [number, number]): SysRegRow {
  return row(key, 'rw', { kind: 'storage' }, a32, a64, { reg, trapWrite: 'TVM', trapRead: 'TRVM', translationControl: tc || undefined, reset });
}

const ID_GROUP3_A32: readonly (readonly [number, number, string])[] = [
  // CRm, opc2, name (G8 "ID_PFR0" ... "ID_ISAR6"; all opc1=0, CRn=c0)
  [1, 0, 'ID_PFR0'],
  [1, 1, 'ID_PFR1'],
  [1, 2, 'ID_DFR0'],
  [1, 3, 'ID_AFR0'],
  [1, 4, 'ID_MMFR0'],
  [1, 5, 'ID_MMFR1'],
  [1, 6, 'ID_MMFR2'],
  [1, 7, 'ID_MMFR3'],
  [2, 0, 'ID_ISAR0'],
  [2, 1, 'ID_ISAR1'],
  [2, 2, 'ID_ISAR2'],
  [2, 3, 'ID_ISAR3'],
  [2, 4, 'ID_ISAR4'],
  [2, 5, 'ID_ISAR5'],
  [2, 6, 'ID_MMFR4'],
];

const ID_GROUP3_A64_ONLY: readonly (readonly [number, number, string])[] = [
  // CRm, op2, name (D17; op0=3, op1=0, CRn=0)
  [3, 0, 'MVFR0_EL1'],
  [3, 1, 'MVFR1_EL1'],
  [3, 2, 'MVFR2_EL1'],
  [4, 0, 'ID_AA64PFR0_EL1'],
  [4, 1, 'ID_AA64PFR1_EL1'],
  [5, 0, 'ID_AA64DFR0_EL1'],
  [5, 1, 'ID_AA64DFR1_EL1'],
  [5, 4, 'ID_AA64AFR0_EL1'],
  [5, 5, 'ID_AA64AFR1_EL1'],
  [6, 0, 'ID_AA64ISAR0_EL1'],
  [6, 1, 'ID_AA64ISAR1_EL1'],
  [7, 0, 'ID_AA64MMFR0_EL1'],
  [7, 1, 'ID_AA64MMFR1_EL1'],
  [7, 2, 'ID_AA64MMFR2_EL1'],
];

/**
 * The ID register space the Arm ARM reserves for future ID registers: AArch64 op0=3, op1=0,
 * CRn=0, CRm={1-7}, any op2 (D17.1 "ID register space": unallocated encodings there are RAZ,
 * and HCR_EL2.TID3 traps them), and the AArch32 view of it, p15 opc1=0, CRn=c0, CRm={c3-c7}
 * (G8 "Reserved ID registers"), plus CRm=c2 opc2=7. A guest of a later architecture reads them
 * (ID_AA64ISAR2_EL1, ID_AA64ZFR0_EL1, ID_ISAR6...) and sees 0: no feature. Generic names
 * (S3_0_C0_C4_4) because most have none in Armv8.0.
 */
function reservedIdRows(): SysRegRow {
  const position = ([crm, op2]: readonly [number, number, string]) => `${crm},${op2}`;
  const takenA32 = new Set<string>(ID_GROUP3_A32.map(position));
  // The A64-only registers (MVFR*_EL1, ID_AA64*) have no CP15 encoding: AArch32 reaches MVFRn
  // through VMRS, so p15 c0 c3-c7 at those positions are reserved too.
  const takenA64 = new Set<string>([...takenA32, ...ID_GROUP3_A64_ONLY.map(position)]);
  const a32: CoprocEncoding[] = [];
  const a64: SysEncoding[] = [];
  for (let crm = 1; crm <= 7; crm++) {
    for (let op2 = 0; op2 <= 7; op2++) {
      const at = `${crm},${op2}`;
      if (!takenA64.has(at)) a64.push(msr(`S3_0_C0_C${crm}_${op2}`, 3, 0, 0, crm, op2));
      if (crm >= 2 && !takenA32.has(at)) a32.push(mcr(`ID_RESERVED_c${crm}_${op2}`, 0, 0, crm, op2));
    }
  }
  return row('ID_RESERVED', 'ro', { kind: 'ident', source: 'zero' }, a32, a64, { trapRead: 'TID3' });
}

/** TLB maintenance, HCR_EL2.TTLB: AArch32 name, opc1, CRn, CRm, opc2, and the AArch64 instruction with the same function. */
const TLB_OPS: readonly (readonly [string, number, number, number, number, string | null])[] = [
  ['TLBIALLIS', 0, 8, 3, 0, 'TLBI VMALLE1IS'],
  ['TLBIMVAIS', 0, 8, 3, 1, 'TLBI VAE1IS'],
  ['TLBIASIDIS', 0, 8, 3, 2, 'TLBI ASIDE1IS'],
  ['TLBIMVAAIS', 0, 8, 3, 3, 'TLBI VAAE1IS'],
  ['TLBIMVALIS', 0, 8, 3, 5, 'TLBI VALE1IS'],
  ['TLBIMVAALIS', 0, 8, 3, 7, 'TLBI VAALE1IS'],
  ['ITLBIALL', 0, 8, 5, 0, null],
  ['ITLBIMVA', 0, 8, 5, 1, null],
  ['ITLBIASID', 0, 8, 5, 2, null],
  ['DTLBIALL', 0, 8, 6, 0, null],
  ['DTLBIMVA', 0, 8, 6, 1, null],
  ['DTLBIASID', 0, 8, 6, 2, null],
  ['TLBIALL', 0, 8, 7, 0, 'TLBI VMALLE1'],
  ['TLBIMVA', 0, 8, 7, 1, 'TLBI VAE1'],
  ['TLBIASID', 0, 8, 7, 2, 'TLBI ASIDE1'],
  ['TLBIMVAA', 0, 8, 7, 3, 'TLBI VAAE1'],
  ['TLBIMVAL', 0, 8, 7, 5, 'TLBI VALE1'],
  ['TLBIMVAAL', 0, 8, 7, 7, 'TLBI VAALE1'],
];

function tlbRows(): SysRegRow[] {
  return TLB_OPS.map(([name, opc1, crn, crm, opc2, a64]) =>
    row(name, 'wo', { kind: 'tlb' }, [mcr(name, opc1, crn, crm, opc2)], a64 ? [msr(a64, 1, 0, crn, crm, opc2)] : [], { trapWrite: 'TTLB' }),
  );
}

/** SCTLR/SCTLR_EL1 reset value: Cortex-A53 TRM, "SCTLR_EL1" (RES1 bits, CP15BEN, SA0, SA). */
export const SCTLR_RESET = 0x00c50838;

export const SYSREG_ROWS: readonly SysRegRow[] = [
  // --- identification (c0) ---
  row('MIDR', 'ro', { kind: 'ident', source: 'midr' }, [mcr('MIDR', 0, 0, 0, 0)], [msr('MIDR_EL1', 3, 0, 0, 0, 0)]),
  row('CTR', 'ro', { kind: 'cache-id', which: 'ctr' }, [mcr('CTR', 0, 0, 0, 1)], [msr('CTR_EL0', 3, 3, 0, 0, 1, 'uct')], { trapRead: 'TID2' }),
  row('TCMTR', 'ro', { kind: 'ident', source: 'zero' }, [mcr('TCMTR', 0, 0, 0, 2)], [], { trapRead: 'TID1' }),
  row('TLBTR', 'ro', { kind: 'ident', source: 'zero' }, [mcr('TLBTR', 0, 0, 0, 3)], [], { trapRead: 'TID1' }),
  row('MPIDR', 'ro', { kind: 'ident', source: 'mpidr' }, [mcr('MPIDR', 0, 0, 0, 5)], [msr('MPIDR_EL1', 3, 0, 0, 0, 5)]),
  row('REVIDR', 'ro', { kind: 'ident', source: 'revidr' }, [mcr('REVIDR', 0, 0, 0, 6)], [msr('REVIDR_EL1', 3, 0, 0, 0, 6)], { trapRead: 'TID1' }),
  ...ID_GROUP3_A32.map(([crm, opc2, name]) =>
    row(name, 'ro', { kind: 'ident', source: 'id' }, [mcr(name, 0, 0, crm, opc2)], [msr(`${name}_EL1`, 3, 0, 0, crm, opc2)], { trapRead: 'TID3' }),
  ),
  ...ID_GROUP3_A64_ONLY.map(([crm, op2, name]) => row(name, 'ro', { kind: 'ident', source: 'id' }, [], [msr(name, 3, 0, 0, crm, op2)], { trapRead: 'TID3' })),
  row('CCSIDR', 'ro', { kind: 'cache-id', which: 'ccsidr' }, [mcr('CCSIDR', 1, 0, 0, 0)], [msr('CCSIDR_EL1', 3, 1, 0, 0, 0)], { trapRead: 'TID2' }),
  row('CLIDR', 'ro', { kind: 'cache-id', which: 'clidr' }, [mcr('CLIDR', 1, 0, 0, 1)], [msr('CLIDR_EL1', 3, 1, 0, 0, 1)], { trapRead: 'TID2' }),
  row('CCSIDR2', 'ro', { kind: 'cache-id', which: 'ccsidr2' }, [mcr('CCSIDR2', 1, 0, 0, 2)], [msr('CCSIDR2_EL1', 3, 1, 0, 0, 2)], {
    trapRead: 'TID2',
    feature: 'CCIDX',
  }),
  row('AIDR', 'ro', { kind: 'ident', source: 'zero' }, [mcr('AIDR', 1, 0, 0, 7)], [msr('AIDR_EL1', 3, 1, 0, 0, 7)], { trapRead: 'TID1' }),
  // CSSELR: Level[3:1], InD[0]; TID2 traps reads and writes (D17 "HCR_EL2.TID2").
  row('CSSELR', 'rw', { kind: 'storage' }, [mcr('CSSELR', 2, 0, 0, 0, View.Low)], [msr('CSSELR_EL1', 3, 2, 0, 0, 0)], {
    reg: SysReg.CSSELR_EL1,
    trapRead: 'TID2',
    trapWrite: 'TID2',
    writeMask: [0xf, 0],
  }),
  row('DCZID', 'ro', { kind: 'ident', source: 'dczid' }, [], [msr('DCZID_EL0', 3, 3, 0, 0, 7, 'ro')]),
  reservedIdRows(),

  // --- system control (c1) ---
  vmControl('SCTLR', SysReg.SCTLR_EL1, [mcr('SCTLR', 0, 1, 0, 0)], [msr('SCTLR_EL1', 3, 0, 1, 0, 0)], true, [SCTLR_RESET, 0]),
  row('ACTLR', 'rw', { kind: 'storage' }, [mcr('ACTLR', 0, 1, 0, 1, View.Low), mcr('ACTLR2', 0, 1, 0, 3, View.High)], [msr('ACTLR_EL1', 3, 0, 1, 0, 1)], {
    reg: SysReg.ACTLR_EL1,
    trapRead: 'TACR',
    trapWrite: 'TACR',
  }),
  // With no FP/Advanced SIMD and no trace every field of CPACR/CPACR_EL1 (FPEN, cp10/cp11, ASEDIS,
  // D32DIS, TTA/TRCDIS) is RES0: RAZ/WI (D17 "CPACR_EL1", G8 "CPACR").
  row('CPACR', 'rw', { kind: 'storage' }, [mcr('CPACR', 0, 1, 0, 2)], [msr('CPACR_EL1', 3, 0, 1, 0, 2)], { reg: SysReg.CPACR_EL1, writeMask: [0, 0] }),

  // --- translation (c2, c3) ---
  vmControl('TTBR0', SysReg.TTBR0_EL1, [mcr('TTBR0', 0, 2, 0, 0, View.Low), mcrr('TTBR0', 0, 2)], [msr('TTBR0_EL1', 3, 0, 2, 0, 0)], true),
  vmControl('TTBR1', SysReg.TTBR1_EL1, [mcr('TTBR1', 0, 2, 0, 1, View.Low), mcrr('TTBR1', 1, 2)], [msr('TTBR1_EL1', 3, 0, 2, 0, 1)], true),
  vmControl('TCR', SysReg.TCR_EL1, [mcr('TTBCR', 0, 2, 0, 2, View.Low), mcr('TTBCR2', 0, 2, 0, 3, View.High)], [msr('TCR_EL1', 3, 0, 2, 0, 2)], true),
  vmControl('DACR', SysReg.DACR, [mcr('DACR', 0, 3, 0, 0)], [], true),

  // --- fault status and address (c5, c6) ---
  vmControl('ESR', SysReg.ESR_EL1, [mcr('DFSR', 0, 5, 0, 0, View.Low)], [msr('ESR_EL1', 3, 0, 5, 2, 0)], false),
  vmControl('IFSR', SysReg.IFSR, [mcr('IFSR', 0, 5, 0, 1)], [], false),
  vmControl('AFSR0', SysReg.AFSR0_EL1, [mcr('ADFSR', 0, 5, 1, 0, View.Low)], [msr('AFSR0_EL1', 3, 0, 5, 1, 0)], false),
  vmControl('AFSR1', SysReg.AFSR1_EL1, [mcr('AIFSR', 0, 5, 1, 1, View.Low)], [msr('AFSR1_EL1', 3, 0, 5, 1, 1)], false),
  vmControl('FAR', SysReg.FAR_EL1, [mcr('DFAR', 0, 6, 0, 0, View.Low), mcr('IFAR', 0, 6, 0, 2, View.High)], [msr('FAR_EL1', 3, 0, 6, 0, 0)], false),
  row('PAR', 'rw', { kind: 'storage' }, [mcr('PAR', 0, 7, 4, 0, View.Low), mcrr('PAR', 0, 7)], [msr('PAR_EL1', 3, 0, 7, 4, 0)], { reg: SysReg.PAR_EL1 }),

  // --- cache maintenance (c7) ---
  row('ICIALLUIS', 'wo', { kind: 'icache', op: 'ialluis' }, [mcr('ICIALLUIS', 0, 7, 1, 0)], [msr('IC IALLUIS', 1, 0, 7, 1, 0)], { trapWrite: 'TPU' }),
  row('BPIALLIS', 'wo', { kind: 'icache', op: 'bpiall' }, [mcr('BPIALLIS', 0, 7, 1, 6)], []),
  row('ICIALLU', 'wo', { kind: 'icache', op: 'iallu' }, [mcr('ICIALLU', 0, 7, 5, 0)], [msr('IC IALLU', 1, 0, 7, 5, 0)], { trapWrite: 'TPU' }),
  row('ICIMVAU', 'wo', { kind: 'icache', op: 'ivau' }, [mcr('ICIMVAU', 0, 7, 5, 1)], [msr('IC IVAU', 1, 3, 7, 5, 1, 'uci')], { trapWrite: 'TPU' }),
  row('CP15ISB', 'wo', { kind: 'barrier' }, [mcr('CP15ISB', 0, 7, 5, 4, View.Full, 'cp15ben')], []),
  row('BPIALL', 'wo', { kind: 'icache', op: 'bpiall' }, [mcr('BPIALL', 0, 7, 5, 6)], []),
  row('BPIMVA', 'wo', { kind: 'icache', op: 'bpiall' }, [mcr('BPIMVA', 0, 7, 5, 7)], []),
  row('DCIMVAC', 'wo', { kind: 'cache-va', op: 'ivac' }, [mcr('DCIMVAC', 0, 7, 6, 1)], [msr('DC IVAC', 1, 0, 7, 6, 1)], { trapWrite: 'TPC' }),
  row('DCISW', 'wo', { kind: 'set-way', op: 'isw' }, [mcr('DCISW', 0, 7, 6, 2)], [msr('DC ISW', 1, 0, 7, 6, 2)], { trapWrite: 'TSW' }),
  row('DCZVA', 'wo', { kind: 'cache-va', op: 'zva' }, [], [msr('DC ZVA', 1, 3, 7, 4, 1, 'dze')], { trapWrite: 'TDZ' }),
  row('ATS1CPR', 'wo', { kind: 'at' }, [mcr('ATS1CPR', 0, 7, 8, 0)], [msr('AT S1E1R', 1, 0, 7, 8, 0)]),
  row('ATS1CPW', 'wo', { kind: 'at' }, [mcr('ATS1CPW', 0, 7, 8, 1)], [msr('AT S1E1W', 1, 0, 7, 8, 1)]),
  row('ATS1CUR', 'wo', { kind: 'at' }, [mcr('ATS1CUR', 0, 7, 8, 2)], [msr('AT S1E0R', 1, 0, 7, 8, 2)]),
  row('ATS1CUW', 'wo', { kind: 'at' }, [mcr('ATS1CUW', 0, 7, 8, 3)], [msr('AT S1E0W', 1, 0, 7, 8, 3)]),
  row('DCCMVAC', 'wo', { kind: 'cache-va', op: 'cvac' }, [mcr('DCCMVAC', 0, 7, 10, 1)], [msr('DC CVAC', 1, 3, 7, 10, 1, 'uci')], { trapWrite: 'TPC' }),
  row('DCCSW', 'wo', { kind: 'set-way', op: 'csw' }, [mcr('DCCSW', 0, 7, 10, 2)], [msr('DC CSW', 1, 0, 7, 10, 2)], { trapWrite: 'TSW' }),
  row('CP15DSB', 'wo', { kind: 'barrier' }, [mcr('CP15DSB', 0, 7, 10, 4, View.Full, 'cp15ben')], []),
  row('CP15DMB', 'wo', { kind: 'barrier' }, [mcr('CP15DMB', 0, 7, 10, 5, View.Full, 'cp15ben')], []),
  row('DCCMVAU', 'wo', { kind: 'cache-va', op: 'cvau' }, [mcr('DCCMVAU', 0, 7, 11, 1)], [msr('DC CVAU', 1, 3, 7, 11, 1, 'uci')], { trapWrite: 'TPU' }),
  row('DCCVAP', 'wo', { kind: 'cache-va', op: 'cvap' }, [], [msr('DC CVAP', 1, 3, 7, 12, 1, 'uci')], { trapWrite: 'TPC' }),
  row('DCCIMVAC', 'wo', { kind: 'cache-va', op: 'civac' }, [mcr('DCCIMVAC', 0, 7, 14, 1)], [msr('DC CIVAC', 1, 3, 7, 14, 1, 'uci')], { trapWrite: 'TPC' }),
  row('DCCISW', 'wo', { kind: 'set-way', op: 'cisw' }, [mcr('DCCISW', 0, 7, 14, 2)], [msr('DC CISW', 1, 0, 7, 14, 2)], { trapWrite: 'TSW' }),

  // --- TLB maintenance (c8) ---
  ...tlbRows(),

  // --- memory attributes (c10) ---
  vmControl('MAIR', SysReg.MAIR_EL1, [mcr('PRRR', 0, 10, 2, 0, View.Low, 'none', 'MAIR0'), mcr('NMRR', 0, 10, 2, 1, View.High, 'none', 'MAIR1')], [msr('MAIR_EL1', 3, 0, 10, 2, 0)], true),
  vmControl('AMAIR', SysReg.AMAIR_EL1, [mcr('AMAIR0', 0, 10, 3, 0, View.Low), mcr('AMAIR1', 0, 10, 3, 1, View.High)], [msr('AMAIR_EL1', 3, 0, 10, 3, 0)], false),

  // --- vectors, interrupts (c12) ---
  row('VBAR', 'rw', { kind: 'storage' }, [mcr('VBAR', 0, 12, 0, 0, View.Low)], [msr('VBAR_EL1', 3, 0, 12, 0, 0)], { reg: SysReg.VBAR_EL1 }),
  row('ISR', 'ro', { kind: 'ident', source: 'zero' }, [mcr('ISR', 0, 12, 1, 0)], [msr('ISR_EL1', 3, 0, 12, 1, 0)]),

  // --- context and thread ids (c13) ---
  row('FCSEIDR', 'rw', { kind: 'raz-wi' }, [mcr('FCSEIDR', 0, 13, 0, 0)], []),
  vmControl('CONTEXTIDR', SysReg.CONTEXTIDR_EL1, [mcr('CONTEXTIDR', 0, 13, 0, 1, View.Low)], [msr('CONTEXTIDR_EL1', 3, 0, 13, 0, 1)], true),
  row('TPIDR_EL0', 'rw', { kind: 'storage' }, [mcr('TPIDRURW', 0, 13, 0, 2, View.Low, 'rw')], [msr('TPIDR_EL0', 3, 3, 13, 0, 2, 'rw')], { reg: SysReg.TPIDR_EL0 }),
  row('TPIDRRO_EL0', 'rw', { kind: 'storage' }, [mcr('TPIDRURO', 0, 13, 0, 3, View.Low, 'ro')], [msr('TPIDRRO_EL0', 3, 3, 13, 0, 3, 'ro')], {
    reg: SysReg.TPIDRRO_EL0,
  }),
  row('TPIDR_EL1', 'rw', { kind: 'storage' }, [mcr('TPIDRPRW', 0, 13, 0, 4, View.Low)], [msr('TPIDR_EL1', 3, 0, 13, 0, 4)], { reg: SysReg.TPIDR_EL1 }),

  // --- generic timer (c14) ---
  // CNTFRQ is writable only at the highest implemented EL; with EL2 present it is read-only at EL1.
  row('CNTFRQ', 'ro', { kind: 'ident', source: 'cntfrq' }, [mcr('CNTFRQ', 0, 14, 0, 0, View.Full, 'cntfrq')], [msr('CNTFRQ_EL0', 3, 3, 14, 0, 0, 'cntfrq')]),
  row('CNTKCTL', 'rw', { kind: 'storage' }, [mcr('CNTKCTL', 0, 14, 1, 0, View.Low)], [msr('CNTKCTL_EL1', 3, 0, 14, 1, 0)], { reg: SysReg.CNTKCTL_EL1 }),
  row('CNTPCT', 'ro', { kind: 'counter', timer: 'physical' }, [mcrr('CNTPCT', 0, 14, 'cntpct')], [msr('CNTPCT_EL0', 3, 3, 14, 0, 1, 'cntpct')]),
  row('CNTVCT', 'ro', { kind: 'counter', timer: 'virtual' }, [mcrr('CNTVCT', 1, 14, 'cntvct')], [msr('CNTVCT_EL0', 3, 3, 14, 0, 2, 'cntvct')]),
  row('CNTP_TVAL', 'rw', { kind: 'timer-tval', timer: 'physical' }, [mcr('CNTP_TVAL', 0, 14, 2, 0, View.Full, 'cntp')], [msr('CNTP_TVAL_EL0', 3, 3, 14, 2, 0, 'cntp')], {
    reg: SysReg.CNTP_CVAL,
  }),
  row('CNTP_CTL', 'rw', { kind: 'timer-ctl', timer: 'physical' }, [mcr('CNTP_CTL', 0, 14, 2, 1, View.Full, 'cntp')], [msr('CNTP_CTL_EL0', 3, 3, 14, 2, 1, 'cntp')], {
    reg: SysReg.CNTP_CTL,
    writeMask: [3, 0],
  }),
  row('CNTP_CVAL', 'rw', { kind: 'timer-cval', timer: 'physical' }, [mcrr('CNTP_CVAL', 2, 14, 'cntp')], [msr('CNTP_CVAL_EL0', 3, 3, 14, 2, 2, 'cntp')], {
    reg: SysReg.CNTP_CVAL,
  }),
  row('CNTV_TVAL', 'rw', { kind: 'timer-tval', timer: 'virtual' }, [mcr('CNTV_TVAL', 0, 14, 3, 0, View.Full, 'cntv')], [msr('CNTV_TVAL_EL0', 3, 3, 14, 3, 0, 'cntv')], {
    reg: SysReg.CNTV_CVAL,
  }),
  row('CNTV_CTL', 'rw', { kind: 'timer-ctl', timer: 'virtual' }, [mcr('CNTV_CTL', 0, 14, 3, 1, View.Full, 'cntv')], [msr('CNTV_CTL_EL0', 3, 3, 14, 3, 1, 'cntv')], {
    reg: SysReg.CNTV_CTL,
    writeMask: [3, 0],
  }),
  row('CNTV_CVAL', 'rw', { kind: 'timer-cval', timer: 'virtual' }, [mcrr('CNTV_CVAL', 3, 14, 'cntv')], [msr('CNTV_CVAL_EL0', 3, 3, 14, 3, 2, 'cntv')], {
    reg: SysReg.CNTV_CVAL,
  }),

  // --- self-hosted debug (op0=2; D2 "AArch64 Self-hosted Debug", D17 register descriptions) ---
  // What a hypervisor gives its guest (KVM keeps them per vCPU behind MDCR_EL2.TDA/TDOSA): the
  // registers hold what the guest writes; setway raises no debug events, so breakpoints,
  // watchpoints, vector catch and software step never fire. ID_AA64DFR0_EL1 and DBGDIDR report
  // the architectural minimum of 2 breakpoints and 2 watchpoints, so only n = 0, 1 exist.
  // AArch32 reaches them through cp14 (G8), each the register its description maps it to; those
  // encodings are UNDEFINED at PL0 here (Linux sets DBGDSCR.UDCCdis, which makes most of them so).
  // MDSCR_EL1: SS[0], ERR[6], TDCC[12], KDE[13], HDE[14], MDE[15], TDA[21], INTdis[23:22],
  // TXU[26], RXO[27], TXfull[29], RXfull[30] are writable through it (save/restore fields included).
  // DBGDSCRext is MDSCR_EL1[31:0] (MDBGen = MDE, UDCCdis = TDCC).
  row('MDSCR', 'rw', { kind: 'storage' }, [cp14('DBGDSCRext', 0, 0, 2, 2, View.Low)], [msr('MDSCR_EL1', 2, 0, 0, 2, 2)], { reg: SysReg.MDSCR_EL1, writeMask: [0x6ce0f041, 0] }),
  // DBGDSCRint: a read-only view of DBGDSCRext's MDBGen, UDCCdis, TXfull, RXfull (G8 "DBGDSCRint").
  row('DBGDSCRint', 'ro', { kind: 'storage' }, [cp14('DBGDSCRint', 0, 0, 1, 0, View.Low)], [], { reg: SysReg.MDSCR_EL1, readMask: [0x60009000, 0] }),
  // DBGDIDR (G8): WRPs[31:28] = 1 and BRPs[27:24] = 1 (two of each), CTX_CMPs[23:20] = 0 (one),
  // Version[19:16] = 0b0101 (v7.1 Debug, as the Cortex-A7/A15 the AArch32 guest is), nSUHD_imp[14]
  // = 1; no DBGDEVID (DEVID_imp 0), no PC sampling, no Security Extensions seen by the guest.
  row('DBGDIDR', 'ro', { kind: 'ident', source: 'dbgdidr' }, [cp14('DBGDIDR', 0, 0, 0, 0)], []),
  // DBGVCR: vector catch U, S, P, D, I, F (bits [7:6], [4:1]); AArch64 DBGVCR32_EL2 is EL2's.
  row('DBGVCR', 'rw', { kind: 'storage' }, [cp14('DBGVCR', 0, 0, 7, 0)], [], { reg: SysReg.DBGVCR, writeMask: [0xde, 0] }),
  row('MDRAR', 'ro', { kind: 'ident', source: 'zero' }, [cp14('DBGDRAR', 0, 1, 0, 0)], [msr('MDRAR_EL1', 2, 0, 1, 0, 0)]),
  // The OS Lock: set through OSLAR_EL1 (bit 0) or DBGOSLAR (the key), seen in OSLSR_EL1.OSLK[1]
  // with OSLM = 0b10 (bits [3],[0]): implemented. OSLK is 1 after a cold reset (D17 "OSLSR_EL1").
  row('OSLAR', 'wo', { kind: 'os-lock' }, [cp14('DBGOSLAR', 0, 1, 0, 4)], [msr('OSLAR_EL1', 2, 0, 1, 0, 4)]),
  row('OSLSR', 'ro', { kind: 'storage' }, [cp14('DBGOSLSR', 0, 1, 1, 4)], [msr('OSLSR_EL1', 2, 0, 1, 1, 4)], { reg: SysReg.OSLSR_EL1, reset: [0b1010, 0] }),
  row('OSDLR', 'rw', { kind: 'storage' }, [cp14('DBGOSDLR', 0, 1, 3, 4)], [msr('OSDLR_EL1', 2, 0, 1, 3, 4)], { reg: SysReg.OSDLR_EL1, writeMask: [1, 0] }),
  row('DBGPRCR', 'rw', { kind: 'storage' }, [cp14('DBGPRCR', 0, 1, 4, 4)], [msr('DBGPRCR_EL1', 2, 0, 1, 4, 4)], { reg: SysReg.DBGPRCR_EL1, writeMask: [1, 0] }),
  row('MDCCINT', 'rw', { kind: 'storage' }, [], [msr('MDCCINT_EL1', 2, 0, 0, 2, 0)], { reg: SysReg.MDCCINT_EL1, writeMask: [0x60000000, 0] }),
  // DBGBVR<n>: VA[48:2] and its sign extension; DBGBCR<n>: BT, LBN, SSC, HMC, BAS, PMC, E.
  // DBGWVR<n>: VA[48:2]; DBGWCR<n>: MASK, WT, LBN, SSC, HMC, BAS, LSC, PAC, E (D17 "DBGBCR<n>_EL1", "DBGWCR<n>_EL1").
  // The AArch32 DBGBVR<n>/DBGBCR<n>/DBGWVR<n>/DBGWCR<n> (p14 0, c0, c<n>, 4-7) are their bits [31:0].
  ...[0, 1].flatMap((n) => [
    row(`DBGBVR${n}`, 'rw', { kind: 'storage' }, [cp14(`DBGBVR${n}`, 0, 0, n, 4, View.Low)], [msr(`DBGBVR${n}_EL1`, 2, 0, 0, n, 4)], {
      reg: n ? SysReg.DBGBVR1_EL1 : SysReg.DBGBVR0_EL1,
      writeMask: [0xfffffffc, 0xffffffff],
    }),
    row(`DBGBCR${n}`, 'rw', { kind: 'storage' }, [cp14(`DBGBCR${n}`, 0, 0, n, 5, View.Low)], [msr(`DBGBCR${n}_EL1`, 2, 0, 0, n, 5)], {
      reg: n ? SysReg.DBGBCR1_EL1 : SysReg.DBGBCR0_EL1,
      writeMask: [0x00ffe1e7, 0],
    }),
    row(`DBGWVR${n}`, 'rw', { kind: 'storage' }, [cp14(`DBGWVR${n}`, 0, 0, n, 6, View.Low)], [msr(`DBGWVR${n}_EL1`, 2, 0, 0, n, 6)], {
      reg: n ? SysReg.DBGWVR1_EL1 : SysReg.DBGWVR0_EL1,
      writeMask: [0xfffffffc, 0xffffffff],
    }),
    row(`DBGWCR${n}`, 'rw', { kind: 'storage' }, [cp14(`DBGWCR${n}`, 0, 0, n, 7, View.Low)], [msr(`DBGWCR${n}_EL1`, 2, 0, 0, n, 7)], {
      reg: n ? SysReg.DBGWCR1_EL1 : SysReg.DBGWCR0_EL1,
      writeMask: [0x1f1fffff, 0],
    }),
  ]),

  // --- served by the AArch64 executor (PSTATE and special-purpose registers, C5.2) ---
  row('SPSR_EL1', 'rw', { kind: 'cpu' }, [], [msr('SPSR_EL1', 3, 0, 4, 0, 0)]),
  row('ELR_EL1', 'rw', { kind: 'cpu' }, [], [msr('ELR_EL1', 3, 0, 4, 0, 1)]),
  row('SP_EL0', 'rw', { kind: 'cpu' }, [], [msr('SP_EL0', 3, 0, 4, 1, 0)]),
  row('SPSel', 'rw', { kind: 'cpu' }, [], [msr('SPSel', 3, 0, 4, 2, 0)]),
  row('CurrentEL', 'ro', { kind: 'cpu' }, [], [msr('CurrentEL', 3, 0, 4, 2, 2)]),
  row('DAIF', 'rw', { kind: 'cpu' }, [], [msr('DAIF', 3, 3, 4, 2, 1)]),
  row('NZCV', 'rw', { kind: 'cpu' }, [], [msr('NZCV', 3, 3, 4, 2, 0, 'rw')]),
  // FPCR and FPSR are present only with FEAT_FP or FEAT_AdvSIMD; otherwise direct accesses to them
  // are UNDEFINED (D17 "FPCR", "FPSR"). setway implements neither (ID_AA64PFR0_EL1.FP/AdvSIMD 0xF).
  row('FPCR', 'rw', { kind: 'cpu' }, [], [msr('FPCR', 3, 3, 4, 4, 0, 'rw')], { feature: 'FP' }),
  row('FPSR', 'rw', { kind: 'cpu' }, [], [msr('FPSR', 3, 3, 4, 4, 1, 'rw')], { feature: 'FP' }),
];

// --- lookup ---------------------------------------------------------------------------------

export interface CoprocEntry {
  readonly row: SysRegRow;
  readonly encoding: CoprocEncoding;
}
export interface SysEntry {
  readonly row: SysRegRow;
  readonly encoding: SysEncoding;
}

export class SysRegTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SysRegTableError';
  }
}

function coprocKeyOf(e: CoprocEncoding): number {
  return ((e.wide ? 1 : 0) << 19) | ((e.coproc & 15) << 15) | ((e.opc1 & 15) << 11) | ((e.crn & 15) << 7) | ((e.crm & 15) << 3) | (e.opc2 & 7);
}
function sysKeyOf(e: SysEncoding): number {
  return ((e.op0 & 3) << 14) | ((e.op1 & 7) << 11) | ((e.crn & 15) << 7) | ((e.crm & 15) << 3) | (e.op2 & 7);
}

function buildIndexes(rows: readonly SysRegRow[]): { coproc: Map<number, CoprocEntry>; sys: Map<number, SysEntry> } {
  const coproc = new Map<number, CoprocEntry>();
  const sys = new Map<number, SysEntry>();
  const keys = new Set<string>();
  for (const row of rows) {
    if (keys.has(row.key)) throw new SysRegTableError(`row key ${row.key} appears twice`);
    keys.add(row.key);
    if ((row.behaviour.kind === 'storage' || row.behaviour.kind.startsWith('timer-')) && row.reg === undefined) {
      throw new SysRegTableError(`row ${row.key} stores a value but names no register`);
    }
    if (row.reg !== undefined && fullId(row.reg) !== row.reg) throw new SysRegTableError(`row ${row.key} must name a whole register`);
    for (const e of row.a32) {
      const k = coprocKeyOf(e);
      const other = coproc.get(k);
      if (other) throw new SysRegTableError(`AArch32 encoding of ${e.name} is also ${other.encoding.name}`);
      coproc.set(k, { row, encoding: e });
    }
    for (const e of row.a64) {
      const k = sysKeyOf(e);
      const other = sys.get(k);
      if (other) throw new SysRegTableError(`AArch64 encoding of ${e.name} is also ${other.encoding.name}`);
      sys.set(k, { row, encoding: e });
    }
  }
  return { coproc, sys };
}

const INDEXES = buildIndexes(SYSREG_ROWS);

/** The row and encoding for an AArch32 coprocessor key (`coprocKey`, src/decode/system-access.ts). */
export function lookupCoproc(key: number): CoprocEntry | undefined {
  return INDEXES.coproc.get(key);
}

/** The row and encoding for an AArch64 system key (`sysKey`, src/decode/system-access.ts). */
export function lookupSys(key: number): SysEntry | undefined {
  return INDEXES.sys.get(key);
}

/** Every AArch32 encoding with its row (for generators and tests). */
export function allCoprocEntries(): CoprocEntry[] {
  return [...INDEXES.coproc.values()];
}

/** Every AArch64 encoding with its row (for generators and tests). */
export function allSysEntries(): SysEntry[] {
  return [...INDEXES.sys.values()];
}

/** Can this encoding be read (MRC/MRRC/MRS) or written (MCR/MCRR/MSR/SYS)? */
export function directionAllowed(row: SysRegRow, read: boolean): boolean {
  return row.direction === 'rw' || (read ? row.direction === 'ro' : row.direction === 'wo');
}

/**
 * AArch32 encodings reserved for IMPLEMENTATION DEFINED functionality that HCR_EL2.TIDCP traps
 * (D17 "HCR_EL2.TIDCP"): p15 CRn=c9 CRm={c0-c2,c5-c8}; CRn=c10 CRm={c0,c1,c4,c8};
 * CRn=c11 CRm={c0-c8,c15}; any opc1 and opc2. MCR/MRC only.
 */
export function isA32ImplementationDefined(a: { coproc: number; crn: number; crm: number; wide: boolean }): boolean {
  if (a.coproc !== 15 || a.wide) return false;
  switch (a.crn) {
    case 9:
      return a.crm <= 2 || (a.crm >= 5 && a.crm <= 8);
    case 10:
      return a.crm === 0 || a.crm === 1 || a.crm === 4 || a.crm === 8;
    case 11:
      return a.crm <= 8 || a.crm === 15;
    default:
      return false;
  }
}

/** AArch64 IMPLEMENTATION DEFINED encodings (D17 "HCR_EL2.TIDCP"): op0=3 (registers) or op0=1 (SYS), CRn = 11 or 15. */
export function isA64ImplementationDefined(a: { op0: number; crn: number }): boolean {
  return (a.op0 === 3 || a.op0 === 1) && (a.crn === 11 || a.crn === 15);
}
