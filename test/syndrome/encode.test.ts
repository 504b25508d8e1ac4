import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import {
  AArch32Mode,
  aarch64RegisterView,
  abortSyndrome,
  encodeCoprocTrap,
  encodeDataAbort,
  encodeHvc,
  encodeInstructionAbort,
  encodeSmcTrap,
  encodeSvc,
  encodeSysTrap,
  encodeUnknown,
  encodeWfxTrap,
  WfxKind,
} from '../../src/exec/syndrome/encode';
import { decodeSyndrome } from '../../src/exec/syndrome/decode';
import { SyndromeError } from '../../src/exec/syndrome/syndrome-error';
import { anyCoprocAccessArb, anySysAccessArb, conditionArb, tableCoprocAccessArb, tableSysAccessArb } from '../../src/exec/syndrome/arbitraries';
import { allCoprocEntries, allSysEntries, directionAllowed } from '../../src/exec/sysregs/table';

const SEED = 0x5e7a;

// Independent formulas, written as bit strings straight from the ESR_EL2/HSR ISS diagrams
// (Arm ARM D17 "ESR_EL2": ISS encodings for EC 0x03/0x05, 0x04/0x0C and 0x18).
const b = (v: number, width: number): string => {
  const s = v.toString(2);
  if (s.length > width) throw new Error(`${v} wider than ${width}`);
  return s.padStart(width, '0');
};
const fromBits = (s: string): number => {
  if (s.length !== 32) throw new Error(`layout has ${s.length} bits, not 32`);
  return Number.parseInt(s, 2);
};
/** HSR for MCR/MRC: EC IL | CV COND | Opc2 Opc1 CRn | 0 Rt(4) | CRm | Dir. */
function hsrMcrFormula(a: CoprocAccess, cond: number): number {
  const ec = a.coproc === 15 ? 0b000011 : 0b000101;
  const c = cond === 15 ? 14 : cond;
  return fromBits(b(ec, 6) + '1' + '1' + b(c, 4) + b(a.opc2, 3) + b(a.opc1, 3) + b(a.crn, 4) + '0' + b(a.rt, 4) + b(a.crm, 4) + (a.read ? '1' : '0'));
}
/** HSR for MCRR/MRRC: EC IL | CV COND | Opc1(4) | 0 | 0 Rt2(4) | 0 Rt(4) | CRm | Dir. */
function hsrMcrrFormula(a: CoprocAccess, cond: number): number {
  const ec = a.coproc === 15 ? 0b000100 : 0b001100;
  const c = cond === 15 ? 14 : cond;
  return fromBits(b(ec, 6) + '1' + '1' + b(c, 4) + b(a.opc1, 4) + '0' + '0' + b(a.rt2, 4) + '0' + b(a.rt, 4) + b(a.crm, 4) + (a.read ? '1' : '0'));
}
/** ESR_EL2 for MSR/MRS/SYS: EC 0x18, IL=1, RES0[24:22], Op0 Op2 Op1 CRn Rt(5) CRm Dir. */
function esrSysFormula(a: SysAccess): number {
  return fromBits(b(0b011000, 6) + '1' + '000' + b(a.op0, 2) + b(a.op2, 3) + b(a.op1, 3) + b(a.crn, 4) + b(a.rt, 5) + b(a.crm, 4) + (a.read ? '1' : '0'));
}

describe('syndrome encoding: fixed vectors', () => {
  it('encodes the worked example mcr p15, 0, r5, c7, c14, 2 (DCCISW, cond AL) as HSR 0x0FE41CBC', () => {
    const a: CoprocAccess = { coproc: 15, opc1: 0, crn: 7, crm: 14, opc2: 2, rt: 5, rt2: 0, read: false, wide: false };
    expect(encodeCoprocTrap(a, 0xe, false)).toBe(0x0fe41cbc);
  });

  // Each vector below is the field sum written out: EC<<26 | IL<<25 | ISS.
  it.each([
    ['mrc p15, 1, r0, c0, c0, 0 (CCSIDR)', { coproc: 15, opc1: 1, crn: 0, crm: 0, opc2: 0, rt: 0, rt2: 0, read: true, wide: false }, 0xe, 0x0fe04001],
    ['mcrne p15, 0, r3, c1, c0, 0 (SCTLR)', { coproc: 15, opc1: 0, crn: 1, crm: 0, opc2: 0, rt: 3, rt2: 0, read: false, wide: false }, 0x1, 0x0f100460],
    ['mcrr p15, 0, r2, r3, c2 (TTBR0)', { coproc: 15, opc1: 0, crn: 0, crm: 2, opc2: 0, rt: 2, rt2: 3, read: false, wide: true }, 0xe, 0x13e00c44],
    ['mrrc p15, 1, r0, r1, c14 (CNTVCT)', { coproc: 15, opc1: 1, crn: 0, crm: 14, opc2: 0, rt: 0, rt2: 1, read: true, wide: true }, 0xe, 0x13e1041d],
    ['mrc p14, 0, r1, c0, c0, 0 (DBGDIDR)', { coproc: 14, opc1: 0, crn: 0, crm: 0, opc2: 0, rt: 1, rt2: 0, read: true, wide: false }, 0xe, 0x17e00021],
  ] as const)('encodes %s', (_name, access, cond, expected) => {
    expect(encodeCoprocTrap(access, cond, false)).toBe(expected);
  });

  it('encodes DC CISW, x3 as 0x62141C7C and MRS x0, CTR_EL0 as 0x6232C001', () => {
    expect(encodeSysTrap({ op0: 1, op1: 0, crn: 7, crm: 14, op2: 2, rt: 3, read: false })).toBe(0x62141c7c);
    expect(encodeSysTrap({ op0: 3, op1: 3, crn: 0, crm: 0, op2: 1, rt: 0, read: true })).toBe(0x6232c001);
  });

  it('encodes WFI/WFE with CV=1, COND=0xE from AArch64, the condition from A32 and IL=0 for 16-bit T32', () => {
    expect(encodeWfxTrap(WfxKind.WFI, true)).toBe(0x07e00000);
    expect(encodeWfxTrap(WfxKind.WFE, true)).toBe(0x07e00001);
    expect(encodeWfxTrap(WfxKind.WFE, false, 0x0)).toBe(0x07000001);
    expect(encodeWfxTrap(WfxKind.WFI, false, 0xe, true)).toBe(0x05e00000);
  });

  it('encodes HVC, SVC, SMC and unknown-reason syndromes', () => {
    expect(encodeHvc(0, true)).toBe(0x5a000000);
    expect(encodeHvc(0x1234, false)).toBe(0x4a001234);
    expect(encodeSvc(0x10, true)).toBe(0x56000010);
    expect(encodeSvc(0x10, false, true)).toBe(0x44000010);
    expect(encodeSmcTrap(true, 0)).toBe(0x5e000000);
    // AArch32: trapped after the condition passed, CCKNOWNPASS=0, so CV and COND are RES0.
    expect(encodeSmcTrap(false)).toBe(0x4e000000);
    expect(encodeUnknown()).toBe(0x02000000);
  });

  it('encodes data and instruction aborts', () => {
    // Lower EL, ISV=1, word, SRT=3, write, translation fault level 2.
    expect(
      encodeDataAbort({ sameEl: false, isv: true, sas: 2, sse: false, srt: 3, sf: false, ar: false, is16bit: false, fnv: false, ea: false, cm: false, s1ptw: false, wnr: true, dfsc: 0b000110 }),
    ).toBe(0x93830046);
    // ISV=0 clears ISS[23:14] and forces IL=1 even if a 16-bit instruction faulted.
    expect(
      encodeDataAbort({ sameEl: true, isv: false, sas: 3, sse: true, srt: 31, sf: true, ar: true, is16bit: true, fnv: false, ea: false, cm: true, s1ptw: true, wnr: false, dfsc: 0b000111 }),
    ).toBe(0x96000187);
    expect(encodeInstructionAbort({ sameEl: false, fnv: false, ea: false, s1ptw: false, ifsc: 0b000101 })).toBe(0x82000005);
  });

  it('builds abort syndromes from memory-system faults', () => {
    const base = { stage: 2 as const, level: 1, va: 0x1000, ipa: 0x4000_1000, s1ptw: false };
    expect(abortSyndrome({ ...base, kind: 'translation', access: 'fetch' }, false)).toBe(0x82000005);
    const transfer = { size: 4 as const, signExtend: false, register: 7, sixtyFour: false, acquireRelease: false, is16bit: true };
    const load = decodeSyndrome(abortSyndrome({ ...base, kind: 'permission', access: 'read' }, false, transfer));
    expect(load).toMatchObject({ kind: 'data-abort', isv: true, sas: 2, srt: 7, wnr: false, dfsc: 0b001101, il: 0 });
    const walk = decodeSyndrome(abortSyndrome({ ...base, kind: 'translation', access: 'read', s1ptw: true }, false, transfer));
    expect(walk).toMatchObject({ kind: 'data-abort', isv: false, s1ptw: true, il: 1 });
    const cmo = decodeSyndrome(abortSyndrome({ ...base, kind: 'translation', access: 'read' }, false, transfer, true));
    expect(cmo).toMatchObject({ kind: 'data-abort', isv: false, cm: true, wnr: true });
  });

  it('maps AArch32 registers to the AArch64 view by mode (Arm ARM D1, register mapping table)', () => {
    const view = (mode: number) => Array.from({ length: 16 }, (_, r) => aarch64RegisterView(r, mode));
    const low = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(view(AArch32Mode.USR)).toEqual([...low, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(view(AArch32Mode.SYS)).toEqual([...low, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(view(AArch32Mode.HYP)).toEqual([...low, 8, 9, 10, 11, 12, 15, 14, 15]);
    expect(view(AArch32Mode.IRQ)).toEqual([...low, 8, 9, 10, 11, 12, 17, 16, 15]);
    expect(view(AArch32Mode.SVC)).toEqual([...low, 8, 9, 10, 11, 12, 19, 18, 15]);
    expect(view(AArch32Mode.ABT)).toEqual([...low, 8, 9, 10, 11, 12, 21, 20, 15]);
    expect(view(AArch32Mode.UND)).toEqual([...low, 8, 9, 10, 11, 12, 23, 22, 15]);
    expect(view(AArch32Mode.FIQ)).toEqual([...low, 24, 25, 26, 27, 28, 29, 30, 15]);
    const mcrr: CoprocAccess = { coproc: 15, opc1: 0, crn: 0, crm: 2, opc2: 0, rt: 13, rt2: 14, read: false, wide: true };
    expect(decodeSyndrome(encodeCoprocTrap(mcrr, 0xe, false, AArch32Mode.UND))).toMatchObject({ access: { rt: 23, rt2: 22 } });
    expect(decodeSyndrome(encodeCoprocTrap(mcrr, 0xe, false))).toMatchObject({ access: { rt: 13, rt2: 14 } });
  });

  it('reports an unconditional (cond 0xF) encoding as COND 0xE', () => {
    const a: CoprocAccess = { coproc: 15, opc1: 0, crn: 7, crm: 5, opc2: 4, rt: 0, rt2: 0, read: false, wide: false };
    expect(decodeSyndrome(encodeCoprocTrap(a, 0xf, false))).toMatchObject({ cv: true, cond: 0xe });
  });

  it('rejects fields that do not fit with a typed error naming the field', () => {
    const a: CoprocAccess = { coproc: 15, opc1: 0, crn: 7, crm: 14, opc2: 2, rt: 16, rt2: 0, read: false, wide: false };
    expect(() => encodeCoprocTrap(a, 0xe, false)).toThrow(SyndromeError);
    expect(() => encodeCoprocTrap(a, 0xe, false)).toThrow(/Rt 16/);
    expect(() => encodeCoprocTrap({ ...a, rt: 0, coproc: 10 }, 0xe, false)).toThrow(/p10/);
    expect(() => encodeSysTrap({ op0: 4, op1: 0, crn: 0, crm: 0, op2: 0, rt: 0, read: true })).toThrow(/Op0 4/);
    expect(() => encodeCoprocTrap({ ...a, rt: 0 }, 16, false)).toThrow(/condition 16/);
    expect(() => decodeSyndrome(2 ** 32)).toThrow(SyndromeError);
    expect(() => decodeSyndrome(-1)).toThrow(SyndromeError);
  });
});

describe('syndrome encoding: every table encoding against the Arm ARM layout', () => {
  it('matches the independent formula and decodes back, for every AArch32 encoding, Rt, direction and COND', () => {
    let checked = 0;
    const failures: string[] = [];
    for (const { row, encoding: e } of allCoprocEntries()) {
      for (const read of [false, true]) {
        if (!directionAllowed(row, read)) continue;
        for (let rt = 0; rt < 15; rt++) {
          for (let cond = 0; cond < 16; cond++) {
            const a: CoprocAccess = { coproc: e.coproc, opc1: e.opc1, crn: e.crn, crm: e.crm, opc2: e.opc2, rt, rt2: e.wide ? 14 - rt : 0, read, wide: e.wide };
            const esr = encodeCoprocTrap(a, cond, false);
            const d = decodeSyndrome(esr);
            const back = d.kind === 'coproc' ? d.access : undefined;
            const same =
              esr === (e.wide ? hsrMcrrFormula(a, cond) : hsrMcrFormula(a, cond)) &&
              back !== undefined &&
              (Object.keys(a) as (keyof CoprocAccess)[]).every((k) => back[k] === a[k]) &&
              d.kind === 'coproc' &&
              d.cv &&
              d.cond === (cond === 15 ? 14 : cond);
            if (!same) failures.push(`${e.name} rt=${rt} read=${read} cond=${cond}: 0x${esr.toString(16)}`);
            checked++;
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100 * 15 * 16);
  });

  it('matches the independent formula and decodes back, for every AArch64 encoding, Rt and direction', () => {
    let checked = 0;
    for (const { row, encoding: e } of allSysEntries()) {
      for (const read of [false, true]) {
        if (!directionAllowed(row, read)) continue;
        for (let rt = 0; rt < 32; rt++) {
          const a: SysAccess = { op0: e.op0, op1: e.op1, crn: e.crn, crm: e.crm, op2: e.op2, rt, read };
          const esr = encodeSysTrap(a);
          expect(esr).toBe(esrSysFormula(a));
          const d = decodeSyndrome(esr);
          if (d.kind !== 'sys') throw new Error(`decoded ${d.kind}`);
          expect(d.access).toEqual(a);
          expect(d.il).toBe(1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100 * 32);
  });

  it('round-trips table accesses drawn by the exported arbitraries (property)', () => {
    fc.assert(
      fc.property(tableCoprocAccessArb(), conditionArb, (a, cond) => {
        const d = decodeSyndrome(encodeCoprocTrap(a, cond, false));
        expect(d.kind === 'coproc' && d.access).toEqual(a);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    fc.assert(
      fc.property(tableSysAccessArb(), (a) => {
        const d = decodeSyndrome(encodeSysTrap(a));
        expect(d.esr).toBe(esrSysFormula(a));
        expect(d.kind === 'sys' && d.access).toEqual(a);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('matches the formula for fully random fields (property)', () => {
    fc.assert(
      fc.property(anyCoprocAccessArb(), conditionArb, fc.boolean(), (a, cond, t16) => {
        const esr = encodeCoprocTrap(a, cond, t16);
        const formula = a.wide ? hsrMcrrFormula(a, cond) : hsrMcrFormula(a, cond);
        // IL is the only difference a 16-bit instruction makes.
        expect(esr).toBe(t16 ? (formula & ~(1 << 25)) >>> 0 : formula);
        const d = decodeSyndrome(esr);
        expect(d.kind === 'coproc' && d.access).toEqual(a);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    fc.assert(
      fc.property(anySysAccessArb(), (a) => {
        expect(encodeSysTrap(a)).toBe(esrSysFormula(a));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
