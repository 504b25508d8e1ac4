/**
 * A zImage unpacked once: its Image, kallsyms and link address, kept on disk by the sha256 of the
 * zImage file, because unpacking (XZ, about 1 s for Debian's armmp) and reading kallsyms cost
 * more than the routine a user runs. The directory is $SETWAY_CACHE_DIR, else
 * $XDG_CACHE_HOME/setway, else ~/.cache/setway. An entry ends with the sha256 of everything
 * before it: one that is truncated, corrupt or of another format version is a miss, rebuilt and
 * replaced. Entries are written to a temporary file and renamed, so a reader (another process
 * loading the same kernel) sees a whole entry or none. A cache that cannot be written is skipped.
 *
 * Entry layout (little-endian): "SWUK", u32 version, u32 meta bytes, u32 Image bytes, u32 symbol
 * bytes, meta (JSON), Image, symbols (f64 addresses, one type byte each, NUL-separated names),
 * sha256 of all the preceding bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readKallsyms, type Kallsyms, type KallsymsLayout, type KallsymsSymbol } from './kallsyms';
import { findLinkAddress, type LinkAddress } from './link-address';
import { unpackZImage, type UnpackedZImage } from './zimage';

/** Bump when what is cached, or how it is computed, changes: older entries are then misses. */
const FORMAT_VERSION = 1;
const MAGIC = 0x4b555753; // "SWUK"
const HEADER_BYTES = 20;
const HASH_BYTES = 32;

/** An error recorded in place of a result, rebuilt with its name (the CLI maps errors by name). */
interface RecordedError {
  readonly name: string;
  readonly message: string;
}

export interface UnpackedKernel {
  readonly unpacked: UnpackedZImage;
  /** The Image's kallsyms, or the error reading them gave. */
  readonly kallsyms: Kallsyms | Error;
  /** Link address of Image offset 0 from those kallsyms (findLinkAddress), or why not. */
  readonly link: LinkAddress | Error;
  /** Where this came from: 'cache' (an entry was read), 'unpacked' (and stored), 'unpacked, not cached'. */
  readonly source: 'cache' | 'unpacked' | 'unpacked, not cached';
}

export interface UnpackedKernelCacheOptions {
  /** Use the cache directory (default true); false unpacks and stores nothing (--no-cache). */
  readonly cache?: boolean;
  /** The directory (default cacheDirectory()). */
  readonly directory?: string;
}

interface Meta {
  readonly zImageSha256: string;
  readonly unpacked: Omit<UnpackedZImage, 'image'>;
  readonly kallsyms: { readonly layout: KallsymsLayout; readonly count: number } | { readonly error: RecordedError };
  readonly link: LinkAddress | { readonly error: RecordedError };
}

/** $SETWAY_CACHE_DIR, $XDG_CACHE_HOME/setway, or ~/.cache/setway. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SETWAY_CACHE_DIR) return env.SETWAY_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'setway');
  return join(homedir(), '.cache', 'setway');
}

/** The entry file of the zImage whose sha256 is `sha256`. */
export function unpackedKernelPath(directory: string, sha256: string): string {
  return join(directory, 'unpacked-kernels', `${sha256}.v${FORMAT_VERSION}.bin`);
}

/** The zImage `bytes` unpacked, with its kallsyms and link address: from the cache, or computed (and stored). */
export async function unpackKernelCached(bytes: Uint8Array, options: UnpackedKernelCacheOptions = {}): Promise<UnpackedKernel> {
  if (options.cache === false) return { ...(await unpackAndRead(bytes)), source: 'unpacked, not cached' };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = unpackedKernelPath(options.directory ?? cacheDirectory(), sha256);
  const cached = readEntry(path, sha256);
  if (cached !== undefined) return cached;
  const fresh = await unpackAndRead(bytes);
  return { ...fresh, source: writeEntry(path, sha256, fresh) ? 'unpacked' : 'unpacked, not cached' };
}

async function unpackAndRead(bytes: Uint8Array): Promise<Omit<UnpackedKernel, 'source'>> {
  const unpacked = await unpackZImage(bytes);
  const kallsyms = attempt(() => readKallsyms(unpacked.image));
  const link = kallsyms instanceof Error ? kallsyms : attempt(() => findLinkAddress(unpacked.image, kallsyms.symbols));
  return { unpacked, kallsyms, link };
}

function attempt<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

const recorded = (e: Error): { error: RecordedError } => ({ error: { name: e.name, message: e.message } });

function rebuilt(r: RecordedError): Error {
  const e = new Error(r.message);
  e.name = r.name;
  return e;
}

/** Write the entry atomically; false when the directory cannot be written (the run goes on uncached). */
function writeEntry(path: string, sha256: string, k: Omit<UnpackedKernel, 'source'>): boolean {
  const { image, ...unpacked } = k.unpacked;
  const symbols = k.kallsyms instanceof Error ? [] : k.kallsyms.symbols;
  if (symbols.some((s) => s.type.length !== 1 || s.name.includes('\0'))) return false; // not in this layout
  const meta: Meta = {
    zImageSha256: sha256,
    unpacked,
    kallsyms: k.kallsyms instanceof Error ? recorded(k.kallsyms) : { layout: k.kallsyms.layout, count: symbols.length },
    link: k.link instanceof Error ? recorded(k.link) : k.link,
  };
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  const symbolBytes = encodeSymbols(symbols);
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, FORMAT_VERSION, true);
  header.setUint32(8, metaBytes.length, true);
  header.setUint32(12, image.length, true);
  header.setUint32(16, symbolBytes.length, true);
  const parts = [new Uint8Array(header.buffer), metaBytes, image, symbolBytes];
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  parts.push(hash.digest());
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(temporary, Buffer.concat(parts));
    renameSync(temporary, path);
    return true;
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written there.
    }
    return false;
  }
}

/** The entry at `path`, or undefined when it is missing, truncated, corrupt, of another version or another zImage. */
function readEntry(path: string, sha256: string): UnpackedKernel | undefined {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return undefined;
  }
  if (file.length < HEADER_BYTES + HASH_BYTES) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT_VERSION) return undefined;
  const metaLength = view.getUint32(8, true);
  const imageLength = view.getUint32(12, true);
  const symbolLength = view.getUint32(16, true);
  const body = HEADER_BYTES + metaLength + imageLength + symbolLength;
  if (body + HASH_BYTES !== file.length) return undefined;
  const digest = createHash('sha256').update(file.subarray(0, body)).digest();
  if (!digest.equals(file.subarray(body))) return undefined;
  try {
    const meta = JSON.parse(file.toString('utf8', HEADER_BYTES, HEADER_BYTES + metaLength)) as Meta;
    if (meta.zImageSha256 !== sha256) return undefined;
    // Copies (Uint8Array's slice, not Buffer's): the Image becomes guest memory, apart from the file's buffer.
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    const unpacked: UnpackedZImage = { ...meta.unpacked, image: bytes.slice(HEADER_BYTES + metaLength, HEADER_BYTES + metaLength + imageLength) };
    const kallsyms: Kallsyms | Error =
      'error' in meta.kallsyms ? rebuilt(meta.kallsyms.error) : { symbols: decodeSymbols(bytes.subarray(body - symbolLength, body), meta.kallsyms.count), layout: meta.kallsyms.layout };
    return { unpacked, kallsyms, link: 'error' in meta.link ? rebuilt(meta.link.error) : meta.link, source: 'cache' };
  } catch {
    return undefined;
  }
}

function encodeSymbols(symbols: readonly KallsymsSymbol[]): Uint8Array {
  const addresses = new Float64Array(symbols.length);
  const types = new Uint8Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    addresses[i] = symbols[i].address;
    types[i] = symbols[i].type.charCodeAt(0);
  }
  const names = new TextEncoder().encode(symbols.map((s) => s.name).join('\0'));
  const out = new Uint8Array(addresses.byteLength + types.length + names.length);
  out.set(new Uint8Array(addresses.buffer), 0);
  out.set(types, addresses.byteLength);
  out.set(names, addresses.byteLength + types.length);
  return out;
}

function decodeSymbols(bytes: Uint8Array, count: number): KallsymsSymbol[] {
  const addresses = new Float64Array(bytes.slice(0, count * 8).buffer);
  const types = bytes.subarray(count * 8, count * 9);
  const names = count === 0 ? [] : new TextDecoder().decode(bytes.subarray(count * 9)).split('\0');
  if (names.length !== count) throw new Error('symbol names do not match their count');
  const out: KallsymsSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { name: names[i], type: String.fromCharCode(types[i]), address: addresses[i] };
  return out;
}
