import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['sim/**/*.test.ts', 'cli/**/*.test.ts', 'bridge/**/*.test.ts', 'test/**/*.test.ts', 'lessons/**/*.test.ts', 'viz/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // the CLI's crypto backend (node:crypto); test/golden/backends.test.ts checks the portable one gives the same bytes
    setupFiles: ['test/setup-crypto.ts'],
  },
});
