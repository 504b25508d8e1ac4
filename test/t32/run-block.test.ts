/**
 * The T32 page-at-a-time run (`T32Executor.runBlock`, used when memory hands out code pages)
 * against the instruction-at-a-time step, on random T32 sequences with IT blocks and loads and
 * stores (the QEMU differential's generator), closed by a backward loop so blocks re-enter:
 * registers, CPSR and memory must end the same.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu, Mode, Psr } from '../../src/exec/a32/index';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { FlatMemory } from '../../src/exec/flat-memory';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { SCRATCH_ADDRESS, SCRATCH_SIZE } from '../oracles/exec-harness';
import { Prng } from '../oracles/prng';
import { randomT32Case } from '../diff/t32-sequences';
import { T32Executor } from '../../src/exec/t32/index';

const CODE = 0x10000;

/** FlatMemory (VA = PA) that hands out code pages as TranslatedMemory does. */
function halfwords(code: Uint32Array): number[] {
  return Array.from(code).flatMap((w) => (w > 0xffff ? [w >>> 16, w & 0xffff] : [w]));
}

function runCase(seed: number, paged: boolean): { regs: number[]; cpsr: number; scratch: Uint8Array; retired: number } {
  const rng = new Prng(seed);
  const c = randomT32Case(rng, 6);
  const hws = halfwords(c.code);
  const bytes = 2 * hws.length;
  // B back to the start (T2, 16-bit) closes the loop; the budget ends it.
  const back = -(bytes + 4);
  hws.push(0xe000 | ((back >> 1) & 0x7ff));
  const physical = new PhysicalMemory([{ base: 0, size: 1 << 24 }]);
  const memory = paged ? new PagedFlatMemory(physical) : new FlatMemory(physical);
  memory.load(CODE, new Uint8Array(Uint16Array.from(hws).buffer));
  memory.load(SCRATCH_ADDRESS, c.initial.scratch);
  const cpu = new A32Cpu({ memory });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = ((c.initial.flags & 0xf80f0000) | Mode.SVC | Psr.T) >>> 0;
  for (let r = 0; r < 15; r++) cpu.r[r] = c.initial.regs[r];
  cpu.pc = CODE;
  try {
    cpu.run(10 * (hws.length + 1));
  } catch {
    // A fault stops both runs at the same instruction.
  }
  const scratch = new Uint8Array(SCRATCH_SIZE);
  physical.readBytes(SCRATCH_ADDRESS, scratch);
  return { regs: Array.from(cpu.r), cpsr: cpu.cpsr, scratch, retired: cpu.instructionsRetired };
}

describe('T32 runBlock does what step does', () => {
  it('on 300 random looping sequences (fixed seeds)', () => {
    // Count page runs, so a paged memory that handed out no pages cannot pass vacuously.
    const original = T32Executor.prototype.runBlock;
    let pageRuns = 0;
    T32Executor.prototype.runBlock = function (this: T32Executor, ...args: Parameters<T32Executor['runBlock']>) {
      pageRuns++;
      original.apply(this, args);
    };
    try {
      for (let seed = 1; seed <= 300; seed++) {
        const stepped = runCase(seed, false);
        const blocks = runCase(seed, true);
        expect(blocks, `seed ${seed}`).toEqual(stepped);
      }
    } finally {
      T32Executor.prototype.runBlock = original;
    }
    expect(pageRuns).toBeGreaterThanOrEqual(300);
  });
});
