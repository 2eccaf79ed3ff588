import { turnNote } from './notes.ts';
import type { Endpoint, EndpointOutput, IcmpError, Transport, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { toHex } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, SECOND } from '../core/time.ts';
import { Outbox } from '../stun/outbox.ts';
import { errorAttributes, key, response, softwareAttr, unknownAttributeError } from '../stun/respond.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import {
  Data,
  decodeChannelData,
  decodeStun,
  EvenPort,
  getAttribute,
  integrityProtected,
  isChannelData,
  isStun,
  Lifetime,
  messageTypeName,
  Method,
  RequestedAddressFamily,
  RequestedTransport,
  ReservationToken,
  unknownComprehensionRequired,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '../wire/stun/index.ts';
import { Allocation, fiveTuple, type Permission } from './allocation.ts';
import { DeadlineQueue, type Deadline } from './deadlines.ts';
import { ResponseCache } from './response-cache.ts';
import { LongTermAuth } from './auth.ts';
import { DEFAULT_DENIED_PEERS, deniedBy } from './deny.ts';
import { handlePermissionOrChannel } from './server-peers.ts';
import { relayIcmpToClient } from './server-icmp.ts';
import { dropToPeer, fromPeer, relayToPeer } from './server-relay.ts';
import type { TurnServerConfig, TurnServerStats } from './server-config.ts';
import { TcpAllocations, type TcpPeerLinks } from './tcp-allocations.ts';
import { nextWake } from '../core/deadline.ts';

/**
 * A TURN server (RFC 8656) over UDP: one sans-IO endpoint bound to its listening address and to every relayed
 * address it may hand out. Long-term credentials with 401/438, Allocate, Refresh, CreatePermission, ChannelBind,
 * Send and Data indications, ChannelData, quotas, a deny list of peer addresses, and expiry of allocations,
 * permissions and channels, each drop explained in a note.
 */
export class TurnServer implements Endpoint {
  readonly out = new Outbox();
  readonly auth: LongTermAuth;
  /** Transaction ids of Data indications (RFC 8489 §5: random even for indications). */
  readonly indicationRng: Rng;
  /** By 5-tuple key. */
  readonly allocations = new Map<string, Allocation>();
  private readonly byRelay = new Map<string, Allocation>();
  /** Allocations held per username, for the quota without a scan. */
  private readonly owned = new Map<string, number>();
  /** Allocation and permission expiry, earliest first (sim/turn/deadlines.ts). */
  private readonly deadlines = new DeadlineQueue<Expiring>((d) => this.stillDue(d));
  private readonly relayPool: TransportAddress[];
  private readonly responseCache = new ResponseCache();
  readonly software: string | undefined;
  readonly defaultLifetime: Micros;
  readonly maxLifetime: Micros;
  readonly permissionLifetime: Micros;
  readonly channelLifetime: Micros;
  readonly userQuota: number;
  readonly maxAllocations: number;
  readonly maxPermissionsPerAllocation: number;
  readonly maxChannelsPerAllocation: number;
  readonly deniedPeers: readonly string[];
  /** Why the datagram just handled was discarded at a relayed address, if it was (for the hop's fate). */
  lastDrop: string | undefined;
  /** The client transport of the message being handled: 'tcp' for a message framed off a TCP or TLS connection. */
  private transport: Transport = 'udp';
  readonly stats: TurnServerStats = {
    allocations: 0, refreshes: 0, deleted: 0, expired: 0, permissions: 0, channels: 0, errors: {},
    relayedToPeer: 0, relayedToClient: 0, droppedFromPeer: 0, droppedToPeer: 0,
  };

  constructor(
    readonly config: TurnServerConfig,
    rng: Rng,
  ) {
    this.auth = new LongTermAuth(config.realm, new Map(Object.entries(config.users)), rng.fork('nonce'), config.nonceLifetime ?? 600 * SECOND);
    this.indicationRng = rng.fork('indication');
    this.relayPool = [...config.relayAddresses];
    this.software = config.software === undefined ? 'rtclab turn' : config.software || undefined;
    this.defaultLifetime = config.defaultLifetime ?? 600 * SECOND;
    this.maxLifetime = config.maxLifetime ?? 3600 * SECOND;
    this.permissionLifetime = config.permissionLifetime ?? 300 * SECOND;
    this.channelLifetime = config.channelLifetime ?? 600 * SECOND;
    this.userQuota = config.userQuota ?? 10;
    this.maxAllocations = config.maxAllocations ?? 1000;
    this.maxPermissionsPerAllocation = config.maxPermissionsPerAllocation ?? 64;
    this.maxChannelsPerAllocation = config.maxChannelsPerAllocation ?? 64;
    this.deniedPeers = config.deniedPeers ?? DEFAULT_DENIED_PEERS;
  }

  /** Adds a relayed address to the pool (the bridge learns its ports only after binding). */
  addRelayAddress(a: TransportAddress): void {
    this.relayPool.push(a);
  }

  /** Every address the driver must bind: the listening one, then the relayed ones. */
  addresses(): TransportAddress[] {
    return [this.config.listen, ...this.relayPool];
  }

  /**
   * A datagram at the listening or a relayed address; with `transport` 'tcp', one message framed off a client's TCP
   * or TLS connection to `to` (RFC 8656 §3.1: the 5-tuple's transport is TCP, the answers go back on it).
   */
  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport: Transport = 'udp'): void {
    this.lastDrop = undefined;
    this.expire(now);
    this.transport = transport;
    if (transport === 'udp') {
      const relay = this.byRelay.get(key(to));
      // a TCP allocation's relayed address takes TCP connections only (RFC 6062 §5.3)
      if (relay) return relay.tcpRelay ? undefined : fromPeer(this, now, relay, from, bytes);
      if (to.port !== this.config.listen.port || to.ip !== this.config.listen.ip) return;
    } else if (!this.streamListening(to)) return;
    if (isStun(bytes)) {
      const decoded = decodeStun(bytes, false).value;
      if (!decoded) return;
      // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY are not covered by it and are ignored
      const msg = integrityProtected(decoded);
      if (msg.class === 'request') return this.request(now, msg, bytes, from, to);
      if (msg.class === 'indication' && msg.method === Method.Send) return this.send(now, msg, from, to);
      return;
    }
    if (isChannelData(bytes, { rfc5766Range: true })) return this.channelData(now, bytes, from, to);
  }

  private request(now: Micros, msg: StunMessage, bytes: Uint8Array, from: TransportAddress, to: TransportAddress): void {
    const cacheKey = `${fiveTuple(from, to, this.transport)} ${toHex(msg.transactionId)}`;
    // only answers to authenticated requests are cached: an unauthenticated one is answered again from scratch
    const cached = this.responseCache.get(now, cacheKey);
    if (cached) {
      // a retransmitted request gets the same answer again (RFC 8489 §6.3.1: the server is stateless or caches)
      this.out.note(turnNote('turn.retransmit.answered', `${messageTypeName(msg.method, 'request')} retransmitted by ${formatTransportAddress(from)}: the cached answer goes again`));
      this.out.transmit(to, from, cached, this.transport);
      return;
    }
    const unknown = unknownComprehensionRequired(msg);
    if (unknown.length > 0) return this.reply(now, undefined, from, to, unknownAttributeError(msg, unknown, this.software, true), msg);
    if (msg.method === Method.Binding) {
      const attrs = [XorMappedAddress.of(from), ...softwareAttr(this.software)];
      return this.reply(now, undefined, from, to, response(msg, 'success', attrs, { fingerprint: true }), msg);
    }
    const known: number[] = [Method.Allocate, Method.Refresh, Method.CreatePermission, Method.ChannelBind, ...(this.tcp ? [Method.Connect, Method.ConnectionBind] : [])];
    if (!known.includes(msg.method)) return this.fail(now, cacheKey, msg, from, to, 400, undefined, 'Bad Request: unknown method');
    const a = this.auth.check(now, msg, bytes, from);
    if (!a.ok) {
      const who = a.code === 438 ? 'the nonce is stale or unknown: here is a new one' : a.code === 401 ? 'credentials needed (REALM and NONCE sent)' : 'USERNAME, REALM or NONCE missing';
      this.out.note(turnNote('turn.auth', `${messageTypeName(msg.method, 'request')} from ${formatTransportAddress(from)}: ${a.code} ${a.reason}, ${who}`, { code: a.code }));
      return this.fail(now, cacheKey, msg, from, to, a.code, undefined, a.reason, a.attributes);
    }
    const alloc = this.allocations.get(fiveTuple(from, to, this.transport));
    if (msg.method === Method.Allocate) return this.allocate(now, cacheKey, msg, from, to, a.username, a.key, alloc);
    // RFC 6062 §5.4: ConnectionBind comes on a new connection, one without an allocation
    if (msg.method === Method.ConnectionBind && this.tcp) return this.transport === 'tcp' ? this.tcp.bind(msg, from, to, a.username, a.key, alloc !== undefined) : this.fail(now, cacheKey, msg, from, to, 400, a.key, 'Bad Request: ConnectionBind over UDP (RFC 6062 §5.4)');
    if (!alloc) return this.fail(now, cacheKey, msg, from, to, 437, a.key, 'Allocation Mismatch');
    if (alloc.username !== a.username) return this.fail(now, cacheKey, msg, from, to, 441, a.key, 'Wrong Credentials');
    if (msg.method === Method.Refresh) return this.refresh(now, cacheKey, msg, from, to, alloc, a.key);
    if (msg.method === Method.Connect && this.tcp) return this.tcp.connect(now, msg, from, to, alloc, a.key);
    const r = handlePermissionOrChannel(this, now, msg, alloc);
    if ('error' in r) return this.fail(now, cacheKey, msg, from, to, r.error, a.key, r.reason);
    return this.reply(now, cacheKey, from, to, response(msg, 'success', softwareAttr(this.software), { integrity: a.key, fingerprint: true }), msg);
  }

  /** RFC 8656 §7.2: receiving an Allocate request. */
  private allocate(now: Micros, cacheKey: string, msg: StunMessage, from: TransportAddress, to: TransportAddress, username: string, k: Uint8Array, existing: Allocation | undefined): void {
    if (existing) {
      if (existing.allocateTransaction === toHex(msg.transactionId)) {
        this.out.transmit(to, from, existing.allocateResponse, this.transport);
        return;
      }
      return this.fail(now, cacheKey, msg, from, to, 437, k, 'Allocation Mismatch');
    }
    const transport = getAttribute(msg, RequestedTransport);
    if (transport === undefined) return this.fail(now, cacheKey, msg, from, to, 400, k, 'Bad Request: REQUESTED-TRANSPORT missing');
    // RFC 6062 §5.1: REQUESTED-TRANSPORT TCP (6) over a TCP or TLS control connection, without EVEN-PORT or a reservation
    const tcpRelay = transport === 6 && this.tcp !== undefined;
    if (transport !== 17 && !tcpRelay) return this.fail(now, cacheKey, msg, from, to, 442, k, 'Unsupported Transport Protocol');
    if (tcpRelay && (this.transport !== 'tcp' || getAttribute(msg, EvenPort) || getAttribute(msg, ReservationToken))) {
      return this.fail(now, cacheKey, msg, from, to, 400, k, `Bad Request: a TCP allocation needs a TCP or TLS control connection and no EVEN-PORT or RESERVATION-TOKEN (RFC 6062 §5.1)`);
    }
    if (getAttribute(msg, ReservationToken)) return this.fail(now, cacheKey, msg, from, to, 508, k, 'Insufficient Capacity: no reservations here');
    const family = getAttribute(msg, RequestedAddressFamily) ?? 4;
    if ((this.owned.get(username) ?? 0) >= this.userQuota) return this.fail(now, cacheKey, msg, from, to, 486, k, 'Allocation Quota Reached');
    // RFC 8656 §7.2: a server out of resources answers 508; the global cap keeps one server's memory bounded
    if (this.allocations.size >= this.maxAllocations) return this.fail(now, cacheKey, msg, from, to, 508, k, `Insufficient Capacity: the server holds its maximum of ${this.maxAllocations} allocations`);
    const even = getAttribute(msg, EvenPort);
    const relayed = this.relayPool.find((r) => !this.byRelay.has(key(r)) && (r.ip.includes(':') ? 6 : 4) === family && (!even || r.port % 2 === 0));
    if (!relayed) {
      const anyFamily = this.relayPool.some((r) => (r.ip.includes(':') ? 6 : 4) === family);
      if (!anyFamily) return this.fail(now, cacheKey, msg, from, to, 440, k, 'Address Family not Supported');
      return this.fail(now, cacheKey, msg, from, to, 508, k, 'Insufficient Capacity');
    }
    const lifetime = this.lifetime(msg);
    const attrs: StunAttribute[] = [XorRelayedAddress.of(relayed), Lifetime.of(lifetime / SECOND), XorMappedAddress.of(from), ...softwareAttr(this.software)];
    const bytes = response(msg, 'success', attrs, { integrity: k, fingerprint: true });
    const alloc = new Allocation(from, to, relayed, username, now + lifetime, toHex(msg.transactionId), bytes, this.transport, tcpRelay);
    if (tcpRelay) this.tcp!.links.listen(relayed);
    this.allocations.set(alloc.key, alloc);
    this.byRelay.set(key(relayed), alloc);
    this.owned.set(username, (this.owned.get(username) ?? 0) + 1);
    this.deadlines.push(alloc.expiresAt, 'turn-allocation-expiry', { alloc });
    this.stats.allocations++;
    this.out.note(
      turnNote('turn.allocation.created', `allocation for ${username} at ${formatTransportAddress(from)}: relayed address ${formatTransportAddress(relayed)}, lifetime ${formatDuration(lifetime)}`, {
        client: formatTransportAddress(from),
        relayed: formatTransportAddress(relayed),
        lifetime: lifetime / SECOND,
        username,
      }),
    );
    this.reply(now, cacheKey, from, to, bytes, msg);
  }

  /** RFC 8656 §7.2/§7.3: the requested lifetime, clamped to the maximum; absent means the default. */
  private lifetime(msg: StunMessage): Micros {
    const asked = getAttribute(msg, Lifetime);
    if (asked === undefined) return this.defaultLifetime;
    return Math.min(asked * SECOND, this.maxLifetime);
  }

  /** RFC 8656 §7.3: Refresh; LIFETIME 0 deletes the allocation. */
  private refresh(now: Micros, cacheKey: string, msg: StunMessage, from: TransportAddress, to: TransportAddress, alloc: Allocation, k: Uint8Array): void {
    const asked = getAttribute(msg, Lifetime);
    if (asked === 0) {
      this.remove(alloc, 'deleted by Refresh with LIFETIME 0');
      this.stats.deleted++;
    } else {
      const lifetime = this.lifetime(msg);
      alloc.expiresAt = now + lifetime;
      this.deadlines.push(alloc.expiresAt, 'turn-allocation-expiry', { alloc });
      this.stats.refreshes++;
      this.out.note(turnNote('turn.allocation.refreshed', `allocation ${formatTransportAddress(alloc.relayed)} refreshed: expires in ${formatDuration(lifetime)}`, { relayed: formatTransportAddress(alloc.relayed), lifetime: lifetime / SECOND }));
    }
    const granted = asked === 0 ? 0 : (alloc.expiresAt - now) / SECOND;
    this.reply(now, cacheKey, from, to, response(msg, 'success', [Lifetime.of(granted), ...softwareAttr(this.software)], { integrity: k, fingerprint: true }), msg);
  }

  /** RFC 8656 §10.2: a Send indication is relayed when there is a permission; otherwise silently dropped. */
  private send(now: Micros, msg: StunMessage, from: TransportAddress, to: TransportAddress): void {
    const alloc = this.allocations.get(fiveTuple(from, to, this.transport));
    const peer = getAttribute(msg, XorPeerAddress);
    const data = getAttribute(msg, Data);
    if (!alloc || !peer || !data) {
      dropToPeer(this, alloc, `Send indication from ${formatTransportAddress(from)}`, !alloc ? 'no allocation for this 5-tuple' : 'XOR-PEER-ADDRESS or DATA missing');
      return;
    }
    relayToPeer(this, now, alloc, peer, data, 'Send indication');
  }

  /** RFC 8656 §12.6: ChannelData from the client goes to the peer bound to the channel. */
  private channelData(now: Micros, bytes: Uint8Array, from: TransportAddress, to: TransportAddress): void {
    const alloc = this.allocations.get(fiveTuple(from, to, this.transport));
    const cd = decodeChannelData(bytes).value;
    if (!cd) return;
    const binding = alloc?.channels.get(cd.channel);
    if (!alloc || !binding || binding.expiresAt <= now) {
      dropToPeer(this, alloc, `ChannelData on 0x${cd.channel.toString(16)} from ${formatTransportAddress(from)}`, !alloc ? 'no allocation' : 'the channel is not bound');
      return;
    }
    relayToPeer(this, now, alloc, binding.peer, cd.data, `ChannelData 0x${cd.channel.toString(16)}`);
  }

  fail(now: Micros, cacheKey: string | undefined, msg: StunMessage, from: TransportAddress, to: TransportAddress, code: number, k: Uint8Array | undefined, reason: string, extra: readonly StunAttribute[] = []): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    const bytes = response(msg, 'error', [...errorAttributes(code, extra, reason), ...softwareAttr(this.software)], { ...(k ? { integrity: k } : {}), fingerprint: true });
    if (code !== 401 && code !== 438) {
      this.out.note(turnNote('turn.error', `${messageTypeName(msg.method, 'request')} from ${formatTransportAddress(from)} refused: ${code} ${reason}`, { code, reason }));
    }
    this.reply(now, k ? cacheKey : undefined, from, to, bytes, msg);
  }

  /** Sends an answer; one to an authenticated request (`cacheKey` set) is kept for its retransmissions. */
  private reply(now: Micros, cacheKey: string | undefined, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, _msg: StunMessage): void {
    if (cacheKey !== undefined) this.responseCache.put(now, cacheKey, bytes);
    this.out.transmit(to, from, bytes, this.transport);
  }

  /** What the server holds, for tests and panels: none of it grows with unauthenticated traffic. */
  get stateSize(): { allocations: number; cachedResponses: number; deadlines: number } {
    return { allocations: this.allocations.size, cachedResponses: this.responseCache.size, deadlines: this.deadlines.size };
  }

  /** Deletes an allocation and frees its relayed address. */
  private remove(alloc: Allocation, why: string): void {
    if (alloc.tcpRelay) this.tcp?.allocationGone(alloc);
    this.allocations.delete(alloc.key);
    this.byRelay.delete(key(alloc.relayed));
    const left = (this.owned.get(alloc.username) ?? 1) - 1;
    if (left > 0) this.owned.set(alloc.username, left);
    else this.owned.delete(alloc.username);
    this.out.note(
      turnNote('turn.allocation.deleted', `allocation ${formatTransportAddress(alloc.relayed)} of ${formatTransportAddress(alloc.client)} ${why}`, {
        relayed: formatTransportAddress(alloc.relayed),
        client: formatTransportAddress(alloc.client),
        why,
      }),
    );
  }

  /** Ends allocations past their lifetime and notes permissions as they lapse: O(log n) per deadline, none per datagram. */
  private expire(now: Micros): void {
    this.tcp?.expire(now);
    for (let d = this.deadlines.takeDue(now); d; d = this.deadlines.takeDue(now)) {
      const { alloc: a, permission: p } = d.item;
      if (!p) {
        this.stats.expired++;
        this.remove(a, 'expired: its lifetime ran out without a Refresh (RFC 8656 §7)');
        continue;
      }
      p.expiredNoted = true;
      this.out.note(
        turnNote('turn.permission.expired', `permission for ${p.ip} on ${formatTransportAddress(a.relayed)} expired: its data is dropped from now on (RFC 8656 §9)`, {
          peer: p.ip,
          relayed: formatTransportAddress(a.relayed),
        }),
      );
    }
  }

  /** A queued deadline still stands: its allocation is live and neither it nor the permission was refreshed since. */
  private stillDue(d: Deadline<Expiring>): boolean {
    const { alloc: a, permission: p } = d.item;
    if (this.allocations.get(a.key) !== a) return false;
    if (!p) return a.expiresAt === d.at;
    return a.permissions.get(p.ip) === p && p.expiresAt === d.at && !p.expiredNoted;
  }

  /** For the CreatePermission / ChannelBind handlers: a permission's (new) expiry joins the queue. */
  permissionSet(alloc: Allocation, permission: Permission): void {
    this.deadlines.push(permission.expiresAt, 'turn-permission-expiry', { alloc, permission });
  }

  handleTimeout(now: Micros): void {
    this.expire(now);
  }

  /** Addresses where clients' TCP and TLS connections arrive (the stream listeners, sim/turn/stream-server.ts). */
  private readonly streamListens: TransportAddress[] = [];

  /** RFC 6062 TCP allocations, on from now on: `links` gives the server TCP on its relayed addresses. */
  tcp: TcpAllocations | undefined;

  enableTcpAllocations(links: TcpPeerLinks, rng: Rng): TcpAllocations {
    this.tcp = new TcpAllocations(links, {
      reply: (msg, from, to, k, attrs) => this.out.transmit(to, from, response(msg, 'success', [...attrs, ...softwareAttr(this.software)], { integrity: k, fingerprint: true }), 'tcp'),
      fail: (msg, from, to, k, code, reason) => {
        // every RFC 6062 answer goes on a TCP or TLS connection, also one deferred until a dial ended
        this.transport = 'tcp';
        this.fail(0, undefined, msg, from, to, code, k, reason);
      },
      transmit: (from, to, bytes) => this.out.transmit(from, to, bytes, 'tcp'),
      note: (n) => this.out.note(n),
    }, rng);
    return this.tcp;
  }

  /** RFC 6062 §5.3: a peer connected to `relayed`; the connection id, or undefined to refuse it. */
  tcpPeerArrived(now: Micros, relayed: TransportAddress, peer: TransportAddress): number | undefined {
    this.expire(now);
    const alloc = this.byRelay.get(key(relayed));
    if (!alloc?.tcpRelay || !this.tcp) return undefined;
    return this.tcp.peerArrived(now, alloc, peer, this.indicationRng.bytes(12));
  }

  /** Takes messages framed off connections accepted at `a` (a TCP or TLS listener of the same server). */
  listenOnStreams(a: TransportAddress): void {
    if (!this.streamListening(a)) this.streamListens.push(a);
  }

  private streamListening(to: TransportAddress): boolean {
    return this.streamListens.some((l) => l.port === to.port && (l.ip === to.ip || l.ip === '::' || l.ip === '0.0.0.0'));
  }

  /**
   * A client's TCP or TLS connection from `client` to `server` closed: its allocation goes with it (RFC 8656 §3.1,
   * an allocation over TCP lives as long as the connection its 5-tuple names).
   */
  streamClosed(now: Micros, client: TransportAddress, server: TransportAddress, why: string): void {
    this.expire(now);
    const alloc = this.allocations.get(fiveTuple(client, server, 'tcp'));
    if (!alloc) return;
    this.stats.deleted++;
    this.remove(alloc, `deleted: its TCP connection closed (${why}) (RFC 8656 §3.1)`);
  }

  /** RFC 8656 §11.5: an ICMP error about a datagram relayed to a peer goes on to the client (server-icmp.ts). */
  handleIcmpError(now: Micros, e: IcmpError): void {
    this.expire(now);
    relayIcmpToClient({
      allocationAt: (relayed) => this.byRelay.get(key(relayed)),
      indicationId: () => this.indicationRng.bytes(12),
      note: (n) => this.out.note(n),
      transmit: (from, to, bytes, alloc) => this.out.transmit(from, to, bytes, alloc.transport),
    }, now, e);
  }

  poll(_now: Micros): EndpointOutput {
    const next = this.out.next();
    if (next) return next;
    const d = this.deadlines.peek();
    const bind = this.tcp?.nextDeadline();
    return nextWake(d ? { at: d.at, reason: d.reason } : undefined, bind !== undefined ? { at: bind, reason: 'turn-connection-bind' } : undefined);
  }

  /** For the ChannelBind / CreatePermission handlers. */
  peerDenied(ip: string): string | undefined {
    return deniedBy(ip, this.deniedPeers);
  }
}

/** What a deadline ends: an allocation, or one permission of it. */
interface Expiring {
  readonly alloc: Allocation;
  readonly permission?: Permission;
}

