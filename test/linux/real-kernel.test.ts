/**
 * The real thing: Debian's armhf multiplatform kernel (linux-image-6.1.0-*-armmp), fetched by
 * scripts/fetch-linux-kernel.sh into .cache/linux. Skipped with a message where apt cannot fetch
 * it, except under CI, where that is a failure.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLinuxKernel, type LinuxKernelImage } from '../../src/linux/load-kernel';
import { disassembleA32, llvmMcAvailable } from './llvm-mc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh')], { encoding: 'utf8', timeout: 300_000 });
const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
const why = `fetch-linux-kernel.sh exited ${fetch.status ?? fetch.signal}: ${(fetch.stderr || fetch.error?.message || '').trim().split('\n').pop()}`;
const ROUTINES = ['v7_flush_kern_cache_all', 'v7_flush_dcache_all', 'v7_flush_dcache_louis', 'v7_flush_kern_cache_louis', 'v7_invalidate_l1'] as const;

if (kernelPath === undefined && !process.env.CI) {
  describe('real Debian armmp kernel', () => {
    it.skip(`skipped: ${why}`, () => {});
  });
} else {
  describe('real Debian armmp kernel', () => {
    let kernel: LinuxKernelImage;

    it('is fetched by the script', () => {
      expect(kernelPath, why).toBeDefined();
      expect(existsSync(kernelPath!)).toBe(true);
    });

    it('unpacks the zImage and recovers kallsyms', async () => {
      const bytes = new Uint8Array(readFileSync(kernelPath!));
      const mapPath = join(dirname(kernelPath!), basename(kernelPath!).replace(/^vmlinuz-/, 'System.map-'));
      const systemMap = existsSync(mapPath) ? readFileSync(mapPath, 'utf8') : undefined;
      const started = performance.now();
      kernel = await loadLinuxKernel(bytes, { systemMap });
      const ms = Math.round(performance.now() - started);
      expect(kernel.linux.container).toBe('zImage');
      expect(kernel.linux.compression).toBe('xz');
      expect(kernel.linux.symbolSource).toBe('kallsyms'); // Debian ships a stub System.map
      expect(kernel.symbols.length).toBeGreaterThan(20000);
      const addresses = ROUTINES.map((n) => `${n}=0x${kernel.findSymbol(n).address.toString(16)}`).join(' ');
      console.log(
        `${basename(kernelPath!)}: ${kernel.linux.filters?.join('+')} payload at 0x${kernel.linux.payloadOffset?.toString(16)}, ` +
          `Image ${kernel.linux.imageBytes} bytes at 0x${kernel.linux.textAddress.toString(16)} (${kernel.linux.textAddressSource}), ` +
          `${kernel.symbols.length} symbols, ${ms} ms; ${addresses}`,
      );
    }, 120_000);

    it('finds the five v7 cache routines inside the Image', () => {
      const segment = kernel.segments[0];
      for (const name of ROUTINES) {
        const s = kernel.findSymbol(name);
        expect(s.kind, name).toBe('function');
        expect(s.address % 4, name).toBe(0);
        expect(s.address, name).toBeGreaterThanOrEqual(segment.address);
        expect(s.address + 32, name).toBeLessThanOrEqual(segment.address + segment.bytes.length);
      }
    });

    it.skipIf(!llvmMcAvailable())('decodes (llvm-mc) to the expected cache maintenance code', () => {
      const segment = kernel.segments[0];
      const view = new DataView(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength);
      const code = (name: string, count: number): { address: number; words: number[]; text: (string | null)[] } => {
        const address = kernel.findSymbol(name).address;
        const words = Array.from({ length: count }, (_, i) => view.getUint32(address - segment.address + 4 * i, true));
        return { address, words, text: disassembleA32(words) };
      };
      const clidrRead = 'mrc p15, #1, r0, c0, c0, #1';
      for (const name of ['v7_flush_dcache_all', 'v7_flush_dcache_louis']) {
        const { text } = code(name, 6);
        expect(text.every((t) => t !== null), `${name}: ${text.join('; ')}`).toBe(true);
        expect(text.slice(0, 4), name).toContain(clidrRead);
      }
      const l1 = code('v7_invalidate_l1', 8).text;
      expect(l1).toContain('mcr p15, #2, r0, c0, c0, #0'); // CSSELR := 0 (level 1 data)
      expect(l1).toContain('mrc p15, #1, r0, c0, c0, #0'); // CCSIDR read
      // The kern_cache entry points call their dcache walkers: the BL's PC-relative offset
      // (llvm-mc prints target - (address + 8)) lands on the routine kallsyms names.
      for (const [caller, callee] of [
        ['v7_flush_kern_cache_all', 'v7_flush_dcache_all'],
        ['v7_flush_kern_cache_louis', 'v7_flush_dcache_louis'],
      ]) {
        const { address, text } = code(caller, 4);
        const at = text.findIndex((t) => t !== null && /^bl #-?\d+$/.test(t));
        expect(at, `${caller}: ${text.join('; ')}`).toBeGreaterThanOrEqual(0);
        const offset = Number(/#(-?\d+)/.exec(text[at]!)![1]);
        expect((address + 4 * at + 8 + offset) >>> 0, caller).toBe(kernel.findSymbol(callee).address);
      }
    });
  });
}
