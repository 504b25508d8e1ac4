import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on every machine here: the oracle tests spawn llvm-mc and QEMU themselves.
    maxWorkers: 2,
  },
});
