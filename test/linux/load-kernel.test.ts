import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxKernelError } from '../../src/linux/errors';
import { LinuxKernelImage, loadLinuxKernel } from '../../src/linux/load-kernel';
import { buildImage, makeSymbols } from './kallsyms-builder';
import { wrapZImage } from './zimage-builder';
import { xz, xzAvailable } from './xz-tool';
import { findTool, LLVM_MC } from '../oracles/tools';

const TEXT = 0xc0208000;
const CODE = 0x10000;
const symbols = makeSymbols(900, TEXT, CODE, 77, false);
const built = buildImage(symbols, TEXT, CODE, 'offsets-first+seqs', 77);
const hasXz = xzAvailable();
const llvmMc = findTool(...LLVM_MC);

function systemMapOf(list: readonly { name: string; type: string; address: number }[]): string {
  return list.map((s) => `${s.address.toString(16).padStart(8, '0')} ${s.type} ${s.name}`).join('\n') + '\n';
}

describe.skipIf(!hasXz)('loadLinuxKernel on a zImage', () => {
  const zimage = wrapZImage(xz(built.image, ['--check=crc32', '--arm', '--lzma2']), built.image.length).file;

  it('places the Image at its link address and finds symbols through kallsyms', async () => {
    const k = await loadLinuxKernel(zimage);
    expect(k).toBeInstanceOf(LinuxKernelImage);
    expect(k.linux).toMatchObject({ container: 'zImage', compression: 'xz', symbolSource: 'kallsyms', textAddress: TEXT, textAddressSource: 'branch targets' });
    expect(k.isa).toBe('a32');
    expect(k.segments).toHaveLength(1);
    expect(k.segments[0].address).toBe(TEXT);
    expect(Buffer.from(k.segments[0].bytes).equals(Buffer.from(built.image))).toBe(true);
    const f = k.findSymbol('v7_flush_dcache_all');
    expect(f.kind).toBe('function');
    expect(f.isa).toBe('a32');
    expect(f.address).toBe(symbols.find((s) => s.name === 'v7_flush_dcache_all')!.address);
    expect(k.kindAt(f.address)).toBe('a32');
    expect(k.symbols.length).toBe(symbols.length);
  });

  it('notes a stub System.map and falls back to kallsyms', async () => {
    const k = await loadLinuxKernel(zimage, { systemMap: 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n' });
    expect(k.linux.symbolSource).toBe('kallsyms');
    expect(k.linux.systemMapIgnored).toMatch(/stub System\.map/);
  });

  it('uses a real System.map, taking _text from it', async () => {
    const k = await loadLinuxKernel(zimage, { systemMap: systemMapOf([{ name: '_text', type: 'T', address: TEXT }, ...symbols]) });
    expect(k.linux.symbolSource).toBe('system-map');
    expect(k.linux.textAddressSource).toBe('symbol _text');
    expect(k.segments[0].address).toBe(TEXT);
  });

  it("refuses a System.map from another build", async () => {
    const shifted = symbols.map((s) => ({ ...s, address: s.address + 0x40 }));
    await expect(loadLinuxKernel(zimage, { systemMap: systemMapOf(shifted) })).rejects.toThrow(/System\.map does not belong to this kernel/);
  });

  it('honours an explicit text address', async () => {
    const k = await loadLinuxKernel(zimage, { textAddress: 0x80008000 });
    expect(k.linux.textAddressSource).toBe('option');
    expect(k.segments[0].address).toBe(0x80008000);
  });
});

describe('loadLinuxKernel on other inputs', () => {
  it('loads a raw Image', async () => {
    const k = await loadLinuxKernel(built.image);
    expect(k.linux.container).toBe('Image');
    expect(k.entry).toBe(TEXT);
  });

  it('says why bytes that are no kernel have no symbols', async () => {
    await expect(loadLinuxKernel(new Uint8Array(8192).fill(7))).rejects.toThrow(LinuxKernelError);
    await expect(loadLinuxKernel(new Uint8Array(8192).fill(7))).rejects.toThrow(/not ELF, not a zImage.*kallsyms_token_table not found/);
  });

  it.skipIf(llvmMc === null)('hands ELF files to the ROM loader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'setway-linux-'));
    try {
      writeFileSync(join(dir, 'k.s'), '.text\n.globl v7_flush_dcache_all\n.type v7_flush_dcache_all,%function\nv7_flush_dcache_all:\n  mrc p15, 1, r0, c0, c0, 1\n  bx lr\n');
      const r = spawnSync(llvmMc ?? 'llvm-mc', ['-triple=armv7a', '-filetype=obj', '-o', join(dir, 'k.o'), join(dir, 'k.s')]);
      expect(r.status).toBe(0);
      const k = await loadLinuxKernel(new Uint8Array(readFileSync(join(dir, 'k.o'))));
      expect(k.linux.container).toBe('elf');
      expect(k.findSymbol('v7_flush_dcache_all').kind).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
