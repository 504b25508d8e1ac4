/**
 * Recover a kernel's symbol table from its kallsyms data, from the decompressed Image alone.
 *
 * Facts (Linux scripts/kallsyms and kernel/kallsyms, no code carried over): the kernel embeds
 *  - kallsyms_token_table: 256 NUL-terminated strings; a byte value still used as itself in
 *    some name is its own one-character token (so the digits '0'..'9' sit at indices 0x30..0x39),
 *  - kallsyms_token_index: 256 u16 offsets of those tokens into the token table,
 *  - kallsyms_num_syms, then kallsyms_names: per symbol a length (one byte; since 6.1 a second
 *    byte follows when bit 7 is set, giving 7 + 8 bits) and that many token indices; the first
 *    character of the expanded string is the symbol type (nm-style),
 *  - kallsyms_markers: u32 offsets into kallsyms_names of every 256th symbol,
 *  - either kallsyms_addresses (absolute) or kallsyms_offsets (s32) + kallsyms_relative_base,
 *    where address = relative_base + (u32)offset (CONFIG_KALLSYMS_BASE_RELATIVE without
 *    ABSOLUTE_PERCPU, which only x86_64 selects). Symbols are sorted by address.
 *  - on a 64-bit kernel, relative_base is a .quad aligned to 8 and num_syms a .long padded to 8;
 *    a relocatable arm64 Image ships the base as 0 (its RELA relocations fill it in at boot), so
 *    its addresses are offsets from the lowest symbol, _text. Addresses are kept as their low 32
 *    bits (what a 64-bit PC's low word is compared with).
 * The order of these tables differs between versions (Debian's 6.1.176 has kallsyms_seqs_of_names,
 * 3 bytes a symbol, between the markers and the token table; newer kernels put the offsets after
 * the token index), so each is found by its own shape and checked against the others.
 */
import { KallsymsError } from './errors';

export interface KallsymsSymbol {
  readonly name: string;
  readonly address: number;
  /** nm-style type: 'T'/'t' text, 'D'/'d' data, 'B'/'b' bss, 'R'/'r' read-only, 'W'/'w' weak... */
  readonly type: string;
}

export type AddressEncoding = 'base-relative' | 'absolute';

/** Image offsets where each table was found. */
export interface KallsymsLayout {
  readonly tokenTable: number;
  readonly tokenIndex: number;
  readonly markers: number;
  readonly numSyms: number;
  readonly names: number;
  readonly addresses: number;
  readonly relativeBase?: number;
  readonly encoding: AddressEncoding;
  /** A 64-bit kernel's table (8-byte relative base): addresses are the low 32 bits. */
  readonly wide?: boolean;
  /** The relative base read as 0 (a relocatable arm64 Image): addresses are offsets from _text. */
  readonly relocatedAtBoot?: boolean;
  /** Whether name lengths use the two-byte form for lengths of 128 and more (Linux 6.1+). */
  readonly bigSymbolLengths: boolean;
}

export interface Kallsyms {
  /** In table order, which is address order. */
  readonly symbols: readonly KallsymsSymbol[];
  readonly layout: KallsymsLayout;
}

const TOKENS = 256;
/** Digits as tokens 0x30..0x39: "0\0" "1\0" ... "9\0". */
const DIGIT_TOKENS = Uint8Array.from([...'0123456789'].flatMap((c) => [c.charCodeAt(0), 0]));
/** Upper bound on one compressed name entry (two length bytes + 0x7fff tokens is the format's limit; real ones are far shorter). */
const MAX_ENTRY_BYTES = 1024;

interface TokenTable {
  readonly tableAt: number;
  readonly indexAt: number;
  readonly tokens: readonly string[];
}

interface NamesTable {
  readonly numSymsAt: number;
  readonly namesAt: number;
  readonly count: number;
  /** Offset (from namesAt) of each symbol's entry. */
  readonly entryOffsets: Uint32Array;
  readonly end: number;
  readonly bigSymbolLengths: boolean;
  readonly markersAt: number;
}

class Reader {
  constructor(readonly bytes: Uint8Array) {}
  u16(at: number): number {
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }
  u32(at: number): number {
    const b = this.bytes;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  }
  has(at: number, length: number): boolean {
    return at >= 0 && at + length <= this.bytes.length;
  }
}

/** Find and decode the kallsyms tables of a little-endian kernel Image (32- or 64-bit). */
export function readKallsyms(image: Uint8Array): Kallsyms {
  const r = new Reader(image);
  const tokenTables = findTokenTables(r);
  if (tokenTables.length === 0) throw new KallsymsError('kallsyms_token_table not found: no 256-token table with a matching kallsyms_token_index');
  let lastProblem = '';
  for (const tokens of tokenTables) {
    for (const names of findNamesTables(r, tokens)) {
      const expanded = expandNames(r, tokens, names);
      if (typeof expanded === 'string') {
        lastProblem = expanded;
        continue;
      }
      const addresses = findAddresses(r, names, tokens);
      if (addresses === undefined) {
        lastProblem = `no kallsyms_offsets/kallsyms_addresses table of ${names.count} sorted entries next to kallsyms_num_syms (0x${names.numSymsAt.toString(16)}) or after kallsyms_token_index`;
        continue;
      }
      const symbols = expanded.map((e, i) => ({ name: e.name, type: e.type, address: addresses.values[i] }));
      const layout: KallsymsLayout = {
        tokenTable: tokens.tableAt,
        tokenIndex: tokens.indexAt,
        markers: names.markersAt,
        numSyms: names.numSymsAt,
        names: names.namesAt,
        addresses: addresses.at,
        relativeBase: addresses.relativeBaseAt,
        encoding: addresses.encoding,
        ...(addresses.wide ? { wide: true, relocatedAtBoot: addresses.baseIsZero } : {}),
        bigSymbolLengths: names.bigSymbolLengths,
      };
      return { symbols, layout };
    }
    if (lastProblem === '') lastProblem = `kallsyms_markers/kallsyms_names not found for the token table at 0x${tokens.tableAt.toString(16)}`;
  }
  throw new KallsymsError(lastProblem);
}

/** Every token table whose token index (right after it, 2-byte aligned) agrees with it. */
function findTokenTables(r: Reader): TokenTable[] {
  const found: TokenTable[] = [];
  const bytes = r.bytes;
  for (let at = indexOfSequence(bytes, DIGIT_TOKENS, 0); at >= 0; at = indexOfSequence(bytes, DIGIT_TOKENS, at + 1)) {
    const table = tokenTableAround(r, at);
    if (table !== undefined) found.push(table);
  }
  return found;
}

function indexOfSequence(bytes: Uint8Array, seq: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(seq[0], from); i >= 0 && i + seq.length <= bytes.length; i = bytes.indexOf(seq[0], i + 1)) {
    let k = 1;
    while (k < seq.length && bytes[i + k] === seq[k]) k++;
    if (k === seq.length) return i;
  }
  return -1;
}

/** Given the offset of token 0x30 ("0"), rebuild the table and find its index. */
function tokenTableAround(r: Reader, zeroTokenAt: number): TokenTable | undefined {
  const bytes = r.bytes;
  const digitIndex = 0x30;
  // Terminators of tokens 0..0x2f lie before "0": collect them walking backwards.
  const terminators: number[] = [];
  for (let p = zeroTokenAt - 1; p >= 0 && terminators.length < digitIndex; p--) if (bytes[p] === 0) terminators.push(p);
  if (terminators.length < digitIndex) return undefined;
  terminators.reverse();
  // Starts of tokens 0x30..0xff, walking forwards.
  const starts = new Array<number>(TOKENS);
  let p = zeroTokenAt;
  for (let t = digitIndex; t < TOKENS; t++) {
    if (!r.has(p, 1)) return undefined;
    starts[t] = p; // a slot the compressor never filled holds an empty token
    const nul = bytes.indexOf(0, p);
    if (nul < 0) return undefined;
    p = nul + 1;
  }
  const tableEnd = p;
  for (let t = 1; t < digitIndex; t++) starts[t] = terminators[t - 1] + 1;
  // The index follows the table, aligned to 2, 4 or 8 bytes.
  for (let indexAt = tableEnd + (tableEnd & 1); indexAt < tableEnd + 8; indexAt += 2) {
    if (!r.has(indexAt, 2 * TOKENS) || r.u16(indexAt) !== 0) continue;
    const tableAt = starts[1] - r.u16(indexAt + 2);
    if (tableAt < 0 || tableAt > terminators[0] || bytes.subarray(tableAt, terminators[0]).includes(0)) continue;
    starts[0] = tableAt;
    let agrees = true;
    for (let t = 1; t < TOKENS && agrees; t++) agrees = tableAt + r.u16(indexAt + 2 * t) === starts[t];
    if (!agrees) continue;
    const tokens = starts.map((s) => latin1(bytes, s, bytes.indexOf(0, s)));
    return { tableAt, indexAt, tokens };
  }
  return undefined;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Marker arrays: a u32 0 followed by strictly increasing u32s, each step the size of 256
 * compressed names (at least 2 bytes each). Longest runs first; all before the token table.
 */
function findMarkerRuns(r: Reader, before: number): { at: number; values: number[] }[] {
  const runs: { at: number; values: number[] }[] = [];
  const minStep = 256 * 2;
  const maxStep = 256 * MAX_ENTRY_BYTES;
  for (let at = 0; at + 8 <= before; at += 4) {
    if (r.u32(at) !== 0) continue;
    const values = [0];
    for (let p = at + 4; p + 4 <= before; p += 4) {
      const v = r.u32(p);
      const step = v - values[values.length - 1];
      if (step < minStep || step > maxStep) break;
      values.push(v);
    }
    if (values.length >= 2) {
      runs.push({ at, values });
      at += 4 * (values.length - 1);
    }
  }
  return runs.sort((a, b) => b.values.length - a.values.length);
}

/**
 * For each marker run, the kallsyms_num_syms word and kallsyms_names table it belongs to: the
 * names end where the markers start, there are num_syms of them, and every 256th entry starts
 * where its marker says.
 */
function* findNamesTables(r: Reader, tokens: TokenTable): Generator<NamesTable> {
  for (const run of findMarkerRuns(r, tokens.tableAt)) {
    // The run may have swallowed a few following words that happen to increase.
    for (let markerCount = run.values.length; markerCount >= Math.max(2, run.values.length - 3); markerCount--) {
      const markers = run.values.slice(0, markerCount);
      const last = markers[markerCount - 1];
      const minCount = 256 * (markerCount - 1) + 1;
      const maxCount = 256 * markerCount;
      const latest = run.at - last - 2 - 4;
      const earliest = Math.max(0, run.at - last - 256 * MAX_ENTRY_BYTES - 8);
      for (let q = latest & ~3; q >= earliest; q -= 4) {
        const count = r.u32(q);
        if (count < minCount || count > maxCount) continue;
        // num_syms is a 32-bit word or, on 64-bit kernels, a 64-bit one.
        for (const namesAt of r.u32(q + 4) === 0 ? [q + 8] : [q + 4]) {
          for (const big of [true, false]) {
            const names = walkNames(r, namesAt, count, markers, run.at, big);
            if (names !== undefined) yield { numSymsAt: q, namesAt, count, entryOffsets: names.offsets, end: names.end, bigSymbolLengths: big, markersAt: run.at };
          }
        }
      }
    }
  }
}

function walkNames(r: Reader, namesAt: number, count: number, markers: readonly number[], markersAt: number, big: boolean): { offsets: Uint32Array; end: number } | undefined {
  const bytes = r.bytes;
  const offsets = new Uint32Array(count);
  let p = namesAt;
  for (let i = 0; i < count; i++) {
    const offset = p - namesAt;
    if ((i & 0xff) === 0 && markers[i >>> 8] !== offset) return undefined;
    offsets[i] = offset;
    let length = bytes[p++];
    if (big && length & 0x80) length = (length & 0x7f) | (bytes[p++] << 7);
    if (length === 0) return undefined;
    p += length;
    if (p > markersAt) return undefined;
  }
  // Only alignment padding may lie between the names and the markers.
  if (markersAt - p >= 8) return undefined;
  for (let k = p; k < markersAt; k++) if (bytes[k] !== 0) return undefined;
  return { offsets, end: p };
}

/** Expand every name; a string result says why this candidate is not a real table. */
function expandNames(r: Reader, tokens: TokenTable, names: NamesTable): { name: string; type: string }[] | string {
  const bytes = r.bytes;
  const out: { name: string; type: string }[] = new Array(names.count);
  for (let i = 0; i < names.count; i++) {
    let p = names.namesAt + names.entryOffsets[i];
    let length = bytes[p++];
    if (names.bigSymbolLengths && length & 0x80) length = (length & 0x7f) | (bytes[p++] << 7);
    let text = '';
    for (let k = 0; k < length; k++) text += tokens.tokens[bytes[p + k]];
    if (text.length < 2 || !/^[\x21-\x7e]+$/.test(text)) {
      return `kallsyms name ${i} at 0x${(names.namesAt + names.entryOffsets[i]).toString(16)} expands to unprintable or empty text`;
    }
    out[i] = { type: text[0], name: text.slice(1) };
  }
  return out;
}

interface AddressTable {
  readonly at: number;
  readonly relativeBaseAt?: number;
  readonly encoding: AddressEncoding;
  readonly values: Uint32Array;
  readonly wide?: boolean;
  readonly baseIsZero?: boolean;
}

/**
 * The address table: base-relative offsets with the base just before num_syms (older order),
 * or right after the token index (newer order); else absolute addresses before num_syms.
 * Base-relative offsets must all be non-negative and give a sorted table.
 */
function findAddresses(r: Reader, names: NamesTable, tokens: TokenTable): AddressTable | undefined {
  const n = names.count;
  const afterIndex = tokens.indexAt + 2 * TOKENS;
  // num_syms padded to 8 before the names: a 64-bit kernel, whose base is a .quad.
  const wideKernel = names.namesAt - names.numSymsAt === 8;
  const narrow = [
    { offsetsAt: names.numSymsAt - 4 - 4 * n, baseAt: names.numSymsAt - 4, wide: false },
    ...[0, 2, 4, 6].map((pad) => {
      const offsetsAt = ((afterIndex + 3) & ~3) + pad;
      return { offsetsAt, baseAt: offsetsAt + 4 * n, wide: false };
    }),
  ];
  const wide = [
    ...[0, 4].map((pad) => ({ offsetsAt: names.numSymsAt - 8 - pad - 4 * n, baseAt: names.numSymsAt - 8, wide: true })),
    ...[0, 2, 4, 6].map((pad) => {
      const offsetsAt = ((afterIndex + 3) & ~3) + pad;
      return { offsetsAt, baseAt: (offsetsAt + 4 * n + 7) & ~7, wide: true };
    }),
  ];
  for (const { offsetsAt, baseAt, wide: isWide } of wideKernel ? [...wide, ...narrow] : [...narrow, ...wide]) {
    if (offsetsAt % 4 !== 0 || !r.has(offsetsAt, 4 * n) || !r.has(baseAt, isWide ? 8 : 4)) continue;
    // A 64-bit base keeps its low word: addresses are compared by their low 32 bits.
    const base = r.u32(baseAt);
    const values = new Uint32Array(n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const offset = r.u32(offsetsAt + 4 * i);
      ok = offset < 0x80000000 && (i === 0 || base + offset >= values[i - 1]);
      values[i] = base + offset;
      ok &&= values[i] === base + offset; // no wrap past 2^32
    }
    if (ok) return { at: offsetsAt, relativeBaseAt: baseAt, encoding: 'base-relative', values, ...(isWide ? { wide: true, baseIsZero: base === 0 && r.u32(baseAt + 4) === 0 } : {}) };
  }
  const absoluteAt = names.numSymsAt - 4 * n;
  if (r.has(absoluteAt, 4 * n)) {
    const values = new Uint32Array(n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      values[i] = r.u32(absoluteAt + 4 * i);
      ok = i === 0 || values[i] >= values[i - 1];
    }
    if (ok) return { at: absoluteAt, encoding: 'absolute', values };
  }
  return undefined;
}
