import type { PackedTrace } from './packed.ts';

/**
 * Level-of-detail aggregation for the ladder when zoomed out: hop counts per lane pair (from → to) in time
 * buckets, at 2^k bucket widths. Level 0 has FINEST buckets over the whole trace; level k merges 2^k of them.
 * Drawing a zoomed-out million-hop trace then costs (lane pairs × buckets on screen), not hops.
 */
export interface Density {
  readonly pairs: readonly { readonly from: number; readonly to: number; readonly transit: number }[];
  /** levels[k][pair * size_k + bucket] = hops of that pair starting in that bucket; drops likewise. */
  readonly levels: readonly { readonly size: number; readonly width: number; readonly counts: Uint32Array; readonly drops: Uint32Array }[];
  readonly start: number;
}

const FINEST = 1 << 16;

export function buildDensity(p: PackedTrace): Density {
  const pairIndex = new Map<number, number>();
  const pairs: { from: number; to: number; transit: number }[] = [];
  const transitSum: number[] = [];
  const pairOf = new Uint16Array(p.n);
  const L = p.lanes.length;
  for (let i = 0; i < p.n; i++) {
    const key = p.from[i]! * L + p.to[i]!;
    let k = pairIndex.get(key);
    if (k === undefined) {
      k = pairs.length;
      pairIndex.set(key, k);
      pairs.push({ from: p.from[i]!, to: p.to[i]!, transit: 0 });
      transitSum.push(0);
    }
    pairOf[i] = k;
    transitSum[k]! += p.arrive[i]! - p.t[i]!;
  }
  const counted = new Uint32Array(pairs.length);
  for (let i = 0; i < p.n; i++) counted[pairOf[i]!]!++;
  pairs.forEach((pr, k) => (pr.transit = counted[k]! > 0 ? transitSum[k]! / counted[k]! : 0));
  const start = p.n > 0 ? p.t[0]! : 0;
  const span = Math.max(1, (p.n > 0 ? p.t[p.n - 1]! : 0) - start + 1);
  const width0 = Math.max(1, Math.ceil(span / FINEST));
  const size0 = Math.ceil(span / width0);
  const P = pairs.length;
  const counts0 = new Uint32Array(P * size0);
  const drops0 = new Uint32Array(P * size0);
  for (let i = 0; i < p.n; i++) {
    const b = Math.min(size0 - 1, Math.floor((p.t[i]! - start) / width0));
    const at = pairOf[i]! * size0 + b;
    counts0[at]!++;
    if (p.drop[i]! >= 0) drops0[at]!++;
  }
  const levels = [{ size: size0, width: width0, counts: counts0, drops: drops0 }];
  while (levels[levels.length - 1]!.size > 1) {
    const prev = levels[levels.length - 1]!;
    const size = Math.ceil(prev.size / 2);
    const counts = new Uint32Array(P * size);
    const drops = new Uint32Array(P * size);
    for (let k = 0; k < P; k++) {
      for (let b = 0; b < prev.size; b++) {
        counts[k * size + (b >> 1)]! += prev.counts[k * prev.size + b]!;
        drops[k * size + (b >> 1)]! += prev.drops[k * prev.size + b]!;
      }
    }
    levels.push({ size, width: prev.width * 2, counts, drops });
  }
  return { pairs, levels, start };
}

/** The coarsest level whose buckets are still at most `maxWidth` µs wide. */
export function levelFor(d: Density, maxWidth: number): number {
  let k = 0;
  while (k + 1 < d.levels.length && d.levels[k + 1]!.width <= maxWidth) k++;
  return k;
}

/**
 * Calls `emit(from, to, value)` for each run of neighbouring buckets [from, to) of one lane pair (its counts start
 * at `base`) that are non-empty and have the same `value(count)`: buckets tile time, so such a run is drawn as one
 * shape that looks exactly like its buckets side by side.
 */
export function forEachRun(counts: Uint32Array, base: number, b0: number, b1: number, value: (count: number) => number, emit: (from: number, to: number, value: number) => void): void {
  let from = -1;
  let current = 0;
  for (let b = b0; b < b1; b++) {
    const c = counts[base + b]!;
    const v = c === 0 ? 0 : value(c);
    if (from >= 0 && (c === 0 || v !== current)) {
      emit(from, b, current);
      from = -1;
    }
    if (c > 0 && from < 0) {
      from = b;
      current = v;
    }
  }
  if (from >= 0) emit(from, b1, current);
}

/**
 * Merges markers of height `size` whose tops are given in increasing order into the spans they cover together:
 * calls `emit(top, bottom)` once per group of markers that touch or overlap (their union is one bar).
 */
export function forEachMarkerSpan(tops: (emit: (top: number) => void) => void, size: number, emit: (top: number, bottom: number) => void): void {
  let top = NaN;
  let bottom = NaN;
  tops((y) => {
    if (y <= bottom && y + size >= top) {
      bottom = Math.max(bottom, y + size);
      top = Math.min(top, y);
      return;
    }
    if (bottom > top) emit(top, bottom);
    top = y;
    bottom = y + size;
  });
  if (bottom > top) emit(top, bottom);
}
