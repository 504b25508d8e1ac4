/** Malformed and unsupported input ends in an ElfError that says what and where. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError, loadElf, parseElf } from '../../src/rom';
import { assemble, missing, scratch } from './toolchain';

const rom = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../roms/build/${name}`, import.meta.url)));

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Run `f` and return the ElfError it throws; fail if it throws anything else or nothing. */
function elfError(f: () => unknown): ElfError {
  try {
    f();
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw new Error(`expected ElfError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected ElfError, nothing was thrown');
}

describe('ElfError on malformed files', () => {
  const elf32 = rom('a32-set-way-selftest.elf');
  const elf64 = rom('a64-set-way-selftest.elf');

  it('a file shorter than e_ident is a truncated header', () => {
    const e = elfError(() => loadElf(elf32.slice(0, 10)));
    expect(e.field).toBe('e_ident');
    expect(e.message).toMatch(/truncated header/);
  });

  it('a file shorter than the ELF64 header is a truncated header', () => {
    const e = elfError(() => loadElf(elf64.slice(0, 40)));
    expect(e.message).toMatch(/truncated header.*needs 64/);
  });

  it('bad magic, class and endianness are named', () => {
    const badMagic = elf32.slice();
    badMagic[1] = 0x58;
    expect(elfError(() => loadElf(badMagic)).message).toMatch(/bad magic/);
    const badClass = elf32.slice();
    badClass[4] = 3;
    expect(elfError(() => loadElf(badClass)).field).toBe('e_ident[EI_CLASS]');
    const bigEndian = elf32.slice();
    bigEndian[5] = 2;
    expect(elfError(() => loadElf(bigEndian)).message).toMatch(/big-endian/);
  });

  it('an unknown machine is named with its number', () => {
    const x86 = elf64.slice();
    view(x86).setUint16(18, 62, true);
    const e = elfError(() => loadElf(x86));
    expect(e.field).toBe('e_machine');
    expect(e.offset).toBe(18);
    expect(e.message).toMatch(/unknown machine 62/);
  });

  it('a section that runs past the end of the file names the section header', () => {
    const f = elf32.slice();
    const parsed = parseElf(f);
    const text = parsed.sections.find((s) => s.name === '.text')!;
    view(f).setUint32(text.fileOffset + 20, 0x7fff_0000, true); // sh_size
    const e = elfError(() => loadElf(f));
    expect(e.field).toBe('sh_offset');
    expect(e.message).toMatch(new RegExp(`section ${text.index} .* runs past end of file`));
  });

  it('a section header table past the end of the file is reported against e_shoff', () => {
    const f = elf64.slice();
    view(f).setUint16(60, 0xffff, true); // e_shnum
    expect(elfError(() => loadElf(f)).field).toBe('e_shoff');
  });

  it('a section name string table index out of range', () => {
    const f = elf32.slice();
    view(f).setUint16(50, 200, true); // e_shstrndx
    const e = elfError(() => loadElf(f));
    expect(e.field).toBe('e_shstrndx');
    expect(e.message).toMatch(/out of range/);
  });

  it('a symbol name index out of range names the symbol table entry', () => {
    const f = elf32.slice();
    const symtab = parseElf(f).symtab!;
    view(f).setUint32(symtab.section.sh_offset + 16, 0x00ff_ffff, true); // entry 1 st_name
    const e = elfError(() => loadElf(f));
    expect(e.message).toMatch(/\.symtab entry 1: string table index 16777215 out of range/);
    expect(e.offset).toBe(symtab.section.sh_offset + 16);
  });

  it('overlapping PT_LOAD segments', () => {
    const f = elf32.slice();
    const ph = parseElf(f).programHeaders;
    expect(ph.length).toBeGreaterThanOrEqual(2);
    // Make the second program header a copy of the first PT_LOAD.
    f.copyWithin(ph[1].fileOffset, ph[0].fileOffset, ph[0].fileOffset + 32);
    const e = elfError(() => loadElf(f));
    expect(e.message).toMatch(/overlapping PT_LOAD segments/);
    expect(e.offset).toBe(ph[1].fileOffset);
  });

  it('a segment whose memory size exceeds the limit', () => {
    const f = elf32.slice();
    const ph = parseElf(f).programHeaders[0];
    view(f).setUint32(ph.fileOffset + 20, 0xf000_0000, true); // p_memsz
    expect(elfError(() => loadElf(f)).field).toBe('p_memsz');
  });

  it('a missing symbol lists close names', () => {
    const image = loadElf(rom('a32-set-way.o'));
    const e = elfError(() => image.findSymbol('flush_dcache_al'));
    expect(e.field).toBe('symbol');
    expect(e.message).toMatch(/symbol "flush_dcache_al" not found; close names: flush_dcache_all/);
    expect(elfError(() => image.findSymbol('louis')).message).toMatch(/flush_dcache_louis/);
  });
});

const skip = missing('mc');
describe.skipIf(skip !== undefined)(`ElfError on unsupported relocations${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('an unsupported AArch64 relocation names the type, section and offset', () => {
    const w = scratch();
    try {
      const obj = assemble('a64', '.text\nnop\nadrp x0, :got:data\nret\n.data\ndata: .word 1\n', w.dir);
      const e = elfError(() => loadElf(obj));
      expect(e.field).toBe('r_info');
      expect(e.message).toMatch(/unsupported relocation .*type 311.*section \.text at offset 0x4/);
    } finally {
      w.done();
    }
  });

  it('an unsupported Arm relocation names the type, section and offset', () => {
    const w = scratch();
    try {
      const obj = assemble('a32', '.text\nnop\nnop\n.reloc 4, R_ARM_PC24, data\n.data\ndata: .word 1\n', w.dir);
      const e = elfError(() => loadElf(obj));
      expect(e.message).toMatch(/unsupported relocation R_ARM_\? \(type 1\).*section \.text at offset 0x4/);
    } finally {
      w.done();
    }
  });

  it('an undefined symbol is named with the place that needs it', () => {
    const w = scratch();
    try {
      const obj = assemble('a64', '.text\nbl missing_func\nret\n', w.dir);
      expect(elfError(() => loadElf(obj)).message).toMatch(/undefined symbol "missing_func" referenced from section \.text at offset 0x0/);
    } finally {
      w.done();
    }
  });

  it('a branch out of range is an error, not a silently wrong instruction', () => {
    const w = scratch();
    try {
      const obj = assemble('a64', '.text\nb.eq far\n.section .text.far,"ax"\nfar: ret\n', w.dir);
      // Put the far section 2 MiB away with the alignment trick: lay out at an address, then
      // check that CONDBR19 (+-1 MiB) rejects a target beyond its range.
      const image = loadElf(obj, { loadAddress: 0 });
      expect(image.findSymbol('far').address).toBe(4);
      const big = assemble('a64', '.text\nb.eq far\n.space 0x100000\n.section .text.far,"ax"\nfar: ret\n', w.dir, 'big');
      expect(elfError(() => loadElf(big)).message).toMatch(/R_AARCH64_CONDBR19: value 0x100004 out of range/);
    } finally {
      w.done();
    }
  });
});
