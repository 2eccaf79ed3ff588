import type { EndpointOutput } from './endpoint.ts';
import type { Micros } from './time.ts';

/** When a part of an endpoint next wants to be woken, and why (the reason is what learners see on the timeline). */
export interface Deadline {
  readonly at: Micros;
  readonly reason: string;
}

/** A part's `timeout` output as a deadline; undefined for `idle` (or anything else). */
export function deadlineOf<M>(o: EndpointOutput<M>): Deadline | undefined {
  return o.type === 'timeout' ? { at: o.at, reason: o.reason } : undefined;
}

/** The earliest of the parts' deadlines with its reason (on a tie the part listed first); undefined when none has one. */
export function earliestDeadline(...parts: readonly (Deadline | undefined)[]): Deadline | undefined {
  let best: Deadline | undefined;
  for (const d of parts) if (d && (!best || d.at < best.at)) best = d;
  return best;
}

/**
 * What an endpoint made of parts returns when none has more to do: a `timeout` at the earliest of the parts'
 * deadlines with that part's reason (on a tie the part listed first), or `idle` when no part has one.
 */
export function nextWake(...parts: readonly (Deadline | undefined)[]): { readonly type: 'timeout'; readonly at: Micros; readonly reason: string } | { readonly type: 'idle' } {
  const best = earliestDeadline(...parts);
  return best ? { type: 'timeout', at: best.at, reason: best.reason } : { type: 'idle' };
}
