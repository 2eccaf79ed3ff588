import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { TcpHost } from '../net/tcp-host.ts';
import { connectStream, listenStreams, type TcpStream } from '../net/tcp-stream.ts';
import { appNote, APP_NOTE_KINDS } from './notes.ts';
import { bool, duration, integer, optional, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField, someKinds, type Obj } from './app-kind.ts';

export interface TcpPeerOptions {
  /** Passive open on this port (a server). */
  readonly listen?: number;
  /** Active open to this address (a client); with `listen` absent. */
  readonly connect?: TransportAddress;
  /** The local port of the active open (a fixed port: what TCP hole punching needs, RFC 5382 §2.1). */
  readonly localPort?: number;
  /** Bytes it writes once connected (a counting pattern), then it half-closes when `close` is set. */
  readonly send: number;
  readonly close: boolean;
  readonly at: Micros;
}

/** What one connection did: its addresses, state, bytes and the sender's repairs (RFC 6298 timeouts, RFC 5681 fast retransmits). */
interface Conn {
  readonly stream: TcpStream;
  readonly remote: string;
  /** 'half-closed': this side sent its FIN and the peer has not; 'closed': both FINs (or the stack closed it cleanly). */
  state: 'connecting' | 'open' | 'half-closed' | 'closed' | 'failed';
  finReceived: boolean;
  error: string | null;
  received: number;
  /** Received bytes that broke the counting pattern (0 when every byte arrived in order and intact). */
  corrupt: number;
  openedAt: Micros | null;
}

/**
 * A bare TCP application on a host: it listens, or connects (from a fixed port when asked, for simultaneous open
 * through NATs), writes `send` bytes of a counting pattern and half-closes; it counts and checks what it reads. The
 * summary gives each connection's state, bytes and the stack's retransmissions, so presets can show the
 * three-way handshake, loss recovery and TCP hole punching with nothing but TCP on the wire.
 */
export class TcpPeer implements Endpoint {
  private started = false;
  private readonly out: EndpointOutput[] = [];
  readonly conns: Conn[] = [];
  onOutput: (() => void) | undefined;

  constructor(
    private readonly tcp: TcpHost,
    readonly o: TcpPeerOptions,
  ) {}

  handleDatagram(): void {}

  handleTimeout(now: Micros): void {
    if (this.started || now < this.o.at) return;
    this.started = true;
    if (this.o.listen !== undefined) {
      listenStreams(this.tcp, this.o.listen, (stream, t) => this.track(stream, t));
      return;
    }
    if (this.o.connect) {
      const stream = connectStream(this.tcp, this.o.connect, this.o.localPort !== undefined ? { port: this.o.localPort } : undefined);
      this.track(stream, now);
    }
  }

  poll(now: Micros): EndpointOutput {
    const next = this.out.shift();
    if (next) return next;
    if (!this.started) return { type: 'timeout', at: Math.max(now, this.o.at), reason: 'tcp-peer-start' };
    return { type: 'idle' };
  }

  private track(stream: TcpStream, _now: Micros): void {
    const c: Conn = { stream, remote: formatTransportAddress(stream.connection.remote), state: 'connecting', finReceived: false, error: null, received: 0, corrupt: 0, openedAt: null };
    this.conns.push(c);
    stream.handlers = {
      onOpen: (t) => {
        c.state = 'open';
        c.openedAt = t;
        const local = formatTransportAddress(stream.connection.local);
        this.out.push({ type: 'note', ...appNote('tcp-peer.open', `TCP ${local} ⇄ ${c.remote} open`, { local, remote: c.remote }) });
        this.onOutput?.();
        if (this.o.send > 0) stream.write(t, pattern(0, this.o.send));
        if (this.o.close) {
          stream.end(t);
          c.state = 'half-closed';
        }
      },
      onData: (_t, bytes) => {
        for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((c.received + i) & 0xff)) c.corrupt++;
        c.received += bytes.length;
      },
      onEnd: (t) => {
        c.finReceived = true;
        if (!this.o.close) stream.end(t);
        if (c.state !== 'failed') c.state = 'closed';
      },
      onClose: (_t, error) => {
        if (error !== undefined) c.state = 'failed';
        else if (c.state !== 'failed') c.state = 'closed';
        c.error = error ?? null;
        this.onOutput?.();
      },
    };
  }
}

/** Bytes `from`…`from + n - 1` of the counting pattern (byte i is i mod 256): the reader checks order and integrity. */
function pattern(from: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (from + i) & 0xff;
  return out;
}

export interface TcpPeerAppSpec extends TcpPeerOptions {
  readonly kind: 'tcp-peer';
  readonly host: string;
}

/** The scenario app "tcp-peer": a TCP server or client that writes a counting pattern and checks what it reads. */
export const tcpPeerApp = defineApp({
  kind: 'tcp-peer',
  about: 'a bare TCP server or client (RFC 9293): writes a counting pattern, checks what it reads, reports retransmissions',
  fields: [
    kindField('tcp-peer'),
    HOST_FIELD,
    optional('listen', integer(1, 65535), 'Listen on this port (passive open); give `listen` or `connect`.', 5001),
    optional('connect', transport, 'Connect to this address (active open).', '198.51.100.10:5001'),
    optional('localPort', integer(1, 65535), 'With `connect`: the local port (fixed, as TCP hole punching needs: both sides connect to each other at once, RFC 5382 §2.1).', 40000, 'ephemeral'),
    withDefault('send', integer(0, 100_000_000), 0, '`0`', 'Bytes it writes once connected: byte i is i mod 256, so the reader can check order and integrity.', 1_000_000),
    withDefault('close', bool, true, '`true`', 'Half-close (FIN) after writing; `false`: close only after the peer has.', false),
    withDefault('at', duration, 0, '`0`', 'When it listens or connects.', '100ms'),
  ],
  check(c, path, v) {
    if ((v.listen === undefined) === (v.connect === undefined)) c.fail(path, 'give exactly one of `listen` (a server) and `connect` (a client)');
    if (v.localPort !== undefined && v.connect === undefined) c.fail(`${path}.localPort`, 'only with `connect`');
  },
  spec: (v): TcpPeerAppSpec => ({
    kind: 'tcp-peer', host: v.host, ...(v.listen !== undefined ? { listen: v.listen } : {}), ...(v.connect !== undefined ? { connect: v.connect } : {}),
    ...(v.localPort !== undefined ? { localPort: v.localPort } : {}), send: v.send, close: v.close, at: v.at,
  }),
  build(world, host, spec: TcpPeerAppSpec, ctx) {
    const endpoint = new TcpPeer(world.tcp(host), spec);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.onOutput = () => driver.pump();
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => ({
    role: spec.listen !== undefined ? `listen :${spec.listen}` : `connect ${formatTransportAddress(spec.connect!)}`,
    connections: e.conns.map((c) => {
      const s = c.stream.connection.stats;
      return {
        local: formatTransportAddress(c.stream.connection.local), remote: c.remote, state: c.state, error: c.error, opened: c.openedAt,
        sent: s.bytesSent, received: c.received, corrupt: c.corrupt, segmentsSent: s.segmentsSent, retransmissions: s.retransmissions, fastRetransmits: s.fastRetransmits, timeouts: s.timeouts,
      };
    }),
  }),
  appLines(a) {
    const conns = a.connections as Obj[];
    const head = `  tcp-peer on ${String(a.host)} (${String(a.role)}): ${conns.length} connection(s)`;
    return [head, ...conns.map((c) => `    ${String(c.local)} ⇄ ${String(c.remote)}: ${String(c.state)}${c.error ? ` (${String(c.error)})` : ''}, ${String(c.sent)} bytes sent, ${String(c.received)} received${Number(c.corrupt) > 0 ? ` (${String(c.corrupt)} out of pattern)` : ''}, ${String(c.retransmissions)} retransmissions (${String(c.fastRetransmits)} fast, ${String(c.timeouts)} timeouts)`)];
  },
  notes: [someKinds(APP_NOTE_KINDS, 'tcp-peer.open', 'tcp-peer.closed')],
});
