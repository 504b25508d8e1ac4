/**
 * Mutated ELF files (truncations, bit flips, random byte runs, extreme field values, random
 * bytes) load or fail with ElfError, and nothing else: no TypeError, no RangeError, no hang.
 * Seeded: every run mutates the same way.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfError, loadElf } from '../../src/rom';

const SEEDS = ['a32-set-way.o', 'a64-set-way.o', 'a32-set-way-selftest.elf', 'a64-set-way-selftest.elf', 'a32-boot-handoff.elf', 'a64-boot-handoff.elf'].map(
  (name) => ({ name, bytes: new Uint8Array(readFileSync(new URL(`../../roms/build/${name}`, import.meta.url))) }),
);

// A small limit keeps hostile p_memsz/sh_size from allocating much; it is also under test.
const MAX_IMAGE = 1 << 20;

/** Load and report the outcome: 'ok' or 'ElfError'; anything else is thrown on. */
function outcome(bytes: Uint8Array): 'ok' | 'ElfError' {
  try {
    const image = loadElf(bytes, { maxImageBytes: MAX_IMAGE });
    const total = image.segments.reduce((n, s) => n + s.bytes.length, 0);
    if (total > MAX_IMAGE) throw new Error(`image of ${total} bytes passed the ${MAX_IMAGE}-byte limit`);
    for (const s of image.symbols) image.findSymbol(s.name);
    return 'ok';
  } catch (e) {
    if (e instanceof ElfError) return 'ElfError';
    throw e;
  }
}

const seed = fc.constantFrom(...SEEDS);
const EXTREMES = [0, 1, 0x7f, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x10, 0x40];

describe('loader under mutation', () => {
  it('every unmutated ROM loads', () => {
    for (const s of SEEDS) expect(outcome(s.bytes), s.name).toBe('ok');
  });

  it('truncation at every length of the small files and across the header classes of all', () => {
    let errors = 0;
    for (const s of SEEDS) {
      // Every length up to 4 KiB (covers e_ident, the header, program and section tables of the
      // small files), then every 997th length beyond.
      for (let n = 0; n < s.bytes.length; n += n < 4096 ? 1 : 997) {
        if (outcome(s.bytes.subarray(0, n)) === 'ElfError') errors++;
      }
    }
    expect(errors).toBeGreaterThan(1000);
  });

  it('bit flips (property, seeded)', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }), (s, flips) => {
        const b = s.bytes.slice();
        // Bias positions towards the headers and tables at the start and end of the file.
        for (const [pos, bit] of flips) {
          const at = pos % 2 === 0 ? pos % Math.min(b.length, 512) : b.length - 1 - (pos % Math.min(b.length, 2048));
          b[at] ^= 1 << bit;
        }
        outcome(b);
      }),
      { seed: 0x5e7a01, numRuns: 2000 },
    );
  });

  it('random byte runs (property, seeded)', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }), (s, pos, run) => {
        const b = s.bytes.slice();
        const at = pos % b.length;
        b.set(run.subarray(0, b.length - at), at);
        outcome(b);
      }),
      { seed: 0x5e7a02, numRuns: 2000 },
    );
  });

  it('extreme values in aligned header and table fields (property, seeded)', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EXTREMES), fc.constantFrom(2, 4)), { minLength: 1, maxLength: 4 }), (s, writes) => {
        const b = s.bytes.slice();
        const v = new DataView(b.buffer);
        for (const [pos, value, width] of writes) {
          // Half the writes go to the ELF header, half to the tables at the end of the file.
          const region = pos % 2 === 0 ? Math.min(64, b.length) : Math.min(b.length, 1536);
          const base = pos % 2 === 0 ? 0 : b.length - region;
          const at = (base + ((pos >>> 1) % region)) & ~(width - 1);
          if (at + width > b.length) continue;
          if (width === 2) v.setUint16(at, value & 0xffff, true);
          else v.setUint32(at, value, true);
        }
        outcome(b);
      }),
      { seed: 0x5e7a03, numRuns: 3000 },
    );
  });

  it('random bytes, with and without an ELF identification (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), fc.constantFrom(0, 1, 2), fc.boolean(), (raw, cls, valid) => {
        const b = raw.slice();
        if (valid && b.length >= 16) {
          b.set([0x7f, 0x45, 0x4c, 0x46, cls === 0 ? 1 : 2, 1, 1]);
          if (b.length >= 20) {
            b[18] = cls === 0 ? 40 : 183;
            b[19] = 0;
            b[16] = 1 + (b[16] % 3);
            b[17] = 0;
          }
        }
        outcome(b);
      }),
      { seed: 0x5e7a04, numRuns: 3000 },
    );
  });
});
