import { EndpointDriver } from '../net/endpoint-driver.ts';
import { SfuClient } from '../sfu/client.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { makePeer, PEER_COMMON_KEYS, PEER_NOTES, PEER_SECTIONS, parsePeerCommon, peerSummaryParts, type PeerCommon } from './peer-common.ts';

/**
 * The scenario app "sfu-client": a browser-like peer (sim/sfu/client.ts) that joins the `sfu` app on host `sfu`
 * through the scenario's signaling server. It takes the same ICE-server, media and DTLS options as a webrtc-peer.
 *
 *   { "kind": "sfu-client", "host": "alice", "sfu": "sfu", "media": { "audio": true, "video": true }, "startAt": "0s" }
 */
export interface SfuClientAppSpec extends PeerCommon {
  readonly kind: 'sfu-client';
  readonly host: string;
  readonly sfu: string;
}

export const sfuClientApp: AppKind<SfuClientAppSpec, SfuClient> = {
  kind: 'sfu-client',
  about: 'a browser-like peer that joins an `sfu`',
  parse(c, path, o, ctx) {
    c.onlyKeys(path, o, ['kind', 'host', 'sfu', ...PEER_COMMON_KEYS.slice(2)]);
    const host = hostField(c, path, 'host', o.host, ctx);
    const sfu = hostField(c, path, 'sfu', o.sfu, ctx);
    const common = parsePeerCommon(c, path, o);
    if (host === undefined || sfu === undefined) return undefined;
    return { kind: 'sfu-client', host, sfu, ...common };
  },
  build(world, host, spec, ctx) {
    const peer = makePeer(world, ctx.source, spec.host, spec, true, false);
    const endpoint = new SfuClient(peer, spec.host, spec.startAt);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const ip of host.addresses()) peer.addLocalAddress(driver.bind(ip, spec.port));
    const hub = world.signaling;
    hub.add(spec.host, { deliver: (now, _from, msg) => ('type' in msg ? undefined : endpoint.handleSignal(now, msg)), pump: () => driver.pump() }, spec.signalingDelay);
    endpoint.onSignal = (now, m) => hub.send(now, spec.host, spec.sfu, m);
    return { endpoint, driver };
  },
  sections: PEER_SECTIONS,
  summary: ({ endpoint, driver }) => peerSummaryParts(endpoint.peer, driver.host.name, driver.source),
  notes: PEER_NOTES,
};
