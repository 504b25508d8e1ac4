/** The function-harness stubs kept as words in src/scenarios/harness-stub.ts are what llvm-mc builds from their sources. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HANDOFF_STUB_A32, HANDOFF_STUB_A64, STUB_SOURCES } from '../../src/scenarios/harness-stub';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

const have = oraclesAvailable('harness stubs', LLVM_MC);

describe.skipIf(!have)('harness stubs', () => {
  it.each([
    ['a32', HANDOFF_STUB_A32],
    ['a64', HANDOFF_STUB_A64],
  ] as const)('%s words equal a fresh llvm-mc assembly of the source', (isa, words) => {
    const source = readFileSync(new URL(`../../${STUB_SOURCES[isa]}`, import.meta.url), 'utf8');
    expect([...assembleWords(source, isa)]).toEqual([...words]);
  });
});
