import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compilePattern, DecodeTable, PatternError, wordMatching, matches } from '../../src/decode/bit-pattern';

describe('compilePattern', () => {
  it('compiles fixed bits and fields of the MCR row', () => {
    const p = compilePattern('cccc1110aaa0NNNNttttppppbbb1MMMM');
    expect(p.mask).toBe(0x0f100010);
    expect(p.value).toBe(0x0e000010);
    expect(p.fixedBits).toBe(6);
    // mcr p15, #0, r5, c7, c14, #2 = 0xee075f5e
    const w = 0xee075f5e;
    expect(p.fields.c.extract(w)).toBe(0xe);
    expect(p.fields.a.extract(w)).toBe(0);
    expect(p.fields.N.extract(w)).toBe(7);
    expect(p.fields.t.extract(w)).toBe(5);
    expect(p.fields.p.extract(w)).toBe(15);
    expect(p.fields.b.extract(w)).toBe(2);
    expect(p.fields.M.extract(w)).toBe(14);
  });

  it('concatenates split fields high run first', () => {
    const p = compilePattern('----iiii------------------jjjjii');
    expect(p.fields.i.width).toBe(6);
    expect(p.fields.i.extract(0x0a000003)).toBe((0xa << 2) | 3);
    expect(p.fields.j.extract(0x3c)).toBe(0xf);
  });

  it('handles a full 32-bit field and 16-bit rows', () => {
    expect(compilePattern('x'.repeat(32)).fields.x.extract(0xdeadbeef)).toBe(0xdeadbeef);
    const t = compilePattern('010001110mmmm000');
    expect(t.width).toBe(16);
    expect(t.fields.m.extract(0x4770)).toBe(14);
  });

  it('rejects malformed rows with a typed error', () => {
    expect(() => compilePattern('0101')).toThrow(PatternError);
    expect(() => compilePattern('0'.repeat(31) + '2')).toThrow(/character '2'/);
  });

  it('wordMatching produces words that match and fields round-trip', () => {
    const p = compilePattern('cccc000oooosnnnnddddiiiiitt0mmmm');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (noise) => {
        const w = wordMatching(p, noise);
        expect(matches(p, w)).toBe(true);
        for (const f of Object.values(p.fields)) expect((w & f.mask) >>> 0).toBe((noise & f.mask) >>> 0);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('DecodeTable', () => {
  const table = new DecodeTable([
    { pattern: 'cccc00-------------------------0', data: 'dp' },
    { pattern: '1111----------------------------', data: 'uncond' },
    { pattern: 'cccc0001001011111111111100-1mmmm', data: 'bx' },
    { pattern: 'cccc1110aaa0NNNNttttppppbbb1MMMM', data: 'mcr' },
  ]);

  it('prefers the more specific row', () => {
    expect(table.lookup(0xe12fff1e)).toBe('bx');
    expect(table.lookup(0xe0810002)).toBe('dp');
    expect(table.lookup(0xf57ff04f)).toBe('uncond');
    expect(table.lookup(0xee075f5e)).toBe('mcr');
    expect(table.lookup(0xe7000010)).toBeUndefined();
  });

  it('agrees with a linear scan on random words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (w) => {
        const linear = table.rows.find((r) => matches(r.pattern, w));
        expect(table.match(w)).toBe(linear);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});
