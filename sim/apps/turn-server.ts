import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import type { Endpoint, EndpointOutput, IcmpError, Transport, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { bytesEqual } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { bool, cidr, custom, duration, integer, list, mapped, optional, record, required, text, transport, withDefault } from '../schema/fields.ts';
import { TurnServer } from '../turn/server.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { TURN_SECTION } from './sections.ts';
import { secureFor, StreamLinks } from './stream-links.ts';
import { SimTcpPeerLinks } from './tcp-peer-links.ts';

export interface TurnServerAppSpec {
  readonly kind: 'turn-server';
  readonly host: string;
  readonly listen: TransportAddress;
  /** Relayed addresses: one IP and a port range, every port bound by the driver. */
  readonly relay: { readonly ip: string; readonly min: number; readonly max: number };
  readonly realm: string;
  readonly users: Readonly<Record<string, string>>;
  /** undefined: the default deny list (loopback and private ranges). */
  readonly deniedPeers?: readonly string[];
  readonly userQuota?: number;
  readonly defaultLifetime?: Micros;
  readonly maxLifetime?: Micros;
  readonly permissionLifetime?: Micros;
  readonly channelLifetime?: Micros;
  readonly nonceLifetime?: Micros;
  /** Also listens on TCP at the listen address's port (RFC 8656 §3.1). */
  readonly tcp: boolean;
  /** RFC 6062 TCP allocations (needs `tcp` or `tlsPort`). */
  readonly tcpAllocations: boolean;
  /** Also listens for TLS on this port (RFC 8656 §3.1, "turns:"; 443 gets through web-only firewalls). */
  readonly tlsPort?: number;
}

/** "198.51.100.20:49152-49167": one relayed address and a port range of at most 1024 ports. */
const relayRange = custom<TurnServerAppSpec['relay']>('text `"address:min-max"`', (c, path, v) => {
  const relayText = c.string(path, v);
  const m = relayText === undefined ? null : /^(.+):(\d+)-(\d+)$/.exec(relayText);
  const relayIp = m ? c.ip(path, m[1]!.replace(/^\[|\]$/g, '')) : undefined;
  const min = m ? Number(m[2]) : 0;
  const max = m ? Number(m[3]) : 0;
  if (relayText !== undefined && (!m || min < 1 || max > 65535 || min > max || max - min > 1023)) {
    return c.fail(path, `expected "address:min-max" with at most 1024 ports, e.g. "198.51.100.20:49152-49167", got ${JSON.stringify(relayText)}`);
  }
  return relayIp === undefined ? undefined : { ip: relayIp, min, max };
});

const lifetime = <N extends string>(name: N, text: string, doc: string) => optional(name, duration, doc, undefined, text);

/** The scenario app "turn-server": a TURN server (sim/turn) with every relayed port of its range bound. */
export const turnServerApp = defineApp({
  kind: 'turn-server',
  about: 'a TURN server (RFC 8656) that also answers STUN Binding requests',
  fields: [
    kindField('turn-server'),
    HOST_FIELD,
    required('listen', transport, 'Where clients reach it.', '198.51.100.10:3478'),
    required('relay', relayRange, 'The relayed address and its port range, at most 1024 ports: `"198.51.100.20:49152-49167"`.', '198.51.100.10:49152-49167'),
    withDefault('realm', text, 'rtclab.example', '`"rtclab.example"`', 'The REALM of the long-term credentials.', 'rtclab.example'),
    required('users', record(text, 'object: user name → password'), 'Username → password.', { alice: 'alice-secret' }),
    optional('deniedPeers', list(mapped(cidr, (a) => `${a.ip}/${a.prefix}`)), 'Peers a permission is refused for (403). `[]` allows every peer.', ['10.0.0.0/8'], 'loopback, private and other special ranges (as coturn)'),
    optional('userQuota', integer(0, 100000), 'Allocations one user may hold at once; beyond it, 486 Allocation Quota Reached.', 2, '`10`'),
    lifetime('defaultLifetime', '`"600s"`', 'Allocation lifetime when the client asks for none (RFC 8656 §7.2).'),
    lifetime('maxLifetime', '`"3600s"`', 'The longest allocation lifetime granted.'),
    lifetime('permissionLifetime', '`"300s"`', 'How long a permission lasts (RFC 8656 §9).'),
    lifetime('channelLifetime', '`"600s"`', 'How long a channel binding lasts (RFC 8656 §12).'),
    lifetime('nonceLifetime', '`"600s"`', 'How long a nonce stays valid before 438 Stale Nonce.'),
    withDefault('tcp', bool, false, '`false`', "Also accepts TURN over TCP at `listen`'s address and port (RFC 8656 §3.1); an allocation made over a connection dies with it.", true),
    withDefault('tcpAllocations', bool, false, '`false`', 'RFC 6062 TCP allocations over a TCP or TLS control connection: Connect, ConnectionAttempt, ConnectionBind on a data connection, then raw TCP to the peer.', true),
    optional('tlsPort', integer(1, 65535), "Also accepts TURN over TLS on this port of `listen`'s address (`turns:`, RFC 8656 §3.1); 443 passes web-only firewalls.", 443, 'none'),
  ],
  spec: ({ kind: _k, ...v }): TurnServerAppSpec => ({ kind: 'turn-server', ...v }),
  build(world, host, spec: TurnServerAppSpec, ctx) {
    ctx.own(spec.listen, 'listen');
    ctx.own(spec.relay, 'relay');
    const relayAddresses: TransportAddress[] = [];
    for (let p = spec.relay.min; p <= spec.relay.max; p++) relayAddresses.push({ ip: spec.relay.ip, port: p });
    const { kind: _k, host: _h, relay: _r, tcp: _t, tlsPort: _p, tcpAllocations: _a, ...rest } = spec;
    let peerLinks: SimTcpPeerLinks | undefined;
    const endpoint = new TurnServer({ ...rest, relayAddresses }, world.rng(`app/${ctx.source}`));
    const links = new StreamLinks(new HopFate(endpoint, world.net, host), {
      world, host, framing: 'stun', ...(spec.tlsPort !== undefined ? secureFor(world, host, ctx.source) : {}),
      closed: (now, local, remote, error) => {
        endpoint.streamClosed(now, remote, local, error ?? 'closed by the client');
        peerLinks?.dataClosed(local, remote);
      },
    }, ctx.source);
    const driver = new EndpointDriver(world.net, host, links, ctx.source);
    links.attach(driver);
    if (spec.tcpAllocations) {
      peerLinks = new SimTcpPeerLinks(world, host, links, endpoint, () => driver.pump());
      endpoint.enableTcpAllocations(peerLinks, world.rng(`${ctx.source}/rfc6062`));
    }
    for (const a of endpoint.addresses()) driver.bind(a.ip, a.port);
    if (spec.tcp) {
      endpoint.listenOnStreams(spec.listen);
      links.listen(spec.listen.port, 'tcp', { ip: spec.listen.ip });
    }
    if (spec.tlsPort !== undefined) {
      endpoint.listenOnStreams({ ip: spec.listen.ip, port: spec.tlsPort });
      links.listen(spec.tlsPort, 'tls', { ip: spec.listen.ip });
    }
    return { endpoint, driver };
  },
  sections: [TURN_SECTION],
  summary: ({ spec, endpoint: e }) => [
    {
      section: TURN_SECTION,
      value: { kind: spec.kind, host: spec.host, ...e.stats, errors: { ...e.stats.errors }, allocationsLeft: [...e.allocations.values()].map((x) => formatTransportAddress(x.relayed)) },
    },
  ],
  entryLines(_section, a) {
    const errors = Object.entries((a.errors as Obj) ?? {}).map(([k, v]) => `${String(v)}×${k}`).join(', ') || 'none';
    return [`  TURN server on ${String(a.host)}: ${String(a.allocations)} allocations, ${String(a.permissions)} permissions, ${String(a.channels)} channels, relayed ${String(a.relayedToPeer)} out / ${String(a.relayedToClient)} in, dropped ${String(a.droppedFromPeer)} from peers; errors ${errors}`];
  },
  notes: [TURN_NOTE_KINDS, STUN_NOTE_KINDS],
});

/**
 * Drives a TURN server and, when it discards a peer's datagram at a relayed address (no or expired permission),
 * marks the hop that delivered it as dropped there, so the ladder shows the fate and not only a note.
 */
class HopFate implements Endpoint {
  constructor(
    private readonly server: TurnServer,
    private readonly net: Network,
    private readonly host: Host,
  ) {}

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.server.handleDatagram(now, from, to, bytes, transport);
    const why = this.server.lastDrop;
    if (why === undefined) return;
    const hops = this.net.trace.hops;
    // the delivering hop entered its link recently: look back through a bounded window
    for (let i = hops.length - 1; i >= Math.max(0, hops.length - 10_000); i--) {
      const h = hops[i]!;
      if (h.to !== this.host.name || h.arrive !== now || h.drop !== undefined) continue;
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v || v.srcPort !== from.port || v.dstPort !== to.port || v.src !== from.ip) continue;
      if (!bytesEqual(udpPayload(h.bytes, v), bytes)) continue;
      this.net.dropAt(h, this.host.name, why);
      return;
    }
  }

  handleTimeout(now: Micros): void {
    this.server.handleTimeout(now);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.server.handleIcmpError(now, e);
  }

  poll(now: Micros): EndpointOutput {
    return this.server.poll(now);
  }
}
