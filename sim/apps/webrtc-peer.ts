import type { Micros } from '../core/time.ts';
import { WebRtcPeer } from '../peer/webrtc-peer.ts';
import { bool, duration, hostName, optional, required, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { makePeer, PEER_COMMON_FIELDS, PEER_NOTES, PEER_SECTIONS, peerSummaryParts, type PeerCommon } from './peer-common.ts';
import { peerDriver } from './stream-links.ts';

/**
 * The scenario app "webrtc-peer": a browser-like peer (sim/peer/webrtc-peer.ts) calling another webrtc-peer app
 * through the scenario's signaling server (JSEP offer/answer and trickled candidates, each message delayed by
 * `signalingDelay`).
 *
 *   { "kind": "webrtc-peer", "host": "alice", "peer": "bob", "offerer": true, "stun": ["198.51.100.10:3478"],
 *     "turn": [{ "server": "198.51.100.10:3478", "username": "alice", "password": "alice-secret" }],
 *     "media": { "audio": true, "video": { "fps": 30 } }, "signalingDelay": "50ms", "restartIceAt": "8s" }
 */
export interface WebRtcPeerAppSpec extends PeerCommon {
  readonly kind: 'webrtc-peer';
  readonly host: string;
  readonly peer: string;
  readonly offerer: boolean;
  readonly restartIceAt?: Micros;
  /** ICE-lite (RFC 8445 §2.5): only host candidates, no checks of its own, controlled. */
  readonly lite?: boolean;
}

export const webRtcPeerApp = defineApp({
  kind: 'webrtc-peer',
  about: 'a browser-like peer: JSEP signaling, ICE, DTLS-SRTP and media',
  fields: [
    kindField('webrtc-peer'),
    HOST_FIELD,
    ...PEER_COMMON_FIELDS,
    required('peer', hostName, 'The host of the `webrtc-peer` it calls or answers.', 'bob'),
    withDefault('offerer', bool, false, '`false`', 'The offerer starts at `startAt`; the answerer waits for the offer.', true),
    optional('restartIceAt', duration, 'When to restart ICE (new credentials, new offer).', '8s'),
    withDefault('lite', bool, false, '`false`', 'ICE-lite (RFC 8445 §2.5): host candidates only, no checks of its own, always controlled.', true),
  ],
  spec: ({ kind: _k, host, peer, offerer, restartIceAt, lite, ...common }): WebRtcPeerAppSpec => ({
    kind: 'webrtc-peer', host, peer, offerer, ...common, ...(restartIceAt !== undefined ? { restartIceAt } : {}), ...(lite ? { lite } : {}),
  }),
  build(world, host, spec: WebRtcPeerAppSpec, ctx) {
    const endpoint = makePeer(world, ctx.source, spec.host, spec, spec.offerer, true, spec.peer);
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn);
    for (const ip of host.addresses()) endpoint.addLocalAddress(driver.bind(ip, spec.port));
    driver.joinSignaling(world.signaling, spec.host, { delay: spec.signalingDelay, protocol: 'jsep' });
    if (spec.restartIceAt !== undefined) {
      world.net.scheduler.at(spec.restartIceAt, 'ice restart', () => {
        endpoint.restartIce(world.net.now);
        driver.pump();
      });
    }
    return { endpoint, driver };
  },
  sections: PEER_SECTIONS,
  summary: ({ endpoint, driver }) => peerSummaryParts(endpoint, driver.host.name, driver.source),
  notes: PEER_NOTES,
});
