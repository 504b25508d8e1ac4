/**
 * Read an ESR_EL2 / HSR value back into typed fields: the inverse of encode.ts, for any EC
 * (Arm ARM DDI 0487, D17 "ESR_EL2"; G8 "HSR"). Classes without a field layout here keep their
 * raw ISS; unallocated classes are named as such.
 */
import type { CoprocAccess, SysAccess } from '../../decode/system-access';
import { EC as EC_IMPORTED, exceptionClassName } from './ec';
import { SyndromeError } from './syndrome-error';

// A module-local copy for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without this copy (and the other
// trap-path files') a trapped ID-register read cost 1.66x the host instructions under vitest,
// 1.07x under tsx, and the same in compiled dist/ (issue 17).
const EC = { ...EC_IMPORTED };

interface Common {
  readonly esr: number;
  readonly ec: number;
  /** IL[25]: 1 for a 32-bit instruction, 0 for a trapped 16-bit T32 instruction. */
  readonly il: number;
  readonly iss: number;
  /** Name of the exception class, e.g. "trapped MCR/MRC (coproc 15)". */
  readonly className: string;
}

/** CV[24] and COND[23:20], reported by the classes with a condition field. */
interface Conditional {
  readonly cv: boolean;
  readonly cond: number;
}

export type Syndrome =
  | (Common & { readonly kind: 'wfx'; readonly ti: number } & Conditional)
  | (Common & { readonly kind: 'coproc'; readonly access: CoprocAccess } & Conditional)
  | (Common & {
      readonly kind: 'ldc-stc';
      readonly imm8: number;
      readonly rn: number;
      readonly offset: boolean;
      readonly addressingMode: number;
      readonly read: boolean;
    } & Conditional)
  | (Common & { readonly kind: 'sys'; readonly access: SysAccess })
  | (Common & { readonly kind: 'hvc' | 'svc' | 'smc64'; readonly imm16: number })
  | (Common & { readonly kind: 'smc32'; readonly ccKnownPass: boolean } & Conditional)
  | (Common & {
      readonly kind: 'data-abort';
      readonly sameEl: boolean;
      readonly isv: boolean;
      readonly sas: number;
      readonly sse: boolean;
      readonly srt: number;
      readonly sf: boolean;
      readonly ar: boolean;
      readonly set: number;
      readonly fnv: boolean;
      readonly ea: boolean;
      readonly cm: boolean;
      readonly s1ptw: boolean;
      readonly wnr: boolean;
      readonly dfsc: number;
    })
  | (Common & {
      readonly kind: 'instruction-abort';
      readonly sameEl: boolean;
      readonly set: number;
      readonly fnv: boolean;
      readonly ea: boolean;
      readonly s1ptw: boolean;
      readonly ifsc: number;
    })
  | (Common & { readonly kind: 'unknown' })
  | (Common & { readonly kind: 'other' | 'unallocated' });

const bit = (v: number, n: number): boolean => ((v >>> n) & 1) === 1;
const bits = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);

/** Decode a 32-bit syndrome value (ESR_EL2[31:0] or HSR). */
export function decodeSyndrome(esr: number): Syndrome {
  if (!Number.isInteger(esr) || esr < 0 || esr > 0xffffffff) {
    throw new SyndromeError(`syndrome ${String(esr)} is not a 32-bit unsigned value`);
  }
  const ec = esr >>> 26;
  // Plain fields, not spread objects: spreading costs microseconds per trap on this path.
  const il = bit(esr, 25) ? 1 : 0;
  const iss = esr & 0x1ffffff;
  const className = exceptionClassName(ec);
  const cv = bit(iss, 24);
  const cond = bits(iss, 23, 20);
  switch (ec) {
    case EC.UNKNOWN:
      return { esr, ec, il, iss, className, kind: 'unknown' };
    case EC.WFX:
      return { esr, ec, il, iss, className, cv, cond, kind: 'wfx', ti: bits(iss, 1, 0) };
    case EC.CP15_MCR_MRC:
    case EC.CP14_MCR_MRC:
      return {
        esr, ec, il, iss, className, cv, cond,
        kind: 'coproc',
        access: {
          coproc: ec === EC.CP15_MCR_MRC ? 15 : 14,
          opc2: bits(iss, 19, 17),
          opc1: bits(iss, 16, 14),
          crn: bits(iss, 13, 10),
          rt: bits(iss, 9, 5),
          crm: bits(iss, 4, 1),
          rt2: 0,
          read: bit(iss, 0),
          wide: false,
        },
      };
    case EC.CP15_MCRR_MRRC:
    case EC.CP14_MRRC:
      return {
        esr, ec, il, iss, className, cv, cond,
        kind: 'coproc',
        access: {
          coproc: ec === EC.CP15_MCRR_MRRC ? 15 : 14,
          opc1: bits(iss, 19, 16),
          crn: 0,
          opc2: 0,
          rt2: bits(iss, 14, 10),
          rt: bits(iss, 9, 5),
          crm: bits(iss, 4, 1),
          read: bit(iss, 0),
          wide: true,
        },
      };
    case EC.CP14_LDC_STC:
      // ISS: CV COND imm8[19:12] Rn[9:5] Offset[4] AM[3:1] Direction[0].
      return {
        esr, ec, il, iss, className, cv, cond,
        kind: 'ldc-stc',
        imm8: bits(iss, 19, 12),
        rn: bits(iss, 9, 5),
        offset: bit(iss, 4),
        addressingMode: bits(iss, 3, 1),
        read: bit(iss, 0),
      };
    case EC.SYS64:
      return {
        esr, ec, il, iss, className,
        kind: 'sys',
        access: {
          op0: bits(iss, 21, 20),
          op2: bits(iss, 19, 17),
          op1: bits(iss, 16, 14),
          crn: bits(iss, 13, 10),
          rt: bits(iss, 9, 5),
          crm: bits(iss, 4, 1),
          read: bit(iss, 0),
        },
      };
    case EC.HVC32:
    case EC.HVC64:
      return { esr, ec, il, iss, className, kind: 'hvc', imm16: bits(iss, 15, 0) };
    case EC.SVC32:
    case EC.SVC64:
      return { esr, ec, il, iss, className, kind: 'svc', imm16: bits(iss, 15, 0) };
    case EC.SMC64:
      return { esr, ec, il, iss, className, kind: 'smc64', imm16: bits(iss, 15, 0) };
    case EC.SMC32:
      return { esr, ec, il, iss, className, cv, cond, kind: 'smc32', ccKnownPass: bit(iss, 19) };
    case EC.DABT_LOWER:
    case EC.DABT_SAME:
      return {
        esr, ec, il, iss, className,
        kind: 'data-abort',
        sameEl: ec === EC.DABT_SAME,
        isv: bit(iss, 24),
        sas: bits(iss, 23, 22),
        sse: bit(iss, 21),
        srt: bits(iss, 20, 16),
        sf: bit(iss, 15),
        ar: bit(iss, 14),
        set: bits(iss, 12, 11),
        fnv: bit(iss, 10),
        ea: bit(iss, 9),
        cm: bit(iss, 8),
        s1ptw: bit(iss, 7),
        wnr: bit(iss, 6),
        dfsc: bits(iss, 5, 0),
      };
    case EC.IABT_LOWER:
    case EC.IABT_SAME:
      return {
        esr, ec, il, iss, className,
        kind: 'instruction-abort',
        sameEl: ec === EC.IABT_SAME,
        set: bits(iss, 12, 11),
        fnv: bit(iss, 10),
        ea: bit(iss, 9),
        s1ptw: bit(iss, 7),
        ifsc: bits(iss, 5, 0),
      };
    default:
      return { esr, ec, il, iss, className, kind: className.startsWith('unallocated') ? 'unallocated' : 'other' };
  }
}
