import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { bytesEqual } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { join } from '../schema/check.ts';
import { TurnServer } from '../turn/server.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import type { AppKind, Obj } from './app-kind.ts';
import { hostField } from './fields.ts';
import { TURN_SECTION } from './sections.ts';

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
}

/** The scenario app "turn-server": a TURN server (sim/turn) with every relayed port of its range bound. */
export const turnServerApp: AppKind<TurnServerAppSpec, TurnServer> = {
  kind: 'turn-server',
  about: 'a TURN server (RFC 8656) that also answers STUN Binding requests',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'listen', 'relay', 'realm', 'users', 'deniedPeers', 'userQuota', 'defaultLifetime', 'maxLifetime', 'permissionLifetime', 'channelLifetime', 'nonceLifetime']);
    const listen = c.transport(join(path, 'listen'), o.listen);
    const relayText = c.string(join(path, 'relay'), o.relay);
    const m = relayText === undefined ? null : /^(.+):(\d+)-(\d+)$/.exec(relayText);
    const relayIp = m ? c.ip(join(path, 'relay'), m[1]!.replace(/^\[|\]$/g, '')) : undefined;
    const min = m ? Number(m[2]) : 0;
    const max = m ? Number(m[3]) : 0;
    if (relayText !== undefined && (!m || min < 1 || max > 65535 || min > max || max - min > 1023)) {
      c.fail(join(path, 'relay'), `expected "address:min-max" with at most 1024 ports, e.g. "198.51.100.20:49152-49167", got ${JSON.stringify(relayText)}`);
    }
    const realm = c.string(join(path, 'realm'), o.realm ?? 'rtclab.example');
    const usersObj = c.object(join(path, 'users'), o.users);
    const users: Record<string, string> = {};
    for (const [u, p] of Object.entries(usersObj ?? {})) {
      const pw = c.string(join(join(path, 'users'), u), p);
      if (pw !== undefined) users[u] = pw;
    }
    const denied = o.deniedPeers === undefined ? undefined : (c.array(join(path, 'deniedPeers'), o.deniedPeers) ?? []).map((v, i) => c.cidr(join(join(path, 'deniedPeers'), i), v)).filter((v) => v !== undefined).map((v) => `${v.ip}/${v.prefix}`);
    const userQuota = o.userQuota === undefined ? undefined : c.integer(join(path, 'userQuota'), o.userQuota, 0, 100000);
    const lifetimes: Record<string, Micros> = {};
    for (const k of ['defaultLifetime', 'maxLifetime', 'permissionLifetime', 'channelLifetime', 'nonceLifetime'] as const) {
      const d = o[k] === undefined ? undefined : c.duration(join(path, k), o[k]);
      if (d !== undefined) lifetimes[k] = d;
    }
    if (!listen || !relayIp || realm === undefined || !m) return undefined;
    return { kind: 'turn-server', host, listen, relay: { ip: relayIp, min, max }, realm, users, ...(denied ? { deniedPeers: denied } : {}), ...(userQuota !== undefined ? { userQuota } : {}), ...lifetimes };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.listen, 'listen');
    ctx.own(spec.relay, 'relay');
    const relayAddresses: TransportAddress[] = [];
    for (let p = spec.relay.min; p <= spec.relay.max; p++) relayAddresses.push({ ip: spec.relay.ip, port: p });
    const { kind: _k, host: _h, relay: _r, ...rest } = spec;
    const endpoint = new TurnServer({ ...rest, relayAddresses }, world.rng(`app/${ctx.source}`));
    const driver = new EndpointDriver(world.net, host, new HopFate(endpoint, world.net, host), ctx.source);
    for (const a of endpoint.addresses()) driver.bind(a.ip, a.port);
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
  notes: ['turn.*', 'stun.*'],
};

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

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.server.handleDatagram(now, from, to, bytes);
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

  poll(now: Micros): EndpointOutput {
    return this.server.poll(now);
  }
}
