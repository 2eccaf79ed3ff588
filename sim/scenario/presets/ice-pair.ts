/**
 * Two ICE peers as scenario JSON: alice (controlling) and bob (controlled), each behind one of the classic NATs,
 * with a STUN/TURN server on the public internet. The ICE and call presets build on it, and the NAT traversal
 * matrix (sim/matrix/traversal.ts) runs one scenario per pair of sides.
 */
export const MATRIX_SIDES = ['open', 'full-cone', 'restricted-cone', 'port-restricted-cone', 'symmetric', 'udp-blocked', 'web-only'] as const;
export type MatrixSide = (typeof MATRIX_SIDES)[number];

export const SERVER_IP = '198.51.100.10';
export const TURN_USERS: Readonly<Record<string, string>> = { alice: 'alice-secret', bob: 'bob-secret' };

type Json = Record<string, unknown>;

/** One side's nodes: "open" is a public host, "udp-blocked" a public host behind a firewall dropping UDP. */
export function sideNodes(peer: 'alice' | 'bob', side: MatrixSide): Json {
  const n = peer === 'alice' ? 1 : 2;
  const pub = `203.0.113.${n}0`;
  const nat = `nat${peer === 'alice' ? 'A' : 'B'}`;
  if (side === 'open') return { [peer]: { kind: 'host', uplink: 'internet', addresses: [`${pub}/24`], link: { delay: '10ms' } } };
  if (side === 'udp-blocked' || side === 'web-only') {
    const fw = `fw${peer === 'alice' ? 'A' : 'B'}`;
    return {
      // web-only: the corporate firewall that lets out TCP to ports 80 and 443 only
      [fw]: { kind: 'firewall', uplink: 'internet', preset: side === 'web-only' ? 'allow-outbound-tcp-web-only' : 'block-udp', link: { delay: '10ms' } },
      [peer]: { kind: 'host', uplink: fw, addresses: [`${pub}/24`], link: { delay: '1ms' } },
    };
  }
  return {
    [nat]: { kind: 'nat', uplink: 'internet', preset: side, internal: `10.0.${n}.1/24`, external: [pub], link: { delay: '10ms' } },
    [peer]: { kind: 'host', uplink: nat, addresses: [`10.0.${n}.10/24`], link: { delay: '1ms' } },
  };
}

export interface IcePairOptions {
  readonly turn?: boolean;
  /**
   * With `turn`: the server also takes TCP, and TLS on 443, and each agent is given it as a browser is:
   * turn:…?transport=udp, turn:…?transport=tcp, turns:…:443.
   */
  readonly turnTcp?: boolean;
  readonly trickle?: boolean;
  /** Signal through a WebSocket signaling server on the server host (port 80) instead of the ideal private relay. */
  readonly wireSignaling?: boolean;
  readonly seed?: number;
  readonly duration?: string;
  readonly alice?: Json;
  readonly bob?: Json;
  readonly name?: string;
  readonly title?: string;
  readonly description?: string;
  readonly events?: Json[];
}

/** A two-peer ICE scenario (JSON form) with a STUN/TURN server at 198.51.100.10:3478. */
export function icePairScenario(a: Json, b: Json, o: IcePairOptions = {}): Json {
  const turn = o.turn ?? true;
  const server = `${SERVER_IP}:3478`;
  const agent = (host: 'alice' | 'bob', peer: string, role: string): Json => ({
    kind: 'ice-agent', host, peer, role, trickle: o.trickle ?? true, stun: [server], ...(o.wireSignaling ? { signaling: 'server' } : {}),
    ...(turn && o.turnTcp
      ? { turn: [`turn:${server}?transport=udp`, `turn:${server}?transport=tcp`, `turns:${SERVER_IP}:443?transport=tcp`].map((url) => ({ url, username: host, password: TURN_USERS[host] })) }
      : turn ? { turn: [{ server, username: host, password: TURN_USERS[host] }] } : {}),
    ...(host === 'alice' ? o.alice : o.bob),
  });
  return {
    name: o.name ?? 'ice-pair',
    title: o.title ?? 'Two ICE agents',
    description: o.description ?? '',
    seed: o.seed ?? 1,
    duration: o.duration ?? '50s',
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
      ...a,
      ...b,
    },
    apps: [
      { kind: 'turn-server', host: 'server', listen: server, relay: `${SERVER_IP}:49152-49167`, realm: 'rtclab.example', users: TURN_USERS, ...(turn && o.turnTcp ? { tcp: true, tlsPort: 443 } : {}) },
      agent('alice', 'bob', 'controlling'),
      agent('bob', 'alice', 'controlled'),
      ...(o.wireSignaling ? [{ kind: 'signaling-server', host: 'server', port: 80, path: '/signaling' }] : []),
    ],
    ...(o.events ? { events: o.events } : {}),
  };
}

export function matrixScenario(a: MatrixSide, b: MatrixSide, o: IcePairOptions = {}): Json {
  // the matrix's TURN server is what a browser is given today: the same server over UDP, TCP and TLS on 443
  // and signaling travels as WebSocket bytes through each side's NAT or firewall, as a call's does
  return icePairScenario(sideNodes('alice', a), sideNodes('bob', b), { name: `matrix-${a}-${b}`, title: `ICE: alice ${a}, bob ${b}`, turnTcp: true, wireSignaling: true, ...o });
}
