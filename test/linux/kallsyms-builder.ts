/**
 * Build a kernel-Image-shaped buffer holding kallsyms tables, written from the documented layout
 * (token table + u16 token index, num_syms, length-prefixed token strings, u32 markers every 256
 * names, s32 offsets + relative base or absolute addresses), in the orders different kernel
 * versions use. The code area holds A32 BL instructions calling the function symbols, so the
 * link address can be recovered from the code when `_text` is left out.
 */
export interface TestSymbol {
  readonly name: string;
  readonly type: string;
  readonly address: number;
}

/** 'offsets-first': offsets, base, num_syms, names, markers, tokens, index (6.1).
 *  'offsets-first+seqs': the same with kallsyms_seqs_of_names after the markers (Debian 6.1.176).
 *  'offsets-last': num_syms, names, markers, tokens, index, offsets, base, seqs (newer kernels).
 *  'absolute': kallsyms_addresses where the offsets and base would be.
 *  'offsets-first-64': 'offsets-first' as a 64-bit kernel lays it out (arm64 6.1): the base a
 *  .quad aligned to 8, num_syms a .long padded to 8; the base 0, as a relocatable arm64 Image
 *  ships it (its relocations fill it in at boot), so addresses are offsets from the first symbol. */
export type KallsymsOrder = 'offsets-first' | 'offsets-first+seqs' | 'offsets-last' | 'absolute' | 'offsets-first-64';

export interface KallsymsBlob {
  readonly bytes: Uint8Array;
  readonly tokenTableAt: number;
  readonly markersAt: number;
}

class Out {
  private readonly bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  u8(...values: number[]): void {
    this.bytes.push(...values.map((v) => v & 0xff));
  }
  u16(v: number): void {
    this.u8(v, v >>> 8);
  }
  u32(v: number): void {
    this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }
  align(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }
  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Greedy pair compression into byte values no name uses; original characters keep their slots. */
function compress(texts: readonly string[], maxRounds: number): { tokens: string[]; encoded: number[][] } {
  const tokens = new Array<string>(256).fill('');
  const used = new Set<number>();
  for (const t of texts) for (const c of t) used.add(c.charCodeAt(0));
  for (const c of used) tokens[c] = String.fromCharCode(c);
  let encoded = texts.map((t) => [...t].map((c) => c.charCodeAt(0)));
  const free = [...Array(256).keys()].filter((b) => !used.has(b));
  for (let round = 0; round < maxRounds && free.length > 0; round++) {
    const counts = new Map<number, number>();
    for (const e of encoded) for (let i = 0; i + 1 < e.length; i++) counts.set(e[i] * 256 + e[i + 1], (counts.get(e[i] * 256 + e[i + 1]) ?? 0) + 1);
    let best = -1;
    let bestCount = 1;
    for (const [pair, n] of counts) if (n > bestCount || (n === bestCount && best >= 0 && pair < best)) [best, bestCount] = [pair, n];
    if (best < 0) break;
    const slot = free.shift()!;
    const a = best >>> 8;
    const b = best & 0xff;
    tokens[slot] = tokens[a] + tokens[b];
    encoded = encoded.map((e) => {
      const out: number[] = [];
      for (let i = 0; i < e.length; i++) {
        if (i + 1 < e.length && e[i] === a && e[i + 1] === b) {
          out.push(slot);
          i++;
        } else out.push(e[i]);
      }
      return out;
    });
  }
  return { tokens, encoded };
}

export function buildKallsyms(symbols: readonly TestSymbol[], order: KallsymsOrder, options: { bigLengths?: boolean; pairRounds?: number } = {}): KallsymsBlob {
  const big = options.bigLengths ?? true;
  const n = symbols.length;
  const { tokens, encoded } = compress(
    symbols.map((s) => s.type + s.name),
    options.pairRounds ?? 400,
  );
  const base = Math.min(...symbols.map((s) => s.address));
  const out = new Out();
  const wide = order === 'offsets-first-64';
  const writeAddresses = (): void => {
    out.align(4);
    if (order === 'absolute') for (const s of symbols) out.u32(s.address);
    else if (wide) {
      for (const s of symbols) out.u32(s.address - base);
      out.align(8);
      out.u32(0); // kallsyms_relative_base, a .quad the Image's relocations fill in
      out.u32(0);
    } else {
      for (const s of symbols) out.u32(s.address - base);
      out.u32(base); // kallsyms_relative_base
    }
  };
  const markers: number[] = [];
  const writeNames = (): void => {
    out.align(wide ? 8 : 4);
    out.u32(n); // kallsyms_num_syms
    if (wide) out.align(8);
    const namesAt = out.length;
    encoded.forEach((e, i) => {
      if (i % 256 === 0) markers.push(out.length - namesAt);
      if (e.length >= 0x80) {
        if (!big) throw new Error('a name this long needs the two-byte length form');
        out.u8(0x80 | (e.length & 0x7f), e.length >>> 7);
      } else out.u8(e.length);
      out.u8(...e);
    });
  };
  let markersAt = 0;
  const writeMarkers = (): void => {
    out.align(4);
    markersAt = out.length;
    for (const m of markers) out.u32(m);
  };
  const writeSeqs = (): void => {
    out.align(4);
    const order = symbols.map((s, i) => [s.type + s.name, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (const [, i] of order) out.u8(i >>> 16, i >>> 8, i);
  };
  let tokenTableAt = 0;
  const writeTokens = (): void => {
    out.align(4);
    tokenTableAt = out.length;
    const offsets: number[] = [];
    for (const t of tokens) {
      offsets.push(out.length - tokenTableAt);
      out.u8(...[...t].map((c) => c.charCodeAt(0)), 0);
    }
    out.align(4);
    for (const o of offsets) out.u16(o);
  };
  if (order === 'offsets-last') {
    writeNames();
    writeMarkers();
    writeTokens();
    writeAddresses();
    writeSeqs();
  } else {
    writeAddresses();
    writeNames();
    writeMarkers();
    if (order === 'offsets-first+seqs') writeSeqs();
    writeTokens();
  }
  out.align(4);
  return { bytes: out.result(), tokenTableAt, markersAt };
}

/** A deterministic pseudo-random sequence (xorshift32) for filler. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export interface TestImage {
  readonly image: Uint8Array;
  readonly textAddress: number;
  readonly symbols: readonly TestSymbol[];
  readonly blobAt: number;
}

/**
 * An Image linked at `textAddress`: `codeBytes` of code (BLs to the functions, other words never
 * BL), a decoy "0\01\0…9\0" string, then the kallsyms blob, then filler.
 */
export function buildImage(symbols: readonly TestSymbol[], textAddress: number, codeBytes: number, order: KallsymsOrder, seed: number, pairRounds = 200): TestImage {
  const next = xorshift(seed);
  const code = new Uint8Array(codeBytes);
  const view = new DataView(code.buffer);
  const functions = symbols.filter((s) => s.type === 'T' || s.type === 't').map((s) => s.address - textAddress).filter((o) => o >= 0 && o < codeBytes);
  for (let at = 0; at < codeBytes; at += 4) {
    let word = next();
    if (functions.length > 0 && next() % 4 === 0) {
      // Skewed: low-index functions are called far more often.
      const u = next() / 0x100000000;
      const f = functions[Math.floor(u * u * u * functions.length)];
      word = (0xeb000000 | (((f - at - 8) >> 2) & 0xffffff)) >>> 0;
    } else if (word >>> 24 === 0xeb) word ^= 0x01000000;
    view.setUint32(at, word, true);
  }
  const decoy = Uint8Array.from([...'0123456789'].flatMap((c) => [c.charCodeAt(0), 0]));
  const blob = buildKallsyms(symbols, order, { pairRounds });
  const tail = new Uint8Array(256).map(() => next() & 0xff);
  const image = new Uint8Array(codeBytes + 64 + blob.bytes.length + tail.length);
  image.set(code, 0);
  image.set(decoy, codeBytes + 8);
  image.set(blob.bytes, codeBytes + 64);
  image.set(tail, codeBytes + 64 + blob.bytes.length);
  return { image, textAddress, symbols, blobAt: codeBytes + 64 };
}

/** Symbols like a small kernel's: functions in the code area, then data; sorted by address. */
export function makeSymbols(count: number, textAddress: number, codeBytes: number, seed: number, withText: boolean): TestSymbol[] {
  const next = xorshift(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789';
  let long = 'long_';
  while (long.length < 400) long += alphabet[next() % alphabet.length];
  const names = new Set<string>(['v7_flush_dcache_all', 'sym_0123456789', long]);
  while (names.size < count) {
    let s = alphabet[next() % 27];
    const len = 1 + (next() % 24);
    for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
    names.add(s);
  }
  const list = [...names];
  const out: TestSymbol[] = [];
  let address = textAddress + 0x100;
  const functionCount = Math.floor(count * 0.7);
  for (let i = 0; i < list.length; i++) {
    if (i === functionCount) address = textAddress + codeBytes + 0x1000;
    const type = i < functionCount ? (next() % 3 === 0 ? 't' : 'T') : 'dDbBrR'[next() % 6];
    out.push({ name: list[i], type, address });
    address += 4 * (next() % 3 === 0 ? 0 : 1 + (next() % 32));
  }
  if (withText) out.unshift({ name: '_text', type: 'T', address: textAddress });
  return out;
}
