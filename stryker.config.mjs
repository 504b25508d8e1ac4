// Mutation testing (issue 22): `npm run mutate`, not part of `npm test`. Narrow the scope from the
// command line, e.g. `npm run mutate -- --mutate 'src/exec/syndrome/**/*.ts'`.
// Two cores shared with others: one worker, and each mutant runs only the tests that cover it
// (perTest coverage from the dry run; the dry run itself runs only the test files related to the
// mutated files, among the unit and oracle tests of the executors and decoders below).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: true },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: ['src/exec/**/*.ts', 'src/decode/**/*.ts', '!src/**/index.ts'],
  // Tests of the executors, decoders and syndromes, with their oracles (llvm-mc, qemu-arm,
  // qemu-aarch64, QEMU's EL2). Not the boots (minutes per run, under every mutant that they cover).
  testFiles: [
    'test/{a32,a64,t32,syndrome,exec-syndrome,diff,fast-path,exec-irq,sysregs}/**/*.test.ts',
    'test/oracles/{exec-harness,llvm-mc}.test.ts',
  ],
  // Static mutants (module-level code: `const Dp = {}` for `{ ...DpOpcode }`) ran all 310 related
  // tests each (minutes apiece) and all 7 in handlers-alu.ts "survived", yet by hand `Dp = {}` fails
  // the A32 differential (57.5% agreement): the vitest runner does not re-evaluate the modules, so
  // they are never activated. Skipped, reported as ignored.
  ignoreStatic: true,
  timeoutMS: 60_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  // Under .cache/, which git ignores.
  htmlReporter: { fileName: '.cache/mutation/mutation.html' },
  jsonReporter: { fileName: '.cache/mutation/mutation.json' },
  tempDirName: '.cache/stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'bench', '.cache', '*.log', '.scratch'],
};
