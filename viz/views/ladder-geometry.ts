import type { PackedTrace } from '../model/packed.ts';
import { quantizeAlpha } from './painter.ts';

/** The ladder's layout in pixels: lane headers' height, margins left (time axis) and right, a compact row. */
export const HEADER = 40;
export const LEFT = 78;
export const RIGHT = 24;
export const ROW = 24;
/** How far along its arrow a dropped hop stops (where its cross is drawn). */
export const DROP_STOP = 0.78;

/**
 * Where the first burst of activity ends: the first quiet gap longer than everything before it (a probe at 0 s,
 * its answers by 62 ms, nothing until 1 s). The ladder opens zoomed on that burst; `f` shows everything.
 */
export function firstBurstEnd(p: PackedTrace): number | undefined {
  if (p.n < 2) return undefined;
  const t0 = p.t[0]!;
  let reach = p.arrive[0]!;
  for (let i = 1; i < p.n; i++) {
    const gap = p.t[i]! - reach;
    if (i >= 3 && gap > 2 * (reach - t0) && gap > 0) return reach + (reach - t0) * 0.12;
    reach = Math.max(reach, p.arrive[i]!);
  }
  return undefined;
}

/** Whether the box x0–x1 × y0–y1 overlaps one of the last boxes in `placed` (x0 x1 y0 y1 …, in drawing order). */
export function overlaps(placed: readonly number[], x0: number, x1: number, y0: number, y1: number): boolean {
  for (let k = placed.length - 4; k >= 0 && k >= placed.length - 4 * 64; k -= 4) {
    if (x0 < placed[k + 1]! && x1 > placed[k]! && y0 < placed[k + 3]! && y1 > placed[k + 2]!) return true;
  }
  return false;
}

export function segmentDistance(px: number, py: number, x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = dx * dx + dy * dy;
  const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len));
  return Math.hypot(px - (x1 + u * dx), py - (y1 + u * dy));
}

/** How opaque a density bucket of `c` hops is drawn, in the painter's steps of 1/8 (so equal shades merge). */
export function shade(c: number): number {
  return quantizeAlpha(Math.min(1, 0.25 + 0.1 * Math.log2(c)));
}
