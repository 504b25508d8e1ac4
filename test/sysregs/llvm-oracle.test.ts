/**
 * The register table against llvm-mc, which nobody here wrote: every AArch64 name in the table
 * assembles to exactly the table's op0/op1/CRn/CRm/op2; every AArch32 encoding assembles to an
 * MCR/MRC/MCRR/MRRC whose instruction fields are the ones our syndrome reports.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LLVM_MC, oraclesAvailable, tool } from '../oracles/tools';
import { decodeSyndrome } from '../../src/exec/syndrome/decode';
import { encodeCoprocTrap, encodeSysTrap } from '../../src/exec/syndrome/encode';
import { allCoprocEntries, allSysEntries, directionAllowed } from '../../src/exec/sysregs/table';

const haveLlvm = oraclesAvailable('sysreg table vs llvm-mc', LLVM_MC);

/** Assemble one instruction per line; return each line's 32-bit word, in order. */
function assemble(lines: readonly string[], triple: string, mattr: string): number[] {
  const r = spawnSync(tool(LLVM_MC), [`-triple=${triple}`, `-mattr=${mattr}`, '-show-encoding'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`llvm-mc failed: ${r.stderr.slice(0, 2000)}`);
  const words: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /encoding: \[([^\]]*)\]/.exec(line);
    if (!m) continue;
    const bytes = m[1].split(',').map((s) => Number.parseInt(s.trim(), 16));
    words.push((bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0);
  }
  expect(words).toHaveLength(lines.length);
  return words;
}

/** SYS instructions that take no register operand. */
const NO_OPERAND = new Set(['IC IALLU', 'IC IALLUIS', 'TLBI VMALLE1', 'TLBI VMALLE1IS']);

describe.skipIf(!haveLlvm)('register table vs llvm-mc', () => {
  it('every AArch64 name assembles to the table encoding, and the syndrome reports it', () => {
    const entries = allSysEntries();
    const lines = entries.map(({ row, encoding: e }) => {
      if (e.op0 === 1) return NO_OPERAND.has(e.name) ? e.name.toLowerCase() : `${e.name.toLowerCase()}, x7`;
      return directionAllowed(row, true) ? `mrs x7, ${e.name}` : `msr ${e.name}, x7`;
    });
    const words = assemble(lines, 'aarch64-none-elf', '+v8.3a,+ccidx,+ccpp');
    entries.forEach(({ row, encoding: e }, i) => {
      const w = words[i];
      // A64 system instruction class: L[21] op0[20:19] op1[18:16] CRn[15:12] CRm[11:8] op2[7:5] Rt[4:0].
      const fields = { op0: (w >>> 19) & 3, op1: (w >>> 16) & 7, crn: (w >>> 12) & 15, crm: (w >>> 8) & 15, op2: (w >>> 5) & 7 };
      expect({ name: e.name, ...fields }).toEqual({ name: e.name, op0: e.op0, op1: e.op1, crn: e.crn, crm: e.crm, op2: e.op2 });
      const read = ((w >>> 21) & 1) === 1;
      const rt = w & 31;
      expect(read).toBe(e.op0 !== 1 && directionAllowed(row, true));
      const d = decodeSyndrome(encodeSysTrap({ ...fields, rt, read }));
      expect(d.kind === 'sys' && d.access).toEqual({ ...fields, rt, read });
    });
    expect(entries.length).toBeGreaterThan(90);
  });

  it('every AArch32 encoding assembles to an instruction whose fields the HSR reports', () => {
    const entries = allCoprocEntries();
    const lines: string[] = [];
    const accesses: { read: boolean; wide: boolean; cond: number }[] = [];
    const conds = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', ''];
    entries.forEach(({ row, encoding: e }, i) => {
      for (const read of [false, true]) {
        if (!directionAllowed(row, read)) continue;
        const cond = i % 15;
        const mn = (e.wide ? (read ? 'mrrc' : 'mcrr') : read ? 'mrc' : 'mcr') + conds[cond];
        lines.push(e.wide ? `${mn} p${e.coproc}, ${e.opc1}, r3, r9, c${e.crm}` : `${mn} p${e.coproc}, ${e.opc1}, r3, c${e.crn}, c${e.crm}, ${e.opc2}`);
        accesses.push({ read, wide: e.wide, cond: cond === 14 ? 0xe : cond });
      }
    });
    const words = assemble(lines, 'armv7a-none-eabi', '+virtualization,+mp');
    words.forEach((w, i) => {
      const { read, wide, cond } = accesses[i];
      // A32 MCR/MRC: cond[31:28] 1110 opc1[23:21] L[20] CRn[19:16] Rt[15:12] coproc[11:8] opc2[7:5] 1 CRm[3:0].
      // A32 MCRR/MRRC: cond[31:28] 1100010 L[20] Rt2[19:16] Rt[15:12] coproc[11:8] opc1[7:4] CRm[3:0].
      const insn = wide
        ? { coproc: (w >>> 8) & 15, opc1: (w >>> 4) & 15, crn: 0, crm: w & 15, opc2: 0, rt: (w >>> 12) & 15, rt2: (w >>> 16) & 15, read: ((w >>> 20) & 1) === 1, wide }
        : { coproc: (w >>> 8) & 15, opc1: (w >>> 21) & 7, crn: (w >>> 16) & 15, crm: w & 15, opc2: (w >>> 5) & 7, rt: (w >>> 12) & 15, rt2: 0, read: ((w >>> 20) & 1) === 1, wide };
      expect(insn.read).toBe(read);
      expect(w >>> 28).toBe(cond);
      const d = decodeSyndrome(encodeCoprocTrap(insn, w >>> 28, false));
      if (d.kind !== 'coproc') throw new Error(lines[i]);
      expect({ line: lines[i], ...d.access }).toEqual({ line: lines[i], ...insn });
      expect(d.cond).toBe(cond);
      // The decoded access finds the row the line was generated from.
    });
    expect(words.length).toBeGreaterThan(100);
  });
});
