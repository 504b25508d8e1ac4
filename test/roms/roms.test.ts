/**
 * The committed guest ROMs: each is what its source builds to, the loader reads all of them
 * with the right symbols and ISAs, and llvm-objdump shows the set/way operations each routine
 * is meant to issue.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadElf } from '../../src/rom';
import { missing, run, scratch, tools } from '../rom/toolchain';

const ROMS = fileURLToPath(new URL('../../roms/', import.meta.url));
const BUILD = join(ROMS, 'build');

interface ManifestImage {
  name: string;
  isa: 'a32' | 't32' | 'a64';
  object?: string;
  elf?: string;
  bin?: string;
  symbols?: string[];
}
const manifest = JSON.parse(readFileSync(join(BUILD, 'manifest.json'), 'utf8')) as { images: ManifestImage[] };
const LOAD_ADDRESS = 0x4000_0000;
const PARAM_BLOCK = 0x4001_0000;
const ROUTINES = ['flush_dcache_all', 'flush_dcache_louis', 'invalidate_l1'];

describe('committed ROMs are what their sources build to', () => {
  const skip = missing('mc', 'lld', 'objcopy');
  const work = skip === undefined ? scratch() : undefined;
  afterAll(() => work?.done());

  it.skipIf(skip !== undefined)(`rebuilding gives the same files, byte for byte${skip ? ` (skipped: ${skip})` : ''}`, () => {
    execFileSync('bash', [join(ROMS, 'build.sh'), work!.dir], { stdio: 'pipe' });
    const committed = readdirSync(BUILD).sort();
    expect(readdirSync(work!.dir).sort()).toEqual(committed);
    for (const f of committed) {
      const a = readFileSync(join(BUILD, f));
      const b = readFileSync(join(work!.dir, f));
      expect(Buffer.compare(a, b), `${f} differs from a fresh build`).toBe(0);
    }
  });
});

describe('the loader reads every committed ROM', () => {
  it('the manifest lists every file in roms/build', () => {
    const listed = manifest.images.flatMap((i) => [i.object, i.elf, i.bin].filter((x): x is string => x !== undefined));
    const present = readdirSync(BUILD).filter((f) => f !== 'manifest.json');
    expect(listed.sort()).toEqual(present.sort());
  });

  for (const img of manifest.images) {
    const file = img.elf ?? img.object!;
    it(`${file}: symbols and ISA`, () => {
      const image = loadElf(new Uint8Array(readFileSync(join(BUILD, file))), { loadAddress: LOAD_ADDRESS });
      expect(image.isa).toBe(img.isa);
      for (const name of ROUTINES) {
        const s = image.findSymbol(name);
        expect(s.isa, name).toBe(img.isa);
        expect(s.kind, name).toBe('function');
        expect(s.size, name).toBeGreaterThan(0);
        expect(s.address % 4, name).toBe(0);
        expect(image.kindAt(s.address), name).toBe(img.isa);
      }
      if (img.elf !== undefined) {
        expect(image.format).toBe('elf-exec');
        expect(image.entry).toBe(LOAD_ADDRESS);
        expect(image.findSymbol('_start').address).toBe(LOAD_ADDRESS);
        expect(image.findSymbol('_start').isa).toBe(img.isa);
      } else {
        expect(image.format).toBe('elf-rel');
      }
      if (img.name.endsWith('boot-handoff')) {
        expect(image.findSymbol('param_block').address).toBe(PARAM_BLOCK);
        expect(image.findSymbol('result_block').address).toBe(PARAM_BLOCK + 0x40);
        const params = image.segments.find((s) => s.address <= PARAM_BLOCK && PARAM_BLOCK < s.address + s.bytes.length)!;
        const v = new DataView(params.bytes.buffer, params.bytes.byteOffset + (PARAM_BLOCK - params.address));
        expect(v.getUint32(0, true)).toBe(0x42505753); // "SWPB"
        expect(v.getUint32(0x08, true)).toBe(0x4010_0000); // default buffer
        expect(v.getUint32(0x10, true)).toBe(0x10_0000); // 1 MiB
      }
    });
  }
});

/** Split `llvm-objdump -d` output into function name -> instruction lines. */
function disassemblyByFunction(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const label = /^[0-9a-f]+ <([^>]+)>:$/.exec(line.trim());
    if (label !== null) {
      // Mapping symbols ($a, $x, $d...) continue the function they are in.
      if (label[1].startsWith('$')) continue;
      current = [];
      out.set(label[1], current);
    } else if (current !== undefined && line.trim() !== '') {
      current.push(line.trim());
    }
  }
  return out;
}

describe('disassembly of the set/way routines', () => {
  const skip = missing('objdump');
  const expected = {
    a32: {
      clidr: /mrc\s+p15, #1, r\d+, c0, c0, #1/,
      csselr: /mcr\s+p15, #2, r\d+, c0, c0, #0/,
      ccsidr: /mrc\s+p15, #1, r\d+, c0, c0, #0/,
      clean: /mcr\s+p15, #0, r\d+, c7, c14, #2/, // DCCISW
      invalidate: /mcr\s+p15, #0, r\d+, c7, c6, #2/, // DCISW
      ret: /bx\s+lr/,
    },
    a64: {
      clidr: /mrs\s+x\d+, CLIDR_EL1/,
      csselr: /msr\s+CSSELR_EL1, (x\d+|xzr)/,
      ccsidr: /mrs\s+x\d+, CCSIDR_EL1/,
      clean: /dc\s+cisw, x\d+/,
      invalidate: /dc\s+isw, x\d+/,
      ret: /\bret\b/,
    },
  };

  for (const isa of ['a32', 't32', 'a64'] as const) {
    it.skipIf(skip !== undefined)(`${isa}: each routine issues exactly its own S/W operation${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const text = run(tools.objdump!, ['-d', join(BUILD, `${isa}-set-way.o`)]);
      const fns = disassemblyByFunction(text);
      // The Thumb-2 routines issue the same coprocessor operations, printed alike.
      const e = expected[isa === 't32' ? 'a32' : isa];
      const count = (lines: string[], re: RegExp): number => lines.filter((l) => re.test(l)).length;
      for (const [name, op, other] of [
        ['flush_dcache_all', e.clean, e.invalidate],
        ['flush_dcache_louis', e.clean, e.invalidate],
        ['invalidate_l1', e.invalidate, e.clean],
      ] as const) {
        const lines = fns.get(name);
        expect(lines, name).toBeDefined();
        expect(count(lines!, op), `${name}: S/W operation`).toBe(1);
        expect(count(lines!, other), `${name}: the other S/W operation`).toBe(0);
        expect(count(lines!, e.clidr), `${name}: CLIDR read`).toBe(1);
        expect(count(lines!, e.csselr), `${name}: CSSELR writes`).toBe(2); // select level, restore level 1
        expect(count(lines!, e.ccsidr), `${name}: CCSIDR read`).toBe(1);
        expect(count(lines!, e.ret), `${name}: return`).toBe(1);
        // The CSSELR write is followed by an ISB before CCSIDR is read (D7/G7: CSSELR selects CCSIDR).
        const sel = lines!.findIndex((l) => e.csselr.test(l));
        expect(lines![sel + 1], `${name}: ISB after CSSELR`).toMatch(/\bisb\b/);
        expect(lines![sel + 2], `${name}: then CCSIDR`).toMatch(e.ccsidr);
      }
    });
  }
});
