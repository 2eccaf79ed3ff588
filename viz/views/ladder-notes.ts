import type { NoteMark } from '../model/note-marks.ts';
import type { Painter } from './painter.ts';
import { markLabel } from '../i18n-ladder.ts';

/** Above this many marks in view, only the diamonds are drawn (their labels would cover each other). */
const LABEL_LIMIT = 40;
/** The ladder's 11 px monospace font: one character's width, a line's height. */
const CHAR_W = 6.7;
const LABEL_H = 13;

/**
 * State changes as marks on their lane: a diamond at the note's time with a short label beside it (to its left when
 * the right would run off the canvas). `y` maps a time to the screen (undefined: off screen). `placed` holds the
 * boxes of the labels already drawn (x0 x1 y0 y1 …): a mark whose label would cover one keeps its diamond only, and
 * the labels drawn are added to it. Nothing is drawn left of `left` (the time axis and its cursor label).
 */
export function drawNoteMarks(g: Painter, marks: readonly NoteMark[], laneX: (lane: number) => number, y: (t: number) => number | undefined, width = Infinity, placed: number[] = [], left = 0): number {
  const visible: [NoteMark, number][] = [];
  for (const m of marks) {
    const yy = y(m.t);
    if (yy !== undefined) visible.push([m, yy]);
  }
  const labels = visible.length <= LABEL_LIMIT;
  const lastY = new Map<number, number>();
  for (const [m, yy] of visible) {
    const x = laneX(m.lane);
    g.quad([x, yy - 5, x + 5, yy, x, yy + 5, x - 5, yy], m.colour);
    // one label per lane every 12 px: later marks at the same height keep their diamond only
    if (labels && (lastY.get(m.lane) ?? -Infinity) + 12 <= yy) {
      const label = markLabel(m.label);
      // a CJK character takes two monospace cells
      const w = [...label].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0) * CHAR_W;
      // right of the diamond, else left of it, else no label
      const y0 = yy - LABEL_H / 2;
      const y1 = yy + LABEL_H / 2;
      const fitsRight = x + 8 + w <= width && !covers(placed, x + 8, x + 8 + w, y0, y1);
      if (!fitsRight && (x - 8 - w < left || covers(placed, x - 8 - w, x - 8, y0, y1))) continue;
      const x0 = fitsRight ? x + 8 : x - 8 - w;
      placed.push(x0, x0 + w, y0, y1);
      g.text(fitsRight ? x + 8 : x - 8, yy, label, m.colour, fitsRight ? 'left' : 'right');
      lastY.set(m.lane, yy);
    }
  }
  return visible.length;
}

/** Whether a box overlaps any of `placed` (every one: a note label is checked against all the hop labels in view). */
function covers(placed: readonly number[], x0: number, x1: number, y0: number, y1: number): boolean {
  for (let k = 0; k + 3 < placed.length; k += 4) {
    if (x0 < placed[k + 1]! && x1 > placed[k]! && y0 < placed[k + 3]! && y1 > placed[k + 2]!) return true;
  }
  return false;
}
