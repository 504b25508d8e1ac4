/**
 * The execution differential driver must notice a wrong executor: run it with a deliberately
 * broken copy of ours (one register bit flipped after ADD-family instructions) and expect exactly
 * those sequences to be reported.
 */
import { describe, expect, it } from 'vitest';
import { decodeA32, disassembleA32 } from '../../src/decode/a32';
import { A32Cpu } from '../../src/exec/a32';
import { FLAG_MASK, type ExecCase } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { randomA32Case } from './a32-sequences';
import { runExecDiff, type OurRun } from './exec-diff';

const have = oraclesAvailable('execution differential driver', LLVM_MC, LD_LLD, QEMU_ARM);

function brokenOurs(c: ExecCase, codeAddress: number, memory: ScratchMemory): OurRun {
  const cpu = new A32Cpu({ memory });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & FLAG_MASK.a32) | 0x10) >>> 0;
  for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
  cpu.pc = codeAddress;
  try {
    for (let i = 0; i < c.code.length; i++) {
      const d = decodeA32(c.code[i]);
      const before = cpu.r[d.rd];
      cpu.stepHandlingAborts();
      // The planted bug: an executed ADD (not ADDS) gets bit 4 of its result flipped.
      if (d.mnemonic === 'add' && !d.setFlags && cpu.r[d.rd] !== before) cpu.r[d.rd] ^= 0x10;
    }
  } catch (e) {
    return { kind: 'fault', detail: String(e) };
  }
  return { kind: 'done', final: { regs: cpu.r.slice(0, 15), flags: cpu.cpsr, scratch: memory.scratch.slice() } };
}

describe.skipIf(!have)('execution differential driver', () => {
  it('reports the sequences a planted executor bug breaks, and only those', () => {
    const report = runExecDiff({
      isa: 'a32',
      sequences: 300,
      rng: new Prng(7),
      generate: (rng) => randomA32Case(rng, 1),
      ours: brokenOurs,
      describe: (w) => disassembleA32(decodeA32(w)).replace(/\t/g, ' '),
    });
    const broken = [...report.singleMismatchMnemonics.keys()];
    expect(report.agreed).toBeLessThan(report.sequences);
    expect(broken.length).toBeGreaterThan(0);
    for (const m of broken) expect(m).toMatch(/^add(eq|ne|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?$/);
  });
});
