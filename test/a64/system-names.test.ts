/**
 * A64 system-register names versus llvm-mc 14 (-mattr=+v8a): every row of the name table in both
 * directions (so read-only and write-only registers must print generically the other way exactly
 * when llvm-mc does), then the whole op0=0b10/0b11 MRS/MSR space, where the only disagreements
 * allowed are registers of later extensions that llvm-mc 14 names and setway deliberately does not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeA64, disassembleA64 } from '../../src/decode/a64';
import { DEBUG_REGISTERS } from '../../src/decode/a64/system-names-debug';
import { GIC_REGISTERS } from '../../src/decode/a64/system-names-gic';
import { PMU_REGISTERS } from '../../src/decode/a64/system-names-pmu';
import { SYSTEM_REGISTER_ROWS, systemRegisterName } from '../../src/decode/a64/system-names';
import type { SystemRegisterRow } from '../../src/decode/a64/system-register-row';
import { sysKey } from '../../src/decode/system-access';
import { disassemble } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

const have = oraclesAvailable('A64 system-register names', LLVM_MC);

/** MSR (register) / MRS, C6.2: 1101010100 L 1 op0[0] op1 CRn CRm op2 Rt (op0 = 0b1x). */
function sysWord(read: boolean, op0: number, op1: number, crn: number, crm: number, op2: number, rt: number): number {
  return (0xd5100000 | ((read ? 1 : 0) << 21) | ((op0 & 1) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5) | rt) >>> 0;
}

function ourText(word: number): string {
  const d = decodeA64(word);
  return d.kind === 'unallocated' ? '' : disassembleA64(d);
}

/** The register operand of "mrs xN, REG" / "msr REG, xN". */
function registerOperand(text: string): string {
  const m = /^mrs \w+, (\S+)$/.exec(text) ?? /^msr (\S+), \w+$/.exec(text);
  if (!m) throw new Error(`not an MRS/MSR text: "${text}"`);
  return m[1];
}

const GENERIC = /^s[23]_[0-7]_c\d+_c\d+_[0-7]$/i;

/**
 * Names exactly as llvm-mc prints them; the generic S<op0>_... form only case-insensitively (its
 * case is the disassembler's business, and the decoder differential test normalises it).
 */
function sameRegister(ours: string, llvm: string): boolean {
  if (GENERIC.test(ours) && GENERIC.test(llvm)) return ours.toLowerCase() === llvm.toLowerCase();
  return ours === llvm;
}

/** Registers llvm-mc 14 names at +v8a that are not Armv8.0-A (or GICv3), so setway prints them generically. */
const LATER_EXTENSIONS: readonly { name: string; reason: string; llvmName: RegExp }[] = [
  { name: 'trace unit', reason: 'optional ETM/ETE trace-unit registers (op0=2, op1=1)', llvmName: /^TRC\w+$/ },
  { name: 'TRBE', reason: 'Trace Buffer Extension (Armv9)', llvmName: /^TRB\w+_EL1$/ },
  { name: 'RAS', reason: 'RAS extension error records (Armv8.2/8.4)', llvmName: /^ERX\w+_EL1$/ },
  { name: 'later ID registers', reason: 'ID registers added after Armv8.0', llvmName: /^(ID_MMFR4|ID_MMFR5|ID_AA64ISAR2|ID_AA64MMFR2)_EL1$/ },
  { name: 'PMMIR', reason: 'PMU machine identification (Armv8.4)', llvmName: /^PMMIR_EL1$/ },
  { name: 'Secure EL2', reason: 'VSTTBR_EL2 (Armv8.4 Secure EL2)', llvmName: /^VSTTBR_EL2$/ },
];

describe('A64 system-register name table', () => {
  it('has one name per encoding and direction, and unique names', () => {
    const seen = new Map<string, string>();
    const names = new Map<string, string>();
    for (const [name, op0, op1, crn, crm, op2, rw] of SYSTEM_REGISTER_ROWS) {
      const key = sysKey({ op0, op1, crn, crm, op2 });
      for (const dir of ['r', 'w'] as const) {
        if (!rw.includes(dir)) continue;
        const slot = `${key}:${dir}`;
        expect(seen.get(slot), `${name} collides with ${seen.get(slot)}`).toBeUndefined();
        seen.set(slot, name);
      }
      expect(names.get(name), `${name} listed twice`).toBeUndefined();
      names.set(name, name);
    }
  });

  it('generates the indexed families from their encoding pattern', () => {
    const byName = new Map(SYSTEM_REGISTER_ROWS.map((r) => [r[0], r] as const));
    const fields = (name: string): number[] => {
      const r = byName.get(name);
      if (r === undefined) throw new Error(`${name} missing`);
      return r.slice(1, 6) as number[];
    };
    const count = (re: RegExp, rows: readonly SystemRegisterRow[]) => rows.filter((r) => re.test(r[0])).length;
    expect(count(/^DBG[BW][VC]R\d+_EL1$/, DEBUG_REGISTERS)).toBe(64);
    expect(count(/^PMEV(CNTR|TYPER)\d+_EL0$/, PMU_REGISTERS)).toBe(62);
    expect(count(/^ICH_LR\d+_EL2$/, GIC_REGISTERS)).toBe(16);
    expect(count(/^IC[CH]_AP[01]R\d_EL[12]$/, GIC_REGISTERS)).toBe(16);
    // Spot checks straight from the register descriptions' encoding diagrams.
    expect(fields('DBGWVR5_EL1')).toEqual([2, 0, 0, 5, 6]);
    expect(fields('PMEVCNTR30_EL0')).toEqual([3, 3, 14, 11, 6]);
    expect(fields('PMEVTYPER9_EL0')).toEqual([3, 3, 14, 13, 1]);
    expect(fields('ICH_LR13_EL2')).toEqual([3, 4, 12, 13, 5]);
    expect(fields('ICC_AP0R3_EL1')).toEqual([3, 0, 12, 8, 7]);
  });

  it('answers null, never a wrong name, for random unknown keys', () => {
    const known = new Set(SYSTEM_REGISTER_ROWS.map(([, a, b, c, d, e]) => sysKey({ op0: a, op1: b, crn: c, crm: d, op2: e })));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.boolean(), (key, read) => {
        const name = systemRegisterName(key, read);
        if (!known.has(key)) expect(name).toBeNull();
      }),
      { seed: 0x5e6, numRuns: 2000 },
    );
  });
});

describe.skipIf(!have)('A64 system-register names vs llvm-mc 14', () => {
  it('prints every table row in both directions as llvm-mc does', () => {
    const rts = fc.sample(fc.nat(31), { seed: 0x6a, numRuns: SYSTEM_REGISTER_ROWS.length * 2 });
    const words: number[] = [];
    const rows: { row: SystemRegisterRow; read: boolean }[] = [];
    SYSTEM_REGISTER_ROWS.forEach((row, i) => {
      const [, op0, op1, crn, crm, op2] = row;
      for (const read of [true, false]) {
        words.push(sysWord(read, op0, op1, crn, crm, op2, rts[2 * i + (read ? 0 : 1)]));
        rows.push({ row, read });
      }
    });
    const llvm = disassemble(words, 'a64');
    const bad: string[] = [];
    let named = 0;
    let generic = 0;
    for (let i = 0; i < words.length; i++) {
      const ours = ourText(words[i]);
      const l = llvm[i];
      if (!l.valid) {
        bad.push(`0x${words[i].toString(16)} ${rows[i].row[0]}: llvm-mc rejects it`);
        continue;
      }
      const o = registerOperand(ours);
      const t = registerOperand(l.text);
      if (GENERIC.test(t)) generic++;
      else named++;
      const sameShape = ours.replace(o, 'REG').toLowerCase() === l.text.replace(t, 'REG').toLowerCase();
      if (!sameShape || !sameRegister(o, t)) bad.push(`0x${words[i].toString(16)} ${rows[i].row[0]}: ours "${ours}" llvm "${l.text}"`);
    }
    console.log(`system-register rows: ${SYSTEM_REGISTER_ROWS.length}, ${words.length} MRS/MSR words, llvm-mc named ${named}, generic ${generic}, disagreements ${bad.length}`);
    expect(bad).toEqual([]);
    // The read-only and write-only registers exercise the generic direction.
    expect(generic).toBeGreaterThan(30);
  });

  it('agrees on the whole op0=2/3 MRS/MSR space except listed later-extension registers', () => {
    const words: number[] = [];
    for (const read of [true, false])
      for (let fields = 0; fields < 1 << 15; fields++) {
        // fields = op0[0]:op1:CRn:CRm:op2, Rt varies with the encoding
        const op0 = 2 | (fields >>> 14);
        words.push(sysWord(read, op0, (fields >>> 11) & 7, (fields >>> 7) & 15, (fields >>> 3) & 15, fields & 7, fields % 31));
      }
    const llvm = disassemble(words, 'a64');
    const excluded = new Map<string, number>();
    const bad: string[] = [];
    let agree = 0;
    for (let i = 0; i < words.length; i++) {
      const ours = ourText(words[i]);
      const l = llvm[i];
      expect(l.valid, `llvm-mc rejects 0x${words[i].toString(16)}`).toBe(true);
      const o = registerOperand(ours);
      const t = registerOperand(l.text);
      if (sameRegister(o, t) && ours.replace(o, 'REG').toLowerCase() === l.text.replace(t, 'REG').toLowerCase()) {
        agree++;
        continue;
      }
      const ext = GENERIC.test(o) ? LATER_EXTENSIONS.find((e) => e.llvmName.test(t)) : undefined;
      if (ext !== undefined) excluded.set(ext.name, (excluded.get(ext.name) ?? 0) + 1);
      else bad.push(`0x${words[i].toString(16)}: ours "${ours}" llvm "${l.text}"`);
    }
    const lines = LATER_EXTENSIONS.map((e) => `  excluded ${String(excluded.get(e.name) ?? 0).padStart(5)} ${e.name}: ${e.reason}`);
    console.log(`op0=2/3 MRS/MSR space: ${words.length} words, ${agree} agree, ${bad.length} disagree\n${lines.join('\n')}`);
    expect(bad.slice(0, 20)).toEqual([]);
    expect(agree).toBeGreaterThan(65_000);
  });
});
