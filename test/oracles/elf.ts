/**
 * A minimal little-endian ELF reader for the oracle harness: the sections and symbols of the
 * objects llvm-mc and ld.lld produce. (Layout: System V gABI "ELF header", "Section header",
 * "Symbol table"; ELF32 for Arm, ELF64 for AArch64.) Not a general loader.
 */

export class ElfError extends Error {
  constructor(detail: string) {
    super(`ElfError: ${detail}`);
    this.name = 'ElfError';
  }
}

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  /** The section's bytes (empty for SHT_NOBITS). */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly sectionIndex: number;
}

export interface ElfFile {
  readonly is64: boolean;
  readonly machine: number;
  readonly entry: number;
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  section(name: string): ElfSection;
  symbol(name: string): ElfSymbol;
}

const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;

export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 52) throw new ElfError(`file of ${bytes.length} bytes is shorter than an ELF header`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError('no ELF magic at offset 0');
  const cls = bytes[4];
  if (cls !== 1 && cls !== 2) throw new ElfError(`EI_CLASS ${cls} is neither ELF32 nor ELF64`);
  if (bytes[5] !== 1) throw new ElfError(`EI_DATA ${bytes[5]} is not little-endian`);
  const is64 = cls === 2;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => check(o, 2) && dv.getUint16(o, true);
  const u32 = (o: number): number => check(o, 4) && dv.getUint32(o, true);
  const word = (o: number): number => {
    if (!is64) return u32(o);
    const lo = u32(o);
    const hi = u32(o + 4);
    if (hi >= 0x200000) throw new ElfError(`64-bit value at offset ${o} exceeds 2^53`);
    return hi * 2 ** 32 + lo;
  };
  function check(o: number, n: number): true {
    if (o < 0 || o + n > bytes.length) throw new ElfError(`read of ${n} bytes at offset ${o} runs past end of file (${bytes.length} bytes)`);
    return true;
  }

  const machine = u16(18);
  const entry = word(24);
  const shoff = is64 ? word(40) : u32(32);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  const shstrndx = u16(is64 ? 62 : 50);
  if (shnum > 0 && shentsize < (is64 ? 64 : 40)) throw new ElfError(`section header entry size ${shentsize} is too small`);

  interface RawSection { nameOff: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }
  const raw: RawSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    if (b + shentsize > bytes.length) throw new ElfError(`section header ${i} runs past end of file`);
    raw.push(
      is64
        ? { nameOff: u32(b), type: u32(b + 4), flags: word(b + 8), addr: word(b + 16), offset: word(b + 24), size: word(b + 32), link: u32(b + 40), entsize: word(b + 56) }
        : { nameOff: u32(b), type: u32(b + 4), flags: u32(b + 8), addr: u32(b + 12), offset: u32(b + 16), size: u32(b + 20), link: u32(b + 24), entsize: u32(b + 36) },
    );
  }
  const sectionBytes = (i: number): Uint8Array => {
    const s = raw[i];
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.offset + s.size > bytes.length) throw new ElfError(`section ${i} (offset ${s.offset}, ${s.size} bytes) runs past end of file`);
    return bytes.subarray(s.offset, s.offset + s.size);
  };
  const cString = (table: Uint8Array, off: number, what: string): string => {
    if (off >= table.length && table.length > 0) throw new ElfError(`${what} name offset ${off} is outside its string table`);
    let end = off;
    while (end < table.length && table[end] !== 0) end++;
    return new TextDecoder().decode(table.subarray(off, end));
  };
  if (shnum > 0 && shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} is not below section count ${shnum}`);
  const shstr = shnum > 0 ? sectionBytes(shstrndx) : new Uint8Array(0);
  const sections: ElfSection[] = raw.map((s, i) => ({
    name: cString(shstr, s.nameOff, `section ${i}`),
    type: s.type,
    flags: s.flags,
    addr: s.addr,
    offset: s.offset,
    size: s.size,
    data: sectionBytes(i),
  }));

  const symbols: ElfSymbol[] = [];
  raw.forEach((s, i) => {
    if (s.type !== SHT_SYMTAB) return;
    const entsize = s.entsize || (is64 ? 24 : 16);
    if (s.link >= shnum) throw new ElfError(`symbol table ${i} links to missing string table ${s.link}`);
    const strtab = sectionBytes(s.link);
    const tab = sectionBytes(i);
    const base = s.offset;
    for (let o = 0; o + entsize <= tab.length; o += entsize) {
      const b = base + o;
      const nameOff = u32(b);
      // Absolute symbols may hold any 64-bit constant: beyond 2^53 the value is rounded (addresses never are).
      const value = is64 ? u32(b + 12) * 2 ** 32 + u32(b + 8) : u32(b + 4);
      const size = is64 ? word(b + 16) : u32(b + 8);
      const shndx = u16(is64 ? b + 6 : b + 14);
      symbols.push({ name: cString(strtab, nameOff, `symbol at offset ${b}`), value, size, sectionIndex: shndx });
    }
  });

  return {
    is64,
    machine,
    entry,
    sections,
    symbols,
    section(name: string): ElfSection {
      const s = sections.find((x) => x.name === name);
      if (!s) throw new ElfError(`no section named ${name}`);
      return s;
    },
    symbol(name: string): ElfSymbol {
      const s = symbols.find((x) => x.name === name);
      if (!s) throw new ElfError(`no symbol named ${name}`);
      return s;
    },
  };
}
