/**
 * fast-check arbitraries for system-register accesses and syndromes, for property tests here
 * and in other parts (executors, hypervisor policies). Table-driven ones enumerate the register
 * table (src/exec/sysregs/table.ts); the "any" ones draw every field at random.
 */
import fc from 'fast-check';
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import { allCoprocEntries, allSysEntries, directionAllowed } from '../sysregs/table';
import { encodeCoprocTrap, encodeDataAbort, encodeHvc, encodeInstructionAbort, encodeSysTrap, encodeWfxTrap, type WfxKind } from './encode';

/** Any AArch32 condition field, including 0xF (reported as 0xE). */
export const conditionArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 15 });

/** An MCR/MRC/MCRR/MRRC of a register in the table, in a direction the register allows; Rt, Rt2 in r0-r14. */
export function tableCoprocAccessArb(): fc.Arbitrary<CoprocAccess> {
  const entries = allCoprocEntries();
  return fc
    .tuple(fc.constantFrom(...entries), fc.boolean(), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 }))
    .map(([{ row, encoding: e }, wantRead, rt, rt2]) => {
      const read = directionAllowed(row, wantRead) ? wantRead : !wantRead;
      return { coproc: e.coproc, opc1: e.opc1, crn: e.crn, crm: e.crm, opc2: e.opc2, rt, rt2: e.wide ? rt2 : 0, read, wide: e.wide };
    });
}

/** An MSR/MRS/SYS of a register or instruction in the table, in an allowed direction; Rt in x0-x30 or xzr. */
export function tableSysAccessArb(): fc.Arbitrary<SysAccess> {
  const entries = allSysEntries();
  return fc.tuple(fc.constantFrom(...entries), fc.boolean(), fc.integer({ min: 0, max: 31 })).map(([{ row, encoding: e }, wantRead, rt]) => {
    const read = directionAllowed(row, wantRead) ? wantRead : !wantRead;
    return { op0: e.op0, op1: e.op1, crn: e.crn, crm: e.crm, op2: e.op2, rt, read };
  });
}

/** Any p14/p15 coprocessor access with every field at random (MCRR opc1 is 4 bits). */
export function anyCoprocAccessArb(): fc.Arbitrary<CoprocAccess> {
  return fc
    .record({
      coproc: fc.constantFrom(14, 15),
      wide: fc.boolean(),
      opc1: fc.integer({ min: 0, max: 15 }),
      crn: fc.integer({ min: 0, max: 15 }),
      crm: fc.integer({ min: 0, max: 15 }),
      opc2: fc.integer({ min: 0, max: 7 }),
      rt: fc.integer({ min: 0, max: 15 }),
      rt2: fc.integer({ min: 0, max: 15 }),
      read: fc.boolean(),
    })
    .map((a) => (a.wide ? { ...a, crn: 0, opc2: 0 } : { ...a, opc1: a.opc1 & 7, rt2: 0 }));
}

/** Any MSR/MRS/SYS/SYSL field combination. */
export function anySysAccessArb(): fc.Arbitrary<SysAccess> {
  return fc.record({
    op0: fc.integer({ min: 0, max: 3 }),
    op1: fc.integer({ min: 0, max: 7 }),
    crn: fc.integer({ min: 0, max: 15 }),
    crm: fc.integer({ min: 0, max: 15 }),
    op2: fc.integer({ min: 0, max: 7 }),
    rt: fc.integer({ min: 0, max: 31 }),
    read: fc.boolean(),
  });
}

/** Any 32-bit syndrome value, allocated or not. */
export const anySyndromeArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffffffff });

/** A well-formed syndrome of one of the classes setway raises. */
export function syndromeArb(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.tuple(anyCoprocAccessArb(), conditionArb, fc.boolean()).map(([a, c, t16]) => encodeCoprocTrap(a, c, t16)),
    anySysAccessArb().map(encodeSysTrap),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), conditionArb).map(([k, a64, c]) => encodeWfxTrap(k as WfxKind, a64, c)),
    fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([imm, a64]) => encodeHvc(imm, a64)),
    fc
      .record({
        sameEl: fc.boolean(),
        isv: fc.boolean(),
        sas: fc.integer({ min: 0, max: 3 }),
        sse: fc.boolean(),
        srt: fc.integer({ min: 0, max: 31 }),
        sf: fc.boolean(),
        ar: fc.boolean(),
        is16bit: fc.boolean(),
        fnv: fc.boolean(),
        ea: fc.boolean(),
        cm: fc.boolean(),
        s1ptw: fc.boolean(),
        wnr: fc.boolean(),
        dfsc: fc.integer({ min: 0, max: 63 }),
      })
      .map(encodeDataAbort),
    fc
      .record({ sameEl: fc.boolean(), fnv: fc.boolean(), ea: fc.boolean(), s1ptw: fc.boolean(), ifsc: fc.integer({ min: 0, max: 63 }) })
      .map(encodeInstructionAbort),
  );
}
