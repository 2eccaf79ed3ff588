import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `rtclab` and `rtclab/<entry>` resolve to the library's sources here, so examples/ runs against them as a user's
// project runs against the package (test/package runs the same examples against the packed tarball).
const lib = fileURLToPath(new URL('./lib/', import.meta.url));

export default defineConfig({
  resolve: { alias: [{ find: /^rtclab$/, replacement: `${lib}index.ts` }, { find: /^rtclab\/(\w+)$/, replacement: `${lib}$1.ts` }] },
  test: {
    include: ['sim/**/*.test.ts', 'cli/**/*.test.ts', 'bridge/**/*.test.ts', 'test/**/*.test.ts', 'lessons/**/*.test.ts', 'viz/**/*.test.ts', 'lib/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a loaded machine takes (a page's run or redraw with both cores busy), not 1 s;
    // a poll that must fail still fails, 15 s later
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    // the CLI's crypto backend (node:crypto); test/golden/backends.test.ts checks the portable one gives the same bytes
    setupFiles: ['test/setup-crypto.ts'],
  },
});
