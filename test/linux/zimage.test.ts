import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { ZImageError } from '../../src/linux/errors';
import { readZImageHeader, unpackZImage } from '../../src/linux/zimage';
import { isStreamHeader } from '../../src/linux/xz-stream';
import { wrapZImage } from './zimage-builder';
import { codeLike, xz, xzAvailable } from './xz-tool';

const hasXz = xzAvailable();
const image = codeLike(12000, 99);

describe('readZImageHeader', () => {
  it('reads the magic, start, end and endianness words', () => {
    const { file } = wrapZImage(new Uint8Array(16), 16);
    expect(readZImageHeader(file)).toEqual({ startAddress: 0, endAddress: file.length, size: file.length, endianness: 'little' });
    expect(readZImageHeader(new Uint8Array(64))).toBeUndefined();
  });
});

describe('unpackZImage', () => {
  it.skipIf(!hasXz)('finds and decodes the XZ (BCJ ARM) payload past decoy magics', async () => {
    const { file, payloadAt } = wrapZImage(xz(image, ['--check=crc32', '--arm', '--lzma2=preset=6']), image.length);
    expect(isStreamHeader(file, 0x200)).toBe(true); // the decoy really has a valid header CRC
    const z = await unpackZImage(file);
    expect(z.compression).toBe('xz');
    expect(z.payloadOffset).toBe(payloadAt);
    expect(z.filters).toEqual(['BCJ ARM', 'LZMA2']);
    expect(z.sizeWord).toBe(image.length);
    expect(Buffer.from(z.image).equals(Buffer.from(image))).toBe(true);
  });

  it.skipIf(!hasXz)('ignores data appended after the zImage end address', async () => {
    const { file } = wrapZImage(xz(image, ['--check=crc32', '--arm', '--lzma2']), image.length, { appended: 4096 });
    const z = await unpackZImage(file);
    expect(z.image.length).toBe(image.length);
  });

  it('decodes a gzip payload', async () => {
    const { file, payloadAt } = wrapZImage(gzipSync(image, { level: 9 }), image.length);
    const z = await unpackZImage(file);
    expect(z.compression).toBe('gzip');
    expect(z.payloadOffset).toBe(payloadAt);
    expect(Buffer.from(z.image).equals(Buffer.from(image))).toBe(true);
  });

  it.skipIf(!hasXz)('names LZMA as unsupported', async () => {
    const { file } = wrapZImage(xz(image, ['--format=lzma']), image.length);
    await expect(unpackZImage(file)).rejects.toThrow(/compression LZMA is not supported/);
  });

  it('names LZO and LZ4 as unsupported', async () => {
    const lzo = Uint8Array.from([0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await expect(unpackZImage(wrapZImage(lzo, 100).file)).rejects.toThrow(/compression LZO is not supported/);
    const lz4 = Uint8Array.from([0x02, 0x21, 0x4c, 0x18, 0, 0, 1, 0]);
    await expect(unpackZImage(wrapZImage(lz4, 100).file)).rejects.toThrow(/compression LZ4 is not supported/);
  });

  it('rejects files without the zImage magic and big-endian zImages', async () => {
    await expect(unpackZImage(new Uint8Array(4096))).rejects.toThrow(/not an ARM zImage: no magic 0x016f2818 at offset 0x24/);
    await expect(unpackZImage(wrapZImage(new Uint8Array(64), 64, { bigEndian: true }).file)).rejects.toThrow(ZImageError);
  });

  it.skipIf(!hasXz)('throws ZImageError for truncated or damaged zImages (seeded, 25 cases)', async () => {
    const small = codeLike(2000, 5);
    const { file } = wrapZImage(xz(small, ['--check=crc32', '--arm', '--lzma2']), small.length);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0x40, max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (at, flip, truncate) => {
        const bad = truncate ? file.slice(0, at) : file.slice();
        if (!truncate) bad[at] ^= flip;
        try {
          const z = await unpackZImage(bad);
          expect(Buffer.from(z.image).equals(Buffer.from(small))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ZImageError);
        }
      }),
      { seed: 0x21, numRuns: 25 },
    );
  });
});
