/** MemoryAbort is thrown for every emulated MMIO access, so it is cheap: no stack, a message made when read. */
import { describe, expect, it } from 'vitest';
import { MemoryAbort } from '../../src/mmu/fault';

const fault = { kind: 'translation', stage: 2, level: 1, access: 'read', va: 0x1234, ipa: 0x0900_0000, s1ptw: true } as const;
const TEXT = 'stage 2 translation fault at level 1 on read of VA 0x1234 (IPA 0x9000000, stage-1 table walk)';

describe('MemoryAbort', () => {
  it('reads as an Error naming the fault, in message, String() and stack alike', () => {
    const e = new MemoryAbort(fault);
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe(TEXT);
    expect(String(e)).toBe(`MemoryAbort: ${TEXT}`);
    expect(e.stack).toBe(`MemoryAbort: ${TEXT}`);
    expect(new MemoryAbort({ ...fault, stage: 1, level: -1, s1ptw: false }).message).toBe('stage 1 translation fault on read of VA 0x1234');
  });

  it('captures no stack frames and leaves the stack limit as it was for other errors', () => {
    const limit = Error.stackTraceLimit;
    expect(new MemoryAbort(fault).stack).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('other').stack).toMatch(/\n\s+at /);
  });
});
