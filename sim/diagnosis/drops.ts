import type { Hop } from '../core/trace.ts';
import { evidence, type TraceIndex } from './trace-index.ts';
import type { Evidence } from './types.ts';

/** Where and why a datagram was lost on its way, read from its hop's drop reason (sim/net: "<node>: <why>", or a link's own). */
export type DropKind = 'nat-filtering' | 'nat-no-mapping' | 'nat-other' | 'firewall' | 'no-route' | 'link-down' | 'loss' | 'queue' | 'other';

export interface Drop {
  readonly hop: number;
  readonly kind: DropKind;
  /** The node that dropped it, or the link for a link's own drop. */
  readonly where: string;
  /** The reason without the node's name. */
  readonly why: string;
}

export function classifyDrop(h: Hop): Drop | undefined {
  const d = h.drop;
  if (d === undefined) return undefined;
  if (d === 'link down') return { hop: h.index, kind: 'link-down', where: h.link, why: d };
  if (d.startsWith('loss')) return { hop: h.index, kind: 'loss', where: h.link, why: d };
  if (d.startsWith('queue full') || d.startsWith('exceeds MTU')) return { hop: h.index, kind: 'queue', where: h.link, why: d };
  const m = /^([^:]+): (.*)$/.exec(d);
  if (!m) return { hop: h.index, kind: 'other', where: h.link, why: d };
  const [, node, why] = m as unknown as [string, string, string];
  const kind: DropKind = why.startsWith('NAT filtering')
    ? 'nat-filtering'
    : why.startsWith('NAT no mapping')
      ? 'nat-no-mapping'
      : why.startsWith('NAT')
        ? 'nat-other'
        : why.startsWith('firewall')
          ? 'firewall'
          : why.startsWith('no route')
            ? 'no-route'
            : 'other';
  return { hop: h.index, kind, where: node, why };
}

/** What happened to the datagrams of some STUN transactions: the drops, and the notes written about those datagrams. */
export interface TransactionFate {
  readonly sent: number;
  readonly drops: readonly Drop[];
  /** Hops of the transactions that were delivered (the last hop of each datagram), by transaction. */
  readonly delivered: readonly number[];
  readonly evidence: Evidence;
}

/** NAT and firewall notes that explain a drop: the ones about the dropped datagram. */
const DROP_NOTES = new Set(['nat.filtered', 'nat.no-mapping', 'firewall.blocked', 'firewall.drop', 'nat.hairpin', 'nat.mapping.failed']);

export function transactionFate(x: TraceIndex, tids: Iterable<string>): TransactionFate {
  const hops: number[] = [];
  for (const tid of new Set(tids)) hops.push(...x.transactionHops(tid));
  hops.sort((a, b) => a - b);
  const drops: Drop[] = [];
  const delivered: number[] = [];
  const packets = new Set<number>();
  for (const i of hops) {
    const h = x.hops[i]!;
    packets.add(h.packet);
    const d = classifyDrop(h);
    if (d) drops.push(d);
    else delivered.push(i);
  }
  const notes: number[] = [];
  const dropped = new Set(drops.map((d) => x.hops[d.hop]!.packet));
  x.notes.forEach((n, i) => {
    if (n.packet !== undefined && dropped.has(n.packet) && DROP_NOTES.has(n.kind)) notes.push(i);
  });
  return { sent: packets.size, drops, delivered, evidence: evidence(drops.map((d) => d.hop), notes) };
}

/** Drops grouped by where and why, most frequent first: "7 × natB: NAT filtering: …". */
export function dropGroups(drops: readonly Drop[]): { drop: Drop; count: number; hops: number[] }[] {
  const groups = new Map<string, { drop: Drop; count: number; hops: number[] }>();
  for (const d of drops) {
    const key = `${d.where}\u0000${d.why}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.hops.push(d.hop);
    } else groups.set(key, { drop: d, count: 1, hops: [d.hop] });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.hops[0]! - b.hops[0]!);
}

export function describeDrop(d: Drop): string {
  return d.kind === 'link-down' || d.kind === 'loss' || d.kind === 'queue' ? `on link ${d.where} (${d.why})` : `at ${d.where} (${d.why})`;
}

/** A drop group's figures for Finding.facts: the kind of drop, where, how many (`prefix` keeps two groups apart). */
export function dropFacts(g: { readonly drop: Drop; readonly count: number } | undefined, prefix = 'drop'): Record<string, string | number> {
  return g ? { [`${prefix}Kind`]: g.drop.kind, [`${prefix}Where`]: g.drop.where, [`${prefix}Count`]: g.count } : {};
}
