import { toHex } from '../../core/encoding.ts';
import type { SdpCandidate, SdpMedia, SessionDescription } from '../../wire/sdp/types.ts';
import { defineProtocol, type Json } from '../table.ts';
import type { SignalingMessage } from '../signaling.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** JSON signaling recognised in a WebSocket message or HTTP body (Janus API, protoo/mediasoup, plain JSEP). */
    SIGNALING: SignalingMessage;
    /** A session description taken out of a signaling message (RFC 8866, RFC 8829 JSEP). */
    SDP: SessionDescription;
  }
}

export const SIGNALING = defineProtocol({
  name: 'SIGNALING',
  description: 'WebRTC signaling in JSON: the Janus API, protoo (mediasoup), plain JSEP offers/answers and trickled candidates',
  viz: { class: 'TCP' },
  json: (m, _l, base) =>
    Object.assign(base, {
      dialect: m.dialect,
      kind: m.kind,
      ...(m.id !== undefined ? { id: m.id } : {}),
      descriptions: m.descriptions.map((d) => d.type),
      candidates: m.candidates.map((c) => ({ candidate: c.candidate, ...(c.sdpMid !== undefined ? { sdpMid: c.sdpMid } : {}), ...(c.sdpMLineIndex !== undefined ? { sdpMLineIndex: c.sdpMLineIndex } : {}) })),
      endOfCandidates: m.endOfCandidates,
      ...(m.fingerprints.length ? { fingerprints: m.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })) } : {}),
    }),
});

const colonHex = (b: Uint8Array): string => toHex(b, ':').toUpperCase();

function candidateJson(c: SdpCandidate): Json {
  return { foundation: c.foundation, component: c.component, transport: c.transport, priority: c.priority, address: c.address, port: c.port, type: c.type, ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort ?? null } : {}) };
}

function sdpJson(d: SessionDescription): Json {
  const level = (x: SessionDescription | SdpMedia): Json => ({
    ...(x.iceUfrag !== undefined ? { iceUfrag: x.iceUfrag } : {}),
    ...(x.fingerprints.length ? { fingerprints: x.fingerprints.map((f) => ({ hashFunction: f.hashFunction, fingerprint: colonHex(f.fingerprint) })) } : {}),
    ...(x.setup ? { setup: x.setup } : {}),
    ...(x.candidates.length ? { candidates: x.candidates.map(candidateJson) } : {}),
  });
  return {
    ...(d.origin ? { origin: { sessionId: d.origin.sessionId, sessionVersion: d.origin.sessionVersion, address: d.origin.address } } : {}),
    groups: d.groups.map((g) => ({ semantics: g.semantics, mids: [...g.mids] })),
    ...level(d),
    media: d.media.map((m) => ({
      media: m.media,
      port: m.port,
      proto: m.proto,
      formats: [...m.formats],
      ...(m.mid !== undefined ? { mid: m.mid } : {}),
      ...(m.direction ? { direction: m.direction } : {}),
      ...level(m),
      rtpmap: m.rtpmaps.map((r) => `${r.payloadType} ${r.encodingName}/${r.clockRate}${r.encodingParameters ? `/${r.encodingParameters}` : ''}`),
      ...(m.extmaps.length ? { extmap: m.extmaps.map((e) => ({ id: e.id, uri: e.uri })) } : {}),
      ...(m.ssrcs.length ? { ssrcs: [...new Set(m.ssrcs.map((x) => x.ssrc))] } : {}),
    })),
  };
}

export const SDP = defineProtocol({
  name: 'SDP',
  description: 'Session descriptions (RFC 8866) as JSEP uses them (RFC 8829): ICE, DTLS fingerprints, media, candidates',
  viz: { class: 'TCP' },
  json: (d, _l, base) => Object.assign(base, sdpJson(d)),
});
