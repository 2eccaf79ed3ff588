import { existsSync } from 'node:fs';
import { CHROMIUM, openApp, startSession } from '../test/browser/harness.ts';
import type { BenchResult } from '../viz/bench-page.ts';
import { row } from './measure.ts';

/**
 * The visualizer at scale, in headless Chromium: time to first ladder paint for a synthetic 1,000,000-hop trace
 * (worker generation, transfer, level-of-detail build, first frame), and the draw time of each frame of a
 * scripted zoom in/out with panning (p50/p95/max). The baseline is measured in the same page and run: a frame
 * that only clears and fills a canvas of the same size, so the ratio says what the ladder itself costs.
 * Targets (issue 7): first paint under 3 s, p95 frame under 16.7 ms.
 */
export async function benchViz(): Promise<void> {
  process.stdout.write('viz (headless Chromium)\n');
  if (!existsSync(CHROMIUM)) {
    row('skipped', '-', `no browser at ${CHROMIUM}`);
    return;
  }
  const s = await startSession('production');
  try {
    const { page } = await openApp(s, '?bench=1', false);
    // The page-side code is compiled by vite with the app (viz/bench-page.ts); here it is only called.
    await page.waitForFunction('typeof window.rtclabBench === "function"');
    const r = (await page.evaluate('window.rtclabBench(1000000)')) as BenchResult;
    row('first ladder paint, 1M hops', `${(r.firstPaint / 1000).toFixed(2)} s`, `target < 3 s`);
    row('baseline frame (clear + fill) p50 / p95', `${r.base50.toFixed(2)} / ${r.base95.toFixed(2)} ms`);
    row(`ladder frame, scripted pan/zoom (${r.n}) p50`, `${r.p50.toFixed(2)} ms`, `${(r.p50 / Math.max(0.01, r.base50)).toFixed(1)}× baseline`);
    row('ladder frame p95', `${r.p95.toFixed(2)} ms`, `target < 16.7 ms; ${(r.p95 / Math.max(0.01, r.base95)).toFixed(1)}× baseline`);
    row('ladder frame max', `${r.max.toFixed(2)} ms`);
    row('  of which script p50 / p95', `${r.js50.toFixed(2)} / ${r.js95.toFixed(2)} ms`, `the rest is raster; canvas ${r.canvas}`);
  } finally {
    await s.close();
  }
}
