import type { PackedTrace } from './packed.ts';
import { PROTOCOLS } from './packed.ts';

/**
 * Moments the timeline can step between: every hop's send time, every drop, every note. Sorted, distinct.
 * Stepping moves the cursor there; the panels then rebuild their state for that moment (NatReplay).
 */
export class Timeline {
  readonly times: Float64Array;

  constructor(private readonly p: PackedTrace) {
    const all: number[] = [];
    for (let i = 0; i < p.n; i++) {
      all.push(p.t[i]!);
      if (p.drop[i]! >= 0) all.push(p.arrive[i]!);
    }
    for (const n of p.notes) all.push(n.t);
    const sorted = Float64Array.from(all).sort();
    const out: number[] = [];
    for (const v of sorted) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
    this.times = Float64Array.from(out);
  }

  next(t: number): number | undefined {
    const i = upper(this.times, t);
    return i < this.times.length ? this.times[i] : undefined;
  }

  prev(t: number): number | undefined {
    const i = lower(this.times, t) - 1;
    return i >= 0 ? this.times[i] : undefined;
  }

  /** Event kinds offered by "jump to next": note kinds, "drop", and the protocols present. */
  kinds(): string[] {
    const out = new Set<string>();
    for (let i = 0; i < this.p.n; i++) if (this.p.drop[i]! >= 0) out.add('drop');
    const protos = new Set<number>();
    for (let i = 0; i < this.p.n; i++) protos.add(this.p.proto[i]!);
    for (const pr of [...protos].sort((a, b) => a - b)) out.add(`packet:${PROTOCOLS[pr]}`);
    for (const n of this.p.notes) out.add(n.kind);
    return [...out];
  }

  /** The first moment after `t` when an event of `kind` happens; with it, the hop it concerns if any. */
  nextOfKind(t: number, kind: string): { t: number; hop?: number } | undefined {
    const p = this.p;
    if (kind === 'drop') {
      let best: { t: number; hop: number } | undefined;
      for (let i = 0; i < p.n; i++) if (p.drop[i]! >= 0 && p.arrive[i]! > t && (!best || p.arrive[i]! < best.t)) best = { t: p.arrive[i]!, hop: i };
      return best;
    }
    if (kind.startsWith('packet:')) {
      const want = PROTOCOLS.indexOf(kind.slice(7) as (typeof PROTOCOLS)[number]);
      for (let i = upper(p.t, t, p.n); i < p.n; i++) if (p.proto[i] === want) return { t: p.t[i]!, hop: i };
      return undefined;
    }
    for (const n of p.notes) {
      if (n.t > t && n.kind === kind) {
        const hop = n.packet !== undefined ? hopOfPacketNear(p, n.packet, n.t) : undefined;
        return hop !== undefined ? { t: n.t, hop } : { t: n.t };
      }
    }
    return undefined;
  }
}

/** The hop of datagram `packet` that was on the wire closest before `t` (the one a note talks about). */
export function hopOfPacketNear(p: PackedTrace, packet: number, t: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < p.n; i++) {
    if (p.packet[i] !== packet) continue;
    if (best === undefined || (p.t[i]! <= t && p.t[i]! >= p.t[best]!)) best = i;
  }
  return best;
}

function upper(a: Float64Array, v: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function lower(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}
