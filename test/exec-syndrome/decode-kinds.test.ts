/**
 * Syndrome decoder cases mutation testing (npm run mutate, src/exec/syndrome/decode.ts and ec.ts)
 * found unchecked: the kind of SVC, SMC, LDC/STC and unallocated syndromes, sameEl of the abort
 * classes and the error for a value that is not an ESR (Arm ARM D17 "ESR_EL2": EC values and ISS
 * encodings). The ESRs come from the encoder where it builds them, else from the ISS layout.
 */
import { describe, expect, it } from 'vitest';
import { decodeSyndrome } from '../../src/exec/syndrome/decode';
import { encodeDataAbort, encodeInstructionAbort, encodeSmcTrap, encodeSvc } from '../../src/exec/syndrome/encode';
import { SyndromeError } from '../../src/exec/syndrome/syndrome-error';

const IL = 1 << 25;
const dabt = { isv: false, sas: 0, sse: false, srt: 0, sf: false, ar: false, is16bit: false, fnv: false, ea: false, cm: false, s1ptw: false, wnr: false, dfsc: 4 };
const iabt = { fnv: false, ea: false, s1ptw: false, ifsc: 4 };

describe('syndrome decoding by exception class', () => {
  it('SVC from AArch32 and AArch64, SMC from AArch64 with imm16, SMC from AArch32 with CCKNOWNPASS', () => {
    expect(decodeSyndrome(encodeSvc(0x1234, true))).toMatchObject({ ec: 0x15, kind: 'svc', imm16: 0x1234 });
    expect(decodeSyndrome(encodeSvc(0x42, false))).toMatchObject({ ec: 0x11, kind: 'svc', imm16: 0x42 });
    expect(decodeSyndrome(encodeSmcTrap(true, 0x77))).toMatchObject({ ec: 0x17, kind: 'smc64', imm16: 0x77 });
    expect(decodeSyndrome(encodeSmcTrap(false))).toMatchObject({ ec: 0x13, kind: 'smc32', ccKnownPass: false });
    // CCKNOWNPASS[19] = 1, CV = 1, COND = 0b0000 (a conditional SMC that failed its check).
    expect(decodeSyndrome(((0x13 << 26) | IL | (1 << 24) | (1 << 19)) >>> 0)).toMatchObject({ kind: 'smc32', ccKnownPass: true, cv: true, cond: 0 });
  });

  it('LDC/STC to CP14 (EC 0x06): imm8[19:12], Rn[9:5], Offset[4], AM[3:1], Direction[0]', () => {
    const esr = ((0x06 << 26) | IL | (1 << 24) | (0xe << 20) | (0x12 << 12) | (3 << 5) | (1 << 4) | (2 << 1) | 1) >>> 0;
    expect(decodeSyndrome(esr)).toMatchObject({ kind: 'ldc-stc', cv: true, cond: 0xe, imm8: 0x12, rn: 3, offset: true, addressingMode: 2, className: 'trapped LDC/STC' });
  });

  it('data and instruction aborts from the same EL and from a lower one (EC 0x24/0x25, 0x20/0x21)', () => {
    expect(decodeSyndrome(encodeDataAbort({ ...dabt, sameEl: true }))).toMatchObject({ ec: 0x25, kind: 'data-abort', sameEl: true });
    expect(decodeSyndrome(encodeDataAbort({ ...dabt, sameEl: false }))).toMatchObject({ ec: 0x24, kind: 'data-abort', sameEl: false });
    expect(decodeSyndrome(encodeInstructionAbort({ ...iabt, sameEl: true }))).toMatchObject({ ec: 0x21, kind: 'instruction-abort', sameEl: true });
    expect(decodeSyndrome(encodeInstructionAbort({ ...iabt, sameEl: false }))).toMatchObject({ ec: 0x20, kind: 'instruction-abort', sameEl: false });
  });

  it('an unallocated EC is named by its value; an allocated one not decoded further is "other"', () => {
    expect(decodeSyndrome(((0x3f << 26) | IL) >>> 0)).toMatchObject({ ec: 0x3f, kind: 'unallocated', className: 'unallocated EC 0x3f' });
    // Two hex digits, zero-padded.
    expect(decodeSyndrome(((0x0b << 26) | IL) >>> 0)).toMatchObject({ ec: 0x0b, kind: 'unallocated', className: 'unallocated EC 0x0b' });
    expect(decodeSyndrome(((0x3c << 26) | IL) >>> 0)).toMatchObject({ ec: 0x3c, kind: 'other' });
  });

  it('rejects a value that is not a 32-bit unsigned ESR, saying so', () => {
    expect(() => decodeSyndrome(2 ** 32)).toThrow(new SyndromeError('syndrome 4294967296 is not a 32-bit unsigned value'));
    expect(() => decodeSyndrome(-1)).toThrow(SyndromeError);
  });
});
