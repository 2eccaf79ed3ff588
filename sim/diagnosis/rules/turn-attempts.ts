import type { Micros } from '../../core/time.ts';
import { transactionFate, type Drop } from '../drops.ts';
import { evidence, TraceIndex } from '../trace-index.ts';
import type { Evidence } from '../types.ts';

/** STUN method Allocate (RFC 8656 §17). */
const ALLOCATE = 0x003;

/** How a client's allocation on one TURN server ended. */
export interface TurnAttempt {
  readonly source: string;
  readonly server: string;
  readonly outcome: 'allocated' | 'error' | 'timeout' | 'pending';
  /** The error that ended it. */
  readonly code?: number;
  readonly t: Micros;
  /** Drops of its requests and their answers (a timeout's reasons). */
  readonly drops: readonly Drop[];
  readonly evidence: Evidence;
}

/** Each TURN server a client of this source tried, and how it ended (turn.* client notes). */
export function turnAttempts(x: TraceIndex, source: string): TurnAttempt[] {
  const out: TurnAttempt[] = [];
  const servers = new Set(x.from('turn.allocate', source).map((a) => a.n.data.server));
  const host = TraceIndex.host(source);
  for (const server of servers) {
    const mine = <T extends { n: { data: unknown } }>(list: T[]): T[] => list.filter((l) => (l.n.data as { server?: string }).server === server);
    const allocated = mine(x.from('turn.allocated', source));
    const failed = mine(x.from('turn.failed', source));
    const errors = mine(x.from('turn.error', source)).filter((e) => 'request' in e.n.data && e.n.data.request === 'allocate');
    const timeouts = mine(x.from('turn.timeout', source)).filter((e) => e.n.data.request === 'allocate');
    const auth = mine(x.from('turn.auth', source));
    const notes = [...mine(x.from('turn.allocate', source)), ...auth, ...errors, ...timeouts, ...failed].map((n) => n.i);
    // the Allocate transactions: requests from this host, and answers to it
    const tids = x
      .stunHops()
      .filter((s) => s.stun.method === ALLOCATE && (x.hops[s.hop]!.from === host || x.hops[s.hop]!.to === host))
      .map((s) => s.stun.tid);
    const retransmits = x.from('stun.retransmit', source).filter((r) => r.n.data.to === server);
    const fate = transactionFate(x, [...tids, ...retransmits.map((r) => r.n.data.transactionId)]);
    // error responses that reached the client (the last hop of each, to its host)
    const errorHops = x
      .stunHops()
      .filter((s) => s.stun.method === ALLOCATE && s.stun.cls === 'error' && x.hops[s.hop]!.to === host)
      .map((s) => s.hop);
    // an Allocate that failed after an earlier success (a client restarted on the same socket, 437) ends the attempt
    const lastAllocated = allocated[allocated.length - 1];
    const failedLater = lastAllocated !== undefined && failed.length > 0 && failed[failed.length - 1]!.i > lastAllocated.i && errors.length > 0 && errors[errors.length - 1]!.i > lastAllocated.i;
    if (allocated.length > 0 && !failedLater) {
      out.push({ source, server, outcome: 'allocated', t: allocated[0]!.n.t, drops: fate.drops, evidence: evidence([], [allocated[0]!.i]) });
    } else if (errors.length > 0 && failed.length > 0) {
      const e = errors[errors.length - 1]!;
      const code = 'code' in e.n.data ? e.n.data.code : 0;
      out.push({ source, server, outcome: 'error', code, t: e.n.t, drops: fate.drops, evidence: evidence(errorHops, notes) });
    } else if (timeouts.length > 0 || (failed.length > 0 && fate.drops.length > 0)) {
      out.push({ source, server, outcome: 'timeout', t: (timeouts[0] ?? failed[0])!.n.t, drops: fate.drops, evidence: evidence(fate.drops.map((d) => d.hop), [...notes, ...fate.evidence.notes]) });
    } else {
      const dropped = fate.drops.length > 0;
      out.push({ source, server, outcome: dropped ? 'timeout' : 'pending', t: x.end, drops: fate.drops, evidence: evidence(fate.drops.map((d) => d.hop), [...notes, ...fate.evidence.notes]) });
    }
  }
  return out;
}
