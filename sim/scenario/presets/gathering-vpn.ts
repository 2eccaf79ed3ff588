/**
 * Gathering with a VPN beside Wi-Fi (sim/ice/networks.ts): libwebrtc gathers on the tunnel's network too, ranks it
 * below Wi-Fi and gives its candidates network-cost 50, so the call runs over Wi-Fi while the tunnel's pairs stay valid.
 */
import { SERVER_IP, sideNodes, TURN_USERS } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;

const peer = (host: 'alice' | 'bob'): Json => ({
  kind: 'webrtc-peer', host, peer: host === 'alice' ? 'bob' : 'alice', offerer: host === 'alice',
  stun: [SERVER], turn: [{ server: SERVER, username: host, password: TURN_USERS[host] }], media: { audio: true }, signalingDelay: '50ms',
});

export function vpnGatheringPresets(): PresetInfo[] {
  const name = 'gather-vpn';
  const title = 'Gathering on a laptop with a VPN beside its Wi-Fi';
  const description =
    "Alice's laptop is on Wi-Fi behind a home NAT (10.0.1.10) and has a VPN up: a tun interface (10.8.0.6) whose traffic leaves through the VPN server's NAT (198.51.100.50), 40 ms away. The tunnel is a plain link here (its encryption and encapsulation are not simulated). Like libwebrtc she gathers on both networks: a host, a server-reflexive and a relayed candidate on each; the VPN's rank last among her networks (the adapter-type order puts VPN after Wi-Fi), so their priorities are lower, and they carry network-cost 50 against the Wi-Fi's 10. Checks run on both networks and the VPN's pairs work too, but the controlling agent nominates the best pair, on Wi-Fi, and the call runs there.";
  return [{
    name, title, description,
    build: () => ({
      name, title, description, seed: 1, duration: '4s',
      nodes: {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        vpn: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.8.0.1/24', external: ['198.51.100.50'], link: { delay: '5ms' } },
        alice: {
          kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], network: 'wifi', link: { delay: '2ms' },
          interfaces: [{ uplink: 'vpn', addresses: ['10.8.0.6/24'], network: 'vpn', link: { delay: '40ms' } }],
        },
        ...sideNodes('bob', 'port-restricted-cone'),
      },
      apps: [
        { kind: 'turn-server', host: 'server', listen: SERVER, relay: `${SERVER_IP}:49152-49167`, realm: 'rtclab.example', users: TURN_USERS },
        peer('alice'),
        peer('bob'),
      ],
    }),
  }];
}
