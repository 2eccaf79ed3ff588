import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { WebRtcPeer } from '../peer/webrtc-peer.ts';
import { join } from '../schema/check.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { makePeer, PEER_COMMON_KEYS, PEER_NOTES, PEER_SECTIONS, parsePeerCommon, peerSummaryParts, type PeerCommon } from './peer-common.ts';

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

export const webRtcPeerApp: AppKind<WebRtcPeerAppSpec, WebRtcPeer> = {
  kind: 'webrtc-peer',
  about: 'a browser-like peer: JSEP signaling, ICE, DTLS-SRTP and media',
  parse(c, path, o, ctx) {
    c.onlyKeys(path, o, [...PEER_COMMON_KEYS, 'peer', 'offerer', 'restartIceAt', 'lite']);
    const lite = o.lite === undefined ? false : c.boolean(join(path, 'lite'), o.lite);
    const host = hostField(c, path, 'host', o.host, ctx);
    const peer = hostField(c, path, 'peer', o.peer, ctx);
    const offerer = o.offerer === undefined ? false : c.boolean(join(path, 'offerer'), o.offerer);
    const restartIceAt = o.restartIceAt === undefined ? undefined : c.duration(join(path, 'restartIceAt'), o.restartIceAt);
    const common = parsePeerCommon(c, path, o);
    if (host === undefined || peer === undefined || offerer === undefined) return undefined;
    return { kind: 'webrtc-peer', host, peer, offerer, ...common, ...(restartIceAt !== undefined ? { restartIceAt } : {}), ...(lite ? { lite } : {}) };
  },
  build(world, host, spec, ctx) {
    const endpoint = makePeer(world, ctx.source, spec.host, spec, spec.offerer);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const ip of host.addresses()) endpoint.addLocalAddress(driver.bind(ip, spec.port));
    const hub = world.signaling;
    hub.add(spec.host, { deliver: (now, _from, msg) => ('type' in msg ? endpoint.handleSignal(now, msg) : undefined), pump: () => driver.pump() }, spec.signalingDelay);
    endpoint.onSignal = (now, m) => hub.send(now, spec.host, spec.peer, m);
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
};
