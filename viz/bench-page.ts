import type { App } from './app.ts';

/** What bench/viz.ts reads back. */
export interface BenchResult {
  firstPaint: number;
  base50: number;
  base95: number;
  p50: number;
  p95: number;
  max: number;
  n: number;
  /** Of each frame, the part spent in script (describing the frame and issuing canvas calls), p50 / p95. */
  js50: number;
  js95: number;
  /** The ladder canvas in device pixels, and the device pixel ratio. */
  canvas: string;
}

const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/**
 * The page side of bench/viz.ts (compiled by vite with the app): a baseline frame loop on a canvas of the
 * ladder's size, then first paint of a synthetic trace and the frame times of a scripted pan/zoom.
 */
export async function runBench(app: App, hops: number): Promise<BenchResult> {
  const ladder = app.ladder;
  const c = document.createElement('canvas');
  c.width = ladder.canvas.width;
  c.height = ladder.canvas.height;
  const ctx = c.getContext('2d', { alpha: false })!;
  const base: number[] = [];
  for (let i = 0; i < 240; i++) {
    const t0 = performance.now();
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.fillStyle = i % 2 ? '#151a21' : '#161b22';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.getImageData(0, 0, 1, 1); // waits for the frame's drawing to finish
    base.push(performance.now() - t0);
  }
  const firstPaint = await loadSynthetic(app, hops);
  const frames: number[] = [];
  const js: number[] = [];
  const lctx = ladder.canvas.getContext('2d')!;
  const frame = (): void => {
    const t0 = performance.now();
    ladder.drawNow();
    const t1 = performance.now();
    // the canvas records calls and rasterizes on demand: reading a pixel waits until the frame is rasterized
    lctx.getImageData(0, 0, 1, 1);
    frames.push(performance.now() - t0);
    js.push(t1 - t0);
  };
  ladder.fit();
  // Zoom in about 2^20-fold while panning, pan along, then back out: aggregated, mixed and single-packet frames.
  for (let i = 0; i < 120; i++) {
    ladder.zoomBy(1.123, i % 2 ? -15 : 10);
    frame();
  }
  for (let i = 0; i < 60; i++) {
    ladder.zoomBy(1, -40);
    frame();
  }
  for (let i = 0; i < 120; i++) {
    ladder.zoomBy(1 / 1.123, 12);
    frame();
  }
  return {
    firstPaint,
    base50: pct(base, 0.5),
    base95: pct(base, 0.95),
    p50: pct(frames, 0.5),
    p95: pct(frames, 0.95),
    max: Math.max(...frames),
    n: frames.length,
    js50: pct(js, 0.5),
    js95: pct(js, 0.95),
    canvas: `${ladder.canvas.width}×${ladder.canvas.height} @${window.devicePixelRatio || 1}x`,
  };
}

/** Loads a synthetic trace of `hops` hops; resolves with the time to its first painted frame (ms). */
async function loadSynthetic(app: App, hops: number): Promise<number> {
  const t0 = performance.now();
  const r = await app.call({ type: 'synthetic', hops });
  if (r.type !== 'trace') throw new Error('synthetic trace failed');
  let painted = 0;
  app.ladder.onDraw = (): void => {
    app.ladder.onDraw = undefined;
    painted = performance.now();
  };
  app.load(r.packed, r.label, r.label);
  return painted - t0;
}
