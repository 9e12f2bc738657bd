import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/runtime/kafka/**', 'test/apps/kafka/**', 'test/bench/compare.test.ts'] } },
      {
        extends: true,
        test: {
          // Against a real broker, started once for all these files (see test/helpers/kafka-global-setup.ts).
          name: 'kafka',
          include: ['test/runtime/kafka/**/*.test.ts', 'test/apps/kafka/**/*.test.ts', 'test/bench/compare.test.ts'],
          globalSetup: ['test/helpers/kafka-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
