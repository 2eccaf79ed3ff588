/** What an SDP line is for, in one phrase with the RFC that defines it: the SDP view's explanation of each line. */
const LINES: Record<string, string> = {
  v: 'protocol version, always 0 (RFC 8866 §5.1)',
  o: 'origin: session id and version, bumped on each new offer (RFC 8866 §5.2)',
  s: 'session name, "-" in WebRTC (RFC 8866 §5.3)',
  t: 'timing: 0 0 is a session without bounds (RFC 8866 §5.9)',
  c: 'connection address; ICE candidates carry the real ones (RFC 8866 §5.7, RFC 8839 §5.1)',
  b: 'bandwidth limit (RFC 8866 §5.8)',
  m: 'media section: kind, port, transport, payload types offered (RFC 8866 §5.14)',
  'group:BUNDLE': 'sections sharing one transport, the first mid tagging it (RFC 9143)',
  'group:LS': 'sections to synchronise (lip sync, RFC 5888 §7)',
  'extmap-allow-mixed': 'one- and two-byte header extensions may mix (RFC 8285 §6)',
  'msid-semantic': 'the media stream ids in use (draft-ietf-mmusic-msid)',
  rtcp: 'RTCP port; ignored with rtcp-mux (RFC 3605)',
  candidate: 'an ICE candidate: foundation, component, transport, priority, address, port, type (RFC 8839 §5.1)',
  'end-of-candidates': 'no more candidates will be trickled (RFC 8840 §4)',
  'ice-ufrag': "this side's ICE username fragment, in every check's USERNAME (RFC 8839 §5.4)",
  'ice-pwd': "this side's ICE password, the key of the checks' MESSAGE-INTEGRITY (RFC 8839 §5.4)",
  'ice-options': 'ICE extensions supported: trickle (RFC 8840), renomination … (RFC 8839 §5.6)',
  'ice-lite': 'this side is an ICE-lite agent: it answers checks and never sends them (RFC 8445 §2.5)',
  fingerprint: "hash of this side's DTLS certificate, checked against the one the handshake brings (RFC 8122 §5)",
  setup: 'DTLS role: active opens (client), passive waits (server), actpass lets the answer pick (RFC 8842 §5)',
  mid: 'the section id BUNDLE and the MID header extension name it by (RFC 5888 §4)',
  extmap: 'an RTP header extension and its id (RFC 8285 §8)',
  direction: 'sendrecv, sendonly, recvonly or inactive, from this side (RFC 8866 §6.7)',
  msid: 'the MediaStream and track the section carries (RFC 8830)',
  'rtcp-mux': 'RTP and RTCP share one port (RFC 5761)',
  'rtcp-rsize': 'reduced-size RTCP allowed (RFC 5506)',
  'rtcp-mux-only': 'rtcp-mux is required (RFC 8858)',
  rtpmap: 'payload type → codec, clock rate, channels (RFC 8866 §6.6)',
  fmtp: "the codec's parameters (RFC 8866 §6.15)",
  'rtcp-fb': 'RTCP feedback the codec accepts: nack, pli, ccm fir, transport-cc, goog-remb (RFC 4585)',
  ssrc: 'an SSRC this side will send and its attributes (RFC 5576 §4.1)',
  'ssrc-group': 'SSRCs tied together: FID pairs a stream with its RTX (RFC 5576 §4.2, RFC 4588)',
  'sctp-port': 'the SCTP port of the data channels (RFC 8841 §5)',
  'max-message-size': 'largest data channel message this side takes (RFC 8841 §6)',
  'sctp-init': "this side's SCTP INIT chunk in base64: with both sides' the association skips its handshake (SNAP, draft-hancke-tsvwg-snap §4)",
  simulcast: 'simulcast layers sent or received (RFC 8853)',
  rid: 'a simulcast layer (RTP stream id, RFC 8851)',
};

/** The explanation of a line by its alignment key ("rtpmap:111", "candidate#2", "group:BUNDLE"). */
export function explainLine(key: string): string | undefined {
  const base = key.replace(/#\d*$/, '');
  return LINES[base] ?? LINES[base.replace(/:.*$/, '')];
}
