import type { ScaleLinear } from 'd3';
import { formatDuration } from '../../sim/core/time.ts';
import { forEachMarkerSpan, forEachRun, type Density } from '../model/density.ts';
import type { PackedTrace } from '../model/packed.ts';
import { DROP_COLOUR, MUTED_COLOUR, TEXT_COLOUR, protocolColour } from './colours.ts';
import { DROP_STOP, HEADER, LEFT, RIGHT, ROW, shade } from './ladder-geometry.ts';
import type { Painter } from './painter.ts';
import { trf } from '../i18n.ts';

/**
 * The ladder's painting that reads its view but keeps no state of its own: the lane headers, the time axis and the
 * aggregated density (ladder.ts keeps the zoom, the redraw loop and the hit-testing).
 */
export interface PaintView {
  readonly p: PackedTrace;
  readonly compact: boolean;
  readonly width: number;
  readonly height: number;
  /** The zoom's scale (compact rows are ROW × k tall). */
  readonly k: number;
  laneX(lane: number): number;
  rowY(i: number): number;
  timeScale(): ScaleLinear<number, number>;
  geometry(i: number): readonly [number, number, number, number];
}

/** A bold 11 px monospace character's width on the canvas (lane names). */
const NAME_W = 7;

/** A lane header as drawn: its text and its box (tests check no two overlap and none is cut). */
export interface LaneHeader {
  readonly lane: number;
  readonly text: string;
  readonly x0: number;
  readonly x1: number;
  readonly y: number;
}

/**
 * The lane headers: each node's name, and its kind under it. When a name is wider than its lane (two ladders side
 * by side at 1280 px), neighbouring names take turns on the two rows, so that none runs into the next, and the kinds
 * are left out (the topology panel has them); a name wider than two lanes is cut with an ellipsis.
 */
export function drawLaneHeaders(g: Painter, v: PaintView): LaneHeader[] {
  const { p } = v;
  g.rect(0, 0, v.width, HEADER, '#1d2430');
  const spacing = p.lanes.length > 1 ? v.laneX(1) - v.laneX(0) : v.width - LEFT - RIGHT;
  const roomy = p.lanes.every((name) => name.length * NAME_W + 6 <= spacing);
  const out: LaneHeader[] = [];
  p.lanes.forEach((name, l) => {
    const x = v.laneX(l);
    const room = Math.max(2, Math.floor(((roomy ? spacing : 2 * spacing) - 6) / NAME_W));
    const text = name.length > room ? `${name.slice(0, room - 1)}…` : name;
    const y = roomy || l % 2 === 0 ? 14 : 29;
    g.text(x, y, text, TEXT_COLOUR, 'center', true);
    out.push({ lane: l, text, x0: x - (text.length * NAME_W) / 2, x1: x + (text.length * NAME_W) / 2, y });
    if (roomy) g.text(x, 29, p.nodes.find((n) => n.name === name)?.kind ?? '', MUTED_COLOUR, 'center');
  });
  return out;
}

/** The time axis on the left: ticks in time mode, a time every few rows in compact mode. */
export function drawAxis(g: Painter, v: PaintView, i0: number, i1: number): void {
  const { p, height: h } = v;
  if (v.compact) {
    const step = Math.max(1, Math.ceil(16 / (ROW * v.k)));
    for (let i = i0 - (i0 % step); i < i1; i += step) {
      const y = v.rowY(i);
      if (y > HEADER + 6 && y < h) g.text(LEFT - 8, y + 4, formatDuration(p.t[i]!), MUTED_COLOUR, 'right');
    }
    return;
  }
  const y = v.timeScale();
  for (const t of y.ticks(Math.max(2, Math.floor((h - HEADER) / 70)))) {
    const yy = y(t);
    if (yy < HEADER + 6) continue;
    g.line(LEFT - 4, yy, LEFT, yy, MUTED_COLOUR);
    g.text(LEFT - 8, yy, formatDuration(Math.round(t)), MUTED_COLOUR, 'right');
  }
}

/** Too many hops on screen for single arrows: lane-pair density bands, with the drops marked on them. */
export function drawDensity(g: Painter, v: PaintView, d: Density, i0: number, i1: number, limit: number): void {
  const { p } = v;
  if (v.compact) {
    // One row per hop is far below a pixel: draw every `step`-th hop.
    const step = Math.ceil((i1 - i0) / limit);
    for (let i = i0; i < i1; i += step) {
      const [x1, y1, x2, y2] = v.geometry(i);
      g.line(x1, y1, x2, y2, protocolColour(p.proto[i]!), 1, [], 0.5);
    }
    return;
  }
  const y = v.timeScale();
  const pxPerUs = Math.abs(y(1) - y(0));
  let k = 0;
  // Buckets at least 4 px tall: finer ones only add shapes (and shade noise) to what the eye reads as a band.
  while (k + 1 < d.levels.length && d.levels[k]!.width * pxPerUs < 4) k++;
  const lv = d.levels[k]!;
  const ta = y.invert(HEADER);
  const tb = y.invert(v.height);
  const b0 = Math.max(0, Math.floor((ta - d.start - p.maxTransit) / lv.width));
  const b1 = Math.min(lv.size, Math.ceil((tb - d.start) / lv.width) + 1);
  // Each lane pair is a band of parallelograms, one per bucket, shaded by how many hops left in it. Buckets
  // tile without overlapping, so a run of neighbours with the same shade is one parallelogram: a steady stream
  // costs a handful of shapes instead of one per bucket. Drops are marked on the band; markers that touch
  // merge into one bar (the union of the squares).
  const counts = lv.counts;
  const drops = lv.drops;
  d.pairs.forEach((pair, pi) => {
    const x1 = v.laneX(pair.from);
    const x2 = v.laneX(pair.to);
    const inset = pair.from < pair.to ? 3 : -3;
    const colour = pair.from < pair.to ? '#7fb3ff' : '#5ad1a0';
    const base = pi * lv.size;
    forEachRun(counts, base, b0, b1, shade, (from, to, alpha) => {
      const ta = d.start + from * lv.width;
      const tb = d.start + to * lv.width;
      g.quad([x1 + inset, y(ta), x2 - inset, y(ta + pair.transit), x2 - inset, y(tb + pair.transit), x1 + inset, y(tb)], colour, alpha);
    });
    const mx = x1 + (x2 - x1) * DROP_STOP - 2;
    const tops = (emit: (top: number) => void): void => {
      for (let b = b0; b < b1; b++) {
        if (drops[base + b]! === 0) continue;
        const t = d.start + b * lv.width;
        emit(y(t) + (y(t + pair.transit) - y(t)) * DROP_STOP - 2);
      }
    };
    forEachMarkerSpan(tops, 4, (top, bottom) => g.rect(mx, top, 4, bottom - top, DROP_COLOUR));
  });
  g.text(v.width - RIGHT, HEADER + 12, trf('ladderAggregated', { n: (i1 - i0).toLocaleString('en') }), MUTED_COLOUR, 'right');
}
