/**
 * What an ICE agent sends through signaling on its own (the "ice-agent" app, RFC 8839 §5, §4.3; RFC 8838 trickle):
 * the ICE description (ufrag, pwd, lite, the candidates known so far), single trickled candidates, and
 * end-of-candidates. Candidates travel as their SDP candidate-attribute text, as they would in a real offer/answer
 * or trickle message.
 */
export type IceSignal =
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

export function describeIceSignal(m: IceSignal): string {
  switch (m.type) {
    case 'description':
      return `ICE description (ufrag ${m.ufrag}${m.lite ? ', ice-lite' : ''}${m.restart ? ', restart' : ''}, ${m.candidates.length} candidate(s)${m.endOfCandidates ? ', end-of-candidates' : ''})`;
    case 'candidate':
      return `trickled candidate ${m.candidate}`;
    case 'end-of-candidates':
      return `end-of-candidates (ufrag ${m.ufrag})`;
  }
}
