/**
 * ARM zImage: a self-decompressing wrapper around the kernel Image. Facts from Linux's
 * Documentation/arch/arm/booting.rst (zImage header) and the ARM decompressor's layout:
 * the compressed payload is followed by a 32-bit little-endian word holding the Image size.
 */
import { ZImageError } from './errors';
import { inflateGzipMember, looksLikeGzip } from './gzip-member';
import { decompressXz } from './xz-decompress';
import { findStreamHeaders, parseXzStream } from './xz-stream';

/** zImage header words (booting.rst: "zImage magic number at offset 0x24"). */
const ZIMAGE_MAGIC = 0x016f2818;
const MAGIC_AT = 0x24;
const START_AT = 0x28;
const END_AT = 0x2c;
/** Endianness flag: 0x04030201 for little-endian, 0x01020304 for big-endian kernels. */
const ENDIAN_AT = 0x30;
const LITTLE_ENDIAN_FLAG = 0x04030201;
const BIG_ENDIAN_FLAG = 0x01020304;

export interface ZImageHeader {
  /** Where the zImage was linked to run (0 for position-independent zImages). */
  readonly startAddress: number;
  readonly endAddress: number;
  /** Bytes of the zImage proper (end - start); anything after it in the file is appended data. */
  readonly size: number;
  readonly endianness: 'little' | 'big' | 'unstated';
}

export type ZImageCompression = 'xz' | 'gzip';

export interface UnpackedZImage {
  readonly header: ZImageHeader;
  readonly compression: ZImageCompression;
  /** Offset of the compressed payload in the file, and one past its end. */
  readonly payloadOffset: number;
  readonly payloadEnd: number;
  /** The size word that follows the payload, when it agrees with the decompressed size. */
  readonly sizeWord?: number;
  /** Filter chain (XZ), e.g. ['BCJ ARM', 'LZMA2']. */
  readonly filters: readonly string[];
  /** The decompressed kernel Image. */
  readonly image: Uint8Array;
}

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** The zImage header, or undefined when `bytes` do not carry the zImage magic. */
export function readZImageHeader(bytes: Uint8Array): ZImageHeader | undefined {
  if (bytes.length < ENDIAN_AT + 4 || u32le(bytes, MAGIC_AT) !== ZIMAGE_MAGIC) return undefined;
  const startAddress = u32le(bytes, START_AT);
  const endAddress = u32le(bytes, END_AT);
  const flag = u32le(bytes, ENDIAN_AT);
  const endianness = flag === LITTLE_ENDIAN_FLAG ? 'little' : flag === BIG_ENDIAN_FLAG ? 'big' : 'unstated';
  return { startAddress, endAddress, size: (endAddress - startAddress) >>> 0, endianness };
}

/** Signatures of payload compressions this module recognises but cannot decompress. */
const UNSUPPORTED: readonly { name: string; matches: (b: Uint8Array, at: number) => boolean }[] = [
  { name: 'LZO', matches: (b, at) => startsWith(b, at, [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'LZ4', matches: (b, at) => startsWith(b, at, [0x02, 0x21, 0x4c, 0x18]) },
  { name: 'zstd', matches: (b, at) => startsWith(b, at, [0x28, 0xb5, 0x2f, 0xfd]) },
  { name: 'bzip2', matches: (b, at) => startsWith(b, at, [0x42, 0x5a, 0x68]) && b[at + 3] >= 0x31 && b[at + 3] <= 0x39 && startsWith(b, at + 4, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) },
  { name: 'LZMA', matches: looksLikeLzmaAlone },
];

function startsWith(bytes: Uint8Array, at: number, pattern: readonly number[]): boolean {
  if (at + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

/** The .lzma ("LZMA_Alone") header: properties 0x5D, power-of-two dictionary, size or all-ones. */
function looksLikeLzmaAlone(bytes: Uint8Array, at: number): boolean {
  if (at + 13 > bytes.length || bytes[at] !== 0x5d) return false;
  const dict = u32le(bytes, at + 1);
  if (dict < 1 << 16 || dict > 1 << 30 || (dict & (dict - 1)) !== 0) return false;
  const sizeLow = u32le(bytes, at + 5);
  const sizeHigh = u32le(bytes, at + 9);
  return (sizeLow === 0xffffffff && sizeHigh === 0xffffffff) || (sizeHigh === 0 && sizeLow > 0);
}

/**
 * Find the compressed payload in a zImage and decompress it. The real XZ stream is the one whose
 * whole framing (header CRC, block headers, index, footer) checks out, not merely the first
 * magic: the decompressor's own code holds that constant too. gzip is found by its header and
 * must inflate and match its CRC32.
 */
export async function unpackZImage(bytes: Uint8Array): Promise<UnpackedZImage> {
  const header = readZImageHeader(bytes);
  if (header === undefined) {
    throw new ZImageError(`not an ARM zImage: no magic 0x${ZIMAGE_MAGIC.toString(16).padStart(8, '0')} at offset 0x${MAGIC_AT.toString(16)}`);
  }
  if (header.endianness === 'big') throw new ZImageError('big-endian zImages are not supported', ENDIAN_AT);
  const limit = header.size > 0 && header.size <= bytes.length ? header.size : bytes.length;
  const region = bytes.subarray(0, limit);

  const problems: string[] = [];
  for (const at of findStreamHeaders(region)) {
    try {
      parseXzStream(region, at);
    } catch (e) {
      problems.push(`${describe(e)}`);
      continue;
    }
    const { data, stream, filters } = await decompressXz(region, at).catch((e: unknown) => {
      throw new ZImageError(`XZ payload at 0x${at.toString(16)} does not decompress: ${describe(e)}`, at);
    });
    return { header, compression: 'xz', payloadOffset: at, payloadEnd: stream.end, sizeWord: sizeWordAt(region, stream.end, data.length), filters, image: data };
  }

  for (let at = region.indexOf(0x1f); at >= 0; at = region.indexOf(0x1f, at + 1)) {
    if (!looksLikeGzip(region, at)) continue;
    try {
      const member = inflateGzipMember(region, at);
      return { header, compression: 'gzip', payloadOffset: at, payloadEnd: member.end, sizeWord: sizeWordAt(region, member.end - 4, member.data.length), filters: [], image: member.data };
    } catch (e) {
      problems.push(describe(e));
    }
  }

  for (const kind of UNSUPPORTED) {
    for (let at = 0; at < region.length; at++) {
      if (kind.matches(region, at)) throw new ZImageError(`zImage payload compression ${kind.name} is not supported (only XZ and gzip are)`, at);
    }
  }
  const tried = problems.length > 0 ? `; candidates rejected: ${problems.slice(0, 3).join('; ')}` : '';
  throw new ZImageError(`no compressed payload (XZ or gzip) found in the ${limit}-byte zImage${tried}`);
}

function sizeWordAt(bytes: Uint8Array, at: number, decodedLength: number): number | undefined {
  if (at + 4 > bytes.length) return undefined;
  const word = u32le(bytes, at);
  return word === decodedLength ? word : undefined;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
