import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'generated/**', '.tools/**'],
    // One shared stack (PostgreSQL, Temporal dev server, anvil) for the run; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // 2-core machines: files run one after another so chain nodes and the Temporal server are not starved.
    fileParallelism: false,
    // Generous: MPC wallet creation takes seconds of CPU and a busy 2-core machine stretches it.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
