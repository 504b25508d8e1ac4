/**
 * The cache of unpacked zImages on a small synthetic kernel (a gzip payload, so no xz tool is
 * needed): a miss stores, a hit gives what unpacking gives, a corrupt or truncated entry is
 * rebuilt, writes leave no temporary files, and an unwritable directory only costs the cache.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadLinuxKernel } from '../../src/linux/load-kernel';
import { cacheDirectory, unpackedKernelPath, unpackKernelCached, type UnpackedKernel } from '../../src/linux/unpacked-kernel-cache';
import { buildImage, makeSymbols, xorshift } from './kallsyms-builder';
import { wrapZImage } from './zimage-builder';
import { createHash } from 'node:crypto';

const TEXT = 0xc0208000;
const CODE = 0x8000;
const built = buildImage(makeSymbols(300, TEXT, CODE, 5, false), TEXT, CODE, 'offsets-first+seqs', 5);
const zimage = wrapZImage(gzipSync(built.image), built.image.length).file;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Everything but where it came from, in a form toEqual compares (errors by name and message). */
function facts(k: UnpackedKernel) {
  const err = (e: Error) => ({ name: e.name, message: e.message });
  return {
    unpacked: { ...k.unpacked, image: sha(k.unpacked.image) },
    kallsyms: k.kallsyms instanceof Error ? err(k.kallsyms) : k.kallsyms,
    link: k.link instanceof Error ? err(k.link) : k.link,
  };
}

const freshDirectory = () => mkdtempSync(join(tmpdir(), 'setway-cache-'));

describe('unpacked kernel cache', () => {
  it('a miss unpacks and stores; a hit gives the same Image, kallsyms and link address', async () => {
    const directory = freshDirectory();
    const first = await unpackKernelCached(zimage, { directory });
    expect(first.source).toBe('unpacked');
    expect(first.unpacked.compression).toBe('gzip');
    expect(first.kallsyms).not.toBeInstanceOf(Error);
    expect(first.link).toMatchObject({ address: TEXT });
    expect(statSync(unpackedKernelPath(directory, sha(zimage))).isFile()).toBe(true);
    const second = await unpackKernelCached(zimage, { directory });
    expect(second.source).toBe('cache');
    expect(facts(second)).toEqual(facts(first));
    expect(second.unpacked.image.byteOffset).toBe(0); // its own buffer, not a view of the file's
    expect(second.unpacked.image.buffer.byteLength).toBe(built.image.length);
    expect(readdirSync(join(directory, 'unpacked-kernels'))).toEqual([`${sha(zimage)}.v1.bin`]); // no temporary files left
    const uncached = await unpackKernelCached(zimage, { cache: false, directory: freshDirectory() });
    expect(uncached.source).toBe('unpacked, not cached');
    expect(facts(uncached)).toEqual(facts(first));
  });

  it.each([
    ['a flipped byte in the Image', (path: string) => {
      const b = readFileSync(path);
      b[b.length >> 1] ^= 0x40;
      writeFileSync(path, b);
    }],
    ['a flipped byte in the symbol names', (path: string) => {
      const b = readFileSync(path);
      b[b.length - 40] ^= 0x01;
      writeFileSync(path, b);
    }],
    ['truncation', (path: string) => truncateSync(path, statSync(path).size - 1000)],
    ['truncation to the header', (path: string) => truncateSync(path, 12)],
    ['another file entirely', (path: string) => writeFileSync(path, 'not a cache entry')],
    ['an empty file', (path: string) => writeFileSync(path, '')],
  ])('an entry damaged by %s is ignored and rebuilt', async (_what, damage) => {
    const directory = freshDirectory();
    const reference = facts(await unpackKernelCached(zimage, { directory }));
    const path = unpackedKernelPath(directory, sha(zimage));
    damage(path);
    const rebuilt = await unpackKernelCached(zimage, { directory });
    expect(rebuilt.source).toBe('unpacked');
    expect(facts(rebuilt)).toEqual(reference);
    const again = await unpackKernelCached(zimage, { directory });
    expect(again.source).toBe('cache');
    expect(facts(again)).toEqual(reference);
  });

  it('an entry of another zImage under this one\'s name is a miss', async () => {
    const directory = freshDirectory();
    const other = wrapZImage(gzipSync(built.image.slice(0, 0x4000)), 0x4000).file;
    await unpackKernelCached(other, { directory });
    writeFileSync(unpackedKernelPath(directory, sha(zimage)), readFileSync(unpackedKernelPath(directory, sha(other))));
    expect((await unpackKernelCached(zimage, { directory })).source).toBe('unpacked');
  });

  it('an Image without kallsyms: the error is cached with its name and message', async () => {
    const directory = freshDirectory();
    const next = xorshift(9);
    const noise = Uint8Array.from({ length: 0x4000 }, () => next() & 0xff);
    const z = wrapZImage(gzipSync(noise), noise.length).file;
    const first = await unpackKernelCached(z, { directory });
    expect(first.kallsyms).toBeInstanceOf(Error);
    const second = await unpackKernelCached(z, { directory });
    expect(second.source).toBe('cache');
    expect(facts(second)).toEqual(facts(first));
    expect((second.kallsyms as Error).name).toBe('KallsymsError');
  });

  it('a directory that cannot be written costs only the cache', async () => {
    const blocker = join(freshDirectory(), 'a-file');
    writeFileSync(blocker, '');
    const k = await unpackKernelCached(zimage, { directory: blocker });
    expect(k.source).toBe('unpacked, not cached');
    expect(k.link).toMatchObject({ address: TEXT });
  });

  it('the directory: SETWAY_CACHE_DIR, else XDG_CACHE_HOME/setway, else ~/.cache/setway', () => {
    expect(cacheDirectory({ SETWAY_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b', HOME: '/h' })).toBe('/a');
    expect(cacheDirectory({ XDG_CACHE_HOME: '/b' })).toBe(join('/b', 'setway'));
    expect(cacheDirectory({})).toMatch(/\.cache[/\\]setway$/);
  });

  it('loadLinuxKernel with cache: the same LoadedImage from an entry as from unpacking', async () => {
    const directory = freshDirectory();
    const saved = process.env.SETWAY_CACHE_DIR;
    process.env.SETWAY_CACHE_DIR = directory;
    try {
      const plain = await loadLinuxKernel(zimage);
      const stored = await loadLinuxKernel(zimage, { cache: true });
      const cached = await loadLinuxKernel(zimage, { cache: true });
      expect(readdirSync(join(directory, 'unpacked-kernels'))).toHaveLength(1);
      for (const k of [stored, cached]) {
        expect(k.linux).toEqual(plain.linux);
        expect(k.symbols).toEqual(plain.symbols);
        expect(sha(k.segments[0].bytes)).toBe(sha(plain.segments[0].bytes));
        expect(k.findSymbol('v7_flush_dcache_all')).toEqual(plain.findSymbol('v7_flush_dcache_all'));
      }
    } finally {
      if (saved === undefined) delete process.env.SETWAY_CACHE_DIR;
      else process.env.SETWAY_CACHE_DIR = saved;
    }
  });
});
