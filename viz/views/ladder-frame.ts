import type { PackedTrace } from '../model/packed.ts';

/** Pixels between two arrows' starts for their labels to be read one under the other. */
export const READABLE_GAP = 20;
/** At most this many hops in a framed view: a checkpoint's moment, not a crowd. */
const MAX_FRAMED = 24;

/**
 * The time window that frames hop `i` readably in a view `height` px tall: zoomed until the hops nearest in time
 * start at least READABLE_GAP px apart (hops leaving at the same instant are fanned out by the ladder), showing at
 * most MAX_FRAMED hops and the whole arrow of `i`; the hop sits a third of the way down.
 */
export function frameWindow(p: PackedTrace, i: number, height: number): [number, number] {
  const t = p.t[i]!;
  const transit = Math.max(1, p.arrive[i]! - t);
  // the nearest distinct start times on either side of the hop
  let gap = Infinity;
  for (let j = i - 1; j >= 0 && j >= i - 64; j--) {
    const d = t - p.t[j]!;
    if (d > 0) {
      gap = Math.min(gap, d);
      break;
    }
  }
  for (let j = i + 1; j < p.n && j <= i + 64; j++) {
    const d = p.t[j]! - t;
    if (d > 0) {
      gap = Math.min(gap, d);
      break;
    }
  }
  const usable = Math.max(100, height - 70);
  let span = Number.isFinite(gap) ? (gap * usable) / READABLE_GAP : transit * 4;
  // the hop's own arrow fits, with room above and below
  span = Math.max(span, transit * 1.8, 2000);
  // no more than MAX_FRAMED hops on screen: shrink the span to the window of hops around i
  const lo = Math.max(0, i - Math.floor(MAX_FRAMED / 3));
  const hi = Math.min(p.n - 1, lo + MAX_FRAMED - 1);
  const crowd = Math.max(p.arrive[hi]! - p.t[lo]!, transit * 1.8, 2000);
  if (hi - lo + 1 >= MAX_FRAMED && span > crowd * 1.5 && p.t[hi]! - p.t[lo]! > 0) span = Math.max(crowd * 1.5, transit * 1.8);
  const t0 = t - span / 3;
  return [t0, t0 + span];
}

/** The opening view of a trace: its first burst if it has one, else its first hops (never a solid band). */
export function openingWindow(p: PackedTrace, burstEnd: number | undefined, height: number): [number, number] | undefined {
  if (p.n < 2) return undefined;
  const t0 = p.t[0]!;
  const last = Math.min(p.n - 1, MAX_FRAMED);
  const fallback = Math.max(p.arrive[last]!, t0 + 1000);
  const end = burstEnd !== undefined && lowerCount(p, burstEnd) <= 200 ? burstEnd : fallback;
  void height;
  return [t0, end];
}

function lowerCount(p: PackedTrace, t: number): number {
  let n = 0;
  while (n < p.n && p.t[n]! <= t) n++;
  return n;
}
