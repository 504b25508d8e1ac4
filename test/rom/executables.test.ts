/** ET_EXEC and ET_DYN from ld.lld: load vs link addresses, Thumb entry points, .dynsym. */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadElf, parseElf } from '../../src/rom';
import { assemble, link, missing, scratch, tools } from './toolchain';

const skip = missing('mc', 'lld');
const work = skip === undefined ? scratch() : undefined;
afterAll(() => work?.done());

describe.skipIf(skip !== undefined)(`executables${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('segments go to p_paddr by default and to p_vaddr on request; symbols keep link addresses', () => {
    const dir = work!.dir;
    assemble('a64', '.text\n.global _start\n.type _start,%function\n_start: b _start\n.size _start, 4\n.data\nvalue: .quad _start\n', dir, 'lma');
    const bytes = link(dir, [join(dir, 'lma.o')], 'SECTIONS { .text 0x80000000 : AT(0x40000000) { *(.text) } .data 0x80001000 : AT(0x40001000) { *(.data) } }', 'lma');
    const physical = loadElf(bytes);
    expect(physical.segments.map((s) => s.address)).toEqual([0x4000_0000, 0x4000_1000]);
    expect(physical.segments.map((s) => s.virtualAddress)).toEqual([0x8000_0000, 0x8000_1000]);
    expect(physical.entry).toBe(0x8000_0000);
    expect(physical.findSymbol('_start').address).toBe(0x8000_0000);
    const virtual = loadElf(bytes, { placeBy: 'virtual' });
    expect(virtual.segments.map((s) => s.address)).toEqual([0x8000_0000, 0x8000_1000]);
    // Flags follow p_flags (with -N, ld.lld makes every segment RWX).
    const ph = parseElf(bytes).programHeaders.filter((p) => p.p_type === 1);
    expect(physical.segments.map((s) => (s.flags.read ? 4 : 0) | (s.flags.write ? 2 : 0) | (s.flags.execute ? 1 : 0))).toEqual(ph.map((p) => p.p_flags & 7));
  });

  it('an entry point with bit 0 set is Thumb: isa t32, entry address even', () => {
    const dir = work!.dir;
    const src = [
      '.syntax unified', '.arch armv7-a', '.text', '.arm', 'arm_code: bx lr',
      '.thumb', '.global thumb_entry', '.type thumb_entry, %function', '.thumb_func', 'thumb_entry:', '  bl arm_code', '  b thumb_entry', '.size thumb_entry, . - thumb_entry',
    ].join('\n');
    assemble('a32', src, dir, 'thumb');
    const bytes = link(dir, [join(dir, 'thumb.o')], 'ENTRY(thumb_entry) SECTIONS { . = 0x10000; .text : { *(.text) } }', 'thumb');
    expect(parseElf(bytes).header.e_entry & 1).toBe(1);
    const image = loadElf(bytes);
    expect(image.isa).toBe('t32');
    expect(image.entry).toBe(0x10004);
    expect(image.findSymbol('thumb_entry')).toMatchObject({ address: 0x10004, isa: 't32', kind: 'function' });
    expect(image.kindAt(0x10000)).toBe('a32');
    expect(image.kindAt(0x10004)).toBe('t32');
    expect(image.symbolAt(0x10006)?.name).toBe('thumb_entry');
  });

  it('ET_DYN: .dynsym symbols are read, and a definition in both tables is listed once', () => {
    const dir = work!.dir;
    assemble('a64', '.text\n.global exported\n.type exported,%function\nexported: ret\n.size exported, 4\n', dir, 'dyn');
    const out = join(dir, 'dyn.so');
    execFileSync(tools.lld!, ['-shared', '--build-id=none', '-o', out, join(dir, 'dyn.o')], { stdio: 'pipe' });
    const bytes = new Uint8Array(readFileSync(out));
    const file = parseElf(bytes);
    expect(file.dynsym?.symbols.some((s) => s.name === 'exported')).toBe(true);
    expect(file.symtab?.symbols.some((s) => s.name === 'exported')).toBe(true);
    const image = loadElf(bytes);
    expect(image.format).toBe('elf-dyn');
    expect(image.symbols.filter((s) => s.name === 'exported')).toHaveLength(1);

    // Without .symtab (stripped), .dynsym alone still names it.
    const stripped = join(dir, 'dyn-stripped.so');
    execFileSync(tools.lld!, ['-shared', '--build-id=none', '--strip-all', '-o', stripped, join(dir, 'dyn.o')], { stdio: 'pipe' });
    const bare = loadElf(new Uint8Array(readFileSync(stripped)));
    expect(parseElf(new Uint8Array(readFileSync(stripped))).symtab).toBeUndefined();
    expect(bare.findSymbol('exported').address).toBe(image.findSymbol('exported').address);
  });
});
