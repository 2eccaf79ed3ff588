import { dissectPacket } from '../../sim/dissect/dissect.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import type { LabelOverride, LabelOverrides } from './label-overrides.ts';
import { PROTOCOLS, hopBytes, type PackedTrace } from './packed.ts';

const WITH_SPANS = { spans: true } as const;
const NO_SPANS = { spans: false } as const;

/** What the ladder and list show for one hop: the dissector's summary and the addresses as they are on this link. */
export interface HopLabel {
  readonly summary: string;
  readonly protocol: string;
  readonly src: string;
  readonly dst: string;
  /** The summary is the worker's stateful dissection (label-overrides.ts); `decrypted` when keys opened a layer. */
  readonly keyed?: { readonly decrypted: boolean };
}

/**
 * Dissects hops lazily as they scroll into view and keeps the last few thousand: a million-hop trace is never
 * dissected on the main thread as a whole.
 */
export class LabelCache {
  private readonly map = new Map<number, HopLabel>();
  private overrides = new Map<number, LabelOverride>();

  constructor(
    private readonly p: PackedTrace,
    private readonly limit = 20_000,
  ) {}

  get(i: number): HopLabel {
    let l = this.map.get(i);
    if (l) return l;
    l = this.compute(i);
    // Emptied all at once when full: deleting the oldest entry one at a time leaves holes that make V8's
    // insertion-ordered Map iteration slower and slower.
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(i, l);
    return l;
  }

  /**
   * The worker's keyed summaries for the hops where they say more (sent after the trace): they replace the
   * stateless ones from now on. Returns whether any label changed, so the views redraw once.
   */
  setOverrides(table: LabelOverrides): boolean {
    this.overrides = new Map(table.map((o) => [o.hop, o]));
    this.map.clear();
    return table.length > 0;
  }

  /** Hop i dissected on its own; `spans` false for a label (summary and addresses only), true for the detail pane. */
  dissect(i: number, spans = true): DissectedPacket | undefined {
    const b = hopBytes(this.p, i);
    return b.length === 0 ? undefined : dissectPacket(b, spans ? WITH_SPANS : NO_SPANS);
  }

  private compute(i: number): HopLabel {
    const d = this.dissect(i, false);
    if (!d) return { summary: PROTOCOLS[this.p.proto[i]!] ?? '', protocol: PROTOCOLS[this.p.proto[i]!] ?? '', src: '', dst: '' };
    const o = this.overrides.get(i);
    if (o) return { summary: o.summary, protocol: o.protocol ?? d.protocol, src: d.src, dst: d.dst, keyed: { decrypted: o.decrypted } };
    return { summary: d.summary, protocol: d.protocol, src: d.src, dst: d.dst };
  }
}

/** Which of source / destination changed between a datagram's previous hop and this one (a NAT rewrote it). */
export function rewrites(labels: LabelCache, p: PackedTrace, i: number): { src: boolean; dst: boolean } {
  const prev = p.prevOfPacket[i]!;
  if (prev < 0) return { src: false, dst: false };
  const a = labels.get(prev);
  const b = labels.get(i);
  return { src: a.src !== b.src && b.src !== '', dst: a.dst !== b.dst && b.dst !== '' };
}

/**
 * A summary cut to `max` characters for the ladder. A trailing bracketed part ("[decrypted: Finished, verify_data
 * verified]", "[no key log]") says what the keys revealed, so the cut is made before it, not through it.
 */
export function shortenLabel(summary: string, max = 64): string {
  if (summary.length <= max) return summary;
  const open = summary.lastIndexOf(' [');
  if (open > 0 && summary.endsWith(']')) {
    const tail = summary.slice(open);
    const room = max - tail.length - 1;
    if (room >= 12) return `${summary.slice(0, room)}…${tail}`;
    return tail.length <= max ? tail.trimStart() : `${tail.slice(0, max - 1).trimStart()}…`;
  }
  return `${summary.slice(0, max - 1)}…`;
}
