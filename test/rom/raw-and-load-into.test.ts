/** Raw images, and copying images into PhysicalMemory with loadInto. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { ElfError, loadElf, loadInto, loadRaw } from '../../src/rom';

const rom = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../roms/build/${name}`, import.meta.url)));
const RAM = [{ base: 0x4000_0000, size: 0x1000_0000 }];

describe('loadRaw', () => {
  it('places the bytes where the caller says and starts at the entry offset', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const image = loadRaw(bytes, { address: 0x4000_0000, entryOffset: 4, isa: 'a64' });
    expect(image.format).toBe('raw');
    expect(image.entry).toBe(0x4000_0004);
    expect(image.isa).toBe('a64');
    expect(image.segments).toHaveLength(1);
    expect(image.segments[0].address).toBe(0x4000_0000);
    expect([...image.segments[0].bytes]).toEqual([...bytes]);
    expect(image.kindAt(0x4000_0007)).toBe('a64');
    expect(image.kindAt(0x4000_0008)).toBeUndefined();
    // The image owns a copy: later changes to the input do not leak in.
    bytes[0] = 99;
    expect(image.segments[0].bytes[0]).toBe(1);
  });

  it('rejects an entry outside the image or misaligned for its instruction set', () => {
    const bytes = new Uint8Array(16);
    expect(() => loadRaw(bytes, { address: 0, entryOffset: 16, isa: 'a32' })).toThrow(ElfError);
    expect(() => loadRaw(bytes, { address: 0, entryOffset: 2, isa: 'a32' })).toThrow(/not 4-byte aligned/);
    expect(loadRaw(bytes, { address: 0, entryOffset: 2, isa: 't32' }).entry).toBe(2);
    expect(() => loadRaw(bytes, { address: -4, isa: 'a64' })).toThrow(ElfError);
  });

  it('a raw image has no symbols, and findSymbol says so', () => {
    const image = loadRaw(new Uint8Array(4), { address: 0, isa: 'a32' });
    expect(() => image.findSymbol('_start')).toThrow(/symbol "_start" not found/);
  });
});

describe('loadInto', () => {
  for (const isa of ['a32', 'a64'] as const) {
    for (const name of ['set-way-selftest', 'boot-handoff']) {
      it(`${isa}-${name}: the ELF and the objcopy .bin put the same bytes in memory`, () => {
        const fromElf = new PhysicalMemory(RAM);
        const fromBin = new PhysicalMemory(RAM);
        const elf = loadElf(rom(`${isa}-${name}.elf`));
        const bin = rom(`${isa}-${name}.bin`);
        loadInto(elf, (a, b) => fromElf.writeBytes(a, b));
        loadInto(loadRaw(bin, { address: 0x4000_0000, isa }), (a, b) => fromBin.writeBytes(a, b));
        const span = bin.length;
        const a = new Uint8Array(span);
        const b = new Uint8Array(span);
        fromElf.readBytes(0x4000_0000, a);
        fromBin.readBytes(0x4000_0000, b);
        expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
        expect(elf.entry).toBe(0x4000_0000);
      });
    }
  }

  it('writes every segment through the callback, in order', () => {
    const image = loadElf(rom('a64-boot-handoff.elf'));
    const writes: [number, number][] = [];
    loadInto(image, (address, bytes) => writes.push([address, bytes.length]));
    expect(writes).toEqual(image.segments.map((s) => [s.address, s.bytes.length]));
  });
});
