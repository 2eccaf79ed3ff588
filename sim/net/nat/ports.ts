import type { Rng } from '../../core/rng.ts';

/**
 * Choosing an external port: the preferred ports first (the internal port when preserving it), then a scan of the
 * allowed ranges that starts after the last port given out ('sequential') or at a random place ('random').
 * A random start followed by a linear probe is what Linux does on a clash (nf_nat_l4proto_unique_tuple); it takes
 * one draw from the Rng per search and always finds a free port when one exists, so exhaustion is exact.
 */

/** Inclusive port range. */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export interface PortSearch {
  /** Where the port may lie, scanned in this order. */
  readonly ranges: readonly PortRange[];
  /** Tried first, in order; ignored when outside `ranges` or of the wrong parity. */
  readonly preferred: readonly number[];
  readonly strategy: 'sequential' | 'random';
  /** For 'sequential': scanning starts at this port (the one after the last given out). */
  readonly next?: number | undefined;
  /** RFC 4787 §4.2.2: the chosen port must have this parity (0 even, 1 odd). */
  readonly parity?: 0 | 1 | undefined;
  readonly isFree: (port: number) => boolean;
  readonly rng: Rng;
}

export type PortFound = { readonly port: number; readonly how: 'preferred' | 'sequential' | 'random'; readonly preferredIndex?: number };

export function rangeSize(ranges: readonly PortRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.hi - r.lo + 1;
  return n;
}

export function inRanges(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.lo && port <= r.hi);
}

function portAt(ranges: readonly PortRange[], index: number): number {
  let i = index;
  for (const r of ranges) {
    const n = r.hi - r.lo + 1;
    if (i < n) return r.lo + i;
    i -= n;
  }
  throw new RangeError(`port index ${index} out of range`);
}

/** Index of the first port ≥ `port` in scan order, or 0 when there is none. */
function indexAtOrAfter(ranges: readonly PortRange[], port: number): number {
  let base = 0;
  for (const r of ranges) {
    if (port <= r.hi) return base + Math.max(0, port - r.lo);
    base += r.hi - r.lo + 1;
  }
  return 0;
}

export function findPort(s: PortSearch): PortFound | undefined {
  const parityOk = (p: number): boolean => s.parity === undefined || (p & 1) === s.parity;
  for (let i = 0; i < s.preferred.length; i++) {
    const p = s.preferred[i]!;
    if (inRanges(s.ranges, p) && parityOk(p) && s.isFree(p)) return { port: p, how: 'preferred', preferredIndex: i };
  }
  const total = rangeSize(s.ranges);
  if (total === 0) return undefined;
  const start = s.strategy === 'random' ? s.rng.int(0, total) : indexAtOrAfter(s.ranges, s.next ?? 0);
  for (let k = 0; k < total; k++) {
    const p = portAt(s.ranges, (start + k) % total);
    if (parityOk(p) && s.isFree(p)) return { port: p, how: s.strategy };
  }
  return undefined;
}
