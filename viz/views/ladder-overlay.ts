import type { Painter } from './painter.ts';

/** What the ladder lends a drawing pass that runs after its arrows (cause-and-effect links, …). */
export interface LadderView {
  /** Start and end points of hop i on screen: [x1, y1, x2, y2]. */
  geometry(i: number): readonly [number, number, number, number];
  /** Hops [i0, i1) are in view. */
  readonly range: readonly [number, number];
  readonly width: number;
  readonly height: number;
  readonly selected: number;
}

export type LadderOverlay = (g: Painter, view: LadderView) => void;
