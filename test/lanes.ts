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
 * How long a file is expected to take, in seconds: its last recorded duration when vitest's cache has one, else a
 * guess from its size (measured on the suite in December 2026: a live file takes ~15 ms a byte of source, since it
 * drives a browser or a real peer in real time; a simulator file ~1 ms a byte).
 */
function expected(ctx: BaseSequencer['ctx'], spec: TestSpecification): number {
  const key = `${spec.project.name}:${relative(ctx.config.root, spec.moduleId)}`;
  const known = ctx.cache.getFileTestResults(key)?.duration;
  if (known !== undefined && known > 0) return known / 1000;
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
