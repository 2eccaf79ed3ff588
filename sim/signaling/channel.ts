import type { SignalingMessageFacts } from './notes.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';

/**
 * JSEP signaling messages (RFC 8829 §3.2: the application carries descriptions and candidates as it likes; these
 * are the shapes a browser app sends over its WebSocket): an offer or answer with its SDP text, a trickled
 * candidate (RFC 8838 §4: with its mid and ufrag) and end-of-candidates.
 */
export type JsepMessage =
  | { readonly type: 'offer'; readonly sdp: string }
  | { readonly type: 'answer'; readonly sdp: string }
  | { readonly type: 'candidate'; readonly candidate: string; readonly sdpMid: string; readonly ufrag: string }
  | { readonly type: 'end-of-candidates'; readonly ufrag: string };

/** protoo-style JSON messages (as mediasoup's demo speaks them): requests with an id, responses, notifications. */
export type ProtooMessage =
  | { readonly request: true; readonly id: number; readonly method: string; readonly data: { [key: string]: JsonValue } }
  | { readonly response: true; readonly id: number; readonly ok: boolean; readonly data?: { [key: string]: JsonValue }; readonly errorReason?: string }
  | { readonly notification: true; readonly method: string; readonly data: { [key: string]: JsonValue } };

export type SignalingMessage = JsepMessage | ProtooMessage;

export function describeMessage(m: SignalingMessage): string {
  if ('type' in m) {
    if (m.type === 'offer' || m.type === 'answer') return `SDP ${m.type} (${m.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).length} candidate(s))`;
    if (m.type === 'candidate') return `trickled candidate ${m.candidate}`;
    return `end-of-candidates (ufrag ${m.ufrag})`;
  }
  if ('request' in m) return `request ${m.method} #${m.id}`;
  if ('response' in m) return `response #${m.id} ${m.ok ? 'ok' : `error ${m.errorReason ?? ''}`}`;
  return `notification ${m.method}`;
}

/** What a note about the message carries: its kind and, for descriptions, the SDP text. */
export function messageData(m: SignalingMessage): SignalingMessageFacts {
  if ('type' in m) {
    if (m.type === 'offer' || m.type === 'answer') return { message: m.type, sdp: m.sdp };
    if (m.type === 'candidate') return { message: 'candidate', candidate: m.candidate, sdpMid: m.sdpMid, ufrag: m.ufrag };
    return { message: 'end-of-candidates', ufrag: m.ufrag };
  }
  return { message: 'request' in m ? 'request' : 'response' in m ? 'response' : 'notification', json: JSON.stringify(m) };
}

/**
 * A signaling path between named parties (sans-IO): a message leaves at `now` and arrives `delay` later, never
 * before an earlier message to the same party (a WebSocket over TCP keeps order). The driver asks `due(now)` for
 * arrivals and `next()` for the next delivery time.
 */
export class SignalingChannel<T = SignalingMessage> {
  private readonly queue: { at: Micros; from: string; to: string; msg: T }[] = [];
  private readonly lastAt = new Map<string, Micros>();
  sent = 0;

  constructor(readonly delay: Micros) {}

  send(now: Micros, from: string, to: string, msg: T, delay = this.delay): Micros {
    const at = Math.max(now + delay, this.lastAt.get(to) ?? 0);
    this.lastAt.set(to, at);
    // keep the queue sorted by arrival; equal times keep sending order
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > at) i--;
    this.queue.splice(i, 0, { at, from, to, msg });
    this.sent++;
    return at;
  }

  due(now: Micros): { from: string; to: string; msg: T }[] {
    const out: { from: string; to: string; msg: T }[] = [];
    while (this.queue.length > 0 && this.queue[0]!.at <= now) out.push(this.queue.shift()!);
    return out;
  }

  next(): Micros | undefined {
    return this.queue[0]?.at;
  }
}
