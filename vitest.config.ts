import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { LIVE, LaneSequencer } from './test/lanes.ts';

// `rtclab` and `rtclab/<entry>` resolve to the library's sources here, so examples/ runs against them as a user's
// project runs against the package (test/package runs the same examples against the packed tarball).
const lib = fileURLToPath(new URL('./lib/', import.meta.url));

export default defineConfig({
  resolve: { alias: [{ find: /^rtclab$/, replacement: `${lib}index.ts` }, { find: /^rtclab\/(\w+)$/, replacement: `${lib}$1.ts` }] },
  test: {
    // a bound for a hang, not a measure: two files run at once on two cores (maxWorkers below), so a test that took
    // 40 s alone on the loaded machine may take twice that beside another file
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for what a loaded machine takes (a page's run or redraw with both cores busy), not 1 s;
    // a poll that must fail still fails, 15 s later
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    // Two files at a time on two cores (vitest's default on two cores is one: cores - 1). test/lanes.ts orders the
    // queue so the live files (Chromium, real peers, the packed package) are spread among the simulator's files
    // instead of fighting each other for both cores.
    maxWorkers: 2,
    sequence: { sequencer: LaneSequencer },
    // the CLI's crypto backend (node:crypto); test/golden/backends.test.ts checks the portable one gives the same bytes
    setupFiles: ['test/setup-crypto.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sim',
          include: ['sim/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts', 'lessons/**/*.test.ts', 'viz/**/*.test.ts', 'lib/**/*.test.ts'],
          exclude: [...LIVE, '**/node_modules/**'],
          // One module graph a worker for these files: importing the simulator again for every file cost more CPU
          // than most files' tests (sim/wire, 44 files: 16 s of CPU shared, 44 s isolated). Nothing here keeps
          // state between files: sim/ has no globals but the crypto backend, which setup-crypto.ts sets for every
          // file, and the registries tests change (setDiagnoser, registerAppKind) are restored by those tests.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'live',
          include: [...LIVE],
          // Chromium pages, real peers and module mocks: a fresh process a file, as before
          isolate: true,
          // the visualizer built once for the run; every browser file serves that build (test/browser/viz-build.ts)
          globalSetup: ['test/browser/viz-build.ts'],
        },
      },
    ],
  },
});
