import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSyndrome } from '../../src/exec/syndrome/decode';
import { EC, exceptionClassName } from '../../src/exec/syndrome/ec';
import { AArch32Mode, encodeCoprocTrap, encodeDataAbort, encodeSysTrap, encodeWfxTrap, WfxKind } from '../../src/exec/syndrome/encode';
import { describeSetWayOperand, faultStatusName, formatSyndrome } from '../../src/exec/syndrome/format';
import { anySyndromeArb, syndromeArb } from '../../src/exec/syndrome/arbitraries';

const SEED = 0x5e7c;

describe('decodeSyndrome', () => {
  it('names every EC value, unallocated ones as such', () => {
    const unallocated = [];
    for (let ec = 0; ec < 64; ec++) {
      const d = decodeSyndrome((ec << 26) >>> 0);
      expect(d.ec).toBe(ec);
      expect(d.className).toBe(exceptionClassName(ec));
      if (d.kind === 'unallocated') unallocated.push(ec);
    }
    // ESR_EL2.EC lists no class for these values (D17 "ESR_EL2").
    expect(unallocated).toEqual([0x02, 0x0b, 0x0f, 0x10, 0x1e, 0x23, 0x29, 0x2a, 0x2b, 0x2d, 0x2e, 0x36, 0x37, 0x39, 0x3b, 0x3d, 0x3e, 0x3f]);
  });

  it('decodes any 32-bit value without throwing, and formats it (property)', () => {
    fc.assert(
      fc.property(anySyndromeArb, (esr) => {
        const d = decodeSyndrome(esr);
        expect(d.esr).toBe(esr);
        expect(((d.ec << 26) | (d.il << 25) | d.iss) >>> 0).toBe(esr);
        expect(formatSyndrome(esr)).toMatch(/^EC=0x[0-9a-f]{2} /);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('decodes every syndrome setway builds into its structured kind (property)', () => {
    fc.assert(
      fc.property(syndromeArb(), (esr) => {
        expect(['coproc', 'sys', 'wfx', 'hvc', 'data-abort', 'instruction-abort']).toContain(decodeSyndrome(esr).kind);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('formatSyndrome', () => {
  const l1 = { lineLog2: 6, ways: 4, sets: 128 };
  const l2 = { lineLog2: 6, ways: 16, sets: 512 };

  it('prints the worked example with its set/way operand decoded', () => {
    // Way 3 of 4 (A=2) in bits [31:30], set 12 at bit 6 (64-byte lines), level 1.
    const operand = ((3 << 30) | (12 << 6)) >>> 0;
    expect(formatSyndrome(0x0fe41cbc, { rtValue: operand, geometry: [l1, l2] })).toBe('EC=0x03 MCR p15,0,r5,c7,c14,2 DCCISW level=1 set=12 way=3');
    expect(formatSyndrome(0x0fe41cbc)).toBe('EC=0x03 MCR p15,0,r5,c7,c14,2 DCCISW');
  });

  it('prints AArch32 accesses with condition, MCRR form and names from the table', () => {
    const sctlr = { coproc: 15, opc1: 0, crn: 1, crm: 0, opc2: 0, rt: 3, rt2: 0, read: false, wide: false };
    expect(formatSyndrome(encodeCoprocTrap(sctlr, 0x1, false))).toBe('EC=0x03 MCRNE p15,0,r3,c1,c0,0 SCTLR');
    expect(formatSyndrome(encodeCoprocTrap({ ...sctlr, crn: 10, crm: 2, read: true }, 0xe, false))).toBe('EC=0x03 MRC p15,0,r3,c10,c2,0 PRRR/MAIR0');
    expect(formatSyndrome(0x13e00c44)).toBe('EC=0x04 MCRR p15,0,r2,r3,c2 TTBR0');
    // An AArch64 EL2 sees LR_svc as x18.
    expect(formatSyndrome(encodeCoprocTrap({ ...sctlr, crn: 7, crm: 14, opc2: 2, rt: 14 }, 0xe, false, AArch32Mode.SVC))).toBe('EC=0x03 MCR p15,0,x18,c7,c14,2 DCCISW');
    expect(formatSyndrome(encodeCoprocTrap({ ...sctlr, opc1: 1, crn: 9, crm: 0, opc2: 2 }, 0xe, false))).toBe('EC=0x03 MCR p15,1,r3,c9,c0,2 <IMPLEMENTATION DEFINED>');
    expect(formatSyndrome(encodeCoprocTrap({ ...sctlr, crn: 9, crm: 12 }, 0xe, false))).toBe('EC=0x03 MCR p15,0,r3,c9,c12,0 <not in register table>');
  });

  it('prints AArch64 accesses with their AArch64 names', () => {
    expect(formatSyndrome(0x62141c7c, { rtValue: 0x2 | (100 << 6), geometry: [l1, l2] })).toBe('EC=0x18 DC CISW, x3 level=2 set=100 way=0');
    expect(formatSyndrome(encodeSysTrap({ op0: 3, op1: 0, crn: 1, crm: 0, op2: 0, rt: 0, read: false }))).toBe('EC=0x18 MSR SCTLR_EL1, x0');
    expect(formatSyndrome(encodeSysTrap({ op0: 3, op1: 0, crn: 1, crm: 0, op2: 0, rt: 30, read: true }))).toBe('EC=0x18 MRS x30, SCTLR_EL1');
    expect(formatSyndrome(encodeSysTrap({ op0: 1, op1: 0, crn: 8, crm: 7, op2: 0, rt: 31, read: false }))).toBe('EC=0x18 TLBI VMALLE1');
    expect(formatSyndrome(encodeSysTrap({ op0: 3, op1: 1, crn: 15, crm: 2, op2: 0, rt: 1, read: true }))).toBe('EC=0x18 MRS x1, S3_1_C15_C2_0 <IMPLEMENTATION DEFINED>');
    expect(formatSyndrome(encodeSysTrap({ op0: 1, op1: 0, crn: 7, crm: 14, op2: 2, rt: 3, read: true }))).toBe('EC=0x18 SYSL x3, #0, C7, C14, #2');
  });

  it('prints aborts with the fault named, the instruction syndrome and the IPA', () => {
    const esr = encodeDataAbort({ sameEl: false, isv: true, sas: 2, sse: false, srt: 3, sf: false, ar: false, is16bit: false, fnv: false, ea: false, cm: false, s1ptw: false, wnr: true, dfsc: 0b000110 });
    expect(formatSyndrome(esr, { hpfar: (0x4000_1000 / 4096) * 16, far: 0x8000_1004 })).toBe(
      'EC=0x24 data abort from lower EL: translation fault level 2, write, ISV=1 SAS=word SSE=0 SRT=3 SF=0 AR=0 S1PTW=0 CM=0 EA=0 FnV=0 IPA=0x40001000 FAR=0x80001004',
    );
    expect(formatSyndrome(0x82000005)).toBe('EC=0x20 instruction abort from lower EL: translation fault level 1, S1PTW=0 EA=0 FnV=0');
    expect(faultStatusName(0b001111)).toBe('permission fault level 3');
    expect(faultStatusName(0b100001)).toBe('alignment fault');
    expect(faultStatusName(0b111111)).toBe('reserved fault status 0x3f');
  });

  it('prints WFx, HVC and unknown-reason syndromes', () => {
    expect(formatSyndrome(encodeWfxTrap(WfxKind.WFE, false, 0x0))).toBe('EC=0x01 WFEEQ');
    expect(formatSyndrome(0x5a000000)).toBe('EC=0x16 HVC #0x0');
    expect(formatSyndrome(0x02000000)).toBe('EC=0x00 unknown reason');
    expect(formatSyndrome((EC.SERROR << 26) >>> 0)).toBe('EC=0x2f SError ISS=0x0');
  });
});

describe('set/way operand decoding', () => {
  it('recovers level, set and way from operands built as a flush loop builds them (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 8 }),
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 1, max: 8192 }),
        fc.integer({ min: 1, max: 7 }),
        fc.nat(),
        fc.nat(),
        (lineLog2, ways, sets, level, wayPick, setPick) => {
          const way = wayPick % ways;
          const set = setPick % sets;
          // The loop shifts the way by clz(ways - 1) and the set by log2(line size) (D7.5.9).
          const wayShift = Math.clz32(ways - 1);
          const operand = ((wayShift === 32 ? 0 : way * 2 ** wayShift) + set * 2 ** lineLog2 + (level - 1) * 2) >>> 0;
          const geometry = Array.from({ length: level }, () => ({ lineLog2, ways, sets }));
          expect(describeSetWayOperand(operand, geometry)).toBe(`level=${level} set=${set} way=${way}`);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('says when the operand names a level the geometry lacks', () => {
    expect(describeSetWayOperand(0x4, [{ lineLog2: 6, ways: 4, sets: 128 }])).toBe('level=3 (no such cache level)');
  });
});
