import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readKallsyms } from '../../src/linux/kallsyms';
import { findLinkAddress } from '../../src/linux/link-address';
import { recoverKernelSymbols } from '../../src/linux/recover-symbols';
import { KallsymsError } from '../../src/linux/errors';
import { buildImage, buildKallsyms, makeSymbols, type KallsymsOrder } from './kallsyms-builder';

const TEXT = 0xc0008000;
const CODE = 0x8000;
const ORDERS: KallsymsOrder[] = ['offsets-first', 'offsets-first+seqs', 'offsets-last', 'absolute'];

describe('readKallsyms on synthetic Images', () => {
  for (const order of ORDERS) {
    it(`recovers every name, type and address in the ${order} order`, () => {
      const symbols = makeSymbols(700, TEXT, CODE, 7, true);
      const { image, blobAt } = buildImage(symbols, TEXT, CODE, order, 11);
      const k = readKallsyms(image);
      expect(k.symbols).toEqual(symbols);
      expect(k.layout.encoding).toBe(order === 'absolute' ? 'absolute' : 'base-relative');
      expect(k.layout.bigSymbolLengths).toBe(true);
      expect(k.layout.tokenTable).toBeGreaterThan(blobAt);
    });
  }

  it('agrees with the symbols it was built from across seeded random tables (20 runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 257, max: 1200 }), fc.constantFrom(...ORDERS), fc.integer({ min: 1, max: 1 << 30 }), (count, order, seed) => {
        const symbols = makeSymbols(count, TEXT, 0x10000, seed, seed % 2 === 0);
        const { image } = buildImage(symbols, TEXT, 0x10000, order, seed + 1, 60);
        const k = readKallsyms(image);
        expect(k.symbols.length).toBe(symbols.length);
        expect(k.symbols).toEqual(symbols);
      }),
      { seed: 0x5e7a, numRuns: 20 },
    );
  });

  it('reads tables whose compressor left token slots empty', () => {
    const symbols = makeSymbols(300, TEXT, CODE, 3, true);
    const blob = buildKallsyms(symbols, 'offsets-first', { pairRounds: 5 });
    const image = new Uint8Array(blob.bytes.length + 64);
    image.set(blob.bytes, 32);
    expect(readKallsyms(image).symbols).toEqual(symbols);
  });

  it('reads one-byte name lengths (kernels before 6.1)', () => {
    const symbols = makeSymbols(500, TEXT, CODE, 5, true).filter((s) => s.name.length < 100);
    const blob = buildKallsyms(symbols, 'offsets-first', { bigLengths: false });
    const image = new Uint8Array(blob.bytes.length + 16);
    image.set(blob.bytes, 8);
    const k = readKallsyms(image);
    expect(k.symbols).toEqual(symbols);
  });
});

describe('readKallsyms on a 64-bit kernel layout', () => {
  it('reads the table with its base as a .quad (0, as a relocatable arm64 Image ships it): addresses count from the lowest symbol', () => {
    for (const count of [700, 701]) {
      // An odd count pads the offsets to 8 before the base.
      const symbols = makeSymbols(count, TEXT, CODE, count, true);
      const blob = buildKallsyms(symbols, 'offsets-first-64');
      const image = new Uint8Array(blob.bytes.length + 64);
      image.set(blob.bytes, 24);
      const k = readKallsyms(image);
      const lowest = Math.min(...symbols.map((s) => s.address));
      expect(k.symbols, `${count} symbols`).toEqual(symbols.map((s) => ({ ...s, address: s.address - lowest })));
      expect(k.layout).toMatchObject({ encoding: 'base-relative', wide: true, relocatedAtBoot: true });
    }
  });

  it('still reads a 32-bit table as 32-bit', () => {
    const symbols = makeSymbols(600, TEXT, CODE, 4, true);
    const { image } = buildImage(symbols, TEXT, CODE, 'offsets-first', 5);
    expect(readKallsyms(image).layout.wide).toBeUndefined();
  });
});

describe('findLinkAddress', () => {
  it('takes _text when kallsyms has it', () => {
    const symbols = makeSymbols(400, TEXT, CODE, 9, true);
    const { image } = buildImage(symbols, TEXT, CODE, 'offsets-first', 1);
    expect(findLinkAddress(image, readKallsyms(image).symbols)).toEqual({ address: TEXT, source: 'symbol _text' });
  });

  it('recovers the link address from A32 BL targets when _text is absent', () => {
    for (const [text, seed] of [
      [0xc0208000, 21],
      [0x80008000, 22],
      [0xc0008000, 23],
    ]) {
      const symbols = makeSymbols(900, text, 0x10000, seed, false);
      const { image } = buildImage(symbols, text, 0x10000, 'offsets-first+seqs', seed);
      const link = findLinkAddress(image, readKallsyms(image).symbols);
      expect(link.address).toBe(text);
      expect(link.source).toBe('branch targets');
      expect(link.matched).toBeGreaterThanOrEqual(link.sampled! / 2);
    }
  });

  it('refuses when the code has no BL into the symbols', () => {
    const symbols = makeSymbols(400, TEXT, CODE, 9, false);
    const image = new Uint8Array(CODE); // all zero: no BL at all
    expect(() => findLinkAddress(image, symbols)).toThrow(KallsymsError);
  });
});

describe('readKallsyms errors', () => {
  it('says the token table is missing in data without one', () => {
    expect(() => readKallsyms(new Uint8Array(4096).fill(0x41))).toThrow(/kallsyms_token_table not found/);
  });

  it('throws KallsymsError, never a TypeError/RangeError, on truncated or damaged tables', () => {
    const symbols = makeSymbols(600, TEXT, CODE, 4, true);
    const { image, blobAt } = buildImage(symbols, TEXT, CODE, 'offsets-first', 4);
    fc.assert(
      fc.property(fc.integer({ min: blobAt, max: image.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, value, truncate) => {
        const damaged = truncate ? image.slice(0, at) : image.slice();
        if (!truncate) damaged[at] = value;
        try {
          const k = readKallsyms(damaged);
          // A byte the reader does not depend on may change; the result must still be sorted and printable.
          for (let i = 1; i < k.symbols.length; i++) expect(k.symbols[i].address).toBeGreaterThanOrEqual(k.symbols[i - 1].address);
          for (const s of k.symbols) expect(s.name).toMatch(/^[\x21-\x7e]+$/);
        } catch (e) {
          expect(e).toBeInstanceOf(KallsymsError);
        }
      }),
      { seed: 0xbad, numRuns: 60 },
    );
  });
});

describe('recoverKernelSymbols', () => {
  it('returns the symbols with the link address of Image offset 0', () => {
    const symbols = makeSymbols(600, 0xc0208000, 0x10000, 31, false);
    const { image } = buildImage(symbols, 0xc0208000, 0x10000, 'offsets-first+seqs', 31);
    const r = recoverKernelSymbols(image);
    expect(r.symbols).toEqual(symbols);
    expect(r.text.address).toBe(0xc0208000);
  });
});
