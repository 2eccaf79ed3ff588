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

export function describeJsep(m: JsepMessage): string {
  if (m.type === 'offer' || m.type === 'answer') return `SDP ${m.type} (${m.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).length} candidate(s))`;
  if (m.type === 'candidate') return `trickled candidate ${m.candidate}`;
  return `end-of-candidates (ufrag ${m.ufrag})`;
}
