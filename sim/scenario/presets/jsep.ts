/**
 * Offer/answer and call-timing presets (sim/peer/offer-answer.ts, sim/ice/nomination.ts): a call on one LAN as in the
 * Chromium loopback capture, a Firefox-style offer answered by a Chromium-style peer (the
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

/** Two browsers on one LAN, host candidates only, as in the kept Chromium loopback capture. */
function lan(): PresetInfo {
  const name = 'call-lan';
  const title = 'A WebRTC call on one LAN (the Chromium loopback capture, simulated)';
  const description =
    "Alice and Bob on one switch-like router, 50 µs from it, no STUN or TURN: host candidates only, as in captures/chromium-loopback-call. Bob's first check answers, Alice's triggered check carries USE-CANDIDATE (libwebrtc's semi-aggressive nomination: nothing is selected yet), both select the pair and Bob sends the ClientHello 1.1 ms after the first check (Chromium: 2.6 ms); the first SRTP follows 0.5 ms later (Chromium: 30 ms, its DTLS 1.3 handshake and encoders take real CPU time, which the simulation does not spend).";
  const peer = (host: 'alice' | 'bob'): Json => ({ kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice', media: { audio: true, video: { fps: 15 } }, signalingDelay: '1ms' });
  return {
    name, title, description,
    build: () => ({
      name, title, description, seed: 1, duration: '2s',
      nodes: {
        lan: { kind: 'router' },
        alice: { kind: 'host', uplink: 'lan', addresses: ['192.0.2.1/24'], link: { delay: '50us' } },
        bob: { kind: 'host', uplink: 'lan', addresses: ['192.0.2.2/24'], link: { delay: '50us' } },
      },
      apps: [peer('alice'), peer('bob')],
    }),
  };
}

export function jsepPresets(): PresetInfo[] {
  return [
    lan(),
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
