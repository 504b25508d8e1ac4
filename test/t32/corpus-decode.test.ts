/**
 * A real corpus: every Thumb instruction of Debian's armhf C library (libc.a and libm.a from
 * libc6-dev:armhf, fetched at test time; Debian builds armhf for Thumb-2) decodes to
 * llvm-objdump's mnemonic. The archives keep their ELF mapping symbols, so only $t ranges are
 * counted and inline literal pools ($d) are not. llvm-objdump (LLVM 14) reads the same mapping
 * symbols and the objects' build attributes. Every difference is in a listed class with its reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeT32Word, disassembleT32 } from '../../src/decode/t32';
import { compareDecodes, differenceGroups, formatDecodeReport, type OurView } from '../oracles/decode-compare';
import { normaliseA32 } from '../oracles/disasm-text';
import type { Disassembly } from '../oracles/llvm-mc';
import { disassembleT32 as disassembleAlone } from '../oracles/llvm-mc-t32';
import { LLVM_MC, LLVM_OBJDUMP, oraclesAvailable } from '../oracles/tools';
import { thumbCorpus, type CorpusInstruction } from './armhf-corpus';
import { CORPUS_EXCLUSIONS } from './corpus-exclusions';
import { fetchArmhfFile, fetchedArmhfVersion } from './debian-armhf';

const PACKAGE = 'libc6-dev';
const ARCHIVES = ['usr/lib/arm-linux-gnueabihf/libc.a', 'usr/lib/arm-linux-gnueabihf/libm.a'];

const have = oraclesAvailable('Debian armhf Thumb corpus test', LLVM_OBJDUMP, LLVM_MC);
const fetched = have ? ARCHIVES.map((a) => fetchArmhfFile(PACKAGE, a)) : [];
const why = fetched.find((f): f is string => typeof f === 'string');
if (why !== undefined) {
  if (process.env.CI) throw new Error(`${PACKAGE}:armhf could not be fetched: ${why}`);
  console.warn(`SKIP Debian armhf Thumb corpus test: ${why}`);
}

/** objdump's line as llvm-mc prints the instruction: no comment, a branch target as its offset (`bl #-4`). */
function llvmView(insn: CorpusInstruction): Disassembly {
  const line = insn.llvm ?? '<no line>';
  const offset = /@ imm = (#-?\d+)\s*$/.exec(line);
  let text = line.replace(/\s*@.*$/, '');
  text = offset === null ? text.replace(/ <[^>]*>/, '') : text.replace(/0x[0-9a-f]+ <[^>]*>/, offset[1]);
  text = text.replace(/\s+/g, ' ').trim();
  const valid = text !== '<unknown>' && text !== '<no line>';
  const sp = text.indexOf(' ');
  return { word: insn.word, valid, softFail: false, text: valid ? text : '', mnemonic: sp < 0 ? text : text.slice(0, sp), operands: sp < 0 ? '' : text.slice(sp + 1), encoding: insn.word };
}

function ourView(insn: CorpusInstruction): OurView {
  const d = decodeT32Word(insn.word, insn.itState);
  if (d.kind === 'undefined') return { valid: false, kind: d.kind, mnemonic: '', operands: '' };
  const n = normaliseA32(disassembleT32(d));
  return { valid: true, kind: d.kind, mnemonic: n.mnemonic, operands: n.operands };
}

describe.skipIf(!have || why !== undefined)(`Debian ${PACKAGE}:armhf Thumb code vs llvm-objdump`, () => {
  it('every Thumb instruction of libc.a and libm.a decodes to llvm-objdump\'s mnemonic, every difference classified', () => {
    const corpus = ARCHIVES.flatMap((a, k) => {
      const path = (fetched[k] as { path: string }).path;
      return thumbCorpus(path, new Uint8Array(readFileSync(path)));
    });
    // llvm-objdump prints a line at every address our walk reaches (both follow the same $t ranges
    // and lengths) except after a Thumb IFUNC symbol: llvm-objdump 14 clears bit 0 of STT_FUNC
    // symbols only, and decodes from the odd address of an STT_GNU_IFUNC one (glibc's memchr and
    // memcpy resolvers). Those instructions are disassembled alone by LLVM instead.
    const missing = corpus.flatMap((c, i) => (c.llvm === null ? [i] : []));
    console.log(`no llvm-objdump line at ${missing.length} instructions: ${[...new Set(missing.map((i) => corpus[i].where.replace(/\+.*/, '')))].join(', ')}`);
    expect(missing.filter((i) => corpus[i].itState !== 0).map((i) => corpus[i].where)).toEqual([]);
    const alone = disassembleAlone(missing.map((i) => corpus[i].word));
    const llvm = corpus.map(llvmView);
    missing.forEach((i, k) => (llvm[i] = alone[k]));
    let k = 0;
    const report = compareDecodes(Uint32Array.from(corpus, (c) => c.word), llvm, () => ourView(corpus[k++]), normaliseA32, CORPUS_EXCLUSIONS);
    console.log(formatDecodeReport(`${PACKAGE} ${fetchedArmhfVersion(PACKAGE)} armhf libc.a + libm.a, Thumb instructions vs llvm-objdump`, report, CORPUS_EXCLUSIONS, 60));
    const wide = corpus.filter((c) => c.word > 0xffff).length;
    const inIt = corpus.filter((c) => (c.itState & 0xf) !== 0).length;
    console.log(`${corpus.length} Thumb instructions: ${corpus.length - wide} 16-bit, ${wide} 32-bit, ${inIt} inside IT blocks`);
    // A C library is large: 300,000 Thumb instructions in 2.36, thousands of them conditional in IT blocks.
    expect(report.total).toBeGreaterThan(100_000);
    expect(inIt).toBeGreaterThan(1_000);
    expect(differenceGroups(report, 60)).toEqual([]);
    expect(report.mnemonicAgree).toBe(report.bothValid);
  }, 300_000);
});
