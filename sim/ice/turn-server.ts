import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import { toHex } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import {
  ChannelNumber, Data, decodeChannelData, decodeStun, encodeChannelData, encodeStun, ErrorCode, getAttribute, getAttributes, isChannelData,
  isStun, Lifetime, longTermKey, Method, Nonce, Realm, RequestedTransport, Software, Username, verifyMessageIntegrity, XorMappedAddress,
  XorPeerAddress, XorRelayedAddress,
} from '../wire/stun/index.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';

/**
 * A small STUN (RFC 8489 Binding) and TURN-over-UDP (RFC 8656) server, enough for ICE to gather server-reflexive
 * and relayed candidates: Allocate with long-term credentials, Refresh, CreatePermission, ChannelBind, Send/Data
 * indications and ChannelData. Relayed addresses come from ports the driver bound beforehand (`relayPorts`).
 * Kept in sim/ice until the project's sim/turn server lands.
 */
export interface StunTurnServerConfig {
  readonly name: string;
  readonly listen: TransportAddress;
  /** Relayed transport addresses the driver has bound for this server, handed out in order. */
  readonly relayAddresses: readonly TransportAddress[];
  readonly realm: string;
  /** username → password */
  readonly users: Readonly<Record<string, string>>;
  readonly rng: Rng;
}

interface Allocation {
  readonly client: TransportAddress;
  readonly relayed: TransportAddress;
  readonly username: string;
  expires: Micros;
  /** RFC 8656 §9: permissions by peer IP, with their expiry (5 min). */
  readonly permissions: Map<string, Micros>;
  /** RFC 8656 §12: channel ↔ peer, 10 min. */
  readonly channels: Map<number, { peer: TransportAddress; expires: Micros }>;
}

const PERMISSION_LIFETIME = 300 * SECOND;
const CHANNEL_LIFETIME = 600 * SECOND;

export class StunTurnServer implements Endpoint {
  private readonly out: EndpointOutput[] = [];
  private readonly allocations: Allocation[] = [];
  private readonly nonce: string;
  private nextRelay = 0;
  readonly counters = { bindings: 0, allocations: 0, relayedToPeer: 0, relayedToClient: 0, noPermission: 0 };

  constructor(readonly config: StunTurnServerConfig) {
    this.nonce = toHex(config.rng.bytes(8));
  }

  private note(kind: string, text: string, data: { [k: string]: string | number | boolean } = {}): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (sameTransportAddress(to, this.config.listen)) this.fromClient(now, from, bytes);
    else this.fromPeer(now, from, to, bytes);
  }

  private fromClient(now: Micros, from: TransportAddress, bytes: Uint8Array): void {
    const alloc = this.allocations.find((a) => sameTransportAddress(a.client, from) && a.expires > now);
    if (isChannelData(bytes)) {
      const cd = decodeChannelData(bytes).value;
      const ch = cd && alloc?.channels.get(cd.channel);
      if (!cd || !alloc || !ch || ch.expires <= now) return this.note('turn.dropped', `ChannelData from ${formatTransportAddress(from)} on an unbound channel`);
      this.relay(alloc, ch.peer, cd.data);
      return;
    }
    if (!isStun(bytes)) return;
    const msg = decodeStun(bytes).value;
    if (!msg) return;
    if (msg.method === Method.Binding && msg.class === 'request') {
      this.counters.bindings++;
      this.respond(msg, from, 'success', [XorMappedAddress.of(from)]); // RFC 8489 §7.3.1
      return;
    }
    if (msg.method === Method.Send && msg.class === 'indication') {
      const peer = getAttribute(msg, XorPeerAddress);
      const data = getAttribute(msg, Data);
      if (alloc && peer && data) this.relay(alloc, peer, data);
      return;
    }
    if (msg.class !== 'request') return;
    // RFC 8656 §5 and RFC 8489 §9.2.4: every TURN request is authenticated with the long-term credential
    const username = getAttribute(msg, Username);
    const password = username === undefined ? undefined : this.config.users[username];
    if (username === undefined || password === undefined || getAttribute(msg, Nonce) !== this.nonce) {
      this.respond(msg, from, 'error', [ErrorCode.of({ code: 401, reason: 'Unauthorized' }), Realm.of(this.config.realm), Nonce.of(this.nonce)]);
      return;
    }
    const key = longTermKey(username, this.config.realm, password);
    if (verifyMessageIntegrity(bytes, key).status !== 'valid') {
      this.respond(msg, from, 'error', [ErrorCode.of({ code: 401, reason: 'Unauthorized' }), Realm.of(this.config.realm), Nonce.of(this.nonce)]);
      return;
    }
    switch (msg.method) {
      case Method.Allocate:
        return this.allocate(now, msg, from, username, key, alloc);
      case Method.Refresh: {
        if (!alloc) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 437, reason: 'Allocation Mismatch' })], key);
        const lifetime = Math.min(getAttribute(msg, Lifetime) ?? 600, 3600);
        alloc.expires = now + lifetime * SECOND;
        if (lifetime === 0) this.allocations.splice(this.allocations.indexOf(alloc), 1);
        return this.respond(msg, from, 'success', [Lifetime.of(lifetime)], key);
      }
      case Method.CreatePermission: {
        if (!alloc) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 437, reason: 'Allocation Mismatch' })], key);
        for (const p of getAttributes(msg, XorPeerAddress)) this.permit(now, alloc, p);
        return this.respond(msg, from, 'success', [], key);
      }
      case Method.ChannelBind: {
        const channel = getAttribute(msg, ChannelNumber);
        const peer = getAttribute(msg, XorPeerAddress);
        if (!alloc) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 437, reason: 'Allocation Mismatch' })], key);
        if (channel === undefined || peer === undefined || channel < 0x4000 || channel > 0x4fff) {
          return this.respond(msg, from, 'error', [ErrorCode.of({ code: 400, reason: 'Bad Request' })], key);
        }
        const taken = alloc.channels.get(channel);
        const other = [...alloc.channels.entries()].find(([c, v]) => c !== channel && sameTransportAddress(v.peer, peer));
        if ((taken && !sameTransportAddress(taken.peer, peer)) || other) {
          return this.respond(msg, from, 'error', [ErrorCode.of({ code: 400, reason: 'Bad Request' })], key); // RFC 8656 §12.2
        }
        alloc.channels.set(channel, { peer, expires: now + CHANNEL_LIFETIME });
        this.permit(now, alloc, peer);
        this.note('turn.channel-bound', `channel 0x${channel.toString(16)} of ${formatTransportAddress(alloc.relayed)} → ${formatTransportAddress(peer)}`, { channel, peer: formatTransportAddress(peer) });
        return this.respond(msg, from, 'success', [], key);
      }
      default:
        return this.respond(msg, from, 'error', [ErrorCode.of({ code: 400, reason: 'Bad Request' })], key);
    }
  }

  private allocate(now: Micros, msg: StunMessage, from: TransportAddress, username: string, key: Uint8Array, existing: Allocation | undefined): void {
    if (existing) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 437, reason: 'Allocation Mismatch' })], key);
    if (getAttribute(msg, RequestedTransport) !== 17) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 442, reason: 'Unsupported Transport Protocol' })], key);
    const relayed = this.config.relayAddresses[this.nextRelay];
    if (!relayed) return this.respond(msg, from, 'error', [ErrorCode.of({ code: 508, reason: 'Insufficient Capacity' })], key);
    this.nextRelay++;
    const lifetime = 600;
    this.allocations.push({ client: from, relayed, username, expires: now + lifetime * SECOND, permissions: new Map(), channels: new Map() });
    this.counters.allocations++;
    this.note('turn.allocation', `allocated ${formatTransportAddress(relayed)} for ${username} at ${formatTransportAddress(from)}`, { relayed: formatTransportAddress(relayed), client: formatTransportAddress(from) });
    this.respond(msg, from, 'success', [XorRelayedAddress.of(relayed), XorMappedAddress.of(from), Lifetime.of(lifetime)], key);
  }

  private permit(now: Micros, alloc: Allocation, peer: TransportAddress): void {
    if (!alloc.permissions.has(peer.ip)) this.note('turn.permission', `permission on ${formatTransportAddress(alloc.relayed)} for ${peer.ip}`, { relayed: formatTransportAddress(alloc.relayed), peer: peer.ip });
    alloc.permissions.set(peer.ip, now + PERMISSION_LIFETIME);
  }

  /** Client → peer: out of the relayed address (RFC 8656 §10.2, §12.5), only towards permitted peers. */
  private relay(alloc: Allocation, peer: TransportAddress, data: Uint8Array): void {
    if (!alloc.permissions.has(peer.ip)) {
      this.counters.noPermission++;
      return this.note('turn.no-permission', `no permission on ${formatTransportAddress(alloc.relayed)} for ${peer.ip}: dropped`, { peer: peer.ip });
    }
    this.counters.relayedToPeer++;
    this.out.push({ type: 'transmit', from: alloc.relayed, to: peer, bytes: data });
  }

  /** Peer → client: ChannelData when a channel is bound to the peer, a Data indication otherwise (§11.3, §12.6). */
  private fromPeer(now: Micros, from: TransportAddress, to: TransportAddress, data: Uint8Array): void {
    const alloc = this.allocations.find((a) => sameTransportAddress(a.relayed, to) && a.expires > now);
    if (!alloc) return;
    const perm = alloc.permissions.get(from.ip);
    if (perm === undefined || perm <= now) {
      this.counters.noPermission++;
      return this.note('turn.no-permission', `datagram from ${formatTransportAddress(from)} to ${formatTransportAddress(to)}: no permission, dropped`, { peer: from.ip });
    }
    this.counters.relayedToClient++;
    const ch = [...alloc.channels.entries()].find(([, v]) => sameTransportAddress(v.peer, from) && v.expires > now);
    const bytes = ch
      ? encodeChannelData({ channel: ch[0], data })
      : encodeStun({ method: Method.Data, class: 'indication', transactionId: this.config.rng.bytes(12), attributes: [XorPeerAddress.of(from), Data.of(data)] }, { fingerprint: true });
    this.out.push({ type: 'transmit', from: this.config.listen, to: alloc.client, bytes });
  }

  private respond(req: StunMessage, to: TransportAddress, cls: 'success' | 'error', attrs: StunAttribute[], key?: Uint8Array): void {
    const bytes = encodeStun(
      { method: req.method, class: cls, transactionId: req.transactionId, attributes: [...attrs, Software.of('rtclab')] },
      { ...(key ? { integrity: key } : {}), fingerprint: true },
    );
    this.out.push({ type: 'transmit', from: this.config.listen, to, bytes });
  }

  handleTimeout(): void {}

  poll(): EndpointOutput {
    return this.out.shift() ?? { type: 'idle' };
  }
}
