/**
 * Encoding rows as data: a row is a bit string, most significant bit first, as the Arm ARM draws
 * its encoding diagrams. `0`/`1` are fixed bits, `-` is don't-care, and each letter names a field;
 * a letter that appears in several runs concatenates them, higher runs first. Example (MCR):
 *
 *     cccc1110aaa0NNNNttttppppbbb1MMMM   (c cond, a opc1, N CRn, t Rt, p coproc, b opc2, M CRm)
 *
 * A letter used in two runs, e.g. `ii` at [19:18] and `iiii` at [3:0], reads as one 6-bit field.
 *
 * `compilePattern` turns a row into mask/value/field extractors; `DecodeTable` finds the first
 * (most specific) row matching a word, bucketed on a few key bits so a lookup scans few rows.
 * Test generators use the compiled `mask`/`value` to produce words that match a row.
 */

/** A pattern string is not well formed (length, characters). */
export class PatternError extends Error {
  constructor(
    readonly pattern: string,
    detail: string,
  ) {
    super(`bit pattern "${pattern}": ${detail}`);
    this.name = 'PatternError';
  }
}

/** One contiguous run of a field: `width` bits starting at bit `shift` of the word. */
export interface FieldRun {
  readonly shift: number;
  readonly width: number;
}

export interface FieldSpec {
  /** Runs, highest first; the field value is their concatenation. */
  readonly runs: readonly FieldRun[];
  /** Total width in bits. */
  readonly width: number;
  /** Bits of the word this field covers. */
  readonly mask: number;
  readonly extract: (word: number) => number;
}

export interface CompiledPattern {
  readonly bits: string;
  /** 16 or 32. */
  readonly width: number;
  /** Set where the bit is fixed (`0` or `1`). Unsigned 32-bit. */
  readonly mask: number;
  /** The fixed bits' values (only bits inside `mask` set). Unsigned 32-bit. */
  readonly value: number;
  /** Number of fixed bits (the specificity used to order rows). */
  readonly fixedBits: number;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function makeExtractor(runs: readonly FieldRun[]): (word: number) => number {
  if (runs.length === 1) {
    const { shift, width } = runs[0];
    const m = width === 32 ? 0xffffffff : (1 << width) - 1;
    return width === 32 ? (w) => w >>> 0 : (w) => (w >>> shift) & m;
  }
  return (w) => {
    let v = 0;
    for (const r of runs) v = (v << r.width) | ((w >>> r.shift) & ((1 << r.width) - 1));
    return v >>> 0;
  };
}

/** Compile one row. Spaces and underscores are ignored, so rows may be grouped for reading. */
export function compilePattern(pattern: string): CompiledPattern {
  const bits = pattern.replace(/[ _]/g, '');
  const width = bits.length;
  if (width !== 32 && width !== 16) throw new PatternError(pattern, `has ${width} bits, expected 32 or 16`);
  let mask = 0;
  let value = 0;
  const runsByLetter = new Map<string, FieldRun[]>();
  let i = 0;
  while (i < width) {
    const ch = bits[i];
    const bit = width - 1 - i;
    if (ch === '0' || ch === '1') {
      mask |= 1 << bit;
      if (ch === '1') value |= 1 << bit;
      i++;
    } else if (ch === '-') {
      i++;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (j < width && bits[j] === ch) j++;
      const runWidth = j - i;
      const runs = runsByLetter.get(ch) ?? [];
      runs.push({ shift: width - j, width: runWidth });
      runsByLetter.set(ch, runs);
      i = j;
    } else {
      throw new PatternError(pattern, `character '${ch}' at position ${i} is not 0, 1, - or a letter`);
    }
  }
  const fields: Record<string, FieldSpec> = {};
  for (const [letter, runs] of runsByLetter) {
    let fmask = 0;
    let fwidth = 0;
    for (const r of runs) {
      fmask |= (r.width === 32 ? 0xffffffff : (1 << r.width) - 1) << r.shift;
      fwidth += r.width;
    }
    if (fwidth > 32) throw new PatternError(pattern, `field '${letter}' is wider than 32 bits`);
    fields[letter] = { runs, width: fwidth, mask: fmask >>> 0, extract: makeExtractor(runs) };
  }
  mask >>>= 0;
  value >>>= 0;
  return { bits, width, mask, value, fixedBits: popcount(mask), fields };
}

/** True when `word` matches the compiled row's fixed bits. */
export function matches(p: Pick<CompiledPattern, 'mask' | 'value'>, word: number): boolean {
  return ((word & p.mask) >>> 0) === p.value;
}

/** A word matching the row: its fixed bits, and `noise` in every other bit (for test generators). */
export function wordMatching(p: Pick<CompiledPattern, 'mask' | 'value' | 'width'>, noise: number): number {
  const all = p.width === 32 ? 0xffffffff : 0xffff;
  return ((p.value | (noise & ~p.mask & all)) >>> 0);
}

export interface DecodeRow<T> {
  readonly pattern: CompiledPattern;
  readonly data: T;
  /** Position of the row in the table as written. */
  readonly index: number;
}

export interface DecodeTableOptions {
  /** Bit positions used to bucket rows (at most 12). Default: chosen from the rows (the bits most rows fix). */
  readonly keyBits?: readonly number[];
  /**
   * Order rows by number of fixed bits (most specific first; ties keep table order). Default true.
   * With false, the first matching row in table order wins.
   */
  readonly sortBySpecificity?: boolean;
}

/**
 * A decode table: `lookup(word)` returns the data of the first matching row, or undefined.
 * Rows are compiled once; a lookup gathers the key bits and scans only the bucket's rows.
 */
export class DecodeTable<T> {
  readonly rows: readonly DecodeRow<T>[];
  readonly keyBits: readonly number[];
  private readonly buckets: DecodeRow<T>[][];
  // Parallel arrays per bucket for a tight scan.
  private readonly bucketMasks: Uint32Array[];
  private readonly bucketValues: Uint32Array[];

  constructor(entries: readonly { readonly pattern: string | CompiledPattern; readonly data: T }[], options: DecodeTableOptions = {}) {
    const rows = entries.map((e, index) => ({
      pattern: typeof e.pattern === 'string' ? compilePattern(e.pattern) : e.pattern,
      data: e.data,
      index,
    }));
    if (options.sortBySpecificity !== false) rows.sort((a, b) => b.pattern.fixedBits - a.pattern.fixedBits || a.index - b.index);
    this.rows = rows;
    const width = rows.length > 0 ? rows[0].pattern.width : 32;
    this.keyBits = options.keyBits ? [...options.keyBits] : chooseKeyBits(rows, width);
    if (this.keyBits.length > 12) throw new RangeError(`DecodeTable: ${this.keyBits.length} key bits, at most 12`);
    const n = 1 << this.keyBits.length;
    this.buckets = [];
    for (let k = 0; k < n; k++) {
      const list: DecodeRow<T>[] = [];
      for (const r of rows) if (rowFitsBucket(r.pattern, this.keyBits, k)) list.push(r);
      this.buckets.push(list);
    }
    this.bucketMasks = this.buckets.map((b) => Uint32Array.from(b, (r) => r.pattern.mask));
    this.bucketValues = this.buckets.map((b) => Uint32Array.from(b, (r) => r.pattern.value));
  }

  private key(word: number): number {
    const kb = this.keyBits;
    let k = 0;
    for (let i = 0; i < kb.length; i++) k = (k << 1) | ((word >>> kb[i]) & 1);
    return k;
  }

  /** The first matching row, or undefined. */
  match(word: number): DecodeRow<T> | undefined {
    const k = this.key(word);
    const masks = this.bucketMasks[k];
    const values = this.bucketValues[k];
    for (let i = 0; i < masks.length; i++) {
      if ((word & masks[i]) >>> 0 === values[i]) return this.buckets[k][i];
    }
    return undefined;
  }

  lookup(word: number): T | undefined {
    return this.match(word)?.data;
  }

  /** Every matching row in priority order (for diagnosing overlapping rows). */
  matchAll(word: number): DecodeRow<T>[] {
    return this.rows.filter((r) => matches(r.pattern, word));
  }
}

function rowFitsBucket(p: CompiledPattern, keyBits: readonly number[], k: number): boolean {
  for (let i = 0; i < keyBits.length; i++) {
    const bit = keyBits[i];
    const kv = (k >>> (keyBits.length - 1 - i)) & 1;
    if ((p.mask >>> bit) & 1 && ((p.value >>> bit) & 1) !== kv) return false;
  }
  return true;
}

/** Pick up to 8 bit positions that the most rows fix (ties: higher bits first). */
function chooseKeyBits(rows: readonly DecodeRow<unknown>[], width: number): number[] {
  const counts: { bit: number; n: number }[] = [];
  for (let bit = width - 1; bit >= 0; bit--) {
    let n = 0;
    for (const r of rows) if ((r.pattern.mask >>> bit) & 1) n++;
    counts.push({ bit, n });
  }
  counts.sort((a, b) => b.n - a.n || b.bit - a.bit);
  return counts
    .filter((c) => c.n > rows.length / 4)
    .slice(0, 8)
    .map((c) => c.bit)
    .sort((a, b) => b - a);
}
