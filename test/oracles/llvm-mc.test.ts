import { describe, expect, it } from 'vitest';
import { assemble, assembleWords, disassemble } from './llvm-mc';
import { ElfError, parseElf } from './elf';
import { assembleObject } from './llvm-mc';
import { LLVM_MC, oraclesAvailable } from './tools';
import { QEMU_BENCH_LOOPS } from '../../bench/qemu';

const have = oraclesAvailable('llvm-mc harness', LLVM_MC);

describe.skipIf(!have)('llvm-mc disassembly harness', () => {
  it('decodes known A32 words, including the worked HSR example instruction', () => {
    const r = disassemble([0xee075f5e, 0xe1a01005, 0xffffffff, 0xe0912003], 'a32');
    expect(r.map((d) => d.valid)).toEqual([true, true, false, true]);
    expect(r[0].text).toBe('mcr p15, #0, r5, c7, c14, #2');
    expect(r[1].mnemonic).toBe('mov');
    expect(r[1].operands).toBe('r1, r5');
    expect(r[3].text).toBe('adds r2, r1, r3');
  });

  it('flags SoftFail (UNPREDICTABLE-bit) encodings and reports the re-encoded word', () => {
    // CMN r9, #179 with Rd bits[15:12] (shown as (0) in the encoding) set: llvm-mc decodes it but warns.
    const r = disassemble([0x137950b3], 'a32');
    expect(r[0].valid).toBe(true);
    expect(r[0].softFail).toBe(true);
    expect(r[0].text).toBe('cmnne r9, #179');
    expect(r[0].encoding).toBe(0x137900b3);
  });

  it('decodes known A64 words', () => {
    const r = disassemble([0xd5087e43, 0x31000c41, 0x00000000, 0xd503201f], 'a64');
    expect(r.map((d) => d.text)).toEqual(['dc cisw, x3', 'adds w1, w2, #3', 'udf #0', 'nop']);
    expect(disassemble([0xffffffff], 'a64')[0].valid).toBe(false);
  });

  it('stays in step over runs of invalid words and words equal to its own marker', () => {
    const words = [0xe1a00000, 0xffffffff, 0xffffffff, 0xe1a00000, 0xe1a00000, 0xe7f000f0, 0xffffffff];
    const r = disassemble(words, 'a32');
    expect(r.map((d) => d.valid)).toEqual([true, false, false, true, true, true, false]);
    expect(r[3].text).toBe('mov r0, r0');
    expect(r[5].text).toBe('udf #0');
  });

  it('agrees with itself: assembling what it printed gives back the word, over 2,000 seeded words', () => {
    let x = 0x1234567;
    const words: number[] = [];
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      words.push((x ^ (x << 11)) >>> 0);
    }
    for (const isa of ['a32', 'a64'] as const) {
      // Plain integer forms only: llvm-mc does not re-assemble all of its own output (system LDM/STM, some aliases).
      const plain = isa === 'a32' ? /^(add|adc|sub|sbc|rsb|rsc|and|orr|eor|bic|mvn|cmp|cmn|tst|teq|mul|mla|umull|smull)s?(eq|ne|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?$/ : /^(add|adds|sub|subs|and|ands|orr|eor|madd|msub|csel|csinc|ldr|str|ldp|stp)$/;
      const d = disassemble(words, isa).filter((r) => r.valid && !r.softFail && plain.test(r.mnemonic) && !/\bpc\b/.test(r.text));
      expect(d.length).toBeGreaterThan(30);
      const back = assembleWords(d.map((r) => r.text).join('\n'), isa);
      expect(back.length).toBe(d.length);
      let same = 0;
      for (let i = 0; i < d.length; i++) if (back[i] === d[i].encoding) same++;
      // A harness out of step would pair texts with the wrong words and agree almost never; the few
      // misses are llvm-mc's own (non-canonical modified immediates re-assemble to another rotation).
      expect(same / d.length).toBeGreaterThan(0.9);
    }
  });
});

describe.skipIf(!have)('assembler and ELF reader', () => {
  it('assembles to .text bytes in both instruction sets', () => {
    expect(Array.from(assemble('mov r0, #1', 'a32'))).toEqual([0x01, 0x00, 0xa0, 0xe3]);
    expect(Array.from(assembleWords('dc cisw, x3\nmrs x0, ccsidr_el1', 'a64'))).toEqual([0xd5087e43, 0xd5390000]);
  });

  it('reports assembly errors as an OracleError naming the line', () => {
    expect(() => assemble('mov r0, r1, r2, r3', 'a32')).toThrow(/llvm-mc: assembly failed: <source>:1:/);
  });

  it('reads symbols, and rejects truncated or foreign files with a typed error', () => {
    const obj = assembleObject('.text\nfoo: nop\nbar: nop\n', 'a64');
    const elf = parseElf(obj);
    expect(elf.is64).toBe(true);
    expect(elf.symbol('bar').value).toBe(4);
    expect(() => elf.symbol('nothere')).toThrow(ElfError);
    expect(() => parseElf(obj.slice(0, 40))).toThrow(ElfError);
    expect(() => parseElf(obj.slice(0, 200))).toThrow(/runs past end of file/);
    const notElf = obj.slice();
    notElf[1] = 0;
    expect(() => parseElf(notElf)).toThrow(/no ELF magic/);
  });

  it('the bench loop words are what llvm-mc assembles from their source', () => {
    for (const loop of QEMU_BENCH_LOOPS) {
      expect(Array.from(assembleWords(loop.source.join('\n'), loop.isa)), loop.name).toEqual(Array.from(loop.words));
    }
  });
});

describe('oracle availability', () => {
  it('skips with a message without CI, and fails under CI, when a tool is missing', () => {
    const saved = process.env.CI;
    try {
      delete process.env.CI;
      expect(oraclesAvailable('probe', ['setway-no-such-tool'])).toBe(false);
      process.env.CI = '1';
      expect(() => oraclesAvailable('probe', ['setway-no-such-tool'])).toThrow(/required under CI/);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
