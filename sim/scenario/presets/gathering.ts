/**
 * Gathering presets (libwebrtc's BasicPortAllocatorSession): a multihomed host whose networks are each gathered
 * on (Wi-Fi and cellular behind different NATs, IPv6 beside them), a relay-only call (iceTransportPolicy relay), and
 * an ICE restart that regathers on new sockets, and continual gathering as a network goes and another comes.
 */
import { SERVER_IP, sideNodes, TURN_USERS } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;

const peer = (host: 'alice' | 'bob', extra: Json = {}): Json => ({
  kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice',
  stun: [SERVER], turn: [{ server: SERVER, username: host, password: TURN_USERS[host] }], media: { audio: true, video: { fps: 15 } }, signalingDelay: '50ms', ...extra,
});
const turnServer = (): Json => ({ kind: 'turn-server', host: 'server', listen: SERVER, relay: `${SERVER_IP}:49152-49167`, realm: 'rtclab.example', users: TURN_USERS });

function preset(name: string, title: string, description: string, nodes: Json, apps: Json[], duration = '5s', events?: Json[]): PresetInfo {
  return { name, title, description, build: () => ({ name, title, description, seed: 1, duration, nodes, apps, ...(events ? { events } : {}) }) };
}

export function gatheringPresets(): PresetInfo[] {
  return [
    preset(
      'gather-multihomed',
      'Gathering on a multihomed host: Wi-Fi, cellular and IPv6',
      "Alice's phone has three networks: Wi-Fi behind a home NAT (10.0.1.10), cellular behind a carrier-grade symmetric NAT (10.64.0.10) and a global IPv6 address on the Wi-Fi (no NAT). Like libwebrtc's BasicPortAllocatorSession she gathers on each network: a host candidate each (the link-local fe80:: address is ignored), a server-reflexive candidate from each IPv4 network through its own NAT, relayed candidates; each candidate carries its network-id and network-cost (Wi-Fi 10, cellular 900), and its priority ranks Wi-Fi above cellular and IPv6 above IPv4 (local preference = network preference × 256 + address precedence). Bob, on Ethernet behind a NAT with IPv6 beside it, is reached over IPv6 host to host.",
      {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'symmetric', internal: '10.64.0.1/16', external: ['203.0.113.30'], link: { delay: '30ms' } },
        alice: {
          kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], network: 'wifi', link: { delay: '2ms' },
          interfaces: [
            { uplink: 'cgnat', addresses: ['10.64.0.10/16'], network: 'cellular', link: { delay: '20ms' } },
            { uplink: 'internet', addresses: ['2001:db8:a::10/64', 'fe80::a/64'], network: 'wifi', link: { delay: '12ms' } },
          ],
        },
        natB: sideNodes('bob', 'port-restricted-cone').natB,
        bob: { ...(sideNodes('bob', 'port-restricted-cone').bob as Json), interfaces: [{ uplink: 'internet', addresses: ['2001:db8:b::10/64'], link: { delay: '10ms' } }] },
      },
      [turnServer(), peer('alice'), peer('bob')],
    ),
    preset(
      'call-relay-only',
      'A relay-only call (iceTransportPolicy: relay)',
      "Both browsers are configured with iceTransportPolicy relay, as in the kept Chromium relay capture: each still asks the STUN/TURN server for a binding and allocates a relay, but keeps its host and server-reflexive candidates to itself (ice.candidate.filtered): only relayed candidates are signaled and paired, so the selected pair is relay to relay and the media crosses the TURN server twice, although the NATs would allow a direct path.",
      {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        ...sideNodes('alice', 'port-restricted-cone'),
        ...sideNodes('bob', 'full-cone'),
      },
      [turnServer(), peer('alice', { iceTransportPolicy: 'relay' }), peer('bob', { iceTransportPolicy: 'relay' })],
    ),
    preset(
      'call-ice-restart-regather',
      'An ICE restart regathers, as libwebrtc does',
      "Alice restarts ICE at 3 s (restartIce: a new offer with a new ufrag and pwd). As Chromium's P2PTransportChannel starts a new PortAllocatorSession for new credentials, both peers gather again on new sockets: new host ports, a new server-reflexive candidate through a new NAT mapping, a new TURN allocation, and a new active TCP candidate, each trickled with the new ufrag; the old session's candidates are dropped (ice.candidate.removed) and never paired again. Media keeps flowing on the old pair until the new one is selected, on the new ports, with the same DTLS association.",
      {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        ...sideNodes('alice', 'port-restricted-cone'),
        ...sideNodes('bob', 'port-restricted-cone'),
      },
      [turnServer(), peer('alice', { restartIceAt: '3s' }), peer('bob')],
      '6s',
    ),
    preset(
      'gather-continual',
      'Continual gathering: Wi-Fi drops, the call moves to cellular',
      "Alice's phone calls Bob on Wi-Fi behind a home NAT; its cellular modem is not attached yet. At 5 s the Wi-Fi drops and the cellular network comes up behind a carrier-grade NAT. Both browsers gather continually (libwebrtc's GATHER_CONTINUALLY): Alice's session drops the Wi-Fi's candidates and pairs with its network (the selected pair with them), starts an AllocationSequence on the new cellular network (network-id 2, cost 900) and trickles its host, server-reflexive and relayed candidates at once; her checks nominate the first cellular pair that works and Bob follows her media to it. No ICE restart: the same ufrag, the same DTLS association.",
      {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '10.64.0.1/16', external: ['203.0.113.30'], link: { delay: '30ms' } },
        alice: {
          kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], network: 'wifi', link: { delay: '2ms' },
          interfaces: [{ uplink: 'cgnat', addresses: ['10.64.0.10/16'], network: 'cellular', link: { delay: '20ms' }, state: 'down' }],
        },
        ...sideNodes('bob', 'port-restricted-cone'),
      },
      [turnServer(), peer('alice', { continualGatheringPolicy: 'gather_continually' }), peer('bob', { continualGatheringPolicy: 'gather_continually' })],
      '10s',
      [{ at: '5s', host: 'alice', interface: 'alice-lan', state: 'down' }, { at: '5s', host: 'alice', interface: 'alice-if1', state: 'up' }],
    ),
  ];
}
