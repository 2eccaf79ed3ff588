import { SFU_NOTE_KINDS } from '../sfu/notes.ts';
import { someKinds } from './app-kind.ts';
import { SfuClient } from '../sfu/client.ts';
import { hostName, required } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { makePeer, PEER_COMMON_FIELDS, PEER_NOTES, PEER_SECTIONS, peerSummaryParts, type PeerCommon } from './peer-common.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';

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

export const sfuClientApp = defineApp({
  kind: 'sfu-client',
  about: 'a browser-like peer that joins an `sfu`',
  fields: [kindField('sfu-client'), HOST_FIELD, required('sfu', hostName, 'The host of the `sfu` app.', 'sfu'), ...PEER_COMMON_FIELDS],
  spec: ({ kind: _k, host, sfu, ...common }): SfuClientAppSpec => ({ kind: 'sfu-client', host, sfu, ...common }),
  build(world, host, spec: SfuClientAppSpec, ctx) {
    const peer = makePeer(world, ctx.source, spec.host, spec, true, false);
    const endpoint = new SfuClient(peer, spec.host, spec.startAt, spec.sfu);
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn, spec.iceTcp.length > 0);
    const udp = host.addresses().map((ip) => driver.bind(ip, spec.port));
    for (const a of udp) peer.addLocalAddress(a);
    gatherIceTcp(driver, peer.agent, udp, spec.iceTcp, spec.tcpPort);
    driver.joinSignaling(world.signaling, spec.host, { delay: spec.signalingDelay, protocol: 'protoo' });
    return { endpoint, driver };
  },
  sections: PEER_SECTIONS,
  summary: ({ endpoint, driver }) => peerSummaryParts(endpoint.peer, driver.host.name, driver.source),
  notes: [...PEER_NOTES, someKinds(SFU_NOTE_KINDS, 'sfu-client.signal.ignored', 'sfu-client.error', 'sfu-client.consumer', 'sfu-client.answer')],
});
