import type { Micros } from '../core/time.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import { sipHeader, type SipMessage } from '../wire/sip/message.ts';

/**
 * SIP calls as sngrep shows them: the messages of a trace or capture grouped by Call-ID (RFC 3261 §8.1.1.4: a dialog
 * and the transactions before it share one), each with its endpoints in order of appearance, and the call's state.
 * A message seen again on another link or capture interface is one message (the copy is dropped); seen again where
 * it was already seen, it was sent again: a retransmission (§17.1.1.2 Timer A, §17.1.2.2 Timer E, §13.3.1.4 a 2xx).
 */
export interface SipFlowMessage {
  /** The frame (1-based) or hop index + 1 of its first sighting. */
  readonly frame: number;
  readonly t: Micros;
  readonly src: string;
  readonly dst: string;
  /** "INVITE", "ACK" … for a request. */
  readonly method?: string;
  /** The status code and reason of a response. */
  readonly status?: number;
  readonly reason?: string;
  /** The CSeq header: "1 INVITE". */
  readonly cseq: string;
  /** It carries an SDP body (application/sdp). */
  readonly sdp: boolean;
  /** The same bytes sent again from where they were first seen. */
  readonly retransmission: boolean;
}

/** sngrep's call states for an INVITE dialog; a call without an INVITE says its last final status. */
export type SipCallState = 'CALL SETUP' | 'IN CALL' | 'COMPLETED' | 'CANCELLED' | 'REJECTED' | 'BUSY' | 'DIVERTED';

export interface SipCall {
  readonly callId: string;
  /** The method of its first request (INVITE, REGISTER, OPTIONS …). */
  readonly method: string;
  readonly from: string;
  readonly to: string;
  /** Every address:port in order of appearance: the ladder's columns. */
  readonly endpoints: readonly string[];
  readonly messages: readonly SipFlowMessage[];
  /** For an INVITE call its sngrep state; otherwise the last final response ("200 OK", "401 Unauthorized") or "no answer". */
  readonly state: string;
}

interface Building {
  callId: string;
  messages: SipFlowMessage[];
  first?: SipMessage;
  endpoints: string[];
  /** Per message text: how many times each vantage point saw it. */
  sightings: Map<string, Map<string, number>>;
}

const decoder = new TextDecoder();

/** The message as text without the Via's received/rport a proxy may stamp: the key its copies share. */
function keyOf(m: SipMessage): string {
  const start = m.start.kind === 'request' ? `${m.start.method} ${m.start.uri}` : `${m.start.status} ${m.start.reason}`;
  return `${start}\n${m.headers.map((h) => `${h.name}:${h.value}`).join('\n')}\n${decoder.decode(m.body)}`;
}

/** Collects every SIP message of the pass into calls by Call-ID. */
export class SipFlowCollector implements PassObserver {
  private readonly calls = new Map<string, Building>();

  hop(p: DissectedPacket, h: PassHop): void {
    for (const l of p.layers) {
      if (l.protocol !== 'SIP' || !l.value) continue;
      const m = l.value as SipMessage;
      const callId = sipHeader(m, 'Call-ID');
      if (callId === undefined) continue;
      let c = this.calls.get(callId);
      if (!c) this.calls.set(callId, (c = { callId, messages: [], endpoints: [], sightings: new Map() }));
      const key = keyOf(m);
      const vantage = h.vantage ?? '';
      let seen = c.sightings.get(key);
      if (!seen) c.sightings.set(key, (seen = new Map()));
      const here = (seen.get(vantage) ?? 0) + 1;
      const most = Math.max(0, ...seen.values());
      seen.set(vantage, here);
      // a copy on a further link brings that link's count up to the others'; only a count above them all is a send
      if (here <= most) continue;
      if (m.start.kind === 'request') c.first ??= m;
      for (const e of [p.src, p.dst]) if (!c.endpoints.includes(e)) c.endpoints.push(e);
      const sdp = m.body.length > 0 && /application\/sdp/i.test(sipHeader(m, 'Content-Type') ?? '');
      const base = { frame: h.index + 1, t: h.t, src: p.src, dst: p.dst, cseq: sipHeader(m, 'CSeq') ?? '', sdp, retransmission: here > 1 };
      c.messages.push(m.start.kind === 'request' ? { ...base, method: m.start.method } : { ...base, status: m.start.status, reason: m.start.reason });
    }
  }

  /** The calls in order of their first message. */
  result(): SipCall[] {
    return [...this.calls.values()].map((c) => ({
      callId: c.callId,
      method: c.first?.start.kind === 'request' ? c.first.start.method : (c.messages[0]?.cseq.split(' ')[1] ?? ''),
      from: c.first ? (sipHeader(c.first, 'From') ?? '') : '',
      to: c.first ? (sipHeader(c.first, 'To') ?? '') : '',
      endpoints: c.endpoints,
      messages: c.messages,
      state: callState(c.messages),
    }));
  }
}

/**
 * The state sngrep gives a call: for INVITE, from the last INVITE transaction's final response and what followed
 * (a BYE completes an answered call, a CANCEL or 487 cancels it, 486/600 is busy, 3xx diverted, another final
 * rejected); without an INVITE, the last final response.
 */
export function callState(messages: readonly SipFlowMessage[]): string {
  const invites = messages.filter((m) => m.cseq.endsWith(' INVITE'));
  if (invites.length === 0) {
    const last = [...messages].reverse().find((m) => m.status !== undefined && m.status >= 200);
    return last ? `${String(last.status)} ${last.reason ?? ''}`.trim() : 'no answer';
  }
  if (messages.some((m) => m.method === 'BYE')) return 'COMPLETED';
  if (messages.some((m) => m.method === 'CANCEL') || invites.some((m) => m.status === 487)) return 'CANCELLED';
  // the last final response to an INVITE decides (a 302 followed by a new INVITE that is answered is answered)
  const finals = invites.filter((m) => m.status !== undefined && m.status >= 200);
  const last = finals.at(-1);
  const lastInvite = invites.filter((m) => m.method === 'INVITE').at(-1);
  if (!last || (lastInvite && lastInvite.t > last.t)) return 'CALL SETUP';
  const s = last.status!;
  if (s < 300) return 'IN CALL';
  if (s < 400) return 'DIVERTED';
  if (s === 486 || s === 600) return 'BUSY';
  return 'REJECTED';
}
