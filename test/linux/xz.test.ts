import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../src/linux/crc32';
import { crc64 } from '../../src/linux/crc64';
import { decompressXz } from '../../src/linux/xz-decompress';
import { XzError } from '../../src/linux/errors';
import { findStreamHeaders, parseXzStream, rebuildStream, XzFilter } from '../../src/linux/xz-stream';
import { codeLike, xz, xzAccepts, xzAvailable } from './xz-tool';

const hasXz = xzAvailable();
if (!hasXz && process.env.CI) throw new Error('the xz command is required in CI (xz-utils)');

describe('checksums', () => {
  it('match the published check values for "123456789"', () => {
    const data = new TextEncoder().encode('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    // CRC-64/XZ check value 0x995DC9BBDF1939FA, stored little-endian.
    expect(Buffer.from(crc64(data)).toString('hex')).toBe('fa3919dfbbc95d99');
  });
});

describe.skipIf(!hasXz)('decompressXz against the xz command', () => {
  const data = codeLike(20000, 42);
  const cases: [string, string[]][] = [
    ['LZMA2 only, CRC64', ['--check=crc64']],
    ['BCJ ARM + LZMA2, CRC32 (the Linux zImage chain)', ['--check=crc32', '--arm', '--lzma2=preset=6']],
    ['BCJ ARM with a start offset', ['--check=crc32', '--arm=start=64', '--lzma2']],
    ['BCJ ARM-Thumb + LZMA2, CRC64', ['--check=crc64', '--armthumb', '--lzma2']],
    ['BCJ ARM + LZMA2, SHA-256', ['--check=sha256', '--arm', '--lzma2']],
    ['BCJ ARM + LZMA2, no check', ['--check=none', '--arm', '--lzma2']],
    ['BCJ ARM + LZMA2 in 4 KiB blocks', ['--check=crc32', '--block-size=4096', '--arm', '--lzma2']],
  ];
  for (const [name, args] of cases) {
    it(`decodes ${name}`, async () => {
      const compressed = xz(data, args);
      const result = await decompressXz(compressed);
      expect(result.data.length).toBe(data.length);
      expect(Buffer.from(result.data).equals(Buffer.from(data))).toBe(true);
    });
  }

  it('reports the filter chain', async () => {
    const result = await decompressXz(xz(data, ['--check=crc32', '--arm', '--lzma2']));
    expect(result.filters).toEqual(['BCJ ARM', 'LZMA2']);
    expect(result.stream.blocks[0].filters.map((f) => f.id)).toEqual([XzFilter.Arm, XzFilter.Lzma2]);
  });

  it('rebuilds streams that xz itself accepts', () => {
    const compressed = xz(data, ['--check=crc32', '--block-size=8192', '--arm', '--lzma2']);
    const stream = parseXzStream(compressed, 0);
    expect(stream.blocks.length).toBe(10);
    const rebuilt = rebuildStream(compressed, stream, (f) => f.id !== XzFilter.Arm);
    expect(xzAccepts(compressed)).toBe(true);
    expect(xzAccepts(rebuilt)).toBe(true);
  });

  it('finds the real stream after a decoy magic and within trailing data', async () => {
    const compressed = xz(data, ['--check=crc32', '--arm', '--lzma2']);
    const wrapped = new Uint8Array(100 + compressed.length + 50);
    wrapped.set([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0, 0, 0, 0], 20); // bad header CRC
    wrapped.set(compressed, 100);
    expect(findStreamHeaders(wrapped)).toEqual([100]);
    const result = await decompressXz(wrapped, 100);
    expect(result.stream.end).toBe(100 + compressed.length);
    expect(Buffer.from(result.data).equals(Buffer.from(data))).toBe(true);
  });

  it('rejects a BCJ stream whose decoded data fails its CRC32', async () => {
    const compressed = xz(data, ['--check=crc32', '--arm', '--lzma2']);
    const stream = parseXzStream(compressed, 0);
    const damaged = compressed.slice();
    damaged[stream.blocks[0].checkOffset] ^= 1;
    await expect(decompressXz(damaged)).rejects.toThrow(/fails its CRC32 check/);
  });

  it('throws only XzError for damaged or truncated streams (seeded, 30 cases)', async () => {
    const small = codeLike(3000, 7);
    const compressed = xz(small, ['--check=crc32', '--arm', '--lzma2']);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: compressed.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (at, flip, truncate) => {
        const bad = truncate ? compressed.slice(0, at) : compressed.slice();
        if (!truncate) bad[at] ^= flip;
        try {
          const r = await decompressXz(bad);
          // Success is only acceptable with exactly the original data.
          expect(Buffer.from(r.data).equals(Buffer.from(small))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(XzError);
        }
      }),
      { seed: 0x7a, numRuns: 30 },
    );
  });
});
