import type { TieEvidence } from './analyzer.ts';

/** Two addresses tied together: the address a host used and the one seen for it further out. */
export interface Tie {
  readonly inside: string;
  readonly outside: string;
}

/** What each kind of tie means, after its label (`TIE_EVIDENCE`): `--summary` and the visualizer say the same. */
export const TIE_NOTE: Readonly<Record<TieEvidence, string>> = {
  rewritten: ' (the same datagram on both sides of a NAT)',
  reflexive: ' (what the server saw; a NAT in between when they differ)',
  relayed: " (the TURN server's address, standing for the client; not a NAT)",
};

/** Rewrites chained through nested NATs (inside → middle → outside), each tie in exactly one chain. */
export function tieChains<T extends Tie>(ties: readonly T[]): T[][] {
  const from = new Map<string, T[]>();
  for (const t of ties) from.set(t.inside, [...(from.get(t.inside) ?? []), t]);
  const outsides = new Set(ties.map((t) => t.outside));
  const used = new Set<T>();
  const out: T[][] = [];
  for (const start of [...ties.filter((t) => !outsides.has(t.inside)), ...ties]) {
    if (used.has(start)) continue;
    const chain = [start];
    used.add(start);
    for (let next = from.get(start.outside)?.find((t) => !used.has(t)); next && chain.length < 8; next = from.get(next.outside)?.find((t) => !used.has(t))) {
      chain.push(next);
      used.add(next);
    }
    out.push(chain);
  }
  return out;
}
