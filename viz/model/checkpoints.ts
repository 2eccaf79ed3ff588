import { resolveCheckpoint, type Checkpoint, type Resolved } from '../../lessons/lesson.ts';
import type { Hop } from '../../sim/core/trace.ts';
import { hopBytes, type PackedTrace } from './packed.ts';

/** Resolves a lesson checkpoint against a packed trace (the same rules as lessons/lesson.ts, one implementation). */
export function resolveCheckpointPacked(p: PackedTrace, c: Checkpoint): Resolved | { error: string } {
  const hops: Hop[] = new Array<Hop>(p.n);
  for (let i = 0; i < p.n; i++) {
    const hop: Hop = { index: i, t: p.t[i]!, arrive: p.arrive[i]!, link: p.linkNames[p.link[i]!]!, from: p.lanes[p.from[i]!]!, to: p.lanes[p.to[i]!]!, bytes: hopBytes(p, i), packet: p.packet[i]! };
    if (p.drop[i]! >= 0) hop.drop = p.dropReasons[p.drop[i]!]!;
    hops[i] = hop;
  }
  return resolveCheckpoint({ hops, notes: p.notes }, c);
}
