import { tcpNote, type TcpNote } from './notes.ts';
import { formatTransportAddress as fmt, type Endpoint, type EndpointOutput, type Transport, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { tcpConfig, type TcpConfig } from './config.ts';
import { TcpConnection } from './connection.ts';
import { parseSegment, resetFor, type Segment } from './segment.ts';
import { seqGt } from './seq.ts';
import type { ConnectionOwner, TcpEvent } from './types.ts';

export type StackEvent = TcpEvent<TcpConnection, TcpListener>;

/** A listening socket (RFC 9293 §3.10.1 passive OPEN) with Linux-style SYN and accept queues. */
export class TcpListener {
  /** Half-open connections (SYN-RECEIVED). */
  readonly synQueue: TcpConnection[] = [];
  /** Established connections waiting for `accept()`. */
  readonly acceptQueue: TcpConnection[] = [];
  /** SYNs dropped because a queue was full. */
  dropped = 0;
  closed = false;

  constructor(
    private readonly stack: TcpStack,
    readonly local: TransportAddress,
    /** The most half-open connections, and the most unaccepted ones, this listener keeps. */
    readonly backlog: number,
  ) {}

  /** The next established connection, or undefined ('incoming' says when there is one). */
  accept(): TcpConnection | undefined {
    return this.acceptQueue.shift();
  }

  /** Stops listening; connections not yet accepted are reset. */
  close(now: Micros): void {
    this.stack.unlisten(this, now);
  }
}

const WILDCARD = new Set(['0.0.0.0', '::']);
const key = (local: TransportAddress, remote: TransportAddress): string => `${fmt(local)}|${fmt(remote)}`;

/**
 * The TCP of one host: a sans-IO endpoint (docs/architecture.md, "The endpoint contract") that owns every connection and
 * listener of the host, demultiplexes segments by 4-tuple then by listening port, and answers segments for which
 * there is neither with a RST (RFC 9293 §3.10.7.1). `handleDatagram` takes TCP segments (no IP header); `poll`
 * yields segments to send (transport 'tcp'), notes, and the earliest timer of all connections with its reason.
 * Apps call `listen`, `connect`, the connection's `write`/`read`/`close`, and drain `pollEvent`.
 */
export class TcpStack implements Endpoint {
  readonly config: TcpConfig;
  private readonly conns = new Map<string, TcpConnection>();
  private readonly listeners: TcpListener[] = [];
  private out: EndpointOutput[] = [];
  private outHead = 0;
  private events: StackEvent[] = [];
  private eventHead = 0;
  private nextPort: number;
  private challengeWindow = -1;
  private challengeCount = 0;
  private readonly owner: ConnectionOwner<TcpConnection>;
  readonly stats = { segmentsIn: 0, malformed: 0, resetsSent: 0, synDropped: 0 };

  constructor(
    private readonly rng: Rng,
    /** Shown in notes, e.g. the host's name. */
    readonly name: string,
    config: Partial<TcpConfig> = {},
  ) {
    this.config = tcpConfig(config);
    // Linux's ephemeral range (net.ipv4.ip_local_port_range 32768–60999), from a random start
    this.nextPort = rng.int(32768, 61000);
    const self = this;
    this.owner = {
      config: this.config,
      transmit: (from, to, bytes) => this.out.push({ type: 'transmit', from, to, bytes, transport: 'tcp' }),
      note: (n) => this.note(n),
      event: (e) => this.events.push(e),
      allowChallengeAck: (now) => this.allowChallengeAck(now),
      established: (c) => self.established(c),
      closed: (c) => self.forget(c),
    };
  }

  // ---------------------------------------------------------------- socket API

  /** Opens a listening socket; `local.ip` may be a wildcard: "0.0.0.0" (IPv4) or "::" (both families). */
  listen(local: TransportAddress, backlog = 128): TcpListener {
    if (this.listeners.some((l) => l.local.port === local.port && (l.local.ip === local.ip || WILDCARD.has(l.local.ip) || WILDCARD.has(local.ip)))) {
      throw new Error(`${this.name}: TCP port ${local.port} is already listening`);
    }
    if (!(Number.isInteger(backlog) && backlog >= 1)) throw new RangeError(`${this.name}: backlog must be a positive integer, got ${backlog}`);
    const l = new TcpListener(this, local, backlog);
    this.listeners.push(l);
    this.note(tcpNote('tcp.listen', `${this.name} listens on TCP ${fmt(local)} (backlog ${backlog})`, { local: fmt(local), backlog }));
    return l;
  }

  /** Active open from `local` (port 0: an ephemeral port) to `remote`; 'connected' or 'closed' follows. */
  connect(now: Micros, local: TransportAddress, remote: TransportAddress): TcpConnection {
    let port = local.port;
    if (port === 0) {
      for (let i = 0; i < 28232 && port === 0; i++) {
        const p = this.nextPort;
        this.nextPort = p >= 60999 ? 32768 : p + 1;
        if (!this.conns.has(key({ ip: local.ip, port: p }, remote)) && !this.listeners.some((l) => l.local.port === p)) port = p;
      }
      if (port === 0) throw new Error(`${this.name}: no free ephemeral TCP port toward ${fmt(remote)}`);
    }
    const l: TransportAddress = { ip: local.ip, port };
    if (this.conns.has(key(l, remote))) throw new Error(`${this.name}: a TCP connection ${fmt(l)} ⇄ ${fmt(remote)} already exists`);
    const c = this.newConnection(l, remote, false);
    c.open(now);
    return c;
  }

  /** The next event for apps, or undefined. */
  pollEvent(): StackEvent | undefined {
    if (this.eventHead >= this.events.length) {
      if (this.events.length > 0) {
        this.events = [];
        this.eventHead = 0;
      }
      return undefined;
    }
    return this.events[this.eventHead++];
  }

  /** Whether `pollEvent` has something. */
  hasEvents(): boolean {
    return this.eventHead < this.events.length;
  }

  /** Live connections (TIME-WAIT included), in creation order. */
  connections(): TcpConnection[] {
    return [...this.conns.values()];
  }

  // ---------------------------------------------------------------- endpoint contract

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport: Transport = 'tcp'): void {
    if (transport !== 'tcp') {
      this.note(tcpNote('tcp.ignored', `${this.name}: a ${transport} datagram from ${fmt(from)} reached the TCP stack; ignored`, { from: fmt(from) }));
      return;
    }
    this.stats.segmentsIn++;
    const parsed = parseSegment(bytes, from, to);
    if ('error' in parsed) {
      this.stats.malformed++;
      this.note(tcpNote('tcp.malformed', `${this.name}: segment from ${fmt(from)} to ${fmt(to)} discarded: ${parsed.error}`, { from: fmt(from), to: fmt(to), error: parsed.error }));
      return;
    }
    const seg = parsed.segment;
    const conn = this.conns.get(key(to, from));
    if (conn) {
      // RFC 9293 §3.10.7.4 / RFC 6191: a new SYN beyond the old connection's sequence space may reuse a TIME-WAIT pair
      if (conn.state === 'TIME-WAIT' && seg.syn && !seg.ackFlag && seqGt(seg.seq, conn.rcvNxt) && this.listenerFor(to)) {
        this.note(tcpNote('tcp.time-wait-reuse', `${conn.name}: new SYN beyond the old sequence space ends TIME-WAIT early`, {}));
        this.forget(conn);
      } else {
        conn.segmentArrives(now, seg);
        return;
      }
    }
    const listener = this.listenerFor(to);
    if (listener) {
      this.listenArrives(now, listener, seg, from, to);
      return;
    }
    this.refuse(seg, from, to, `no socket on port ${to.port}`);
  }

  handleTimeout(now: Micros): void {
    for (const c of [...this.conns.values()]) c.onTimers(now);
  }

  poll(now: Micros): EndpointOutput {
    if (this.outHead >= this.out.length) {
      this.out = [];
      this.outHead = 0;
      for (const c of [...this.conns.values()]) c.output(now);
    }
    if (this.outHead < this.out.length) return this.out[this.outHead++]!;
    let best: { at: Micros; reason: string } | undefined;
    for (const c of this.conns.values()) {
      const t = c.nextTimer();
      if (t && (!best || t.at < best.at)) best = t;
    }
    return best ? { type: 'timeout', at: best.at, reason: best.reason } : { type: 'idle' };
  }

  // ---------------------------------------------------------------- internals

  /** RFC 9293 §3.10.7.2, LISTEN: RST ignored, ACK refused with RST, SYN opens a half-open connection. */
  private listenArrives(now: Micros, l: TcpListener, seg: Segment, from: TransportAddress, to: TransportAddress): void {
    if (seg.rst) return;
    if (seg.ackFlag) {
      this.refuse(seg, from, to, `ACK to listening port ${to.port} matches no connection`);
      return;
    }
    if (!seg.syn) return;
    if (l.synQueue.length >= l.backlog || l.acceptQueue.length >= l.backlog) {
      l.dropped++;
      this.stats.synDropped++;
      // one note for the 1st, 2nd, 4th, 8th … drop: a flood stays visible without flooding the trace
      if ((l.dropped & (l.dropped - 1)) === 0) {
        const full = l.synQueue.length >= l.backlog ? `SYN queue full (${l.synQueue.length} half-open)` : `accept queue full (${l.acceptQueue.length} not accepted)`;
        this.note(tcpNote('tcp.syn-dropped', `${this.name}: SYN from ${fmt(from)} to ${fmt(to)} dropped: ${full}, backlog ${l.backlog}; ${l.dropped} dropped so far`, { from: fmt(from), dropped: l.dropped, backlog: l.backlog }));
      }
      return;
    }
    const c = this.newConnection(to, from, true);
    l.synQueue.push(c);
    c.acceptSyn(now, seg);
  }

  private newConnection(local: TransportAddress, remote: TransportAddress, passive: boolean): TcpConnection {
    // RFC 9293 §3.4.1 / RFC 6528: the ISN must be unpredictable; ours comes from the stack's RNG stream
    const c = new TcpConnection(this.owner, local, remote, passive, this.rng.u32(), this.rng.u32());
    this.conns.set(key(local, remote), c);
    return c;
  }

  private listenerFor(to: TransportAddress): TcpListener | undefined {
    const family = to.ip.includes(':') ? '::' : '0.0.0.0';
    // "::" takes IPv4 too, as a Linux socket does without IPV6_V6ONLY
    return (
      this.listeners.find((l) => l.local.port === to.port && l.local.ip === to.ip) ??
      this.listeners.find((l) => l.local.port === to.port && l.local.ip === family) ??
      this.listeners.find((l) => l.local.port === to.port && l.local.ip === '::')
    );
  }

  /** Sends the RST a closed port answers with (RFC 9293 §3.10.7.1). */
  private refuse(seg: Segment, from: TransportAddress, to: TransportAddress, why: string): void {
    const rst = resetFor(seg, to, from);
    if (!rst) return;
    this.stats.resetsSent++;
    this.note(tcpNote('tcp.reset-sent', `${this.name}: ${why}; RST to ${fmt(from)}`, { from: fmt(from), to: fmt(to) }));
    this.out.push({ type: 'transmit', from: to, to: from, bytes: rst, transport: 'tcp' });
  }

  private established(c: TcpConnection): void {
    const l = this.listeners.find((x) => x.synQueue.includes(c));
    if (!l) return;
    l.synQueue.splice(l.synQueue.indexOf(c), 1);
    l.acceptQueue.push(c);
    this.events.push({ type: 'incoming', listener: l });
  }

  private forget(c: TcpConnection): void {
    const k = key(c.local, c.remote);
    if (this.conns.get(k) === c) this.conns.delete(k);
    for (const l of this.listeners) {
      const i = l.synQueue.indexOf(c);
      if (i >= 0) l.synQueue.splice(i, 1);
      const j = l.acceptQueue.indexOf(c);
      if (j >= 0) l.acceptQueue.splice(j, 1);
    }
  }

  /** Removes a listener; its unaccepted connections are aborted. */
  unlisten(l: TcpListener, now: Micros): void {
    const i = this.listeners.indexOf(l);
    if (i < 0) return;
    this.listeners.splice(i, 1);
    l.closed = true;
    for (const c of [...l.synQueue, ...l.acceptQueue]) c.abort(now);
  }

  private allowChallengeAck(now: Micros): boolean {
    const second = Math.floor(now / 1_000_000);
    if (second !== this.challengeWindow) {
      this.challengeWindow = second;
      this.challengeCount = 0;
    }
    if (this.challengeCount >= this.config.challengeAckLimit) return false;
    this.challengeCount++;
    return true;
  }

  private note(n: TcpNote): void {
    this.out.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) });
  }
}
