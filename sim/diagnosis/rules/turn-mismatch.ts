import type { Micros } from '../../core/time.ts';
import type { TraceIndex } from '../trace-index.ts';

/** What a 437 Allocation Mismatch to an Allocate rests on: the allocation the server still holds for the 5-tuple. */
export interface MismatchStory {
  /** The client's transport address as the server sees it (the 5-tuple's client side). */
  readonly client: string;
  readonly relayed: string;
  /** When the server created the allocation it still holds. */
  readonly since: Micros;
  /** Its lifetime in seconds, when the server said. */
  readonly lifetime: number | undefined;
  /** When the client restarted on the same socket, forgetting it (a turn.restart note). */
  readonly restartAt: Micros | undefined;
  readonly notes: readonly number[];
}

/**
 * RFC 8656 §7.2: an Allocate on a 5-tuple that already has an allocation (with another transaction id) gets 437.
 * The allocation in the way is the one this client made earlier from the same mapped address (its turn.allocated
 * note, and the server's turn.allocation.created for that client), forgotten when the client restarted.
 */
export function mismatchStory(x: TraceIndex, source: string, server: string, before: Micros): MismatchStory | undefined {
  const mine = x.from('turn.allocated', source).filter((a) => a.n.data.server === server && a.n.t <= before && a.n.data.mapped !== null);
  const last = mine[mine.length - 1];
  if (!last) return undefined;
  const client = last.n.data.mapped!;
  const created = x.of('turn.allocation.created').filter((c) => c.n.data.client === client && c.n.t <= before).pop();
  const restart = x.from('turn.restart', source).filter((r) => r.n.t > last.n.t && r.n.t <= before).pop();
  return {
    client,
    relayed: last.n.data.relayed,
    since: created?.n.t ?? last.n.t,
    lifetime: created?.n.data.lifetime ?? last.n.data.lifetime ?? undefined,
    restartAt: restart?.n.t,
    notes: [...(created ? [created.i] : []), last.i, ...(restart ? [restart.i] : [])],
  };
}
