/**
 * One gzip member (RFC 1952) at a given offset, with whatever follows it ignored: Node's gunzip
 * rejects trailing bytes, and in a zImage the payload is followed by the decompressor's data.
 */
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32';
import { ZImageError } from './errors';

/** RFC 1952 §2.3.1 FLG bits. */
const Flag = { Text: 0x01, HeaderCrc: 0x02, Extra: 0x04, Name: 0x08, Comment: 0x10, Reserved: 0xe0 } as const;
const MAX_OUTPUT = 512 * 1024 * 1024;

/** True when a gzip member header (ID1 ID2, CM = 8 deflate, no reserved flags) starts at `at`. */
export function looksLikeGzip(bytes: Uint8Array, at: number): boolean {
  return at + 10 <= bytes.length && bytes[at] === 0x1f && bytes[at + 1] === 0x8b && bytes[at + 2] === 8 && (bytes[at + 3] & Flag.Reserved) === 0;
}

export interface GzipMember {
  readonly data: Uint8Array;
  /** One past the member's ISIZE field. */
  readonly end: number;
}

export function inflateGzipMember(bytes: Uint8Array, at: number): GzipMember {
  if (!looksLikeGzip(bytes, at)) throw new ZImageError('no gzip member header', at);
  const flags = bytes[at + 3];
  let p = at + 10;
  if (flags & Flag.Extra) p += 2 + (bytes[p] | (bytes[p + 1] << 8));
  if (flags & Flag.Name) p = skipZeroTerminated(bytes, p);
  if (flags & Flag.Comment) p = skipZeroTerminated(bytes, p);
  if (flags & Flag.HeaderCrc) p += 2;
  if (p >= bytes.length) throw new ZImageError('gzip header runs past the end of the data', at);
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    inflated = inflateRawSync(bytes.subarray(p), { info: true, maxOutputLength: MAX_OUTPUT }) as unknown as typeof inflated;
  } catch (e) {
    throw new ZImageError(`gzip data does not inflate: ${e instanceof Error ? e.message : String(e)}`, p);
  }
  const trailer = p + inflated.engine.bytesWritten;
  if (trailer + 8 > bytes.length) throw new ZImageError('gzip member is missing its CRC32/ISIZE trailer', trailer);
  const data = new Uint8Array(inflated.buffer.buffer, inflated.buffer.byteOffset, inflated.buffer.length);
  const storedCrc = (bytes[trailer] | (bytes[trailer + 1] << 8) | (bytes[trailer + 2] << 16) | (bytes[trailer + 3] << 24)) >>> 0;
  if (crc32(data) !== storedCrc) throw new ZImageError('gzip member fails its CRC32 check', trailer);
  return { data, end: trailer + 8 };
}

function skipZeroTerminated(bytes: Uint8Array, at: number): number {
  const nul = bytes.indexOf(0, at);
  return nul < 0 ? bytes.length : nul + 1;
}
