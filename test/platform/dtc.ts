/**
 * dtc (the reference device tree compiler, Debian package device-tree-compiler) as an oracle:
 * decompile a DTB to DTS text, and parse the DTS that dtc writes back into a tree of nodes whose
 * property values are bytes, so two blobs can be compared value for value whatever form (cells,
 * strings, bytes) dtc chose to print them in.
 *
 * The parser reads dtc's own output only: `/dts-v1/;`, `/memreserve/ A S;`, nodes `name {…};`,
 * properties `name;` or `name = item, item;` with items `<cells>`, `"string"` (escapes \0 \a \b
 * \t \n \v \f \r \\ \" \xNN as dtc writes them) and `[hex bytes]`.
 */
import { spawnSync } from 'node:child_process';
import { OracleError, tool } from '../oracles/tools';

export const DTC = ['dtc'];

export interface Decompiled {
  readonly dts: string;
  /** dtc's warnings (its checks run on every input). */
  readonly warnings: string;
}

/** `dtc -I dtb -O dts` on `dtb`; throws when dtc rejects the blob. */
export function decompile(dtb: Uint8Array, extraArgs: readonly string[] = []): Decompiled {
  const r = spawnSync(tool(DTC), ['-I', 'dtb', '-O', 'dts', ...extraArgs, '-'], { input: dtb, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new OracleError('dtc', `exit ${r.status}: ${(r.stderr ?? '').trim() || r.error?.message}`);
  return { dts: r.stdout, warnings: (r.stderr ?? '').trim() };
}

export interface DtsNode {
  readonly name: string;
  /** Properties in source order. */
  readonly props: Map<string, Uint8Array>;
  readonly children: DtsNode[];
}

export interface DtsTree {
  readonly reservations: { address: bigint; size: bigint }[];
  readonly root: DtsNode;
}

const ESCAPES: Record<string, number> = { '0': 0, a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '\\': 0x5c, '"': 0x22 };

class Scanner {
  private at = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    const line = this.text.slice(0, this.at).split('\n').length;
    throw new OracleError('dtc output', `${what} at line ${line}: ${JSON.stringify(this.text.slice(this.at, this.at + 40))}`);
  }

  skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.at] ?? '';
  }

  startsWith(s: string): boolean {
    this.skipSpace();
    return this.text.startsWith(s, this.at);
  }

  expect(s: string): void {
    if (!this.startsWith(s)) this.fail(`expected ${JSON.stringify(s)}`);
    this.at += s.length;
  }

  /** A run of characters up to white space or one of `stop`. */
  word(stop: string): string {
    this.skipSpace();
    const start = this.at;
    while (this.at < this.text.length && !/\s/.test(this.text[this.at]) && !stop.includes(this.text[this.at])) this.at++;
    if (this.at === start) this.fail('expected a name');
    return this.text.slice(start, this.at);
  }

  /** The bytes of a quoted string, without a terminating NUL (the caller adds it). */
  quoted(): number[] {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c !== '\\') {
        const code = c.charCodeAt(0);
        if (code > 0x7e) this.fail('non-ASCII character in string');
        out.push(code);
        continue;
      }
      const e = this.text[this.at++];
      if (e === 'x') {
        const hex = this.text.slice(this.at, this.at + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
        out.push(parseInt(hex, 16));
        this.at += 2;
      } else if (e in ESCAPES) {
        out.push(ESCAPES[e]);
      } else {
        this.fail(`unknown escape \\${e}`);
      }
    }
  }

  done(): boolean {
    this.skipSpace();
    return this.at >= this.text.length;
  }
}

function parseValue(s: Scanner): Uint8Array {
  const out: number[] = [];
  for (;;) {
    const c = s.peek();
    if (c === '<') {
      s.expect('<');
      while (s.peek() !== '>') {
        const cell = Number(s.word('>'));
        if (!Number.isInteger(cell) || cell < 0 || cell > 0xffff_ffff) s.fail('bad cell');
        out.push(cell >>> 24, (cell >>> 16) & 0xff, (cell >>> 8) & 0xff, cell & 0xff);
      }
      s.expect('>');
    } else if (c === '"') {
      out.push(...s.quoted(), 0);
    } else if (c === '[') {
      s.expect('[');
      while (s.peek() !== ']') {
        const pair = s.word(']');
        if (!/^([0-9a-fA-F]{2})+$/.test(pair)) s.fail('bad byte');
        for (let i = 0; i < pair.length; i += 2) out.push(parseInt(pair.slice(i, i + 2), 16));
      }
      s.expect(']');
    } else {
      s.fail('expected <, " or [');
    }
    if (s.peek() !== ',') return Uint8Array.from(out);
    s.expect(',');
  }
}

function parseBody(s: Scanner, name: string): DtsNode {
  const node: DtsNode = { name, props: new Map(), children: [] };
  s.expect('{');
  while (!s.startsWith('};')) {
    const word = s.word('={;');
    if (s.peek() === '{') {
      node.children.push(parseBody(s, word));
      continue;
    }
    if (node.props.has(word)) s.fail(`property ${word} twice`);
    if (s.peek() === ';') {
      node.props.set(word, new Uint8Array(0));
    } else {
      s.expect('=');
      node.props.set(word, parseValue(s));
    }
    s.expect(';');
  }
  s.expect('};');
  return node;
}

/** Parses DTS text as dtc writes it from a blob. */
export function parseDts(text: string): DtsTree {
  const s = new Scanner(text);
  s.expect('/dts-v1/;');
  const reservations: DtsTree['reservations'] = [];
  while (s.startsWith('/memreserve/')) {
    s.expect('/memreserve/');
    const address = BigInt(s.word(';'));
    const size = BigInt(s.word(';'));
    s.expect(';');
    reservations.push({ address, size });
  }
  s.expect('/');
  const root = parseBody(s, '');
  if (!s.done()) s.fail('text after the root node');
  return { reservations, root };
}

/** Decompile with dtc and parse. */
export function dtbToTree(dtb: Uint8Array): DtsTree {
  return parseDts(decompile(dtb).dts);
}

/** The node at `path` ('/' or '/a/b@1'), or undefined. */
export function nodeAt(root: DtsNode, path: string): DtsNode | undefined {
  let node: DtsNode | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '')) node = node?.children.find((c) => c.name === part);
  return node;
}

/** Every node's path, depth first in source order. */
export function nodePaths(root: DtsNode): string[] {
  const out: string[] = [];
  const walk = (n: DtsNode, path: string): void => {
    out.push(path === '' ? '/' : path);
    for (const c of n.children) walk(c, `${path}/${c.name}`);
  };
  walk(root, '');
  return out;
}

/** A property as 32-bit cells (its length must be a multiple of 4). */
export function cells(value: Uint8Array | undefined): number[] {
  if (value === undefined) throw new OracleError('dts', 'property missing');
  if (value.length % 4 !== 0) throw new OracleError('dts', `property of ${value.length} bytes is not cells`);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return Array.from({ length: value.length / 4 }, (_, i) => view.getUint32(i * 4));
}

/** A property as its NUL-separated strings. */
export function strings(value: Uint8Array | undefined): string[] {
  if (value === undefined) throw new OracleError('dts', 'property missing');
  const text = new TextDecoder().decode(value);
  if (!text.endsWith('\0')) throw new OracleError('dts', `property ${JSON.stringify(text)} is not NUL-terminated`);
  return text.slice(0, -1).split('\0');
}
