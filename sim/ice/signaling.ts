import type { Micros } from '../core/time.ts';

/**
 * What ICE sends through signaling (RFC 8839 §5, §4.3; RFC 8838 trickle): the ICE description (ufrag, pwd, lite,
 * the candidates known so far), single trickled candidates, and end-of-candidates. Candidates travel as their
 * SDP candidate-attribute text, as they would in a real offer/answer or trickle message.
 */
export type SignalMessage =
  | {
      readonly type: 'description';
      readonly ufrag: string;
      readonly pwd: string;
      readonly lite: boolean;
      readonly candidates: readonly string[];
      /** True when no more candidates will follow (non-trickle, or gathering was already complete). */
      readonly endOfCandidates: boolean;
      /** An ICE restart (RFC 8445 §9): new credentials for an existing session. */
      readonly restart: boolean;
    }
  | { readonly type: 'candidate'; readonly ufrag: string; readonly candidate: string }
  | { readonly type: 'end-of-candidates'; readonly ufrag: string };

export function describeSignal(m: SignalMessage): string {
  switch (m.type) {
    case 'description':
      return `ICE description (ufrag ${m.ufrag}${m.lite ? ', ice-lite' : ''}${m.restart ? ', restart' : ''}, ${m.candidates.length} candidate(s)${m.endOfCandidates ? ', end-of-candidates' : ''})`;
    case 'candidate':
      return `trickled candidate ${m.candidate}`;
    case 'end-of-candidates':
      return `end-of-candidates (ufrag ${m.ufrag})`;
  }
}

/**
 * A signaling relay between two agents (sans-IO): each message leaves at `now` and arrives `delay` later, in order
 * (a signaling server over TCP/WebSocket never reorders). The driver asks `due(now)` for arrivals and `next()` for
 * the next delivery time.
 */
export class SignalingRelay {
  private readonly queue: { at: Micros; to: string; from: string; msg: SignalMessage }[] = [];
  private lastAt = new Map<string, Micros>();
  sent = 0;

  constructor(readonly delay: Micros) {}

  send(now: Micros, from: string, to: string, msg: SignalMessage): Micros {
    const at = Math.max(now + this.delay, this.lastAt.get(to) ?? 0);
    this.lastAt.set(to, at);
    this.queue.push({ at, to, from, msg });
    this.sent++;
    return at;
  }

  due(now: Micros): { to: string; from: string; msg: SignalMessage }[] {
    const out: { to: string; from: string; msg: SignalMessage }[] = [];
    while (this.queue.length > 0 && this.queue[0]!.at <= now) out.push(this.queue.shift()!);
    return out;
  }

  next(): Micros | undefined {
    return this.queue[0]?.at;
  }
}
