/**
 * A corpus of real Thumb code: every instruction in the Thumb ranges of the members of a static
 * library (an `ar` archive of relocatable ELF objects), where the ELF mapping symbols ($t, $a,
 * $d; ELF for the Arm Architecture, "Mapping symbols") say what is Thumb code, what is A32 code
 * and what is data. Each instruction is paired with the line llvm-objdump prints at its address
 * (llvm-objdump follows the same mapping symbols), so inline literal pools are never counted.
 */
import { spawnSync } from 'node:child_process';
import { T32Op, decodeT32, isT32Wide } from '../../src/decode/t32';
import { itAdvance } from '../../src/exec/t32/executor';
import { parseElf } from '../oracles/elf';
import { LLVM_OBJDUMP, OracleError, tool } from '../oracles/tools';

export interface ArchiveMember {
  readonly name: string;
  readonly data: Uint8Array;
}

/** The members of a System V / GNU `ar` archive, in order (the symbol and long-name tables left out). */
export function archiveMembers(bytes: Uint8Array): ArchiveMember[] {
  const text = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (text(0, 8) !== '!<arch>\n') throw new Error('not an ar archive (no !<arch> magic)');
  const members: ArchiveMember[] = [];
  let longNames = '';
  for (let at = 8; at + 60 <= bytes.length; ) {
    const rawName = text(at, at + 16).trimEnd();
    const size = Number.parseInt(text(at + 48, at + 58).trim(), 10);
    const data = bytes.subarray(at + 60, at + 60 + size);
    if (rawName === '//') longNames = text(at + 60, at + 60 + size);
    else if (/^\/\d+$/.test(rawName)) {
      const from = Number.parseInt(rawName.slice(1), 10);
      members.push({ name: longNames.slice(from, longNames.indexOf('/\n', from)), data });
    } else if (rawName !== '/' && rawName !== '/SYM64/') members.push({ name: rawName.replace(/\/$/, ''), data });
    at += 60 + size + (size & 1);
  }
  return members;
}

/** One Thumb instruction of the corpus and what llvm-objdump printed at its address. */
export interface CorpusInstruction {
  /** As llvm-objdump prints T32: a halfword, or first halfword << 16 | second. */
  readonly word: number;
  /** ITSTATE at the instruction, as a sequential decode from the start of its $t range tracks it. */
  readonly itState: number;
  /** llvm-objdump's text (tab separated, comment included), or null when it printed no line there. */
  readonly llvm: string | null;
  /** member:section+offset, for reports. */
  readonly where: string;
}

const SHF_EXECINSTR = 0x4;
const STT_SECTION_MAPPING = /^\$([atd])(\.|$)/;

interface CodeSection {
  readonly key: string;
  readonly data: Uint8Array;
  /** [start, end) of each $t range. */
  readonly thumb: readonly (readonly [number, number])[];
}

/** The executable sections of one object with their Thumb ranges, keyed member#section#occurrence. */
function codeSections(memberIndex: number, object: Uint8Array): CodeSection[] {
  const elf = parseElf(object);
  const seen = new Map<string, number>();
  const out: CodeSection[] = [];
  elf.sections.forEach((s, index) => {
    if ((s.flags & SHF_EXECINSTR) === 0) return;
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    const marks = elf.symbols
      .filter((y) => y.sectionIndex === index && STT_SECTION_MAPPING.test(y.name))
      .map((y) => ({ at: y.value, kind: y.name[1] }))
      .sort((a, b) => a.at - b.at);
    const thumb: [number, number][] = [];
    marks.forEach((m, k) => {
      const end = k + 1 < marks.length ? marks[k + 1].at : s.size;
      if (m.kind === 't' && end > m.at) thumb.push([m.at, end]);
    });
    out.push({ key: `${memberIndex}#${s.name}#${n}`, data: s.data, thumb });
  });
  return out;
}

/** llvm-objdump -d of the archive: the text of each instruction line, by member#section#occurrence and address. */
function objdumpListing(archivePath: string): Map<string, Map<number, string>> {
  const r = spawnSync(tool(LLVM_OBJDUMP), ['-d', archivePath], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new OracleError('llvm-objdump', `could not run: ${r.error.message}`);
  if (r.status !== 0) throw new OracleError('llvm-objdump', `exit status ${r.status}: ${r.stderr.slice(0, 500)}`);
  const listing = new Map<string, Map<number, string>>();
  let member = -1;
  let seen = new Map<string, number>();
  let lines: Map<number, string> | undefined;
  const insn = /^\s*([0-9a-f]+):\s+[0-9a-f]{2}(?: [0-9a-f]{2})*\s*\t(.*)$/;
  for (const l of r.stdout.split('\n')) {
    if (/\):\s+file format /.test(l)) {
      member++;
      seen = new Map();
      lines = undefined;
      continue;
    }
    const section = /^Disassembly of section (.+):$/.exec(l);
    if (section !== null) {
      const n = (seen.get(section[1]) ?? 0) + 1;
      seen.set(section[1], n);
      lines = new Map();
      listing.set(`${member}#${section[1]}#${n}`, lines);
      continue;
    }
    const m = insn.exec(l);
    if (m !== null && lines !== undefined) lines.set(Number.parseInt(m[1], 16), m[2]);
  }
  return listing;
}

/**
 * Every instruction in the $t ranges of the archive at `archivePath` (its bytes `archive`),
 * decoded in sequence from the start of each range (so ITSTATE is known), with llvm-objdump's line.
 */
export function thumbCorpus(archivePath: string, archive: Uint8Array): CorpusInstruction[] {
  const listing = objdumpListing(archivePath);
  const out: CorpusInstruction[] = [];
  archiveMembers(archive).forEach((member, index) => {
    for (const section of codeSections(index, member.data)) {
      const lines = listing.get(section.key);
      const d = section.data;
      for (const [start, end] of section.thumb) {
        let it = 0;
        for (let at = start; at + 2 <= end; ) {
          const hw1 = d[at] | (d[at + 1] << 8);
          const wide = isT32Wide(hw1);
          if (wide && at + 4 > end) break;
          const hw2 = wide ? d[at + 2] | (d[at + 3] << 8) : 0;
          const insn = decodeT32(hw1, hw2, it);
          out.push({ word: insn.word, itState: it, llvm: lines?.get(at) ?? null, where: `${member.name}:${section.key.split('#')[1]}+0x${at.toString(16)}` });
          it = insn.kind !== 'undefined' && (insn.op as number) === T32Op.IfThen ? insn.newItState : itAdvance(it);
          at += insn.length;
        }
      }
    }
  });
  return out;
}
