/**
 * Decompress one XZ stream with the `xz-decompress` WebAssembly decoder (xz-embedded inside).
 * That build decodes LZMA2 but rejects branch/call/jump filters (XZ_OPTIONS_ERROR), which Linux
 * uses for Arm kernels (`--arm`, or `--armthumb` for Thumb-2), and cannot verify SHA-256 checks.
 * So the stream is rebuilt with each block's leading converters (those implemented in bcj.ts)
 * removed and no check, the rest is decoded by the wasm module, the converters run here, and
 * each block's check (CRC32, CRC64 or SHA-256) is verified here.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { BCJ_DECODERS, bcjStartOffset } from './bcj';
import { crc32 } from './crc32';
import { crc64 } from './crc64';
import { XzError } from './errors';
import { XzCheck, checkSize, filterName, parseXzStream, rebuildStream, type XzBlock, type XzStream } from './xz-stream';

type XzDecompressModule = typeof import('xz-decompress');

/** xz-embedded's enum xz_ret, for readable errors from the wasm decoder. */
const XZ_RET_NAMES: Readonly<Record<number, string>> = {
  2: 'XZ_UNSUPPORTED_CHECK (check type not supported)',
  3: 'XZ_MEM_ERROR (out of memory)',
  4: 'XZ_MEMLIMIT_ERROR (dictionary larger than the decoder allows)',
  5: 'XZ_FORMAT_ERROR (not XZ data)',
  6: 'XZ_OPTIONS_ERROR (unsupported filter chain or options)',
  7: 'XZ_DATA_ERROR (corrupt compressed data)',
  8: 'XZ_BUF_ERROR (truncated input)',
};

let decoderModule: XzDecompressModule | undefined;

function wasmDecoder(): XzDecompressModule {
  // The package is a CommonJS bundle whose named export Node's ESM loader cannot see; require it.
  decoderModule ??= createRequire(import.meta.url)('xz-decompress') as XzDecompressModule;
  return decoderModule;
}

export interface XzDecodeResult {
  readonly data: Uint8Array;
  readonly stream: XzStream;
  /** Names of the filters in the first block's chain, e.g. ['BCJ ARM', 'LZMA2']. */
  readonly filters: readonly string[];
}

/** Decompress the stream whose header is at `start` in `bytes` (default: the first byte). */
export async function decompressXz(bytes: Uint8Array, start = 0): Promise<XzDecodeResult> {
  const stream = parseXzStream(bytes, start);
  const filters = stream.blocks.length > 0 ? stream.blocks[0].filters.map((f) => filterName(f.id)) : [];
  for (const block of stream.blocks) {
    const last = block.filters[block.filters.length - 1];
    if (last.id !== 0x21) throw new XzError(`XZ block's last filter is ${filterName(last.id)}, not LZMA2`, block.headerOffset);
  }
  const stripped = stream.blocks.map(convertersToStrip);
  // Always rebuilt: without the converters, and with no check (the wasm build cannot verify
  // SHA-256, and a check over converted output cannot be verified before converting).
  const input = rebuildStream(bytes, stream, strippedSet(stream, stripped));
  const data = await runWasm(input, stream.uncompressedSize, filters, start);
  if (data.length !== stream.uncompressedSize) {
    throw new XzError(`XZ stream decoded to ${data.length} bytes, its index says ${stream.uncompressedSize}`, start);
  }
  stream.blocks.forEach((block, i) => {
    const out = data.subarray(block.uncompressedOffset, block.uncompressedOffset + block.uncompressedSize);
    // Decoding runs the chain backwards: the converter listed first runs last.
    for (let f = stripped[i] - 1; f >= 0; f--) {
      const filter = block.filters[f];
      BCJ_DECODERS.get(filter.id)?.(out, bcjStartOffset(filter.properties) ?? 0);
    }
    verifyCheck(bytes, stream.check, block, out, i);
  });
  return { data, stream, filters };
}

/** How many leading filters of the block's chain this module converts itself (a prefix only). */
function convertersToStrip(block: XzBlock): number {
  let n = 0;
  while (n < block.filters.length - 1 && BCJ_DECODERS.has(block.filters[n].id)) {
    const startOffset = bcjStartOffset(block.filters[n].properties);
    if (startOffset === undefined) throw new XzError(`${filterName(block.filters[n].id)} properties are ${block.filters[n].properties.length} bytes, not 0 or 4`, block.headerOffset);
    n++;
  }
  return n;
}

function strippedSet(stream: XzStream, stripped: readonly number[]): (f: { id: number; properties: Uint8Array }) => boolean {
  const drop = new Set<object>();
  stream.blocks.forEach((b, i) => b.filters.slice(0, stripped[i]).forEach((f) => drop.add(f)));
  return (f) => !drop.has(f);
}

function verifyCheck(bytes: Uint8Array, check: number, block: XzBlock, out: Uint8Array, index: number): void {
  const stored = bytes.subarray(block.checkOffset, block.checkOffset + checkSize(check));
  let actual: Uint8Array;
  switch (check) {
    case XzCheck.None:
      return;
    case XzCheck.Crc32: {
      const c = crc32(out);
      actual = Uint8Array.of(c, c >>> 8, c >>> 16, c >>> 24);
      break;
    }
    case XzCheck.Crc64:
      actual = crc64(out);
      break;
    case XzCheck.Sha256:
      actual = new Uint8Array(createHash('sha256').update(out).digest());
      break;
    default:
      throw new XzError(`XZ check type 0x${check.toString(16)} is not supported`, block.checkOffset);
  }
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] !== actual[i]) throw new XzError(`XZ block ${index}: decoded data fails its ${checkName(check)} check`, block.checkOffset);
  }
}

function checkName(check: number): string {
  return check === XzCheck.Crc32 ? 'CRC32' : check === XzCheck.Crc64 ? 'CRC64' : check === XzCheck.Sha256 ? 'SHA-256' : `0x${check.toString(16)}`;
}

async function runWasm(input: Uint8Array, expectedSize: number, filters: readonly string[], where: number): Promise<Uint8Array> {
  const { XzReadableStream } = wasmDecoder();
  const out = new Uint8Array(expectedSize);
  let filled = 0;
  try {
    const source = new Blob([input]).stream();
    const reader = new XzReadableStream(source).getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > expectedSize) {
        await reader.cancel(); // frees the decoder's context and its lock for the next stream
        throw new XzError(`XZ stream decodes to more than the ${expectedSize} bytes its index records`, where);
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    if (e instanceof XzError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const code = /error code (\d+)/.exec(message);
    const reason = code ? (XZ_RET_NAMES[Number(code[1])] ?? `error code ${code[1]}`) : message;
    throw new XzError(`xz-decompress failed: ${reason}; filter chain ${filters.join(' + ') || 'none'}`, where);
  }
  return out.subarray(0, filled);
}
