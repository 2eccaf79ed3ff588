/**
 * Offer/answer presets (sim/peer/offer-answer.ts): a Firefox-style offer answered by a Chromium-style peer (the
 * seed's SIP call: opus with payload type 109, BUNDLE of one audio section), and a renegotiation that adds video to
 * an audio call.
 */
import { SERVER_IP, sideNodes, TURN_USERS } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;

function call(name: string, title: string, description: string, alice: Json, bob: Json, duration: string): PresetInfo {
  const peer = (host: 'alice' | 'bob', extra: Json): Json => ({
    kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice', stun: [SERVER], signalingDelay: '50ms', ...extra,
  });
  return {
    name, title, description,
    build: () => ({
      name, title, description, seed: 1, duration,
      nodes: {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        ...sideNodes('alice', 'port-restricted-cone'),
        ...sideNodes('bob', 'full-cone'),
      },
      apps: [
        { kind: 'turn-server', host: 'server', listen: SERVER, relay: `${SERVER_IP}:49152-49167`, realm: 'rtclab.example', users: TURN_USERS },
        peer('alice', alice),
        peer('bob', bob),
      ],
    }),
  };
}

export function jsepPresets(): PresetInfo[] {
  return [
    call(
      'call-firefox-offer',
      "Firefox's audio offer answered by a Chromium-style peer",
      "Alice writes her offer as Firefox 71 does in the seed's SIP call: one audio section (mid 0, BUNDLE 0), opus as payload type 109 with maxplaybackrate and stereo, G722, PCMU, PCMA and telephone-event 101, the fingerprint at session level, audio-level on extension 1 and mid on 3. Bob answers like Chromium's MediaSessionDescriptionFactory: the one section mirrored, codecs by intersection in Alice's order with her payload types, the extensions he knows with her ids, a=setup:active; although he has a video track, no video section is offered, so he sends audio only. Both send Opus as PT 109 with extensions 1 and 3.",
      { browser: 'firefox', media: { audio: true } },
      { media: { audio: true, video: { fps: 15 } } },
      '5s',
    ),
    call(
      'call-renegotiation',
      'Adding a video track to an audio call (renegotiation)',
      "Alice and Bob start an audio call (Bob's video section is answered recvonly). At 3 s Alice adds a video track: her new offer (sess-version + 1) keeps the sections, mids and ICE credentials and turns video to sendrecv with her SSRC and RTX SSRC (a=ssrc-group:FID); Bob's answer mirrors it, and her VP8 starts on the same DTLS association and 5-tuple, with no new ICE checks or handshake.",
      { media: { audio: true }, addTrack: { at: '3s', kind: 'video' } },
      { media: { audio: true } },
      '6s',
    ),
  ];
}
