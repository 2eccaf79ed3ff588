import { sameTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { CandidatePair, PairState } from './pair.ts';
import { byPriority, pairPriorityFor } from './pair.ts';

/**
 * One checklist (RFC 8445 §6.1.2): pairs ordered by priority, the triggered-check queue (§6.1.4.1), and the choice
 * of the next pair each Ta tick (§6.1.4.2). The agent owns state changes so that every one becomes a note.
 */
export interface TriggeredCheck {
  readonly pair: CandidatePair;
  /** The controlling agent nominating this pair with USE-CANDIDATE (§8.1.1). */
  readonly useCandidate: boolean;
}

export class Checklist {
  readonly pairs: CandidatePair[] = [];
  readonly triggered: TriggeredCheck[] = [];

  find(localBase: TransportAddress, remote: TransportAddress, transport: 'udp' | 'tcp' = 'udp'): CandidatePair | undefined {
    return this.pairs.find((p) => p.local.transport === transport && sameTransportAddress(p.local.base, localBase) && sameTransportAddress(p.remote.address, remote));
  }

  /** §6.1.2.4: a pair with the same local base and remote address (and transport) as one already listed is redundant. */
  add(pair: CandidatePair): boolean {
    if (this.find(pair.local.base, pair.remote.address, pair.local.transport)) return false;
    this.pairs.push(pair);
    this.pairs.sort(byPriority);
    return true;
  }

  /** §6.1.2.6: a new pair starts Waiting when no other pair of its foundation is Waiting or In-Progress, else Frozen. */
  initialState(pair: CandidatePair): PairState {
    const busy = this.pairs.some((p) => p !== pair && p.foundation === pair.foundation && (p.state === 'waiting' || p.state === 'in-progress'));
    return busy ? 'frozen' : 'waiting';
  }

  enqueueTriggered(pair: CandidatePair, useCandidate = false): void {
    const i = this.triggered.findIndex((t) => t.pair === pair);
    if (i >= 0) {
      if (useCandidate && !this.triggered[i]!.useCandidate) this.triggered[i] = { pair, useCandidate };
      return;
    }
    this.triggered.push({ pair, useCandidate });
  }

  /**
   * §6.1.4.2: the next check: the first ready triggered one; else the highest-priority Waiting pair; else the
   * highest-priority Frozen pair (which the caller unfreezes). `ready` holds back relayed pairs without a channel.
   */
  next(ready: (p: CandidatePair) => boolean): { pair: CandidatePair; useCandidate: boolean; fromFrozen: boolean } | undefined {
    // loops rather than find() with a closure: asked at every pacing tick (#15)
    for (let ti = 0; ti < this.triggered.length; ti++) {
      const t = this.triggered[ti]!;
      if (!ready(t.pair)) continue;
      this.triggered.splice(ti, 1);
      return { pair: t.pair, useCandidate: t.useCandidate, fromFrozen: false };
    }
    for (const p of this.pairs) if (p.state === 'waiting' && ready(p)) return { pair: p, useCandidate: false, fromFrozen: false };
    for (const p of this.pairs) if (p.state === 'frozen' && ready(p)) return { pair: p, useCandidate: false, fromFrozen: true };
    return undefined;
  }

  /** Whether a tick would find something to check. */
  hasWork(ready: (p: CandidatePair) => boolean): boolean {
    for (const t of this.triggered) if (ready(t.pair)) return true;
    for (const p of this.pairs) if ((p.state === 'waiting' || p.state === 'frozen') && ready(p)) return true;
    return false;
  }

  /** §6.1.2.3 after a role change: priorities change with the role, and so does the order. */
  recompute(controlling: boolean): void {
    for (const p of this.pairs) {
      p.priority = pairPriorityFor(controlling, p.local, p.remote);
      if (p.validLocal) p.validPriority = pairPriorityFor(controlling, p.validLocal, p.remote);
    }
    this.pairs.sort(byPriority);
  }

  /** Valid pairs (§7.2.5.3.2), best first. */
  valid(): CandidatePair[] {
    return this.pairs.filter((p) => p.state === 'succeeded' && p.validPriority !== undefined).sort((a, b) => (a.validPriority! > b.validPriority! ? -1 : a.validPriority! < b.validPriority! ? 1 : 0));
  }
}
