import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // As tsconfig.json's "paths": tests of the library run on the sources; test/package/ tests the build.
  resolve: {
    alias: [
      { find: /^setway$/, replacement: fileURLToPath(new URL('./src/api/index.ts', import.meta.url)) },
      { find: /^setway\/arbitraries$/, replacement: fileURLToPath(new URL('./src/api/arbitraries.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on every machine here: the oracle tests spawn llvm-mc and QEMU themselves.
    maxWorkers: 2,
  },
});
