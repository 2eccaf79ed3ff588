import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { bytesEqual } from '../core/encoding.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { StunBindingClient } from '../stun/binding-client.ts';
import { NatDiscoveryClient, resultJson } from '../stun/discovery.ts';
import { StunServer } from '../stun/server.ts';
import type { TurnAction } from '../turn/client.ts';
import { TurnClient } from '../turn/client.ts';
import { TurnServer } from '../turn/server.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import type { Check } from './check.ts';
import { join } from './check.ts';

/** Scenario apps for STUN and TURN: their JSON form, validation, construction and run summary. */

export interface StunServerAppSpec {
  readonly kind: 'stun-server';
  readonly host: string;
  readonly listen: TransportAddress;
  /** RFC 5780 alternate address and port. */
  readonly alternate?: TransportAddress;
  readonly software?: string;
}

export interface StunBindingAppSpec {
  readonly kind: 'stun-binding';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: readonly Micros[];
}

export interface NatDiscoveryAppSpec {
  readonly kind: 'nat-discovery';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: Micros;
}

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

export interface TurnClientAppSpec {
  readonly kind: 'turn-client';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  readonly autoRefresh: boolean;
  readonly keepPermissions: boolean;
  readonly script: readonly TurnAction[];
}

export type StunTurnAppSpec = StunServerAppSpec | StunBindingAppSpec | NatDiscoveryAppSpec | TurnServerAppSpec | TurnClientAppSpec;
export const STUN_TURN_APP_KINDS = ['stun-server', 'stun-binding', 'nat-discovery', 'turn-server', 'turn-client'] as const;

export function isStunTurnKind(kind: string): kind is StunTurnAppSpec['kind'] {
  return (STUN_TURN_APP_KINDS as readonly string[]).includes(kind);
}

const ACTIONS = ['allocate', 'permission', 'channel', 'send', 'refresh', 'deallocate'] as const;

/** Validates one STUN/TURN app (the `kind` and `host` fields are already checked). */
export function parseStunTurnApp(c: Check, path: string, o: Record<string, unknown>, kind: StunTurnAppSpec['kind'], host: string): StunTurnAppSpec | undefined {
  const addr = (k: string): TransportAddress | undefined => c.transport(join(path, k), o[k]);
  const dur = (k: string): Micros | undefined => (o[k] === undefined ? undefined : c.duration(join(path, k), o[k]));
  switch (kind) {
    case 'stun-server': {
      c.onlyKeys(path, o, ['kind', 'host', 'listen', 'alternate', 'software']);
      const listen = addr('listen');
      const alternate = o.alternate === undefined ? undefined : addr('alternate');
      if (listen && alternate && (alternate.ip === listen.ip || alternate.port === listen.port)) {
        c.fail(join(path, 'alternate'), 'RFC 5780 §4.1: the alternate must differ from listen in both address and port');
      }
      const software = o.software === undefined ? undefined : c.string(join(path, 'software'), o.software);
      if (!listen) return undefined;
      return { kind, host, listen, ...(alternate ? { alternate } : {}), ...(software !== undefined ? { software } : {}) };
    }
    case 'stun-binding': {
      c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'at']);
      const bind = addr('bind');
      const server = addr('server');
      const raw = o.at === undefined ? ['0s'] : Array.isArray(o.at) ? o.at : [o.at];
      const at = raw.map((v, i) => c.duration(join(join(path, 'at'), i), v)).filter((v) => v !== undefined);
      if (!bind || !server) return undefined;
      return { kind, host, bind, server, at };
    }
    case 'nat-discovery': {
      c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'at']);
      const bind = addr('bind');
      const server = addr('server');
      const at = dur('at') ?? 0;
      if (!bind || !server) return undefined;
      return { kind, host, bind, server, at };
    }
    case 'turn-server': {
      c.onlyKeys(path, o, ['kind', 'host', 'listen', 'relay', 'realm', 'users', 'deniedPeers', 'userQuota', 'defaultLifetime', 'maxLifetime', 'permissionLifetime', 'channelLifetime', 'nonceLifetime']);
      const listen = addr('listen');
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
        const d = dur(k);
        if (d !== undefined) lifetimes[k] = d;
      }
      if (!listen || !relayIp || realm === undefined || !m) return undefined;
      return { kind, host, listen, relay: { ip: relayIp, min, max }, realm, users, ...(denied ? { deniedPeers: denied } : {}), ...(userQuota !== undefined ? { userQuota } : {}), ...lifetimes };
    }
    case 'turn-client': {
      c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'username', 'password', 'autoRefresh', 'keepPermissions', 'script']);
      const bind = addr('bind');
      const server = addr('server');
      const username = c.string(join(path, 'username'), o.username);
      const password = c.string(join(path, 'password'), o.password);
      const autoRefresh = o.autoRefresh === undefined ? true : (c.boolean(join(path, 'autoRefresh'), o.autoRefresh) ?? true);
      const keepPermissions = o.keepPermissions === undefined ? true : (c.boolean(join(path, 'keepPermissions'), o.keepPermissions) ?? true);
      const script = (c.array(join(path, 'script'), o.script) ?? []).map((v, i) => parseAction(c, join(join(path, 'script'), i), v)).filter((v) => v !== undefined);
      if (!bind || !server || username === undefined || password === undefined) return undefined;
      return { kind, host, bind, server, username, password, autoRefresh, keepPermissions, script };
    }
  }
}

function parseAction(c: Check, path: string, v: unknown): TurnAction | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const what = c.oneOf(join(path, 'do'), o.do, ACTIONS);
  const at = o.at === undefined ? 0 : c.duration(join(path, 'at'), o.at);
  if (!what || at === undefined) return undefined;
  const peer = (): TransportAddress | undefined => c.transport(join(path, 'peer'), o.peer);
  switch (what) {
    case 'allocate':
    case 'refresh': {
      c.onlyKeys(path, o, ['at', 'do', 'lifetime']);
      const lifetime = o.lifetime === undefined ? undefined : c.integer(join(path, 'lifetime'), o.lifetime, 0, 0xffffffff);
      return { at, do: what, ...(lifetime !== undefined ? { lifetime } : {}) };
    }
    case 'deallocate':
      c.onlyKeys(path, o, ['at', 'do']);
      return { at, do: what };
    case 'permission': {
      c.onlyKeys(path, o, ['at', 'do', 'peers']);
      const peers = (c.array(join(path, 'peers'), o.peers) ?? []).map((p, i) => c.transport(join(join(path, 'peers'), i), p)).filter((p) => p !== undefined);
      return { at, do: what, peers };
    }
    case 'channel': {
      c.onlyKeys(path, o, ['at', 'do', 'peer', 'channel']);
      const p = peer();
      const channel = o.channel === undefined ? undefined : c.integer(join(path, 'channel'), o.channel, 0, 0xffff);
      if (!p) return undefined;
      return { at, do: what, peer: p, ...(channel !== undefined ? { channel } : {}) };
    }
    case 'send': {
      c.onlyKeys(path, o, ['at', 'do', 'peer', 'data', 'via']);
      const p = peer();
      const data = c.string(join(path, 'data'), o.data);
      const via = o.via === undefined ? undefined : c.oneOf(join(path, 'via'), o.via, ['indication', 'channel'] as const);
      if (!p || data === undefined) return undefined;
      return { at, do: what, peer: p, data, ...(via ? { via } : {}) };
    }
  }
}

/** Builds the endpoint of a STUN/TURN app on its host and binds every address it serves. */
export function buildStunTurnApp(net: Network, host: Host, spec: StunTurnAppSpec, source: string, own: (a: { ip: string }, field: string) => void): { endpoint: Endpoint; driver: EndpointDriver } {
  const rng = net.rng.fork(`app/${source}`);
  let endpoint: Endpoint;
  let binds: TransportAddress[];
  switch (spec.kind) {
    case 'stun-server': {
      own(spec.listen, 'listen');
      if (spec.alternate) own(spec.alternate, 'alternate');
      const s = new StunServer({ primary: spec.listen, ...(spec.alternate ? { alternate: spec.alternate } : {}), ...(spec.software !== undefined ? { software: spec.software } : {}) });
      endpoint = s;
      binds = s.addresses();
      break;
    }
    case 'stun-binding':
      own(spec.bind, 'bind');
      endpoint = new StunBindingClient(spec.host, spec.bind, spec.server, rng, spec.at);
      binds = [spec.bind];
      break;
    case 'nat-discovery':
      own(spec.bind, 'bind');
      endpoint = new NatDiscoveryClient(spec.host, spec.bind, spec.server, rng, spec.at);
      binds = [spec.bind];
      break;
    case 'turn-server': {
      own(spec.listen, 'listen');
      own(spec.relay, 'relay');
      const relayAddresses: TransportAddress[] = [];
      for (let p = spec.relay.min; p <= spec.relay.max; p++) relayAddresses.push({ ip: spec.relay.ip, port: p });
      const { kind: _k, host: _h, relay: _r, ...rest } = spec;
      const s = new TurnServer({ ...rest, relayAddresses }, rng);
      const driver = new EndpointDriver(net, host, new HopFate(s, net, host), source);
      for (const a of s.addresses()) driver.bind(a.ip, a.port);
      return { endpoint: s, driver };
    }
    case 'turn-client':
      own(spec.bind, 'bind');
      endpoint = new TurnClient(spec.host, { local: spec.bind, server: spec.server, username: spec.username, password: spec.password, autoRefresh: spec.autoRefresh, keepPermissions: spec.keepPermissions, script: spec.script }, rng);
      binds = [spec.bind];
      break;
  }
  const driver = new EndpointDriver(net, host, endpoint, source);
  for (const a of binds) if (!driver.bound(a)) driver.bind(a.ip, a.port);
  return { endpoint, driver };
}

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

/** `summary.stun` and `summary.turn` of a run: what each STUN/TURN app achieved. */
export function stunTurnSummary(apps: readonly { spec: { kind: string; host: string }; endpoint: Endpoint }[]): { [key: string]: JsonValue } {
  const stun: JsonValue[] = [];
  const turn: JsonValue[] = [];
  for (const a of apps) {
    const e = a.endpoint;
    const base = { kind: a.spec.kind, host: a.spec.host };
    if (e instanceof StunServer) stun.push({ ...base, ...e.stats, seen: e.seen.map((s) => ({ ...s })) });
    else if (e instanceof StunBindingClient) stun.push({ ...base, bindings: e.outcomes.map((o) => ({ ...o })) as unknown as JsonValue });
    else if (e instanceof NatDiscoveryClient) stun.push({ ...base, discovery: e.result ? resultJson(e.result) : null });
    else if (e instanceof TurnServer) {
      turn.push({
        ...base,
        ...e.stats,
        errors: { ...e.stats.errors },
        allocationsLeft: [...e.allocations.values()].map((x) => formatTransportAddress(x.relayed)),
      });
    } else if (e instanceof TurnClient) {
      turn.push({
        ...base,
        relayed: e.relayed ? formatTransportAddress(e.relayed) : null,
        mapped: e.mapped ? formatTransportAddress(e.mapped) : null,
        ...e.stats,
        received: e.received.map((r) => ({ ...r })),
        errors: [...e.errors],
      });
    }
  }
  const out: { [key: string]: JsonValue } = {};
  if (stun.length) out.stun = stun;
  if (turn.length) out.turn = turn;
  return out;
}
