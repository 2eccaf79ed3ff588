import { describe, expect, it } from 'vitest';
import { CanvasPainter, clipSegment, quantizeAlpha } from './painter.ts';

/** A 2D context stand-in that records what each stroke() / fill() call paints. */
function recorder(): { ctx: CanvasRenderingContext2D; paints: { op: 'stroke' | 'fill'; style: string; alpha: number; width: number; shapes: number }[] } {
  const paints: { op: 'stroke' | 'fill'; style: string; alpha: number; width: number; shapes: number }[] = [];
  let shapes = 0;
  const ctx = {
    globalAlpha: 1,
    strokeStyle: '',
    fillStyle: '',
    lineWidth: 1,
    font: '',
    textAlign: 'left',
    textBaseline: 'alphabetic',
    setLineDash: () => undefined,
    beginPath: () => {
      shapes = 0;
    },
    moveTo: () => {
      shapes++;
    },
    lineTo: () => undefined,
    closePath: () => undefined,
    stroke(this: { strokeStyle: string; globalAlpha: number; lineWidth: number }) {
      paints.push({ op: 'stroke', style: this.strokeStyle, alpha: this.globalAlpha, width: this.lineWidth, shapes });
    },
    fill(this: { fillStyle: string; globalAlpha: number; lineWidth: number }) {
      paints.push({ op: 'fill', style: this.fillStyle, alpha: this.globalAlpha, width: 0, shapes });
    },
    fillRect: () => undefined,
    fillText: () => undefined,
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, paints };
}

describe('canvas painter batching', () => {
  it('strokes interleaved lines of two styles as one batch per style, in order of first use', () => {
    const { ctx, paints } = recorder();
    const g = new CanvasPainter(ctx);
    for (let i = 0; i < 5; i++) {
      g.line(0, i, 10, i, '#f00', 1);
      g.line(0, i, 10, i, '#00f', 2);
    }
    g.line(0, 9, 10, 9, '#f00', 1, [2, 3]);
    g.flush();
    expect(paints).toEqual([
      { op: 'stroke', style: '#f00', alpha: 1, width: 1, shapes: 5 },
      { op: 'stroke', style: '#00f', alpha: 1, width: 2, shapes: 5 },
      { op: 'stroke', style: '#f00', alpha: 1, width: 1, shapes: 1 },
    ]);
  });

  it('keeps shapes of different alpha apart even when the colour repeats', () => {
    const { ctx, paints } = recorder();
    const g = new CanvasPainter(ctx);
    g.arrowHead(5, 5, 0, '#0f0');
    g.quad([0, 0, 1, 0, 1, 1, 0, 1], '#0f0', 0.5);
    g.quad([0, 2, 1, 2, 1, 3, 0, 3], '#0f0', 1);
    g.quad([0, 4, 1, 4, 1, 5, 0, 5], '#0f0', 0.5);
    g.flush();
    expect(paints.map((p) => [p.alpha, p.shapes])).toEqual([
      [1, 1],
      [0.5, 2],
      [1, 1],
    ]);
  });

  it('fills many small shapes in paths of at most 32', () => {
    const { ctx, paints } = recorder();
    const g = new CanvasPainter(ctx);
    for (let i = 0; i < 70; i++) g.arrowHead(i, i, 0, '#fff');
    g.flush();
    expect(paints.map((p) => p.shapes)).toEqual([32, 32, 6]);
  });

  it('starts each frame empty', () => {
    const { ctx, paints } = recorder();
    const g = new CanvasPainter(ctx);
    g.line(0, 0, 1, 1, '#f00');
    g.flush();
    g.flush();
    expect(paints).toHaveLength(1);
  });

  it('rounds alpha to eighths', () => {
    expect([0.35, 0.3, 0.99, 0.06].map(quantizeAlpha)).toEqual([0.375, 0.25, 1, 0]);
  });
});

describe('line clipping', () => {
  const out = new Float64Array(4);
  const clip = (x1: number, y1: number, x2: number, y2: number): number[] | undefined => {
    const c = clipSegment(x1, y1, x2, y2, 0, 0, 100, 50, out);
    return c ? [...c].map((v) => Math.round(v * 1000) / 1000) : undefined;
  };

  it('keeps a segment inside the area as it is', () => {
    expect(clip(10, 10, 90, 40)).toEqual([10, 10, 90, 40]);
  });

  it('cuts a hop a million pixels long down to the part on screen, on the same line', () => {
    expect(clip(50, -1e6, 50, 1e6)).toEqual([50, 0, 50, 50]);
    expect(clip(0, -1e6, 100, 1e6)).toEqual([50, 0, 50.003, 50]);
  });

  it('drops segments entirely outside, including ones parallel to an edge', () => {
    expect(clip(-10, -10, -1, 60)).toBeUndefined();
    expect(clip(0, 60, 100, 60)).toBeUndefined();
    expect(clip(120, -5, 200, -90)).toBeUndefined();
  });

  it('a painter sized to its canvas strokes only the visible part of a long dashed line', () => {
    const seen: number[][] = [];
    const ctx = { globalAlpha: 1, setLineDash: () => undefined, beginPath: () => undefined, moveTo: (x: number, y: number) => seen.push([x, Math.round(y)]), lineTo: (x: number, y: number) => seen.push([x, Math.round(y)]), stroke: () => undefined, fillText: () => undefined } as unknown as CanvasRenderingContext2D;
    const g = new CanvasPainter(ctx, 100, 50);
    g.line(10, -1e9, 10, 1e9, '#fff', 1, [2, 3]);
    g.line(-500, 0, -400, 10, '#fff', 1, [2, 3]);
    g.flush();
    expect(seen).toEqual([
      [10, -16],
      [10, 66],
    ]);
  });
});
