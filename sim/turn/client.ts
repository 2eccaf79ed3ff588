import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { utf8Encode } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, SECOND } from '../core/time.ts';
import { printable } from '../apps/udp-probe.ts';
import { earliest, Outbox } from '../stun/outbox.ts';
import type { TransactionOptions, TransactionResult } from '../stun/transactions.ts';
import { StunTransactions } from '../stun/transactions.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import {
  ChannelNumber,
  Data,
  decodeChannelData,
  decodeStun,
  encodeChannelData,
  encodeStun,
  ErrorCode,
  getAttribute,
  hex16,
  isChannelData,
  isStun,
  Lifetime,
  longTermKey,
  messageTypeName,
  Method,
  Nonce,
  Realm,
  reasonText,
  RequestedTransport,
  Software,
  Username,
  verifyMessageIntegrity,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '../wire/stun/index.ts';

/** One step of a TURN client's script; each request step waits for the previous one to finish. */
export type TurnAction =
  | { readonly at: Micros; readonly do: 'allocate'; readonly lifetime?: number }
  | { readonly at: Micros; readonly do: 'permission'; readonly peers: readonly TransportAddress[] }
  | { readonly at: Micros; readonly do: 'channel'; readonly peer: TransportAddress; readonly channel?: number }
  | { readonly at: Micros; readonly do: 'send'; readonly peer: TransportAddress; readonly data: string; readonly via?: 'indication' | 'channel' }
  | { readonly at: Micros; readonly do: 'refresh'; readonly lifetime?: number }
  | { readonly at: Micros; readonly do: 'deallocate' };

export interface TurnClientConfig {
  readonly local: TransportAddress;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  readonly script: readonly TurnAction[];
  /** Refresh the allocation a minute before it expires (RFC 8656 §8; default true). */
  readonly autoRefresh?: boolean;
  /** Refresh permissions and channel bindings before they lapse (default true); false lets them expire. */
  readonly keepPermissions?: boolean;
  readonly transactions?: TransactionOptions;
}

type Purpose = 'allocate' | 'refresh' | 'deallocate' | 'permission' | 'channel' | 'auto-refresh' | 'keep-permission' | 'keep-channel';

interface Ctx {
  readonly purpose: Purpose;
  readonly method: number;
  readonly attributes: readonly StunAttribute[];
  /** Authentication retries already made for this request (one 401 and one 438 at most). */
  readonly retries: number;
  readonly peerIps?: readonly string[];
  readonly channel?: { channel: number; peer: TransportAddress };
}

export interface TurnReceived {
  readonly at: Micros;
  readonly peer: string;
  readonly via: string;
  readonly text: string;
}

/**
 * A TURN client (RFC 8656 §6–§12) over UDP: allocates (answering the 401 challenge with long-term credentials,
 * and 438 with the new nonce), refreshes before expiry, installs permissions, binds channels, sends through Send
 * indications or ChannelData, and reports what comes back from peers.
 */
export class TurnClient implements Endpoint {
  private readonly out = new Outbox();
  private readonly tx: StunTransactions<Ctx>;
  private readonly script: TurnAction[];
  private busy = false;
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Uint8Array | undefined;
  relayed: TransportAddress | undefined;
  mapped: TransportAddress | undefined;
  private expiresAt: Micros | undefined;
  private refreshing = false;
  /** peer IP → when to refresh the permission. */
  private readonly permissions = new Map<string, Micros>();
  /** channel → peer and when to refresh the binding. */
  private readonly channels = new Map<number, { peer: TransportAddress; refreshAt: Micros }>();
  private nextChannel = 0x4000;
  readonly received: TurnReceived[] = [];
  readonly errors: string[] = [];
  readonly stats = { sentIndications: 0, sentChannelData: 0, refreshes: 0, allocations: 0, deallocated: false };

  constructor(
    readonly name: string,
    readonly config: TurnClientConfig,
    rng: Rng,
  ) {
    this.script = [...config.script].sort((a, b) => a.at - b.at);
    this.tx = new StunTransactions<Ctx>(rng, this.out, (r) => this.done(r), config.transactions ?? {});
  }

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    if (isStun(bytes)) {
      const msg = decodeStun(bytes).value;
      if (!msg) return;
      if (this.tx.handleResponse(now, from, this.config.local, msg, bytes)) return;
      if (msg.class === 'indication' && msg.method === Method.Data) {
        const peer = getAttribute(msg, XorPeerAddress);
        const data = getAttribute(msg, Data);
        if (peer && data) this.receive(now, peer, data, 'Data indication');
      }
      return;
    }
    if (isChannelData(bytes)) {
      const cd = decodeChannelData(bytes).value;
      const ch = cd && this.channels.get(cd.channel);
      if (cd && ch) this.receive(now, ch.peer, cd.data, `ChannelData ${hex16(cd.channel)}`);
    }
  }

  private receive(now: Micros, peer: TransportAddress, data: Uint8Array, via: string): void {
    const text = printable(data);
    this.received.push({ at: now, peer: formatTransportAddress(peer), via, text });
    this.out.note('turn.data.received', `${this.name} received "${text}" from peer ${formatTransportAddress(peer)} by ${via}`, { peer: formatTransportAddress(peer), via, length: data.length });
  }

  handleTimeout(now: Micros): void {
    this.tx.handleTimeout(now);
    this.runScript(now);
    this.keepAlive(now);
  }

  private runScript(now: Micros): void {
    while (!this.busy && this.script.length > 0 && this.script[0]!.at <= now) {
      const a = this.script.shift()!;
      this.act(now, a);
    }
  }

  private act(now: Micros, a: TurnAction): void {
    switch (a.do) {
      case 'allocate': {
        const attrs: StunAttribute[] = [RequestedTransport.of(17), ...(a.lifetime !== undefined ? [Lifetime.of(a.lifetime)] : []), Software.of('rtclab turn client')];
        this.request(now, { purpose: 'allocate', method: Method.Allocate, attributes: attrs, retries: 0 });
        return;
      }
      case 'refresh':
        this.request(now, { purpose: 'refresh', method: Method.Refresh, attributes: a.lifetime !== undefined ? [Lifetime.of(a.lifetime)] : [], retries: 0 });
        return;
      case 'deallocate':
        this.request(now, { purpose: 'deallocate', method: Method.Refresh, attributes: [Lifetime.of(0)], retries: 0 });
        return;
      case 'permission':
        this.request(now, { purpose: 'permission', method: Method.CreatePermission, attributes: a.peers.map((p) => XorPeerAddress.of(p)), retries: 0, peerIps: a.peers.map((p) => p.ip) });
        return;
      case 'channel': {
        const channel = a.channel ?? this.nextChannel++;
        this.request(now, { purpose: 'channel', method: Method.ChannelBind, attributes: [ChannelNumber.of(channel), XorPeerAddress.of(a.peer)], retries: 0, channel: { channel, peer: a.peer } });
        return;
      }
      case 'send':
        this.sendData(a.peer, utf8Encode(a.data), a.via);
        return;
    }
  }

  /** RFC 8656 §10.1 (Send indication) or §12.5 (ChannelData when a channel is bound to the peer). */
  sendData(peer: TransportAddress, data: Uint8Array, via?: 'indication' | 'channel'): void {
    const ch = [...this.channels.entries()].find(([, c]) => c.peer.ip === peer.ip && c.peer.port === peer.port)?.[0];
    if (ch !== undefined && via !== 'indication') {
      this.stats.sentChannelData++;
      this.out.note('turn.data.sent', `${this.name} sends "${printable(data)}" to ${formatTransportAddress(peer)} as ChannelData ${hex16(ch)}`, { peer: formatTransportAddress(peer), via: 'channel' });
      this.out.transmit(this.config.local, this.config.server, encodeChannelData({ channel: ch, data }));
      return;
    }
    this.stats.sentIndications++;
    const tid = this.tx.newTransactionId();
    this.out.note('turn.data.sent', `${this.name} sends "${printable(data)}" to ${formatTransportAddress(peer)} in a Send indication`, { peer: formatTransportAddress(peer), via: 'indication' });
    this.out.transmit(this.config.local, this.config.server, encodeStun({ method: Method.Send, class: 'indication', transactionId: tid, attributes: [XorPeerAddress.of(peer), Data.of(data)] }, { fingerprint: true }));
  }

  private request(now: Micros, ctx: Ctx): void {
    if (ctx.purpose !== 'auto-refresh' && ctx.purpose !== 'keep-permission' && ctx.purpose !== 'keep-channel') this.busy = true;
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

  private done(r: TransactionResult<Ctx>): void {
    const ctx = r.transaction.request.context!;
    const now = r.at;
    const name = messageTypeName(ctx.method, 'request');
    const finish = (): void => {
      if (ctx.purpose === 'auto-refresh') this.refreshing = false;
      else if (ctx.purpose !== 'keep-permission' && ctx.purpose !== 'keep-channel') this.busy = false;
      this.runScript(now);
    };
    if (r.kind === 'timeout') {
      this.errors.push(`${name}: timeout`);
      return finish();
    }
    const msg = r.response;
    if (msg.class === 'error') {
      const e = getAttribute(msg, ErrorCode);
      const code = e?.code ?? 0;
      if ((code === 401 || code === 438) && ctx.retries < 2) {
        const realm = getAttribute(msg, Realm);
        const nonce = getAttribute(msg, Nonce);
        if (nonce !== undefined && (realm !== undefined || this.realm !== undefined)) {
          const first = !this.key;
          this.realm = realm ?? this.realm;
          this.nonce = nonce;
          this.key = longTermKey(this.config.username, this.realm!, this.config.password);
          this.out.note(
            'turn.auth',
            code === 401
              ? `${this.name}: ${name} got 401 with REALM "${this.realm}" and a NONCE${first ? '; key = MD5(username:realm:password), sending again with MESSAGE-INTEGRITY' : ''}`
              : `${this.name}: ${name} got 438 Stale Nonce; retrying with the new nonce`,
            { code },
          );
          this.request(now, { ...ctx, retries: ctx.retries + 1 });
          return;
        }
      }
      const err = `${name}: ${code} ${e ? reasonText(e.reason) : ''}`.trim();
      this.errors.push(err);
      this.out.note('turn.error', `${this.name}: ${err}`, { code, purpose: ctx.purpose });
      return finish();
    }
    if (this.key && !verifyMessageIntegrity(r.bytes, this.key).ok) {
      this.out.note('turn.integrity', `${this.name}: the ${name} response fails MESSAGE-INTEGRITY; ignored`);
      this.errors.push(`${name}: bad MESSAGE-INTEGRITY on the response`);
      return finish();
    }
    this.success(now, ctx, msg);
    finish();
  }

  private success(now: Micros, ctx: Ctx, msg: StunMessage): void {
    const lifetime = getAttribute(msg, Lifetime);
    switch (ctx.purpose) {
      case 'allocate': {
        this.relayed = getAttribute(msg, XorRelayedAddress);
        this.mapped = getAttribute(msg, XorMappedAddress);
        this.expiresAt = now + (lifetime ?? 600) * SECOND;
        this.stats.allocations++;
        this.out.note('turn.allocated', `${this.name} allocated relayed address ${this.relayed ? formatTransportAddress(this.relayed) : '?'} (server saw us as ${this.mapped ? formatTransportAddress(this.mapped) : '?'}), lifetime ${lifetime ?? '?'} s`, {
          relayed: this.relayed ? formatTransportAddress(this.relayed) : null,
          mapped: this.mapped ? formatTransportAddress(this.mapped) : null,
          lifetime: lifetime ?? null,
        });
        return;
      }
      case 'refresh':
      case 'auto-refresh':
        this.stats.refreshes++;
        this.expiresAt = now + (lifetime ?? 600) * SECOND;
        this.out.note('turn.refreshed', `${this.name} refreshed its allocation: ${lifetime ?? '?'} s more`, { lifetime: lifetime ?? null });
        return;
      case 'deallocate':
        this.stats.deallocated = true;
        this.expiresAt = undefined;
        this.permissions.clear();
        this.channels.clear();
        this.out.note('turn.deallocated', `${this.name} deleted its allocation (Refresh with LIFETIME 0)`);
        return;
      case 'permission':
      case 'keep-permission':
        for (const ip of ctx.peerIps ?? []) this.permissions.set(ip, now + 240 * SECOND);
        if (ctx.purpose === 'permission') this.out.note('turn.permission', `${this.name} has a permission for ${(ctx.peerIps ?? []).join(', ')} (300 s)`, { peers: [...(ctx.peerIps ?? [])] });
        return;
      case 'channel':
      case 'keep-channel': {
        const c = ctx.channel!;
        this.channels.set(c.channel, { peer: c.peer, refreshAt: now + 540 * SECOND });
        if (!this.permissions.has(c.peer.ip)) this.permissions.set(c.peer.ip, now + 240 * SECOND);
        if (ctx.purpose === 'channel') this.out.note('turn.channel', `${this.name} bound channel ${hex16(c.channel)} to ${formatTransportAddress(c.peer)} (600 s)`, { channel: c.channel, peer: formatTransportAddress(c.peer) });
        return;
      }
    }
  }

  /** Allocation refresh a minute before expiry (RFC 8656 §8), permissions and channels before they lapse. */
  private refreshAt(): Micros | undefined {
    if (this.expiresAt === undefined || this.config.autoRefresh === false || this.refreshing) return undefined;
    return this.expiresAt - 60 * SECOND;
  }

  private keepAlive(now: Micros): void {
    const at = this.refreshAt();
    if (at !== undefined && at <= now) {
      this.refreshing = true;
      this.out.note('turn.refresh.due', `${this.name}: allocation expires in ${formatDuration(this.expiresAt! - now)}; refreshing`);
      this.request(now, { purpose: 'auto-refresh', method: Method.Refresh, attributes: [], retries: 0 });
    }
    if (this.config.keepPermissions === false) return;
    for (const [ip, due] of this.permissions) {
      if (due > now) continue;
      this.permissions.set(ip, Number.MAX_SAFE_INTEGER);
      this.request(now, { purpose: 'keep-permission', method: Method.CreatePermission, attributes: [XorPeerAddress.of({ ip, port: 0 })], retries: 0, peerIps: [ip] });
    }
    for (const [channel, c] of this.channels) {
      if (c.refreshAt > now) continue;
      c.refreshAt = Number.MAX_SAFE_INTEGER;
      this.request(now, { purpose: 'keep-channel', method: Method.ChannelBind, attributes: [ChannelNumber.of(channel), XorPeerAddress.of(c.peer)], retries: 0, channel: { channel, peer: c.peer } });
    }
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.size === 0) {
      const s = this.script[0];
      if (!this.busy && s && s.at <= now) this.runScript(now);
    }
    const next = this.out.next();
    if (next) return next;
    const s = this.script[0];
    const deadlines: ({ at: Micros; reason: string } | undefined)[] = [this.tx.deadline(), !this.busy && s ? { at: s.at, reason: `turn-script (${s.do})` } : undefined];
    const r = this.refreshAt();
    if (r !== undefined) deadlines.push({ at: r, reason: 'turn-refresh' });
    if (this.config.keepPermissions !== false) {
      for (const due of this.permissions.values()) if (due !== Number.MAX_SAFE_INTEGER) deadlines.push({ at: due, reason: 'turn-permission-refresh' });
      for (const c of this.channels.values()) if (c.refreshAt !== Number.MAX_SAFE_INTEGER) deadlines.push({ at: c.refreshAt, reason: 'turn-channel-refresh' });
    }
    return earliest(deadlines);
  }
}
