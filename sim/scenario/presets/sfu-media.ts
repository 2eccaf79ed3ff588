/**
 * SFU media-plane presets (issue #16): RTCP in the router (reports, NACK/RTX, PLI, REMB) on a lossy room.
 */
import { SERVER_IP, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = `${SERVER_IP}:3478`;
const AV = { audio: true, video: { fps: 30 } };
const SFU_IP = '198.51.100.30';

const sfuClient = (host: string, extra: Json = {}): Json => ({ kind: 'sfu-client', host, sfu: 'sfu', stun: [SERVER], media: AV, signalingDelay: '40ms', ...extra });

/** The SFU on its own host, a STUN server, the protoo signaling beside the SFU, alice and bob behind NATs. */
function room(extraNodes: Json, clients: Json[]): { nodes: Json; apps: Json[] } {
  return {
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
      sfu: { kind: 'host', uplink: 'internet', addresses: [`${SFU_IP}/24`], link: { delay: '5ms' } },
      ...sideNodes('alice', 'port-restricted-cone'),
      ...sideNodes('bob', 'full-cone'),
      ...extraNodes,
    },
    apps: [
      { kind: 'stun-server', host: 'server', listen: SERVER },
      { kind: 'sfu', host: 'sfu', ip: SFU_IP, ports: '40000-40099', signalingDelay: '20ms' },
      ...clients,
      { kind: 'signaling-server', host: 'sfu', port: 80, path: '/signaling' },
    ],
  };
}

export function sfuMediaPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'call-sfu-lossy',
    'A room of three with a lossy member: NACK, RTX and PLI through the SFU',
    "Three browsers in a mediasoup-style room; carol's access link loses 5% of datagrams both ways. Her receivers NACK what the SFU forwarded and lost (RFC 4585 generic NACK); the SFU answers from the producer's retransmission buffer as RTX on the consumer's RTX SSRC (RFC 4588, the original sequence number first in the payload). What carol sends and loses on the way up, the SFU asks her for itself, and her browser retransmits it as RTX. Each video consumer that starts asks its producer for a keyframe (PLI), and a browser's own PLI while one is pending is absorbed (mediasoup's keyframe request coalescing). Every transport gets sender reports for its consumers, receiver report blocks about its producers and a REMB; the summary gives each producer's and consumer's score and NACK/RTX/PLI counts.",
    (n, t, d) => ({
      name: n, title: t, description: d, seed: 1, duration: '10s',
      ...room(
        { carol: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.30/24'], link: { delay: '15ms', loss: 0.05 } } },
        [sfuClient('alice'), sfuClient('bob', { signalingDelay: '60ms', startAt: '300ms' }), sfuClient('carol', { signalingDelay: '50ms', startAt: '600ms' })],
      ),
    }),
  );
  return out;
}
