/**
 * Debian's arm64 Image (fetched at test time) named by its own kallsyms: a relocatable Image whose
 * kallsyms base is 0 and whose lowest symbol (_stext) is not the start of the file. Checked
 * against facts of the Image itself: the header's branch lands on primary_entry, and clear_page
 * zeroes with DC ZVA (Arm ARM C6.2.81).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ARM64_KIMAGE_LOW, arm64Symbolizer } from '../../src/linux/arm64-symbols';
import { readKallsyms } from '../../src/linux/kallsyms';
import { placeKernel } from '../../src/platform/linux-boot';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh'), 'arm64'], { encoding: 'utf8', timeout: 300_000 });
const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
const skip = kernelPath === undefined && !process.env.CI;
const why = `fetch-linux-kernel.sh exited ${fetch.status}: ${fetch.stderr.trim().split('\n').pop()}`;
const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const DC_ZVA_MASK = 0xffff_ffe0;
const DC_ZVA = 0xd50b_7420; // DC ZVA, X<t>

describe.skipIf(skip)(`Debian's arm64 Image named by its kallsyms${skip ? ` (skipped: ${why})` : ''}`, () => {
  it('names the header branch target primary_entry and finds DC ZVA in clear_page, at physical and kernel virtual PCs', async () => {
    expect(kernelPath, why).toBeDefined();
    let bytes = new Uint8Array(readFileSync(kernelPath!));
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
    const k = readKallsyms(bytes);
    expect(k.layout).toMatchObject({ wide: true, relocatedAtBoot: true });
    const placed = await placeKernel(bytes);
    const names = placed.symbolizer!;
    expect(names).toBeDefined();
    // booting.rst: code0/code1; the second word is `b primary_entry` in an EFI-stub Image.
    const word = u32(bytes, 4);
    expect(word >>> 26).toBe(0b000101);
    const entry = 4 + (((word & 0x3ff_ffff) << 6) >> 4);
    expect(names.nameOf(placed.loadAddress + entry)).toBe('primary_entry');
    // With the MMU on: 0xffff_8000_0800_0000 + offset, a PC as the A64 CPU keeps it (a negative number).
    expect(names.nameOf(-(2 ** 47) + ARM64_KIMAGE_LOW + entry)).toBe('primary_entry');
    // clear_page: find its DC ZVA in the file and name it.
    const clearPage = k.symbols.find((s) => s.name === 'clear_page')!;
    const fileOffset = clearPage.address - k.symbols.find((s) => s.name === 'primary_entry')!.address + entry;
    const zva = [...Array(16).keys()].map((i) => fileOffset + 4 * i).find((at) => ((u32(bytes, at) & DC_ZVA_MASK) >>> 0) === DC_ZVA);
    expect(zva).toBeDefined();
    expect(names.nameOf(placed.loadAddress + zva!)).toMatch(/^(__pi_)?clear_page\+0x[0-9a-f]+$/);
  });
});

describe('an Image without kallsyms', () => {
  it('is left unnamed (no symbolizer), not an error', () => {
    // A header branch (b +0x40) and no kallsyms tables behind it.
    const bytes = new Uint8Array(0x10000);
    new DataView(bytes.buffer).setUint32(0, 0x1400_0010, true);
    expect(arm64Symbolizer(bytes, 0x4020_0000)).toBeUndefined();
  });
});
