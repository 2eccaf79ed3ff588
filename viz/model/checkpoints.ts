import { computeAnswer, type Computed } from '../../lessons/answers.ts';
import { resolveCheckpoint, type Answer, type Checkpoint, type Resolved } from '../../lessons/lesson.ts';
import type { Hop, Note } from '../../sim/core/trace.ts';
import { hopBytes, type PackedTrace } from './packed.ts';

/** The packed trace as hops and notes, built once per trace: checkpoints and answers read it (lessons/ rules). */
const views = new WeakMap<PackedTrace, { hops: Hop[]; notes: readonly Note[] }>();

export function traceView(p: PackedTrace): { hops: Hop[]; notes: readonly Note[] } {
  let v = views.get(p);
  if (v) return v;
  const hops: Hop[] = new Array<Hop>(p.n);
  for (let i = 0; i < p.n; i++) {
    const hop: Hop = { index: i, t: p.t[i]!, arrive: p.arrive[i]!, link: p.linkNames[p.link[i]!]!, from: p.lanes[p.from[i]!]!, to: p.lanes[p.to[i]!]!, bytes: hopBytes(p, i), packet: p.packet[i]! };
    if (p.drop[i]! >= 0) hop.drop = p.dropReasons[p.drop[i]!]!;
    hops[i] = hop;
  }
  v = { hops, notes: p.notes };
  views.set(p, v);
  return v;
}

/** Resolves a lesson checkpoint against a packed trace (the same rules as lessons/lesson.ts, one implementation). */
export function resolveCheckpointPacked(p: PackedTrace, c: Checkpoint): Resolved | { error: string } {
  return resolveCheckpoint(traceView(p), c);
}

/** A question's answer computed from the packed trace on screen. */
export function computeAnswerPacked(p: PackedTrace, a: Answer): Computed | { error: string } {
  return computeAnswer(traceView(p), a);
}
