import { defineConfig } from 'vitest/config';

/** The signer's protocol tests: pure CPU, no stack (npm test runs them beside the stack's files; scripts/test.mjs). */
export default defineConfig({
  test: {
    include: ['signer/*.test.ts', 'signer/mpc/*.test.ts'],
    exclude: ['node_modules/**', 'generated/**', '.tools/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
