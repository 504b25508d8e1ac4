/**
 * A writer of flattened device trees (DTB), format version 17 as the Devicetree Specification
 * (v0.4, chapter 5 "Flattened Devicetree (DTB) Format") defines it:
 *
 *   header (40 bytes) | memory reservation block | structure block | strings block [| free space]
 *
 * All integers big-endian. The reservation block is 8-byte aligned and ends with a zero entry; the
 * structure block is a token stream (FDT_BEGIN_NODE name, FDT_PROP len nameoff value,
 * FDT_END_NODE, FDT_END), each token and value padded to 4 bytes; property names live once each
 * in the strings block and are referred to by offset.
 *
 * Build a tree of `FdtNode`s with values from `fdtValue`, then `writeFdt(root)`.
 */

/** A tree or value the writer cannot encode: says what and where. */
export class FdtError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'FdtError';
  }
}

// DT spec 5.2 "Header" and 5.4.1 "Lexical structure".
const FDT_MAGIC = 0xd00d_feed;
const FDT_VERSION = 17;
const FDT_LAST_COMP_VERSION = 16;
const FDT_HEADER_SIZE = 40;
const FDT_BEGIN_NODE = 0x1;
const FDT_END_NODE = 0x2;
const FDT_PROP = 0x3;
const FDT_END = 0x9;

const TWO_32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

/** One 64-bit quantity as (high, low) 32-bit halves; a number must be a non-negative safe integer. */
function u64Halves(value: number | bigint, what: string): [number, number] {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n) throw new FdtError(`${what}: ${value} is not a 64-bit unsigned value`);
    return [Number(value >> 32n), Number(value & 0xffff_ffffn)];
  }
  if (!Number.isSafeInteger(value) || value < 0) throw new FdtError(`${what}: ${value} is not a non-negative safe integer`);
  return [Math.floor(value / TWO_32), value % TWO_32];
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new FdtError(`${what}: ${value} is not a 32-bit unsigned value`);
  return value;
}

function cellsToBytes(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const view = new DataView(out.buffer);
  cells.forEach((c, i) => view.setUint32(i * 4, c));
  return out;
}

function nulTerminated(s: string, what: string): Uint8Array {
  if (s.includes('\0')) throw new FdtError(`${what}: string ${JSON.stringify(s)} contains NUL`);
  const b = utf8.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/**
 * Property value encodings (DT spec 2.2.4.2 "Property values"): the writer stores bytes, these
 * make them.
 */
export const fdtValue = {
  /** No value: the property's presence is the information (`interrupt-controller;`). */
  empty: (): Uint8Array => new Uint8Array(0),
  /** One or more 32-bit cells (`<u32>`, `<prop-encoded-array>`). */
  u32: (...cells: number[]): Uint8Array => cellsToBytes(cells.map((c) => checkU32(c, 'u32 cell'))),
  /** One or more 64-bit values, each two cells, high cell first (`<u64>`). */
  u64: (...values: (number | bigint)[]): Uint8Array => cellsToBytes(values.flatMap((v) => u64Halves(v, 'u64 value'))),
  /** A NUL-terminated string. */
  string: (s: string): Uint8Array => nulTerminated(s, 'string'),
  /** A list of NUL-terminated strings, concatenated (`<stringlist>`). */
  strings: (...list: string[]): Uint8Array => {
    const parts = list.map((s) => nulTerminated(s, 'string list'));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  },
  /** Raw bytes, as given. */
  bytes: (bytes: ArrayLike<number>): Uint8Array => Uint8Array.from(bytes, (b) => {
    if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new FdtError(`bytes: ${b} is not a byte`);
    return b;
  }),
  /** A reference to the node whose `phandle` property holds this value (`<phandle>`). */
  phandle: (phandle: number): Uint8Array => {
    if (checkU32(phandle, 'phandle') === 0 || phandle === 0xffff_ffff) throw new FdtError(`phandle ${phandle} is reserved`);
    return cellsToBytes([phandle]);
  },
};

// DT spec 2.2.1 "Node names" and 2.2.4.1 "Property names": the characters each may use. (The spec
// also asks for at most 31 characters; neither dtc nor Linux enforces it, and nor do we.)
const NODE_NAME = /^[0-9A-Za-z,._+-]+(@[0-9A-Za-z,._+-]+)?$/;
const PROPERTY_NAME = /^[0-9A-Za-z,._+?#-]+$/;

export interface FdtProperty {
  readonly name: string;
  readonly value: Uint8Array;
}

/** A node of the tree: named, with properties and children in the order they are added. */
export class FdtNode {
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];

  /** `name` is `node-name[@unit-address]`; the root node's name is the empty string. */
  constructor(readonly name: string) {
    if (name !== '' && !NODE_NAME.test(name)) throw new FdtError(`node name ${JSON.stringify(name)} is not node-name[@unit-address]`);
  }

  /** Adds property `name` (once per node) with an encoded value; returns this node for chaining. */
  prop(name: string, value: Uint8Array): this {
    if (!PROPERTY_NAME.test(name)) throw new FdtError(`property name ${JSON.stringify(name)} in node ${this.label()} has characters the spec does not allow`);
    if (this.properties.some((p) => p.name === name)) throw new FdtError(`property ${name} set twice in node ${this.label()}`);
    this.properties.push({ name, value });
    return this;
  }

  /** Adds and returns a new child node. */
  child(name: string): FdtNode {
    return this.append(new FdtNode(name));
  }

  /** Adds `node` as the last child and returns it. */
  append(node: FdtNode): FdtNode {
    if (node.name === '') throw new FdtError(`a child of ${this.label()} has no name (only the root may)`);
    if (this.children.some((c) => c.name === node.name)) throw new FdtError(`node ${this.label()} has two children named ${node.name}`);
    this.children.push(node);
    return node;
  }

  /** The property's value, if set. */
  get(name: string): Uint8Array | undefined {
    return this.properties.find((p) => p.name === name)?.value;
  }

  private label(): string {
    return this.name === '' ? '/' : this.name;
  }
}

/** One /memreserve/ entry: memory the OS must not use (DT spec 5.3). */
export interface FdtReservation {
  readonly address: number | bigint;
  readonly size: number | bigint;
}

export interface FdtWriteOptions {
  /** The physical ID (the `reg` of its cpu node) of the CPU that boots; default 0. */
  readonly bootCpuidPhys?: number;
  readonly reservations?: readonly FdtReservation[];
  /** Zero bytes added after the strings block, inside totalsize, for a loader that edits in place. */
  readonly freeSpace?: number;
  /** Pad the blob with free space up to this totalsize (QEMU hands firmware a 1 MiB blob). */
  readonly minTotalSize?: number;
}

/** A growable big-endian byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u32(value: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, value);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  align(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  take(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Encodes the tree under `root` (whose name must be '') as a version-17 DTB. */
export function writeFdt(root: FdtNode, options: FdtWriteOptions = {}): Uint8Array {
  if (root.name !== '') throw new FdtError(`the root node must have the empty name, not ${JSON.stringify(root.name)}`);
  const bootCpuidPhys = checkU32(options.bootCpuidPhys ?? 0, 'boot_cpuid_phys');
  const freeSpace = options.freeSpace ?? 0;
  if (!Number.isSafeInteger(freeSpace) || freeSpace < 0) throw new FdtError(`free space ${freeSpace} is not a byte count`);

  // Strings block: each property name once (DT spec 5.5).
  const strings = new ByteSink();
  const nameOffsets = new Map<string, number>();
  const nameOffset = (name: string): number => {
    let off = nameOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      nameOffsets.set(name, off);
      strings.bytes(nulTerminated(name, 'property name'));
    }
    return off;
  };

  // Structure block (DT spec 5.4).
  const struct = new ByteSink();
  const emit = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(nulTerminated(node.name, 'node name'));
    struct.align(4);
    for (const p of node.properties) {
      struct.u32(FDT_PROP);
      struct.u32(p.value.length);
      struct.u32(nameOffset(p.name));
      struct.bytes(p.value);
      struct.align(4);
    }
    for (const c of node.children) emit(c);
    struct.u32(FDT_END_NODE);
  };
  emit(root);
  struct.u32(FDT_END);

  // Memory reservation block (DT spec 5.3), 8-byte aligned right after the header.
  const rsv = new ByteSink();
  for (const [i, r] of (options.reservations ?? []).entries()) {
    // A zero size marks the end of the block, so an entry cannot have one.
    if (r.size === 0 || r.size === 0n) throw new FdtError(`reservation ${i} has size 0`);
    for (const half of [...u64Halves(r.address, `reservation ${i} address`), ...u64Halves(r.size, `reservation ${i} size`)]) rsv.u32(half);
  }
  for (let i = 0; i < 4; i++) rsv.u32(0);

  const offMemRsvmap = FDT_HEADER_SIZE; // already a multiple of 8
  const offDtStruct = offMemRsvmap + rsv.length;
  const offDtStrings = offDtStruct + struct.length;
  // Free space goes at the end (DT spec 5.1): enough for `freeSpace`, and for `minTotalSize` overall.
  const totalSize = Math.max(offDtStrings + strings.length + freeSpace, options.minTotalSize ?? 0);
  if (totalSize > 0xffff_ffff) throw new FdtError(`device tree of ${totalSize} bytes exceeds the 32-bit totalsize`);

  const out = new Uint8Array(totalSize);
  const header = new DataView(out.buffer);
  const fields = [
    FDT_MAGIC,
    totalSize,
    offDtStruct,
    offDtStrings,
    offMemRsvmap,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    bootCpuidPhys,
    strings.length,
    struct.length,
  ];
  fields.forEach((v, i) => header.setUint32(i * 4, v));
  out.set(rsv.take(), offMemRsvmap);
  out.set(struct.take(), offDtStruct);
  out.set(strings.take(), offDtStrings);
  return out;
}
