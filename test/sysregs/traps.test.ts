/**
 * Trap decisions: for each HCR_EL2 trap bit, exactly the registers the Arm ARM lists under that
 * bit (D17 "HCR_EL2": TVM, TRVM, TID1, TID2, TID3, TSW, TPCP/TPC, TPU, TTLB, TACR, TDZ, TIDCP)
 * trap at EL1, and the EL0 rules (UNDEFINED first, then SCTLR_EL1.UCT/UCI/DZE and CNTKCTL to EL1,
 * then EL2). The expected lists are copied from the Arm ARM text, not from the table.
 */
import { describe, expect, it } from 'vitest';
import { HCR } from '../../src/exec/el2-gate';
import { CNTKCTL_BITS, Decision, HCR_TRAP_MASK, SCTLR_BITS, decideAccess, decideHvc, decideSmc, decideWfx } from '../../src/exec/sysregs/access-rules';
import { allCoprocEntries, allSysEntries, isA32ImplementationDefined, isA64ImplementationDefined, lookupCoproc, lookupSys, type HcrTrapBit } from '../../src/exec/sysregs/table';
import { coprocKey, sysKey } from '../../src/decode/system-access';

const TVM_A64 = ['SCTLR_EL1', 'TTBR0_EL1', 'TTBR1_EL1', 'TCR_EL1', 'ESR_EL1', 'FAR_EL1', 'AFSR0_EL1', 'AFSR1_EL1', 'MAIR_EL1', 'AMAIR_EL1', 'CONTEXTIDR_EL1'];
// PRRR/NMRR share their encodings with MAIR0/MAIR1; the table names them PRRR and NMRR.
// MCRR/MRRC forms are labelled "/64": TTBR0 and TTBR1 are also trapped through MCRR/MRRC (EC 0x04).
const TVM_A32 = ['SCTLR', 'TTBR0', 'TTBR0/64', 'TTBR1', 'TTBR1/64', 'TTBCR', 'TTBCR2', 'DACR', 'DFSR', 'IFSR', 'DFAR', 'IFAR', 'ADFSR', 'AIFSR', 'PRRR', 'NMRR', 'AMAIR0', 'AMAIR1', 'CONTEXTIDR'];
const TTLB_A64 = ['VMALLE1', 'VAE1', 'ASIDE1', 'VAAE1', 'VALE1', 'VAALE1'].flatMap((n) => [`TLBI ${n}`, `TLBI ${n}IS`]);
const TTLB_A32 = [
  ...['TLBIALLIS', 'TLBIMVAIS', 'TLBIASIDIS', 'TLBIMVAAIS', 'TLBIMVALIS', 'TLBIMVAALIS'],
  ...['TLBIALL', 'TLBIMVA', 'TLBIASID', 'TLBIMVAA', 'TLBIMVAL', 'TLBIMVAAL'],
  ...['ITLBIALL', 'ITLBIMVA', 'ITLBIASID', 'DTLBIALL', 'DTLBIMVA', 'DTLBIASID'],
];
const ID3_A32 = ['ID_PFR0', 'ID_PFR1', 'ID_DFR0', 'ID_AFR0', 'ID_MMFR0', 'ID_MMFR1', 'ID_MMFR2', 'ID_MMFR3', 'ID_ISAR0', 'ID_ISAR1', 'ID_ISAR2', 'ID_ISAR3', 'ID_ISAR4', 'ID_ISAR5', 'ID_MMFR4'];
const ID3_A64_NAMED = [
  ...ID3_A32.map((n) => `${n}_EL1`),
  ...['MVFR0_EL1', 'MVFR1_EL1', 'MVFR2_EL1'],
  ...['ID_AA64PFR0_EL1', 'ID_AA64PFR1_EL1', 'ID_AA64DFR0_EL1', 'ID_AA64DFR1_EL1', 'ID_AA64AFR0_EL1', 'ID_AA64AFR1_EL1'],
  ...['ID_AA64ISAR0_EL1', 'ID_AA64ISAR1_EL1', 'ID_AA64MMFR0_EL1', 'ID_AA64MMFR1_EL1', 'ID_AA64MMFR2_EL1'],
];
// TID3 also traps the reserved encodings of the ID space, op0=3 op1=0 CRn=0 CRm={1-7} (AArch32:
// opc1=0 CRn=c0 CRm={c2-c7}, past ID_MMFR4), which read as zero. Their Armv8.0 encodings, by position:
const ID3_NAMED_POSITIONS = new Set([
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((op2) => `1,${op2}`),
  ...[0, 1, 2, 3, 4, 5, 6].map((op2) => `2,${op2}`),
  ...['3,0', '3,1', '3,2', '4,0', '4,1', '5,0', '5,1', '5,4', '5,5', '6,0', '6,1', '7,0', '7,1', '7,2'],
]);
const ID3_RESERVED: [number, number][] = [];
for (let crm = 1; crm <= 7; crm++) for (let op2 = 0; op2 <= 7; op2++) if (!ID3_NAMED_POSITIONS.has(`${crm},${op2}`)) ID3_RESERVED.push([crm, op2]);
const ID3_A64 = [...ID3_A64_NAMED, ...ID3_RESERVED.map(([crm, op2]) => `S3_0_C0_C${crm}_${op2}`)];
// AArch32 has no CP15 encoding for MVFRn (VMRS) or ID_AA64*: all of c2 opc2 7 and c3-c7 are reserved.
const ID3_A32_RESERVED: [number, number][] = [[2, 7]];
for (let crm = 3; crm <= 7; crm++) for (let op2 = 0; op2 <= 7; op2++) ID3_A32_RESERVED.push([crm, op2]);
const ID3_A32_ALL = [...ID3_A32, ...ID3_A32_RESERVED.map(([crm, op2]) => `ID_RESERVED_c${crm}_${op2}`)];

/** Expected EL1 traps per bit: [AArch32 names, AArch64 names], as "name:r" (read) / "name:w" (write, or the instruction). */
const EXPECTED: Record<HcrTrapBit, readonly [readonly string[], readonly string[]]> = {
  TVM: [TVM_A32.map((n) => `${n}:w`), TVM_A64.map((n) => `${n}:w`)],
  TRVM: [TVM_A32.map((n) => `${n}:r`), TVM_A64.map((n) => `${n}:r`)],
  TID1: [['TCMTR:r', 'TLBTR:r', 'REVIDR:r', 'AIDR:r'], ['REVIDR_EL1:r', 'AIDR_EL1:r']],
  TID2: [
    ['CTR:r', 'CCSIDR:r', 'CCSIDR2:r', 'CLIDR:r', 'CSSELR:r', 'CSSELR:w'],
    ['CTR_EL0:r', 'CCSIDR_EL1:r', 'CCSIDR2_EL1:r', 'CLIDR_EL1:r', 'CSSELR_EL1:r', 'CSSELR_EL1:w'],
  ],
  TID3: [ID3_A32_ALL.map((n) => `${n}:r`), ID3_A64.map((n) => `${n}:r`)],
  TSW: [['DCISW:w', 'DCCSW:w', 'DCCISW:w'], ['DC ISW:w', 'DC CSW:w', 'DC CISW:w']],
  TPC: [['DCIMVAC:w', 'DCCIMVAC:w', 'DCCMVAC:w'], ['DC IVAC:w', 'DC CIVAC:w', 'DC CVAC:w', 'DC CVAP:w']],
  TPU: [['ICIMVAU:w', 'ICIALLU:w', 'ICIALLUIS:w', 'DCCMVAU:w'], ['IC IVAU:w', 'IC IALLU:w', 'IC IALLUIS:w', 'DC CVAU:w']],
  TTLB: [TTLB_A32.map((n) => `${n}:w`), TTLB_A64.map((n) => `${n}:w`)],
  TACR: [['ACTLR:r', 'ACTLR:w', 'ACTLR2:r', 'ACTLR2:w'], ['ACTLR_EL1:r', 'ACTLR_EL1:w']],
  TDZ: [[], ['DC ZVA:w']],
};

const OPEN = { sctlr: SCTLR_BITS.CP15BEN | SCTLR_BITS.UCT | SCTLR_BITS.UCI | SCTLR_BITS.DZE, cntkctl: 0x303 };

function trapped(hcr: number, el: number, sctlr = OPEN.sctlr, cntkctl = OPEN.cntkctl): { a32: string[]; a64: string[]; el1: string[] } {
  const a32: string[] = [];
  const a64: string[] = [];
  const el1: string[] = [];
  const c = { hcr, sctlr, cntkctl };
  for (const { row, encoding } of allCoprocEntries()) {
    for (const read of [true, false]) {
      const d = decideAccess(row, encoding.el0, read, el, c, false);
      const label = `${encoding.name}${encoding.wide ? '/64' : ''}:${read ? 'r' : 'w'}`;
      if (d === Decision.TrapToEl2) a32.push(label);
      if (d === Decision.TrapToEl1) el1.push(label);
    }
  }
  for (const { row, encoding } of allSysEntries()) {
    for (const read of [true, false]) {
      const d = decideAccess(row, encoding.el0, read, el, c, false);
      if (d === Decision.TrapToEl2) a64.push(`${encoding.name}:${read ? 'r' : 'w'}`);
      if (d === Decision.TrapToEl1) el1.push(`${encoding.name}:${read ? 'r' : 'w'}`);
    }
  }
  return { a32: a32.sort(), a64: a64.sort(), el1: el1.sort() };
}

describe('HCR_EL2 trap decisions at EL1', () => {
  it.each(Object.keys(EXPECTED) as HcrTrapBit[])('%s traps exactly the registers the Arm ARM lists', (bit) => {
    const got = trapped(HCR_TRAP_MASK[bit], 1);
    expect(got.a32).toEqual([...EXPECTED[bit][0]].sort());
    expect(got.a64).toEqual([...EXPECTED[bit][1]].sort());
  });

  it('traps nothing with HCR_EL2 = 0, and with every non-trap bit set', () => {
    expect(trapped(0, 1)).toEqual({ a32: [], a64: [], el1: [] });
    const others = HCR.VM | HCR.SWIO | HCR.PTW | HCR.FMO | HCR.IMO | HCR.AMO | HCR.FB | HCR.DC | HCR.TWI | HCR.TWE | HCR.TSC | HCR.TGE | HCR.HCD | HCR.RW;
    expect(trapped(others, 1)).toEqual({ a32: [], a64: [], el1: [] });
  });

  it('traps the union when several bits are set', () => {
    const got = trapped(HCR.TSW | HCR.TVM, 1);
    expect(got.a32).toEqual([...EXPECTED.TSW[0], ...EXPECTED.TVM[0]].sort());
    expect(got.a64).toEqual([...EXPECTED.TSW[1], ...EXPECTED.TVM[1]].sort());
  });

  it('TIDCP traps the IMPLEMENTATION DEFINED encoding space at EL1 only', () => {
    const c = (hcr: number) => ({ hcr, sctlr: OPEN.sctlr, cntkctl: 0 });
    const a32 = { coproc: 15, opc1: 1, crn: 9, crm: 0, opc2: 2, wide: false };
    expect(isA32ImplementationDefined(a32)).toBe(true);
    expect(lookupCoproc(coprocKey(a32))).toBeUndefined();
    expect(decideAccess(undefined, 'none', true, 1, c(HCR.TIDCP), true)).toBe(Decision.TrapToEl2);
    expect(decideAccess(undefined, 'none', true, 1, c(0), true)).toBe(Decision.Undefined);
    expect(decideAccess(undefined, 'none', true, 0, c(HCR.TIDCP), true)).toBe(Decision.Undefined);
    // Space boundaries from the HCR_EL2.TIDCP text: c9 {c0-c2,c5-c8}, c10 {c0,c1,c4,c8}, c11 {c0-c8,c15}.
    const space: string[] = [];
    for (let crn = 0; crn < 16; crn++) for (let crm = 0; crm < 16; crm++) if (isA32ImplementationDefined({ coproc: 15, crn, crm, wide: false })) space.push(`c${crn},c${crm}`);
    expect(space).toEqual([
      ...[0, 1, 2, 5, 6, 7, 8].map((m) => `c9,c${m}`),
      ...[0, 1, 4, 8].map((m) => `c10,c${m}`),
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 15].map((m) => `c11,c${m}`),
    ]);
    expect(isA32ImplementationDefined({ coproc: 15, crn: 9, crm: 0, wide: true })).toBe(false);
    expect(isA64ImplementationDefined({ op0: 3, crn: 15 })).toBe(true);
    expect(isA64ImplementationDefined({ op0: 3, crn: 11 })).toBe(true);
    expect(isA64ImplementationDefined({ op0: 3, crn: 10 })).toBe(false);
    // No table row lies inside the IMPLEMENTATION DEFINED spaces.
    for (const { encoding: e } of allCoprocEntries()) expect(isA32ImplementationDefined(e), e.name).toBe(false);
    for (const { encoding: e } of allSysEntries()) expect(isA64ImplementationDefined(e), e.name).toBe(false);
  });

  it('UNDEFINED accesses (wrong direction, unknown encoding) do not trap to EL2', () => {
    const all = 0xffffffff;
    const c = { hcr: all, sctlr: OPEN.sctlr, cntkctl: 0 };
    const dcisw = lookupCoproc(coprocKey({ coproc: 15, opc1: 0, crn: 7, crm: 6, opc2: 2, wide: false }))!;
    expect(decideAccess(dcisw.row, dcisw.encoding.el0, true, 1, c, false)).toBe(Decision.Undefined);
    const midr = lookupSys(sysKey({ op0: 3, op1: 0, crn: 0, crm: 0, op2: 0 }))!;
    expect(decideAccess(midr.row, midr.encoding.el0, false, 1, c, false)).toBe(Decision.Undefined);
    expect(decideAccess(undefined, 'none', true, 1, c, false)).toBe(Decision.Undefined);
  });
});

describe('EL0 rules', () => {
  const EL0_A64 = [
    'CTR_EL0:r',
    'DCZID_EL0:r',
    'IC IVAU:w',
    'DC CVAU:w',
    'DC CVAC:w',
    'DC CIVAC:w',
    'DC CVAP:w',
    'DC ZVA:w',
    'TPIDR_EL0:r',
    'TPIDR_EL0:w',
    'TPIDRRO_EL0:r',
    'CNTFRQ_EL0:r',
    'CNTPCT_EL0:r',
    'CNTVCT_EL0:r',
    ...['CNTP_TVAL_EL0', 'CNTP_CTL_EL0', 'CNTP_CVAL_EL0', 'CNTV_TVAL_EL0', 'CNTV_CTL_EL0', 'CNTV_CVAL_EL0'].flatMap((n) => [`${n}:r`, `${n}:w`]),
    ...['NZCV', 'FPCR', 'FPSR'].flatMap((n) => [`${n}:r`, `${n}:w`]),
  ];
  const EL0_A32 = [
    'CP15ISB:w',
    'CP15DSB:w',
    'CP15DMB:w',
    'TPIDRURW:r',
    'TPIDRURW:w',
    'TPIDRURO:r',
    'CNTFRQ:r',
    'CNTPCT/64:r',
    'CNTVCT/64:r',
    ...['CNTP_TVAL', 'CNTP_CTL', 'CNTP_CVAL/64', 'CNTV_TVAL', 'CNTV_CTL', 'CNTV_CVAL/64'].flatMap((n) => [`${n}:r`, `${n}:w`]),
  ];

  function el0Allowed(sctlr: number, cntkctl: number): { a32: string[]; a64: string[] } {
    const c = { hcr: 0, sctlr, cntkctl };
    const a32 = allCoprocEntries().flatMap(({ row, encoding }) =>
      [true, false].filter((r) => decideAccess(row, encoding.el0, r, 0, c, false) === Decision.Access).map((r) => `${encoding.name}${encoding.wide ? '/64' : ''}:${r ? 'r' : 'w'}`),
    );
    const a64 = allSysEntries().flatMap(({ row, encoding }) =>
      [true, false].filter((r) => decideAccess(row, encoding.el0, r, 0, c, false) === Decision.Access).map((r) => `${encoding.name}:${r ? 'r' : 'w'}`),
    );
    return { a32: a32.sort(), a64: a64.sort() };
  }

  it('allows exactly the EL0-accessible encodings when every EL0 enable is on', () => {
    const got = el0Allowed(OPEN.sctlr, OPEN.cntkctl);
    expect(got.a32).toEqual([...EL0_A32].sort());
    expect(got.a64).toEqual([...EL0_A64].sort());
  });

  it('traps to EL1 (not EL2) when SCTLR_EL1.UCT/UCI/DZE or the CNTKCTL enables are 0', () => {
    const got = trapped(0xffffffff, 0, SCTLR_BITS.CP15BEN, 0);
    const toEl1 = [...EL0_A64, ...EL0_A32].filter((n) => !/^(TPIDR|NZCV|FPCR|FPSR|CP15|DCZID)/.test(n));
    expect(got.el1).toEqual(toEl1.sort());
    expect(got.a32).toEqual([]);
    expect(got.a64).toEqual([]);
  });

  it('applies the EL2 trap at EL0 only after the EL0 enable passes', () => {
    const got = trapped(0xffffffff, 0);
    expect(got.el1).toEqual([]);
    // TID2 (CTR_EL0), TPU (IC IVAU, DC CVAU), TPC (DC CVAC, CIVAC, CVAP), TDZ (DC ZVA) apply at EL0; TSW and TVM never do.
    expect(got.a64).toEqual(['CTR_EL0:r', 'DC CIVAC:w', 'DC CVAC:w', 'DC CVAP:w', 'DC CVAU:w', 'DC ZVA:w', 'IC IVAU:w']);
    expect(got.a32).toEqual([]);
  });

  it('makes the CP15 barriers UNDEFINED at EL0 and EL1 when SCTLR.CP15BEN is 0', () => {
    const isb = lookupCoproc(coprocKey({ coproc: 15, opc1: 0, crn: 7, crm: 5, opc2: 4, wide: false }))!;
    for (const el of [0, 1]) {
      expect(decideAccess(isb.row, isb.encoding.el0, false, el, { hcr: 0, sctlr: 0, cntkctl: 0 }, false)).toBe(Decision.Undefined);
      expect(decideAccess(isb.row, isb.encoding.el0, false, el, { hcr: 0, sctlr: SCTLR_BITS.CP15BEN, cntkctl: 0 }, false)).toBe(Decision.Access);
    }
  });

  it('reads CNTFRQ at EL0 when either counter enable is set', () => {
    const frq = lookupSys(sysKey({ op0: 3, op1: 3, crn: 14, crm: 0, op2: 0 }))!;
    const at = (cntkctl: number) => decideAccess(frq.row, frq.encoding.el0, true, 0, { hcr: 0, sctlr: 0, cntkctl }, false);
    expect(at(0)).toBe(Decision.TrapToEl1);
    expect(at(CNTKCTL_BITS.EL0PCTEN)).toBe(Decision.Access);
    expect(at(CNTKCTL_BITS.EL0VCTEN)).toBe(Decision.Access);
    expect(at(CNTKCTL_BITS.EL0PTEN)).toBe(Decision.TrapToEl1);
  });
});

describe('WFI/WFE, SMC, HVC', () => {
  it('traps WFI with TWI and WFE with TWE, after SCTLR.nTWx at EL0', () => {
    const open = SCTLR_BITS.nTWI | SCTLR_BITS.nTWE;
    expect(decideWfx(false, 1, HCR.TWI, 0)).toBe(Decision.TrapToEl2);
    expect(decideWfx(false, 1, HCR.TWE, 0)).toBe(Decision.Access);
    expect(decideWfx(true, 1, HCR.TWE, 0)).toBe(Decision.TrapToEl2);
    expect(decideWfx(true, 0, HCR.TWE, open)).toBe(Decision.TrapToEl2);
    expect(decideWfx(true, 0, HCR.TWE, SCTLR_BITS.nTWI)).toBe(Decision.TrapToEl1);
    expect(decideWfx(false, 0, 0, open)).toBe(Decision.Access);
  });

  it('traps SMC at EL1 with TSC and disables HVC with HCD', () => {
    expect(decideSmc(1, HCR.TSC)).toBe(Decision.TrapToEl2);
    expect(decideSmc(1, 0)).toBe(Decision.Undefined);
    expect(decideSmc(0, HCR.TSC)).toBe(Decision.Undefined);
    expect(decideHvc(1, 0)).toBe(Decision.TrapToEl2);
    expect(decideHvc(1, HCR.HCD)).toBe(Decision.Undefined);
    expect(decideHvc(0, 0)).toBe(Decision.Undefined);
  });
});
