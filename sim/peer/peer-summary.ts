import type { JsonValue } from '../core/trace.ts';
import { DtlsEndpoint } from '../dtls/endpoint.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import type { WebRtcPeer } from './webrtc-peer.ts';

type Obj = { [key: string]: JsonValue };

/** What a webrtc-peer reports at the end of a run: `dtls`, `srtp` and `media` shaped as the dtls-peer app's, plus `peer`. */
export interface PeerSummary {
  peer: Obj;
  dtls: Obj | null;
  srtp: Obj;
  media: JsonValue[];
  dataChannels?: Obj;
}

/** The summary of `p` (its DTLS endpoint, SRTP counters, media session, data channels and connection state). */
export function peerSummary(p: WebRtcPeer): PeerSummary {
  const d = p.dtls;
  const dtls: Obj | null = d && !(d instanceof DtlsEndpoint)
    ? d.summary()
    : d
    ? {
        role: d.roleName, state: d.state, ...(d.reason ? { reason: d.reason } : {}), flightsSent: d.stats.flightsSent, retransmissions: d.stats.retransmissions,
        fingerprintVerified: d.fingerprintVerified, ...(d.connectedAt !== undefined ? { handshakeMs: (d.connectedAt - (d.startedAt ?? 0)) / 1000 } : {}),
        ...(d.session.group ? { group: d.session.describeGroup() } : {}), extendedMasterSecret: d.session.extendedMasterSecret, dropped: { ...d.dropped },
      }
    : null;
  const profile = d?.session.srtpProfileId;
  const srtp = {
    profile: profile === undefined ? null : srtpProfileName(profile), keyed: p.srtp !== undefined,
    rtpSent: p.counters.rtpOut, rtcpSent: p.counters.rtcpOut, rtpReceived: p.counters.rtpIn, rtcpReceived: p.counters.rtcpIn,
    beforeKeys: p.transport.counters.beforeKeys, noPath: p.transport.counters.noPath, failures: { ...(p.media?.failures ?? {}) },
  };
  const peer = {
    state: p.state, signalingState: p.signalingState, offerer: p.options.offerer, localSetup: p.localSetup ?? null, remoteSetup: p.remote?.setup ?? null,
    connectedAt: p.connectedAt ?? null, offers: p.counters.offers, answers: p.counters.answers, candidatesSent: p.counters.candidatesSent,
    candidatesReceived: p.counters.candidatesReceived, pathChanges: p.transport.counters.pathChanges,
    ...(p.transport.sped ? { sped: { state: p.transport.sped.state, ...p.transport.sped.counters } } : {}),
  };
  return { peer, dtls, srtp, media: (p.media?.summary() ?? []).map((s) => ({ ...s })), ...(p.transport.dataChannels ? { dataChannels: p.transport.dataChannels.summary() } : {}) };
}
