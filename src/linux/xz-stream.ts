/**
 * The .xz container (xz-file-format 1.x): stream header, blocks, index and footer, parsed and
 * checked without decompressing anything. Used to find the one real stream among byte patterns
 * that merely look like its magic, and to rewrite a stream's filter chain (see xz-decompress.ts).
 */
import { crc32 } from './crc32';
import { XzError } from './errors';

/** §2.1.1.1 Header Magic Bytes. */
export const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] as const;
/** §2.1.2.4 Footer Magic Bytes ("YZ"). */
const FOOTER_MAGIC = [0x59, 0x5a] as const;
const HEADER_BYTES = 12;
const FOOTER_BYTES = 12;

/** §2.1.1.2 Stream Flags, Check Types. */
export const XzCheck = { None: 0x00, Crc32: 0x01, Crc64: 0x04, Sha256: 0x0a } as const;

/** §5.3 Filter IDs (5.3.1 LZMA2, 5.3.2 branch/call/jump converters, 5.3.3 Delta). */
export const XzFilter = {
  Delta: 0x03,
  X86: 0x04,
  PowerPc: 0x05,
  Ia64: 0x06,
  Arm: 0x07,
  ArmThumb: 0x08,
  Sparc: 0x09,
  Arm64: 0x0a,
  RiscV: 0x0b,
  Lzma2: 0x21,
} as const;

const FILTER_NAMES: Readonly<Record<number, string>> = {
  0x03: 'Delta',
  0x04: 'BCJ x86',
  0x05: 'BCJ PowerPC',
  0x06: 'BCJ IA-64',
  0x07: 'BCJ ARM',
  0x08: 'BCJ ARM-Thumb',
  0x09: 'BCJ SPARC',
  0x0a: 'BCJ ARM64',
  0x0b: 'BCJ RISC-V',
  0x21: 'LZMA2',
};

export function filterName(id: number): string {
  return FILTER_NAMES[id] ?? `filter 0x${id.toString(16)}`;
}

/** §2.1.1.2: the size of the Check field for each of the 16 check IDs. */
export function checkSize(check: number): number {
  if (check === 0) return 0;
  return 4 << Math.floor((check - 1) / 3);
}

export interface XzFilterFlags {
  readonly id: number;
  readonly properties: Uint8Array;
}

export interface XzBlock {
  /** Offset of the Block Header in the input. */
  readonly headerOffset: number;
  readonly headerSize: number;
  /** Block Flags bits 6 and 7 carried the sizes in the header (§3.1.2). */
  readonly compressedSizeField?: number;
  readonly uncompressedSizeField?: number;
  /** Filter chain in header order: the last filter is applied first when decoding (§3.1.5). */
  readonly filters: readonly XzFilterFlags[];
  readonly dataOffset: number;
  readonly compressedSize: number;
  /** Offset of the Check field (after Block Padding). */
  readonly checkOffset: number;
  readonly uncompressedOffset: number;
  readonly uncompressedSize: number;
}

export interface XzStream {
  /** Offset of the stream header in the input, and one past the footer. */
  readonly start: number;
  readonly end: number;
  readonly check: number;
  readonly blocks: readonly XzBlock[];
  readonly uncompressedSize: number;
}

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function matchesAt(bytes: Uint8Array, at: number, pattern: readonly number[]): boolean {
  if (at < 0 || at + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

/** §1.2 Multibyte Integers: 7 bits a byte, low first, at most 9 bytes, no redundant zero byte. */
export function readMultibyte(bytes: Uint8Array, at: number, end: number, what: string): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) throw new XzError(`${what}: multibyte integer runs past its field`, at);
    const b = bytes[at + i];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new XzError(`${what}: multibyte integer has a redundant zero byte`, at);
      if (!Number.isSafeInteger(value)) throw new XzError(`${what}: ${value} is too large to handle`, at);
      return { value, next: at + i + 1 };
    }
    scale *= 128;
  }
  throw new XzError(`${what}: multibyte integer longer than 9 bytes`, at);
}

export function writeMultibyte(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** True when a stream header with a valid CRC32 over its Stream Flags starts at `at` (§2.1.1). */
export function isStreamHeader(bytes: Uint8Array, at: number): boolean {
  if (!matchesAt(bytes, at, XZ_MAGIC) || at + HEADER_BYTES > bytes.length) return false;
  return crc32(bytes, at + 6, at + 8) === u32le(bytes, at + 8);
}

/** Offsets of every XZ magic in `bytes` whose stream header CRC32 is valid. */
export function findStreamHeaders(bytes: Uint8Array, from = 0): number[] {
  const found: number[] = [];
  for (let i = bytes.indexOf(XZ_MAGIC[0], from); i >= 0; i = bytes.indexOf(XZ_MAGIC[0], i + 1)) {
    if (isStreamHeader(bytes, i)) found.push(i);
  }
  return found;
}

/**
 * Parse and check the whole stream whose header is at `start`: the footer is the first one after
 * the header whose CRC32, flags and Backward Size agree, whose Index CRC32 holds, and whose Index
 * records account for every byte between the header and the Index.
 */
export function parseXzStream(bytes: Uint8Array, start: number): XzStream {
  if (!matchesAt(bytes, start, XZ_MAGIC)) throw new XzError('no XZ stream header magic', start);
  if (start + HEADER_BYTES + FOOTER_BYTES > bytes.length) throw new XzError('XZ stream is truncated before its footer', start);
  if (!isStreamHeader(bytes, start)) throw new XzError('XZ stream header CRC32 does not match its Stream Flags', start + 8);
  const flags0 = bytes[start + 6];
  const flags1 = bytes[start + 7];
  // §2.1.1.2: the first flag byte and the high nibble of the second are reserved, must be zero.
  if (flags0 !== 0 || (flags1 & 0xf0) !== 0) throw new XzError(`XZ stream flags 0x${flags0.toString(16)} 0x${flags1.toString(16)} use reserved bits`, start + 6);
  const check = flags1 & 0x0f;
  let lastProblem = 'no stream footer ("YZ" with matching flags and CRC32) follows';
  for (let y = start + HEADER_BYTES + 10; y + 2 <= bytes.length; y++) {
    if (bytes[y] !== FOOTER_MAGIC[0] || bytes[y + 1] !== FOOTER_MAGIC[1]) continue;
    const footer = y - 10;
    if (bytes[footer + 8] !== flags0 || bytes[footer + 9] !== flags1) continue;
    if (crc32(bytes, footer + 4, footer + 10) !== u32le(bytes, footer)) continue;
    const indexSize = (u32le(bytes, footer + 4) + 1) * 4; // §2.1.2.2 Backward Size
    const indexStart = footer - indexSize;
    if (indexStart < start + HEADER_BYTES) continue;
    try {
      return readBlocksAndIndex(bytes, start, check, indexStart, footer);
    } catch (e) {
      if (!(e instanceof XzError)) throw e;
      lastProblem = e.message;
    }
  }
  throw new XzError(`XZ stream: ${lastProblem}`, start);
}

function readBlocksAndIndex(bytes: Uint8Array, start: number, check: number, indexStart: number, footer: number): XzStream {
  // §4: Index Indicator 0x00, Number of Records, records, Index Padding, CRC32.
  if (bytes[indexStart] !== 0x00) throw new XzError('XZ index indicator is not 0x00', indexStart);
  const crcAt = footer - 4;
  if (crc32(bytes, indexStart, crcAt) !== u32le(bytes, crcAt)) throw new XzError('XZ index CRC32 does not match', crcAt);
  const count = readMultibyte(bytes, indexStart + 1, crcAt, 'XZ index record count');
  let at = count.next;
  const records: { unpadded: number; uncompressed: number }[] = [];
  for (let i = 0; i < count.value; i++) {
    const unpadded = readMultibyte(bytes, at, crcAt, `XZ index record ${i} unpadded size`);
    const uncompressed = readMultibyte(bytes, unpadded.next, crcAt, `XZ index record ${i} uncompressed size`);
    records.push({ unpadded: unpadded.value, uncompressed: uncompressed.value });
    at = uncompressed.next;
  }
  for (; at < crcAt; at++) if (bytes[at] !== 0) throw new XzError('XZ index padding is not zero', at);

  const blocks: XzBlock[] = [];
  const checkBytes = checkSize(check);
  let blockAt = start + HEADER_BYTES;
  let uncompressedOffset = 0;
  for (let i = 0; i < records.length; i++) {
    const header = readBlockHeader(bytes, blockAt, indexStart, i);
    const compressedSize = records[i].unpadded - header.headerSize - checkBytes;
    if (compressedSize <= 0) throw new XzError(`XZ block ${i}: index unpadded size ${records[i].unpadded} is smaller than its header and check`, blockAt);
    if (header.compressedSizeField !== undefined && header.compressedSizeField !== compressedSize) {
      throw new XzError(`XZ block ${i}: header compressed size ${header.compressedSizeField} disagrees with the index (${compressedSize})`, blockAt);
    }
    if (header.uncompressedSizeField !== undefined && header.uncompressedSizeField !== records[i].uncompressed) {
      throw new XzError(`XZ block ${i}: header uncompressed size disagrees with the index`, blockAt);
    }
    const dataOffset = blockAt + header.headerSize;
    const checkOffset = dataOffset + roundUp4(compressedSize); // §3.3 Block Padding
    blocks.push({ ...header, dataOffset, compressedSize, checkOffset, uncompressedOffset, uncompressedSize: records[i].uncompressed });
    uncompressedOffset += records[i].uncompressed;
    blockAt = checkOffset + checkBytes;
    if (blockAt > indexStart) throw new XzError(`XZ block ${i} runs past the index`, blockAt);
  }
  if (blockAt !== indexStart) throw new XzError(`XZ blocks end at 0x${blockAt.toString(16)}, not where the index starts`, indexStart);
  return { start, end: footer + FOOTER_BYTES, check, blocks, uncompressedSize: uncompressedOffset };
}

function roundUp4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

type BlockHeader = Pick<XzBlock, 'headerOffset' | 'headerSize' | 'compressedSizeField' | 'uncompressedSizeField' | 'filters'>;

/** §3.1 Block Header: size, flags, optional sizes, filter flags, zero padding, CRC32. */
function readBlockHeader(bytes: Uint8Array, at: number, limit: number, index: number): BlockHeader {
  const what = `XZ block ${index} header`;
  if (at >= limit) throw new XzError(`${what} is missing`, at);
  if (bytes[at] === 0) throw new XzError(`${what}: found the index indicator where a block was expected`, at);
  const headerSize = (bytes[at] + 1) * 4; // §3.1.1
  if (at + headerSize > limit) throw new XzError(`${what} runs past the index`, at);
  const crcAt = at + headerSize - 4;
  if (crc32(bytes, at, crcAt) !== u32le(bytes, crcAt)) throw new XzError(`${what} CRC32 does not match`, crcAt);
  const flags = bytes[at + 1];
  if (flags & 0x3c) throw new XzError(`${what}: reserved Block Flags bits set (0x${flags.toString(16)})`, at + 1); // §3.1.2
  let p = at + 2;
  let compressedSizeField: number | undefined;
  let uncompressedSizeField: number | undefined;
  if (flags & 0x40) ({ value: compressedSizeField, next: p } = readMultibyte(bytes, p, crcAt, `${what} compressed size`));
  if (flags & 0x80) ({ value: uncompressedSizeField, next: p } = readMultibyte(bytes, p, crcAt, `${what} uncompressed size`));
  const filters: XzFilterFlags[] = [];
  for (let f = 0; f <= (flags & 0x03); f++) {
    const id = readMultibyte(bytes, p, crcAt, `${what} filter ${f} ID`);
    const size = readMultibyte(bytes, id.next, crcAt, `${what} filter ${f} properties size`);
    if (size.next + size.value > crcAt) throw new XzError(`${what} filter ${f} properties run past the header`, size.next);
    filters.push({ id: id.value, properties: bytes.slice(size.next, size.next + size.value) });
    p = size.next + size.value;
  }
  for (; p < crcAt; p++) if (bytes[p] !== 0) throw new XzError(`${what} padding is not zero`, p); // §3.1.6
  return { headerOffset: at, headerSize, compressedSizeField, uncompressedSizeField, filters };
}

/**
 * Rebuild `stream` with the filters `keep` accepts and no integrity check: what remains is the
 * same compressed data under new block headers, index and footer, so a decoder lacking some
 * filter can still run the rest of the chain. Sizes in the index are recomputed (§4.3.2).
 */
export function rebuildStream(bytes: Uint8Array, stream: XzStream, keep: (filter: XzFilterFlags) => boolean): Uint8Array {
  const out: number[] = [];
  const pushCrc = (from: number): void => {
    const c = crc32(Uint8Array.from(out.slice(from)));
    out.push(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
  };
  const streamFlags = [0x00, XzCheck.None];
  out.push(...XZ_MAGIC, ...streamFlags);
  pushCrc(6);
  const chunks: Uint8Array[] = [Uint8Array.from(out)];
  out.length = 0;
  const records: { unpadded: number; uncompressed: number }[] = [];
  for (const block of stream.blocks) {
    const filters = block.filters.filter(keep);
    if (filters.length === 0) throw new XzError('rebuilding an XZ stream would leave a block with no filters', block.headerOffset);
    const header: number[] = [0, (filters.length - 1) | (block.compressedSizeField !== undefined ? 0x40 : 0) | (block.uncompressedSizeField !== undefined ? 0x80 : 0)];
    if (block.compressedSizeField !== undefined) writeMultibyte(block.compressedSizeField, header);
    if (block.uncompressedSizeField !== undefined) writeMultibyte(block.uncompressedSizeField, header);
    for (const f of filters) {
      writeMultibyte(f.id, header);
      writeMultibyte(f.properties.length, header);
      header.push(...f.properties);
    }
    while ((header.length + 4) % 4 !== 0) header.push(0);
    header[0] = (header.length + 4) / 4 - 1;
    const c = crc32(Uint8Array.from(header));
    header.push(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
    chunks.push(Uint8Array.from(header));
    // Compressed Data plus its Block Padding, copied unchanged; the Check is dropped.
    chunks.push(bytes.subarray(block.dataOffset, block.checkOffset));
    records.push({ unpadded: header.length + block.compressedSize, uncompressed: block.uncompressedSize });
  }
  out.push(0x00);
  writeMultibyte(records.length, out);
  for (const r of records) {
    writeMultibyte(r.unpadded, out);
    writeMultibyte(r.uncompressed, out);
  }
  while (out.length % 4 !== 0) out.push(0);
  pushCrc(0);
  const backward = out.length / 4 - 1;
  const footerAt = out.length;
  out.push(0, 0, 0, 0, backward & 0xff, (backward >>> 8) & 0xff, (backward >>> 16) & 0xff, backward >>> 24, ...streamFlags, ...FOOTER_MAGIC);
  const fc = crc32(Uint8Array.from(out.slice(footerAt + 4, footerAt + 10)));
  out.splice(footerAt, 4, fc & 0xff, (fc >>> 8) & 0xff, (fc >>> 16) & 0xff, fc >>> 24);
  chunks.push(Uint8Array.from(out));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const result = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    result.set(c, at);
    at += c.length;
  }
  return result;
}
