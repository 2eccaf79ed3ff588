import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The live test files: Chromium pages (test/browser), real peers over the kernel and loopback (bridge), the packed
 * package in three runtimes (test/package), the example project, and a file that mocks a module (viz/model/one-pass:
 * a mock must not outlive its file). Each runs in a fresh process (vitest.config.ts, project 'live').
 */
export const LIVE = ['test/browser/**/*.test.ts', 'bridge/**/*.test.ts', 'test/package/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'viz/model/one-pass.test.ts'];

/**
 * The longest live files' durations in seconds, as the CI run on a clean clone measured them (December 2026; 2 files
 * at a time), for a run without vitest's cache (CI's fresh clone has none). The size guess below is off by two or
 * three times for these: package.test.ts is 5.6 kB but packs, installs and runs every covering preset in three
 * runtimes; tls-openssl.test.ts is 5.8 kB and waits on openssl. Files not listed here take the guess.
 */
export const MEASURED: Readonly<Record<string, number>> = {
  // estimates, not yet measured in CI, scaled from the CI figures by what the change saved on the loaded machine:
  // lessons.test.ts was ~330 s (every lesson at two sizes and in Chinese, the Chinese walk sharing the English walk's
  // scenario runs and page); three page loads instead of eight, one read of the page a view and faster screenshots
  // took ~20% off it (a 4-lesson run side by side with the old file: 836 s → 692 s; the full file 1850 s at load 24-33
  // before, of which ~370 s went to what was cut). package.test.ts was 148 s, ~110 s of it the covering presets in
  // three runtimes; the media-heavy presets cut short take that part's CPU to about 28% (Node, @noble crypto:
  // ~106 s → ~29 s of CPU a runtime, measured)
  'test/browser/lessons.test.ts': 265,
  'test/package/package.test.ts': 70,
  'test/browser/keyed-labels.test.ts': 56,
  'test/browser/capture-dtls-zh.test.ts': 41,
  'test/browser/zh-messages.test.ts': 32,
  'bridge/tls-openssl.test.ts': 32,
  'test/browser/sweep.test.ts': 29,
  'test/browser/call.test.ts': 23,
  'bridge/chromium-datachannel.test.ts': 20,
  'bridge/kernel-tcp.test.ts': 18,
  // estimates, not yet measured in CI: the CI figure (23 s, 29 s) scaled by what the same file took on the loaded
  // machine before and after the app was built once a run and its two window sizes shared one page (notes: 137 s
  // → 54 s, one A/B at load 25; ice-states: its second size 37 s → 13 s within one run)
  'test/browser/notes.test.ts': 9,
  'test/browser/ice-states.test.ts': 18,
};

/**
 * How long a file is expected to take, in seconds: its last recorded duration when vitest's cache has one, else its
 * CI figure (MEASURED), else a guess from its size (measured on the suite in December 2026: a live file takes ~15 ms
 * a byte of source, since it drives a browser or a real peer in real time; a simulator file ~1 ms a byte).
 */
function expected(ctx: BaseSequencer['ctx'], spec: TestSpecification): number {
  const file = relative(ctx.config.root, spec.moduleId);
  const known = ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration;
  if (known !== undefined && known > 0) return known / 1000;
  const measured = MEASURED[file];
  if (measured !== undefined) return measured;
  const bytes = statSync(spec.moduleId).size;
  return (bytes * (spec.project.name === 'live' ? 15 : 1)) / 1000;
}

/**
 * Orders the queue for two workers so that one of them runs the live files one after another while the other runs
 * the simulator's files beside it: two Chromium sessions (or a Chromium session and a packing of the package) at
 * once fight for the two cores and each takes several times what it takes alone, while a simulator file beside a
 * page uses the core the page leaves idle. The queue is laid by replaying the two workers on expected durations:
 * whichever worker frees first takes the next live file when no live file is running, else the next simulator file.
 */
export class LaneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const live = sorted.filter((s) => s.project.name === 'live');
    const sim = sorted.filter((s) => s.project.name !== 'live');
    const workers = this.ctx.config.maxWorkers ?? 2;
    if (workers < 2 || live.length === 0 || sim.length === 0) return sorted;
    // longest first in each lane, so the last files to finish are short ones
    const weight = new Map(sorted.map((s) => [s, expected(this.ctx, s)]));
    const byWeight = (a: TestSpecification, b: TestSpecification): number => weight.get(b)! - weight.get(a)!;
    live.sort(byWeight);
    sim.sort(byWeight);
    const out: TestSpecification[] = [];
    const free = Array.from({ length: workers }, () => ({ at: 0, live: false }));
    while (live.length > 0 || sim.length > 0) {
      const w = free.reduce((a, b) => (b.at < a.at ? b : a));
      const liveRunning = free.some((o) => o !== w && o.live && o.at > w.at);
      const next = (!liveRunning && live.length > 0) || sim.length === 0 ? live.shift()! : sim.shift()!;
      out.push(next);
      w.at += weight.get(next)!;
      w.live = next.project.name === 'live';
    }
    return out;
  }
}
