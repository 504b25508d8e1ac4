/**
 * Quick execution self check against qemu-arm (user mode): see qemu-alu.ts for the harness.
 */
import { describe, expect, it } from 'vitest';
import { decodeA32, disassembleA32 } from '../../src/decode/a32/index';
import { LD_LLD, LLVM_MC, QEMU_ARM, oraclesAvailable } from '../oracles/tools';
import { SCRATCH, SCRATCH_SIZE, SEED, SEQUENCES, generate, harnessSource, runOurs, runQemu, scratchMemory } from './qemu-alu';

const hasTools = oraclesAvailable('A32 execution against qemu-arm', LLVM_MC, LD_LLD, QEMU_ARM);

function compare(withMemory: boolean): void {
  const { words, states } = generate(withMemory);
  const qemu = runQemu(harnessSource(words, states));
  const memory = scratchMemory();
  const mismatches: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const ours = runOurs(words[k], states[k], memory);
    const theirs = [...qemu.subarray(k * 14, k * 14 + 14)].map((v, r) => (r === 13 ? v & 0xf80f0000 : v) >>> 0);
    if (ours.some((v, r) => v !== theirs[r])) {
      const text = words[k].map((w) => disassembleA32(decodeA32(w))).join('; ');
      const diff = ours.map((v, r) => (v !== theirs[r] ? `${r === 13 ? 'apsr' : 'r' + r}: ours 0x${v.toString(16)} qemu 0x${theirs[r].toString(16)}` : '')).filter(Boolean);
      mismatches.push(`#${k} [${text}] in=${states[k].map((v) => v.toString(16)).join(',')} ${diff.join(', ')}`);
    }
  }
  let bufferDiffs = 0;
  const base = words.length * 14;
  for (let k = 0; k < SCRATCH_SIZE / 4; k++) if (memory.physical.read32(SCRATCH + 4 * k) !== qemu[base + k]) bufferDiffs++;
  console.log(`A32 exec vs qemu-arm${withMemory ? ' (with loads/stores)' : ''}: ${words.length - mismatches.length}/${words.length} sequences agree; ${bufferDiffs} scratch words differ`);
  expect(mismatches.slice(0, 10)).toEqual([]);
  expect(bufferDiffs).toBe(0);
}

describe.skipIf(!hasTools)('A32 execution against qemu-arm', () => {
  it(`matches QEMU on ${SEQUENCES} random ALU sequences (seed ${SEED})`, () => compare(false));
  it(`matches QEMU on ${SEQUENCES} random sequences with loads and stores (seed ${SEED + 1})`, () => compare(true));
});
