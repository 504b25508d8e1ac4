/**
 * Syndrome encoder details that mutation testing (npm run mutate, src/exec/syndrome/encode.ts)
 * found unchecked: which field an out-of-range value names, IL of an A32 SVC, EA and the
 * instruction-syndrome bits SSE, SF and AR of a data abort (Arm ARM D17 "ESR_EL2", ISS encodings).
 */
import { describe, expect, it } from 'vitest';
import type { CoprocAccess, SysAccess } from '../../src/decode/system-access';
import {
  abortSyndrome,
  encodeCoprocTrap,
  encodeDataAbort,
  encodeHvc,
  encodeInstructionAbort,
  encodeSmcTrap,
  encodeSvc,
  encodeSysTrap,
  encodeWfxTrap,
  type DataAbortFields,
  type WfxKind,
} from '../../src/exec/syndrome/encode';
import { SyndromeError } from '../../src/exec/syndrome/syndrome-error';
import type { FaultInfo } from '../../src/mmu/fault';

const MCR: CoprocAccess = { coproc: 15, opc1: 0, crn: 7, crm: 14, opc2: 2, rt: 5, rt2: 0, read: false, wide: false };
const MCRR: CoprocAccess = { ...MCR, wide: true, opc1: 0, crm: 2, rt2: 6 };
const MSR: SysAccess = { op0: 1, op1: 0, crn: 7, crm: 14, op2: 2, rt: 3, read: false };
const DABT: DataAbortFields = { sameEl: false, isv: true, sas: 2, sse: false, srt: 3, sf: false, ar: false, is16bit: false, fnv: false, ea: false, cm: false, s1ptw: false, wnr: false, dfsc: 4 };

/** [encoder call with one field out of range, the message naming it]. */
const OUT_OF_RANGE: readonly [() => number, string][] = [
  [() => encodeCoprocTrap({ ...MCR, crm: 16 }, 0xe, false), 'CRm 16 does not fit in 4 bits'],
  [() => encodeCoprocTrap({ ...MCR, opc2: 8 }, 0xe, false), 'Opc2 8 does not fit in 3 bits'],
  [() => encodeCoprocTrap({ ...MCR, opc1: 8 }, 0xe, false), 'Opc1 8 does not fit in 3 bits'],
  [() => encodeCoprocTrap({ ...MCR, crn: 16 }, 0xe, false), 'CRn 16 does not fit in 4 bits'],
  [() => encodeCoprocTrap({ ...MCRR, rt2: 16 }, 0xe, false), 'Rt2 16 does not fit in 4 bits'],
  [() => encodeCoprocTrap({ ...MCRR, opc1: 16 }, 0xe, false), 'Opc1 16 does not fit in 4 bits'],
  [() => encodeSysTrap({ ...MSR, op2: 8 }), 'Op2 8 does not fit in 3 bits'],
  [() => encodeSysTrap({ ...MSR, op1: 8 }), 'Op1 8 does not fit in 3 bits'],
  [() => encodeSysTrap({ ...MSR, crn: 16 }), 'CRn 16 does not fit in 4 bits'],
  [() => encodeSysTrap({ ...MSR, rt: 32 }), 'Rt 32 does not fit in 5 bits'],
  [() => encodeSysTrap({ ...MSR, crm: 16 }), 'CRm 16 does not fit in 4 bits'],
  [() => encodeWfxTrap(4 as WfxKind, true), 'TI 4 does not fit in 2 bits'],
  [() => encodeHvc(0x10000, true), 'imm16 65536 does not fit in 16 bits'],
  [() => encodeSvc(0x10000, false), 'imm16 65536 does not fit in 16 bits'],
  [() => encodeSmcTrap(true, 0x10000), 'imm16 65536 does not fit in 16 bits'],
  [() => encodeDataAbort({ ...DABT, set: 4 }), 'SET 4 does not fit in 2 bits'],
  [() => encodeDataAbort({ ...DABT, dfsc: 64 }), 'DFSC 64 does not fit in 6 bits'],
  [() => encodeDataAbort({ ...DABT, sas: 4 }), 'SAS 4 does not fit in 2 bits'],
  [() => encodeDataAbort({ ...DABT, srt: 32 }), 'SRT 32 does not fit in 5 bits'],
  [() => encodeInstructionAbort({ sameEl: false, fnv: false, ea: false, s1ptw: false, ifsc: 4, set: 4 }), 'SET 4 does not fit in 2 bits'],
  [() => encodeInstructionAbort({ sameEl: false, fnv: false, ea: false, s1ptw: false, ifsc: 64 }), 'IFSC 64 does not fit in 6 bits'],
];

const ISS_EA = 1 << 9;
const ISS_SSE = 1 << 21;
const ISS_SF = 1 << 15;
const ISS_AR = 1 << 14;
const IL = 1 << 25;

const fault = (kind: FaultInfo['kind'], access: FaultInfo['access'], s1ptw = false): FaultInfo => ({ kind, stage: 2, level: 3, access, va: 0x1000, ipa: 0x4000_1000, s1ptw });

describe('syndrome encoder details', () => {
  it(`names the field in its SyndromeError, for each of ${OUT_OF_RANGE.length} fields`, () => {
    const messages = OUT_OF_RANGE.map(([call]) => {
      try {
        call();
        return 'no error';
      } catch (e) {
        return e instanceof SyndromeError ? e.message : `not a SyndromeError: ${String(e)}`;
      }
    });
    expect(messages).toEqual(OUT_OF_RANGE.map(([, message]) => message));
  });

  it('an A32 SVC reports IL=1 unless it is a 16-bit T32 SVC (ESR_EL2.IL)', () => {
    expect(encodeSvc(0x10, false) & IL).toBe(IL);
    expect(encodeSvc(0x10, false, false) & IL).toBe(IL);
    expect(encodeSvc(0x10, true, true) & IL).toBe(IL);
    expect(encodeSvc(0x10, false, true) & IL).toBe(0);
  });

  it("EA is set for an external abort (setway's IMPLEMENTATION DEFINED choice) and 0 for any other abort", () => {
    expect(abortSyndrome(fault('external', 'read'), false) & ISS_EA).toBe(ISS_EA);
    expect(abortSyndrome(fault('external', 'fetch'), false) & ISS_EA).toBe(ISS_EA);
    expect(abortSyndrome(fault('translation', 'read'), false) & ISS_EA).toBe(0);
    expect(abortSyndrome(fault('permission', 'fetch'), false) & ISS_EA).toBe(0);
  });

  it('SSE, SF and AR follow the transfer when ISV is 1, and are RES0 without an instruction syndrome', () => {
    const all = { size: 1 as const, signExtend: true, register: 3, sixtyFour: true, acquireRelease: true, is16bit: false };
    const none = { ...all, signExtend: false, sixtyFour: false, acquireRelease: false };
    const bits = ISS_SSE | ISS_SF | ISS_AR;
    expect(abortSyndrome(fault('translation', 'read'), false, all) & bits).toBe(bits);
    expect(abortSyndrome(fault('translation', 'read'), false, { ...none, signExtend: true }) & bits).toBe(ISS_SSE);
    expect(abortSyndrome(fault('translation', 'read'), false, { ...none, sixtyFour: true }) & bits).toBe(ISS_SF);
    expect(abortSyndrome(fault('translation', 'read'), false, { ...none, acquireRelease: true }) & bits).toBe(ISS_AR);
    // A stage-2 fault on a stage-1 walk has no instruction syndrome (ISV=0: ISS[23:14] RES0).
    expect(abortSyndrome(fault('translation', 'read', true), false, all) & bits).toBe(0);
  });
});
