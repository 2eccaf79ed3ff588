import { turnNote } from './notes.ts';
import { icmpIndication, type TurnPeerIcmp } from './client-icmp.ts';
import { formatTransportAddress, sameTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, SECOND } from '../core/time.ts';
import type { TransactionOptions, TransactionOutput, TransactionResult } from '../stun/transactions.ts';
import { StunTransactions } from '../stun/transactions.ts';
import type { TurnPeerData, TurnRequestKind, TurnRequestOutcome, TurnSessionConfig } from './session-types.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import {
  ChannelNumber, ConnectionId, Data, decodeChannelData, Icmp, decodeStun, encodeChannelData, encodeStun, ErrorCode, getAttribute, hex16, integrityProtected, isChannelData, isStun,
  Lifetime, longTermKey, messageTypeName, Method, Nonce, Realm, reasonText, RequestedTransport, Software, Username, verifyMessageIntegrity,
  XorMappedAddress, XorPeerAddress, XorRelayedAddress,
} from '../wire/stun/index.ts';

export type { TurnPeerData, TurnRequestKind, TurnRequestOutcome, TurnSessionConfig } from './session-types.ts';

/** RFC 8489 §6.2.2: over a reliable transport one request, and a timeout Ti of 39.5 s (500 ms × 79). */
export const STREAM_TRANSACTIONS: TransactionOptions = { rto: 500_000, rc: 1, rm: 79 };

interface Ctx {
  readonly kind: TurnRequestKind;
  readonly keepAlive: boolean;
  readonly method: number;
  readonly attributes: readonly StunAttribute[];
  /** Authentication retries already made (one 401 and one 438 at most). */
  readonly retries: number;
  readonly peerIps?: readonly string[];
  readonly channel?: number;
  readonly peer?: TransportAddress;
}

interface Channel {
  readonly channel: number;
  readonly peer: TransportAddress;
  bound: boolean;
  /** When to bind it again; undefined while a ChannelBind is in flight or after it failed. */
  refreshAt: Micros | undefined;
}

const PROTOCOL_UDP = 17;
const PROTOCOL_TCP = 6;
/** RFC 8656 §9: permissions last 300 s; refresh a minute early. §12: channels last 600 s. */
const PERMISSION_REFRESH = 240 * SECOND;
const CHANNEL_REFRESH = 540 * SECOND;

/**
 * The client side of one TURN allocation over UDP (RFC 8656 §6–§12), sans-IO and without a socket of its own:
 * Allocate with long-term credentials (answering 401, and 438 with the new nonce, RFC 8489 §9.2), Refresh before
 * expiry (§8), CreatePermission (§9), ChannelBind (§12), Send indications (§10) and ChannelData (§12.4), and
 * keeping permissions and channels alive. Its owner feeds it the datagrams that came from the server to `local`
 * and gets back the peers' data as bytes. The scripted `TurnClient` app and ICE's relayed transport both use it.
 */
export class TurnSession {
  private readonly tx: StunTransactions<Ctx>;
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Uint8Array | undefined;
  relayed: TransportAddress | undefined;
  mapped: TransportAddress | undefined;
  /** The granted lifetime in seconds, and when the allocation expires. */
  lifetime: number | undefined;
  expiresAt: Micros | undefined;
  private refreshAt: Micros | undefined;
  /** The Allocate failed (error, timeout, or no relayed address): nothing more is sent. */
  failed = false;
  /** Peer IP → when to refresh its permission (undefined while a refresh is in flight). */
  private readonly permissions = new Map<string, Micros | undefined>();
  /** Channel number → binding (RFC 8656 §12: 0x4000 upward). */
  private readonly channels = new Map<number, Channel>();
  private nextChannel = 0x4000;
  readonly stats = { sentIndications: 0, sentChannelData: 0, refreshes: 0, allocations: 0, deallocated: false };

  constructor(
    readonly config: TurnSessionConfig,
    rng: Rng,
    private readonly out: TransactionOutput,
    private readonly onDone: (now: Micros, outcome: TurnRequestOutcome) => void = () => {},
  ) {
    this.tx = new StunTransactions<Ctx>(rng, out, (r) => this.done(r), config.transactions ?? (config.stream ? STREAM_TRANSACTIONS : {}));
  }

  get local(): TransportAddress {
    return this.config.local;
  }

  get server(): TransportAddress {
    return this.config.server;
  }

  private get who(): string {
    return this.config.name ?? 'TURN client';
  }

  /** The server this session talks to, as every one of its notes names it first. */
  private get serverText(): string {
    return formatTransportAddress(this.config.server);
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  /** RFC 8656 §7.1: Allocate, first without credentials (401 brings REALM, NONCE); 'tcp': RFC 6062 §4.1. */
  allocate(now: Micros, lifetime?: number, relay: 'udp' | 'tcp' = 'udp'): void {
    const attrs: StunAttribute[] = [RequestedTransport.of(relay === 'tcp' ? PROTOCOL_TCP : PROTOCOL_UDP), ...(lifetime !== undefined ? [Lifetime.of(lifetime)] : []), ...(this.config.software ? [Software.of(this.config.software)] : [])];
    this.out.note(turnNote('turn.allocate', `${this.who} sends an Allocate request to TURN server ${formatTransportAddress(this.config.server)}`, { server: this.serverText }));
    this.request(now, { kind: 'allocate', keepAlive: false, method: Method.Allocate, attributes: attrs, retries: 0 });
  }

  /** RFC 8656 §8: Refresh, with the LIFETIME asked for when given. */
  refresh(now: Micros, lifetime?: number): void {
    this.request(now, { kind: 'refresh', keepAlive: false, method: Method.Refresh, attributes: lifetime !== undefined ? [Lifetime.of(lifetime)] : [], retries: 0 });
  }

  /** RFC 8656 §8: a Refresh with LIFETIME 0 deletes the allocation. */
  deallocate(now: Micros): void {
    this.request(now, { kind: 'deallocate', keepAlive: false, method: Method.Refresh, attributes: [Lifetime.of(0)], retries: 0 });
  }

  /** An owner done with the allocation deletes it (libwebrtc's TurnPort::Release): nothing is refreshed any more, whatever the answer. */
  release(now: Micros): void {
    this.refreshAt = undefined;
    this.permissions.clear();
    this.channels.clear();
    this.deallocate(now);
  }

  /** RFC 8656 §9.1: permissions are per peer IP address; the ports are ignored. */
  createPermission(now: Micros, peers: readonly TransportAddress[], keepAlive = false): void {
    this.request(now, { kind: 'permission', keepAlive, method: Method.CreatePermission, attributes: peers.map((p) => XorPeerAddress.of(p)), retries: 0, peerIps: peers.map((p) => p.ip) });
  }

  /**
   * RFC 8656 §12.1: binds a channel (the next free one from 0x4000 unless given) to `peer`; the server also installs the
   * permission for its IP (§12.2). Returns the channel, or undefined when none is left.
   */
  bindChannel(now: Micros, peer: TransportAddress, channel?: number): number | undefined {
    let n = channel;
    if (n === undefined) {
      while (this.channels.has(this.nextChannel)) this.nextChannel++;
      if (this.nextChannel > 0x4fff) return undefined;
      n = this.nextChannel++;
    }
    const existing = this.channels.get(n);
    if (!existing || !sameTransportAddress(existing.peer, peer)) this.channels.set(n, { channel: n, peer, bound: false, refreshAt: undefined });
    this.out.note(turnNote('turn.channel-bind', `${this.who} asks to bind channel ${hex16(n)} to peer ${formatTransportAddress(peer)}`, { server: this.serverText, channel: n, peer: formatTransportAddress(peer) }));
    this.sendChannelBind(now, n, peer, false);
    return n;
  }

  private sendChannelBind(now: Micros, channel: number, peer: TransportAddress, keepAlive: boolean): void {
    this.request(now, { kind: 'channel', keepAlive, method: Method.ChannelBind, attributes: [ChannelNumber.of(channel), XorPeerAddress.of(peer)], retries: 0, channel });
  }

  /** RFC 6062 §4.3: asks the server to open a TCP connection from the relayed address to `peer`. */
  connect(now: Micros, peer: TransportAddress): void {
    this.request(now, { kind: 'connect', keepAlive: false, method: Method.Connect, attributes: [XorPeerAddress.of(peer)], retries: 0, peer });
  }

  /** RFC 6062 §4.4: ConnectionBind for `id`, to send on a new data connection (whose owner reads the answer). */
  connectionBind(id: number, nonce?: string): Uint8Array | undefined {
    if (!this.key || this.realm === undefined || this.nonce === undefined) return undefined;
    return encodeStun(
      { method: Method.ConnectionBind, class: 'request', transactionId: this.tx.newTransactionId(), attributes: [ConnectionId.of(id), Username.of(this.config.username), Realm.of(this.realm), Nonce.of(nonce ?? this.nonce)] },
      { integrity: this.key, fingerprint: true },
    );
  }

  /** The channel asked for `peer` (bound or not yet), or undefined. */
  channelOf(peer: TransportAddress): number | undefined {
    for (const c of this.channels.values()) if (sameTransportAddress(c.peer, peer)) return c.channel;
    return undefined;
  }

  /** The channel bound to `peer`, or undefined: data to it can go as ChannelData. */
  boundChannel(peer: TransportAddress): number | undefined {
    for (const c of this.channels.values()) if (c.bound && sameTransportAddress(c.peer, peer)) return c.channel;
    return undefined;
  }

  /** Sends `data` to `peer`: ChannelData when a channel is bound (§12.4), else a Send indication (§10.1). */
  send(peer: TransportAddress, data: Uint8Array, via?: 'indication' | 'channel'): 'channel' | 'indication' {
    const channel = via === 'indication' ? undefined : this.boundChannel(peer);
    if (channel !== undefined) {
      this.stats.sentChannelData++;
      this.out.transmit(this.config.local, this.config.server, encodeChannelData({ channel, data }, { transport: this.config.stream ? 'tcp' : 'udp' }));
      return 'channel';
    }
    this.stats.sentIndications++;
    const transactionId = this.tx.newTransactionId();
    this.out.transmit(this.config.local, this.config.server, encodeStun({ method: Method.Send, class: 'indication', transactionId, attributes: [XorPeerAddress.of(peer), Data.of(data)] }, { fingerprint: true }));
    return 'indication';
  }

  private request(now: Micros, ctx: Ctx): void {
    const auth: StunAttribute[] = this.key && this.realm !== undefined && this.nonce !== undefined ? [Username.of(this.config.username), Realm.of(this.realm), Nonce.of(this.nonce)] : [];
    this.tx.start(now, {
      from: this.config.local,
      to: this.config.server,
      method: ctx.method,
      attributes: [...ctx.attributes, ...auth],
      encode: { ...(auth.length ? { integrity: this.key! } : {}), fingerprint: true },
      context: ctx,
    });
  }

  // ---- datagrams from the server -----------------------------------------------------------------------------

  /**
   * A datagram that arrived at `local`: the peer data it carries (ChannelData or a Data indication), 'consumed'
   * for the session's own traffic, or undefined when it is not the session's (the owner handles it).
   */
  receive(now: Micros, from: TransportAddress, bytes: Uint8Array): TurnPeerData | TurnPeerIcmp | 'consumed' | undefined {
    if (!sameTransportAddress(from, this.config.server)) return undefined;
    if (isChannelData(bytes)) {
      const cd = decodeChannelData(bytes).value;
      const ch = cd && this.channels.get(cd.channel);
      return cd && ch?.bound ? { peer: ch.peer, data: cd.data, via: 'channel', channel: ch.channel } : 'consumed';
    }
    if (!isStun(bytes)) return undefined;
    const decoded = decodeStun(bytes, false).value;
    if (!decoded) return undefined;
    // RFC 8489 §14.5: a response's attributes after MESSAGE-INTEGRITY are ignored
    const msg = integrityProtected(decoded);
    if (msg.class === 'indication' && msg.method === Method.ConnectionAttempt) {
      // RFC 6062 §4.5: a peer connected to our TCP relayed address
      const peer = getAttribute(msg, XorPeerAddress);
      const id = getAttribute(msg, ConnectionId);
      if (peer && id !== undefined) this.config.onConnectionAttempt?.(now, id, peer);
      return 'consumed';
    }
    if (msg.class === 'indication' && msg.method === Method.Data) {
      const peer = getAttribute(msg, XorPeerAddress);
      const icmp = getAttribute(msg, Icmp); // RFC 8656 §11.6: an ICMP error about what the server relayed to `peer`
      if (peer && icmp) return icmpIndication(peer, icmp, this.permissions.has(peer.ip), this.who, this.serverText, this.out);
      const data = getAttribute(msg, Data);
      return peer && data ? { peer, data, via: 'data-indication' } : 'consumed';
    }
    if ((msg.class !== 'success' && msg.class !== 'error') || !this.tx.isPending(msg.transactionId)) return undefined;
    if (this.key) {
      // RFC 8489 §9.2.5: over UDP a response that fails MESSAGE-INTEGRITY is discarded; retransmissions go on
      const mi = verifyMessageIntegrity(bytes, this.key).status;
      if (mi === 'mismatch' || (msg.class === 'success' && mi !== 'valid')) {
        this.out.note(turnNote('turn.integrity', `${this.who}: a ${messageTypeName(msg.method, msg.class)} fails MESSAGE-INTEGRITY (${mi}); discarded`, { server: this.serverText, status: mi }));
        return 'consumed';
      }
    }
    return this.tx.handleResponse(now, from, this.config.local, msg, bytes) ? 'consumed' : undefined;
  }

  private done(r: TransactionResult<Ctx>): void {
    const ctx = r.transaction.request.context!;
    const now = r.at;
    const name = messageTypeName(ctx.method, 'request');
    if (r.kind === 'timeout') {
      this.out.note(turnNote('turn.timeout', `${this.who}: ${name} got no answer`, { server: this.serverText, request: ctx.kind }));
      return this.finish(now, ctx, { error: `${name}: timeout` });
    }
    const msg = r.response;
    if (msg.class === 'error') {
      const e = getAttribute(msg, ErrorCode);
      const code = e?.code ?? 0;
      if ((code === 401 || (code === 438 && this.config.retryStaleNonce !== false)) && ctx.retries < 2 && this.authenticate(msg, name, code)) {
        this.request(now, { ...ctx, retries: ctx.retries + 1 });
        return;
      }
      const error = `${name}: ${code} ${e ? reasonText(e.reason) : ''}`.trim();
      this.out.note(turnNote('turn.error', `${this.who}: ${error}`, { server: this.serverText, code, request: ctx.kind }));
      return this.finish(now, ctx, { error, code });
    }
    this.success(now, ctx, msg);
  }

  /** RFC 8489 §9.2.4: REALM and NONCE from a 401 (or the new NONCE of a 438) give the key for the next try. */
  private authenticate(msg: StunMessage, name: string, code: number): boolean {
    const realm = getAttribute(msg, Realm) ?? this.realm;
    const nonce = getAttribute(msg, Nonce);
    if (realm === undefined || nonce === undefined) return false;
    const first = !this.key;
    this.realm = realm;
    this.nonce = nonce;
    this.key = longTermKey(this.config.username, realm, this.config.password);
    this.out.note(
      turnNote(
        'turn.auth',
        code === 401
          ? `${this.who}: ${name} got 401 with REALM "${realm}" and a NONCE${first ? '; key = MD5(username:realm:password), sending again with MESSAGE-INTEGRITY' : ''}`
          : `${this.who}: ${name} got 438 Stale Nonce; retrying with the new nonce`,
        { server: this.serverText, code },
      ),
    );
    return true;
  }

  private success(now: Micros, ctx: Ctx, msg: StunMessage): void {
    const lifetime = getAttribute(msg, Lifetime);
    switch (ctx.kind) {
      case 'allocate': {
        const relayed = getAttribute(msg, XorRelayedAddress);
        if (!relayed) return this.finish(now, ctx, { error: 'Allocate Request: success without XOR-RELAYED-ADDRESS' });
        this.relayed = relayed;
        this.mapped = getAttribute(msg, XorMappedAddress);
        this.stats.allocations++;
        this.granted(now, lifetime ?? 600);
        this.out.note(
          turnNote('turn.allocated', `${this.who} allocated relayed address ${formatTransportAddress(relayed)} (server saw us as ${this.mapped ? formatTransportAddress(this.mapped) : '?'}), lifetime ${this.lifetime} s`, {
            server: this.serverText,
            relayed: formatTransportAddress(relayed),
            mapped: this.mapped ? formatTransportAddress(this.mapped) : null,
            lifetime: this.lifetime ?? null,
          }),
        );
        break;
      }
      case 'refresh':
        this.stats.refreshes++;
        this.granted(now, lifetime ?? this.lifetime ?? 600);
        this.out.note(turnNote('turn.refreshed', `${this.who} refreshed its allocation: ${this.lifetime} s more`, { server: this.serverText, lifetime: this.lifetime ?? null }));
        break;
      case 'deallocate':
        this.stats.deallocated = true;
        this.expiresAt = undefined;
        this.refreshAt = undefined;
        this.permissions.clear();
        this.channels.clear();
        this.out.note(turnNote('turn.deallocated', `${this.who} deleted its allocation (Refresh with LIFETIME 0)`, { server: this.serverText }));
        break;
      case 'permission':
        for (const ip of ctx.peerIps ?? []) this.permissions.set(ip, now + PERMISSION_REFRESH);
        this.out.note(turnNote('turn.permission', `${this.who} has a permission for ${(ctx.peerIps ?? []).join(', ')} (300 s)${ctx.keepAlive ? ', refreshed' : ''}`, { server: this.serverText, peers: [...(ctx.peerIps ?? [])], refreshed: ctx.keepAlive }));
        break;
      case 'channel': {
        const c = this.channels.get(ctx.channel!);
        if (!c) break;
        const refreshed = c.bound;
        c.bound = true;
        c.refreshAt = now + CHANNEL_REFRESH;
        // RFC 8656 §12.2: a ChannelBind installs or refreshes the permission for the peer's IP too
        this.permissions.set(c.peer.ip, now + PERMISSION_REFRESH);
        this.out.note(
          turnNote('turn.channel-bound', `${this.who} ${refreshed ? 'refreshed' : 'bound'} channel ${hex16(c.channel)} to ${formatTransportAddress(c.peer)} (600 s)`, {
            server: this.serverText, channel: c.channel, peer: formatTransportAddress(c.peer), refreshed,
          }),
        );
        break;
      }
      case 'connect': {
        const id = getAttribute(msg, ConnectionId);
        if (id === undefined) return this.finish(now, ctx, { error: 'Connect Request: success without CONNECTION-ID' });
        return this.finish(now, ctx, { connection: { id, peer: ctx.peer! } });
      }
    }
    this.finish(now, ctx, {});
  }

  /** RFC 8656 §8: refresh a minute before the allocation expires. */
  private granted(now: Micros, lifetime: number): void {
    this.lifetime = lifetime;
    this.expiresAt = now + lifetime * SECOND;
    this.refreshAt = now + Math.max(1, lifetime - 60) * SECOND;
  }

  private finish(now: Micros, ctx: Ctx, r: { error?: string; code?: number; connection?: TurnRequestOutcome['connection'] }): void {
    if (r.error !== undefined && ctx.kind === 'allocate') {
      this.failed = true;
      this.out.note(turnNote('turn.failed', `${this.who}: TURN allocation failed: ${r.error}`, { server: this.serverText }));
    }
    const peer = ctx.kind === 'channel' && ctx.channel !== undefined ? this.channels.get(ctx.channel)?.peer : undefined;
    this.onDone(now, { kind: ctx.kind, keepAlive: ctx.keepAlive, ok: r.error === undefined, ...(peer ? { peer } : {}), ...r });
  }

  // ---- timers ------------------------------------------------------------------------------------------------

  handleTimeout(now: Micros): void {
    this.tx.handleTimeout(now);
    if (this.failed) return;
    if (this.refreshAt !== undefined && this.refreshAt <= now && this.config.autoRefresh !== false) {
      this.refreshAt = undefined;
      this.out.note(turnNote('turn.refresh.due', `${this.who}: allocation expires in ${formatDuration((this.expiresAt ?? now) - now)}; refreshing`, { server: this.serverText }));
      this.request(now, { kind: 'refresh', keepAlive: true, method: Method.Refresh, attributes: [Lifetime.of(this.lifetime ?? 600)], retries: 0 });
    }
    if (this.config.keepPermissions === false) return;
    for (const [ip, at] of this.permissions) {
      if (at === undefined || at > now) continue;
      this.permissions.set(ip, undefined);
      // a channel bound to a peer at this IP refreshes the permission with its own ChannelBind (RFC 8656 §12.2)
      const ch = [...this.channels.values()].find((c) => c.bound && c.peer.ip === ip);
      if (ch) {
        ch.refreshAt = undefined;
        this.sendChannelBind(now, ch.channel, ch.peer, true);
      } else {
        this.createPermission(now, [{ ip, port: 0 }], true);
      }
    }
    for (const c of this.channels.values()) {
      if (!c.bound || c.refreshAt === undefined || c.refreshAt > now) continue;
      c.refreshAt = undefined;
      this.sendChannelBind(now, c.channel, c.peer, true);
    }
  }

  /** The next retransmission or refresh, with the reason learners see. */
  deadline(): { at: Micros; reason: string } | undefined {
    // the earliest, on a tie the first listed (as earliestDeadline), without an array or object per candidate (#15)
    const tx = this.tx.deadline();
    let at = tx?.at;
    let reason = tx?.reason ?? '';
    if (!this.failed) {
      if (this.refreshAt !== undefined && this.config.autoRefresh !== false && (at === undefined || this.refreshAt < at)) {
        at = this.refreshAt;
        reason = 'turn-refresh';
      }
      if (this.config.keepPermissions !== false) {
        for (const p of this.permissions.values()) {
          if (p !== undefined && (at === undefined || p < at)) {
            at = p;
            reason = 'turn-permission-refresh';
          }
        }
        for (const ch of this.channels.values()) {
          if (ch.bound && ch.refreshAt !== undefined && (at === undefined || ch.refreshAt < at)) {
            at = ch.refreshAt;
            reason = 'turn-channel-refresh';
          }
        }
      }
    }
    return at === undefined ? undefined : { at, reason };
  }
}
