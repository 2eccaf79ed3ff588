import type { NoteMark } from '../model/note-marks.ts';
import type { Painter } from './painter.ts';

/** Above this many marks in view, only the diamonds are drawn (their labels would cover each other). */
const LABEL_LIMIT = 40;

/**
 * State changes as marks on their lane: a diamond at the note's time with a short label beside it. `y` maps a time
 * to the screen (undefined: off screen).
 */
export function drawNoteMarks(g: Painter, marks: readonly NoteMark[], laneX: (lane: number) => number, y: (t: number) => number | undefined): number {
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
      g.text(x + 8, yy, m.label, m.colour, 'left');
      lastY.set(m.lane, yy);
    }
  }
  return visible.length;
}
