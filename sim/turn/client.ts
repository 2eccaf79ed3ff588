import { turnNote } from './notes.ts';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { printable, utf8Encode } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { nextWake } from '../core/deadline.ts';
import { Outbox } from '../stun/outbox.ts';
import type { TransactionOptions } from '../stun/transactions.ts';
import { hex16 } from '../wire/stun/index.ts';
import type { TurnPeerData, TurnRequestOutcome } from './session.ts';
import { TurnSession } from './session.ts';
import { turnIcmpName } from './client-icmp.ts';

/** One step of a TURN client's script; each request step waits for the previous one to finish. */
export type TurnAction =
  | { readonly at: Micros; readonly do: 'allocate'; readonly lifetime?: number; readonly relay?: 'udp' | 'tcp' }
  | { readonly at: Micros; readonly do: 'connect'; readonly peer: TransportAddress; readonly data?: string }
  | { readonly at: Micros; readonly do: 'permission'; readonly peers: readonly TransportAddress[] }
  | { readonly at: Micros; readonly do: 'channel'; readonly peer: TransportAddress; readonly channel?: number }
  | { readonly at: Micros; readonly do: 'send'; readonly peer: TransportAddress; readonly data: string; readonly via?: 'indication' | 'channel' }
  | { readonly at: Micros; readonly do: 'refresh'; readonly lifetime?: number }
  | { readonly at: Micros; readonly do: 'deallocate' }
  | { readonly at: Micros; readonly do: 'restart' };

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
  /**
   * Talks to the server over a TCP or TLS connection (RFC 8656 §3.1): its transmits say `transport: 'tcp'`, and the
   * driver's stream wrapper (sim/apps/stream-links.ts) dials the server from `local` (port 0: an ephemeral port).
   */
  readonly stream?: boolean;
}

export interface TurnReceived {
  readonly at: Micros;
  readonly peer: string;
  readonly via: string;
  readonly text: string;
}

/**
 * A scripted TURN client app with its own socket: it runs its script's steps (allocate, permission, channel, send,
 * refresh, deallocate) one request at a time on a `TurnSession` (session.ts does the protocol), and keeps what
 * peers send back as text for the summary.
 */
export class TurnClient implements Endpoint {
  private readonly out = new Outbox();
  private current: TurnSession;
  private restarts = 0;
  private readonly script: TurnAction[];
  private busy = false;
  readonly received: TurnReceived[] = [];
  /**
   * RFC 6062: a peer connection to bind on a new data connection — after a Connect succeeded (with the script's
   * `data` to send once bound) or on a ConnectionAttempt. The app that runs the client opens the data connection.
   */
  onConnection: ((now: Micros, id: number, peer: TransportAddress, data: string | undefined) => void) | undefined;
  private readonly connectData = new Map<string, string | undefined>();
  readonly errors: string[] = [];

  constructor(
    readonly name: string,
    readonly config: TurnClientConfig,
    private readonly rng: Rng,
  ) {
    this.script = [...config.script].sort((a, b) => a.at - b.at);
    this.current = this.newSession(rng);
  }

  /** The session of the client's current life (a `restart` starts another). */
  get session(): TurnSession {
    return this.current;
  }

  private newSession(rng: Rng): TurnSession {
    const config = this.config;
    const name = this.name;
    return new TurnSession(
      {
        local: config.local, server: config.server, username: config.username, password: config.password, name, software: 'rtclab turn client',
        ...(config.autoRefresh !== undefined ? { autoRefresh: config.autoRefresh } : {}),
        ...(config.keepPermissions !== undefined ? { keepPermissions: config.keepPermissions } : {}),
        ...(config.transactions ? { transactions: config.transactions } : {}),
        ...(config.stream ? { stream: true } : {}),
        onConnectionAttempt: (now, id, peer) => this.onConnection?.(now, id, peer, undefined),
      },
      rng,
      config.stream ? { transmit: (from, to, bytes) => this.out.transmit(from, to, bytes, 'tcp'), note: (n) => this.out.note(n) } : this.out,
      (now, o) => this.done(now, o),
    );
  }

  /**
   * The app restarts on the same socket, as after a crash: its allocation, credentials, permissions and channels are
   * forgotten, while the server keeps the allocation of this 5-tuple until its lifetime ends (RFC 8656 §7.4 on 437).
   */
  private restart(): void {
    this.restarts++;
    const local = formatTransportAddress(this.config.local);
    this.out.note(turnNote('turn.restart', `${this.name} restarts on ${local}: its TURN allocation, credentials, permissions and channels are forgotten (the server still holds the allocation)`, { server: formatTransportAddress(this.config.server), local }));
    this.current = this.newSession(this.rng.fork(`restart${this.restarts}`));
  }

  get relayed(): TransportAddress | undefined {
    return this.session.relayed;
  }

  get mapped(): TransportAddress | undefined {
    return this.session.mapped;
  }

  get stats(): TurnSession['stats'] {
    return this.session.stats;
  }

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    const r = this.session.receive(now, from, bytes);
    if (r === undefined || r === 'consumed') return;
    // RFC 8656 §11.6: an ICMP error about what the server relayed for us is our datagram's failure, kept with the errors
    if (r.via === 'icmp') this.errors.push(`ICMP ${turnIcmpName(r.peer.ip.includes(':') ? 6 : 4, r.icmp.type, r.icmp.code, r.icmp.data)} about ${formatTransportAddress(r.peer)}, relayed by the server`);
    else this.receive(now, r);
  }

  /** Peer data that came another way (an RFC 6062 data connection), kept and noted like the rest. */
  receivedOther(now: Micros, peer: TransportAddress, via: string, data: Uint8Array): void {
    const text = printable(data);
    this.received.push({ at: now, peer: formatTransportAddress(peer), via, text });
    this.out.note(turnNote('turn.data.received', `${this.name} received "${text}" from peer ${formatTransportAddress(peer)} by ${via}`, { peer: formatTransportAddress(peer), via, length: data.length }));
  }

  private receive(now: Micros, r: TurnPeerData): void {
    const text = printable(r.data);
    const via = r.via === 'channel' ? `ChannelData ${hex16(r.channel!)}` : 'Data indication';
    const peer = formatTransportAddress(r.peer);
    this.received.push({ at: now, peer, via, text });
    this.out.note(turnNote('turn.data.received', `${this.name} received "${text}" from peer ${peer} by ${via}`, { peer, via, length: r.data.length }));
  }

  handleTimeout(now: Micros): void {
    this.session.handleTimeout(now);
    this.runScript(now);
  }

  private runScript(now: Micros): void {
    while (!this.busy && this.script.length > 0 && this.script[0]!.at <= now) this.act(now, this.script.shift()!);
  }

  private act(now: Micros, a: TurnAction): void {
    this.busy = a.do !== 'send' && a.do !== 'restart';
    switch (a.do) {
      case 'allocate':
        return this.session.allocate(now, a.lifetime, a.relay);
      case 'connect':
        this.connectData.set(formatTransportAddress(a.peer), a.data);
        return this.session.connect(now, a.peer);
      case 'refresh':
        return this.session.refresh(now, a.lifetime);
      case 'deallocate':
        return this.session.deallocate(now);
      case 'permission':
        return this.session.createPermission(now, a.peers);
      case 'channel':
        if (this.session.bindChannel(now, a.peer, a.channel) === undefined) {
          this.busy = false;
          this.errors.push('ChannelBind: no channel number left');
        }
        return;
      case 'send':
        return this.sendData(a.peer, utf8Encode(a.data), a.via);
      case 'restart':
        this.busy = false;
        return this.restart();
    }
  }

  /** RFC 8656 §10.1 (Send indication) or §12.5 (ChannelData when a channel is bound to the peer). */
  sendData(peer: TransportAddress, data: Uint8Array, via?: 'indication' | 'channel'): void {
    const ch = via === 'indication' ? undefined : this.session.boundChannel(peer);
    const how = ch !== undefined ? `as ChannelData ${hex16(ch)}` : 'in a Send indication';
    this.out.note(turnNote('turn.data.sent', `${this.name} sends "${printable(data)}" to ${formatTransportAddress(peer)} ${how}`, { peer: formatTransportAddress(peer), via: ch !== undefined ? 'channel' : 'indication' }));
    this.session.send(peer, data, via);
  }

  private done(now: Micros, o: TurnRequestOutcome): void {
    if (o.error !== undefined) this.errors.push(o.error);
    if (o.connection) this.onConnection?.(now, o.connection.id, o.connection.peer, this.connectData.get(formatTransportAddress(o.connection.peer)));
    if (o.keepAlive) return;
    this.busy = false;
    this.runScript(now);
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.size === 0) {
      const s = this.script[0];
      if (!this.busy && s && s.at <= now) this.runScript(now);
    }
    const next = this.out.next();
    if (next) return next;
    const s = this.script[0];
    return nextWake(this.session.deadline(), !this.busy && s ? { at: s.at, reason: `turn-script (${s.do})` } : undefined);
  }
}
