import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import {
  ChannelNumber, Data, decodeChannelData, decodeStun, encodeChannelData, encodeStun, ErrorCode, getAttribute, isChannelData, isStun,
  Lifetime, longTermKey, Method, Nonce, Realm, RequestedTransport, Username, verifyMessageIntegrity, XorMappedAddress, XorPeerAddress,
  XorRelayedAddress,
} from '../wire/stun/index.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import type { RelayedTransport, RelayEvents } from './relay.ts';
import { TransactionTable } from './transactions.ts';

/**
 * A small TURN client over UDP (RFC 8656) for ICE's relayed candidates: Allocate with the 401 dance (§7.2, long-term
 * credentials of RFC 8489 §9.2), Refresh (§8), ChannelBind (§12.1, which also installs the permission), Send
 * indications until a channel is bound (§10), ChannelData after (§12.4). Kept behind `RelayedTransport`.
 */
export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
}

type TxKind = { kind: 'allocate' } | { kind: 'refresh' } | { kind: 'channel-bind'; peer: TransportAddress; channel: number };

const PROTOCOL_UDP = 17;
const CHANNEL_REFRESH = 240 * SECOND;

export class TurnClient implements RelayedTransport {
  relayed: TransportAddress | undefined;
  mapped: TransportAddress | undefined;
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Uint8Array | undefined;
  private lifetime = 600;
  private refreshAt: Micros | undefined;
  private readonly tx = new TransactionTable<TxKind>();
  /** Channels by peer "ip:port" (RFC 8656 §12: 0x4000 upward). */
  private readonly channels = new Map<string, { channel: number; peer: TransportAddress; bound: boolean; refreshAt: Micros }>();
  private nextChannel = 0x4000;
  private failed = false;
  private authTries = 0;

  constructor(
    readonly base: TransportAddress,
    readonly server: TransportAddress,
    private readonly credentials: TurnCredentials,
    private readonly rng: Rng,
    private readonly emit: (o: EndpointOutput) => void,
    private readonly events: RelayEvents,
  ) {}

  private note(kind: string, text: string, data: { [k: string]: string | number | boolean } = {}): void {
    this.emit({ type: 'note', kind, text, data: { server: formatTransportAddress(this.server), ...data } });
  }

  private request(now: Micros, method: number, attrs: StunAttribute[], kind: TxKind): void {
    const id = this.rng.bytes(12);
    const all = [...attrs];
    if (this.key && this.realm !== undefined && this.nonce !== undefined) {
      all.push(Username.of(this.credentials.username), Realm.of(this.realm), Nonce.of(this.nonce));
    }
    const bytes = encodeStun({ method, class: 'request', transactionId: id, attributes: all }, { ...(this.key ? { integrity: this.key } : {}), fingerprint: true });
    this.tx.start(now, id, this.base, this.server, bytes, kind);
    this.emit({ type: 'transmit', from: this.base, to: this.server, bytes });
  }

  /** RFC 8656 §7.1: the first Allocate goes without credentials; the server answers 401 with REALM and NONCE. */
  start(now: Micros): void {
    this.note('turn.allocate', `Allocate request to TURN server ${formatTransportAddress(this.server)}`);
    this.request(now, Method.Allocate, [RequestedTransport.of(PROTOCOL_UDP)], { kind: 'allocate' });
  }

  prepare(now: Micros, peer: TransportAddress): void {
    if (!this.relayed || this.failed) return;
    const k = formatTransportAddress(peer);
    if (this.channels.has(k)) return;
    if (this.nextChannel > 0x4fff) return;
    const channel = this.nextChannel++;
    this.channels.set(k, { channel, peer, bound: false, refreshAt: 0 });
    this.note('turn.channel-bind', `ChannelBind 0x${channel.toString(16)} to peer ${k}`, { channel, peer: k });
    this.request(now, Method.ChannelBind, [ChannelNumber.of(channel), XorPeerAddress.of(peer)], { kind: 'channel-bind', peer, channel });
  }

  ready(peer: TransportAddress): boolean {
    return this.channels.get(formatTransportAddress(peer))?.bound === true;
  }

  send(now: Micros, peer: TransportAddress, data: Uint8Array): void {
    void now;
    const ch = this.channels.get(formatTransportAddress(peer));
    let bytes: Uint8Array;
    if (ch?.bound) {
      bytes = encodeChannelData({ channel: ch.channel, data }); // RFC 8656 §12.4
    } else {
      const id = this.rng.bytes(12); // RFC 8656 §10.1: a Send indication carries XOR-PEER-ADDRESS and DATA
      bytes = encodeStun({ method: Method.Send, class: 'indication', transactionId: id, attributes: [XorPeerAddress.of(peer), Data.of(data)] }, { fingerprint: true });
    }
    this.emit({ type: 'transmit', from: this.base, to: this.server, bytes });
  }

  receive(now: Micros, bytes: Uint8Array): { peer: TransportAddress; data: Uint8Array; via: 'channel' | 'data-indication' } | 'consumed' | undefined {
    if (isChannelData(bytes)) {
      const cd = decodeChannelData(bytes).value;
      if (!cd) return 'consumed';
      for (const ch of this.channels.values()) if (ch.channel === cd.channel && ch.bound) return { peer: ch.peer, data: cd.data, via: 'channel' };
      return 'consumed';
    }
    if (!isStun(bytes)) return undefined;
    const msg = decodeStun(bytes).value;
    if (!msg) return undefined;
    if (msg.method === Method.Data && msg.class === 'indication') {
      const peer = getAttribute(msg, XorPeerAddress);
      const data = getAttribute(msg, Data);
      return peer && data ? { peer, data, via: 'data-indication' } : 'consumed';
    }
    if (msg.class !== 'success' && msg.class !== 'error') return undefined;
    const t = this.tx.take(msg.transactionId);
    if (!t) return undefined;
    this.onResponse(now, msg, bytes, t.ctx);
    return 'consumed';
  }

  private onResponse(now: Micros, msg: StunMessage, bytes: Uint8Array, ctx: TxKind): void {
    if (this.key && verifyMessageIntegrity(bytes, this.key).status === 'mismatch') {
      this.note('turn.error', 'response with a bad MESSAGE-INTEGRITY ignored');
      return;
    }
    if (msg.class === 'error') {
      const err = getAttribute(msg, ErrorCode);
      const code = err?.code ?? 0;
      // RFC 8489 §9.2.4 / §9.2.5: 401 gives realm and nonce; 438 a fresh nonce; retry once with credentials
      if ((code === 401 || code === 438) && this.authTries < 3) {
        this.authTries++;
        this.realm = getAttribute(msg, Realm) ?? this.realm;
        this.nonce = getAttribute(msg, Nonce) ?? this.nonce;
        if (this.realm === undefined || this.nonce === undefined) return this.fail(now, `${code} without REALM/NONCE`);
        this.key = longTermKey(this.credentials.username, this.realm, this.credentials.password);
        this.note('turn.auth', `${code} ${err?.reason ?? ''}: retrying with long-term credentials (realm "${this.realm}")`, { code });
        if (ctx.kind === 'allocate') this.request(now, Method.Allocate, [RequestedTransport.of(PROTOCOL_UDP)], ctx);
        else if (ctx.kind === 'refresh') this.request(now, Method.Refresh, [Lifetime.of(this.lifetime)], ctx);
        else this.request(now, Method.ChannelBind, [ChannelNumber.of(ctx.channel), XorPeerAddress.of(ctx.peer)], ctx);
        return;
      }
      if (ctx.kind === 'allocate') return this.fail(now, `Allocate error ${code} ${err?.reason ?? ''}`);
      this.note('turn.error', `${ctx.kind} error ${code} ${err?.reason ?? ''}`, { code });
      return;
    }
    this.authTries = 0;
    if (ctx.kind === 'allocate') {
      const relayed = getAttribute(msg, XorRelayedAddress);
      if (!relayed) return this.fail(now, 'Allocate success without XOR-RELAYED-ADDRESS');
      this.relayed = relayed;
      this.mapped = getAttribute(msg, XorMappedAddress);
      this.lifetime = getAttribute(msg, Lifetime) ?? 600;
      this.refreshAt = now + Math.max(1, this.lifetime - 60) * SECOND; // RFC 8656 §8: refresh before it expires
      this.note('turn.allocated', `relayed address ${formatTransportAddress(relayed)} for ${this.lifetime} s`, { relayed: formatTransportAddress(relayed), lifetime: this.lifetime });
      this.events.allocated(now, relayed, this.mapped);
    } else if (ctx.kind === 'refresh') {
      this.lifetime = getAttribute(msg, Lifetime) ?? this.lifetime;
      this.refreshAt = now + Math.max(1, this.lifetime - 60) * SECOND;
    } else {
      const ch = this.channels.get(formatTransportAddress(ctx.peer));
      if (ch && ch.channel === ctx.channel) {
        ch.bound = true;
        ch.refreshAt = now + CHANNEL_REFRESH; // RFC 8656 §12: bindings last 10 min, permissions 5 min
        this.note('turn.channel-bound', `channel 0x${ch.channel.toString(16)} bound to ${formatTransportAddress(ch.peer)}`, { channel: ch.channel, peer: formatTransportAddress(ch.peer) });
      }
    }
  }

  private fail(now: Micros, reason: string): void {
    this.failed = true;
    this.note('turn.failed', `TURN allocation failed: ${reason}`);
    this.events.failed(now, reason);
  }

  handleTimeout(now: Micros): void {
    const { retransmit, timedOut } = this.tx.due(now);
    for (const t of retransmit) this.emit({ type: 'transmit', from: t.from, to: t.to, bytes: t.bytes });
    for (const t of timedOut) {
      if (t.ctx.kind === 'allocate') this.fail(now, 'no answer from the server');
      else this.note('turn.timeout', `${t.ctx.kind} timed out`);
    }
    if (this.refreshAt !== undefined && now >= this.refreshAt && !this.failed) {
      this.refreshAt = undefined;
      this.request(now, Method.Refresh, [Lifetime.of(this.lifetime)], { kind: 'refresh' });
    }
    for (const ch of this.channels.values()) {
      if (ch.bound && now >= ch.refreshAt) {
        ch.refreshAt = now + CHANNEL_REFRESH;
        this.request(now, Method.ChannelBind, [ChannelNumber.of(ch.channel), XorPeerAddress.of(ch.peer)], { kind: 'channel-bind', peer: ch.peer, channel: ch.channel });
      }
    }
  }

  nextDeadline(): Micros | undefined {
    const c = [this.tx.nextDeadline(), this.refreshAt, ...[...this.channels.values()].filter((c) => c.bound).map((c) => c.refreshAt)];
    return c.reduce<Micros | undefined>((a, b) => (b === undefined ? a : a === undefined || b < a ? b : a), undefined);
  }

  /** Whether this transport's relayed address is `a`. */
  owns(a: TransportAddress): boolean {
    return this.relayed !== undefined && sameTransportAddress(this.relayed, a);
  }
}
