import type { Endpoint, EndpointOutput, IcmpError, SignalingEndpoint, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, isSignalingEndpoint, sameTransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import { concatBytes } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { IceAgentBase, TurnServerConfig } from '../ice/agent-base.ts';
import type { TcpType } from '../ice/candidate.ts';
import type { Host } from '../net/host.ts';
import { netNote } from '../net/notes.ts';
import type { ByteStream } from '../net/stream.ts';
import { connectStream, listenStreams, type TcpStream } from '../net/tcp-stream.ts';
import { frameForStream, StreamFramer, type StreamFraming } from '../turn/stream-framer.ts';
import { turnNote } from '../turn/notes.ts';
import { generateTlsIdentity, type TlsIdentity } from '../tls/config.ts';
import { TlsStream, type TlsSink } from '../tls/stream.ts';
import type { World } from './world.ts';

/** How a stream runs: plain TCP, or TLS over it. */
export type StreamTransport = 'tcp' | 'tls';

/** Wraps a TCP stream in TLS (client or server side); given by the app when it uses TLS. */
export type Secure = (tcp: TcpStream, role: 'client' | 'server', remote: TransportAddress) => ByteStream;

export interface StreamLinksOptions {
  readonly world: World;
  readonly host: Host;
  /** How datagrams are cut out of the streams. */
  readonly framing: StreamFraming;
  /** A dialled stream's framing when it differs from `framing` (ICE-TCP's RFC 4571 beside TURN's STUN framing). */
  readonly framingFor?: (to: TransportAddress) => StreamFraming;
  /** For a transmit with no open stream: the transport to dial `to` (from `from`) with; undefined refuses (noted). */
  readonly dial?: (to: TransportAddress, from: TransportAddress) => StreamTransport | undefined;
  /** TLS for 'tls' streams. */
  readonly secure?: Secure;
  /** A stream closed (cleanly when `error` is undefined): the endpoint's side of it is gone. */
  readonly closed?: (now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined) => void;
}

/** One stream as the endpoint sees it: its local address as the endpoint named it, and the remote. */
interface Link {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly transport: StreamTransport;
  readonly stream: ByteStream;
  readonly framing: StreamFraming;
  readonly framer: StreamFramer;
  closed: boolean;
  /** RFC 6062 §5.4: after the next write (the ConnectionBind success) the link carries raw bytes to and from here. */
  spliceAfterWrite?: ByteStream;
  onSpliced?: (now: Micros) => void;
  /** Spliced: every byte read goes here, unframed. */
  raw?: ByteStream;
}

const linkKey = (local: TransportAddress, remote: TransportAddress): string => `${formatTransportAddress(local)}|${formatTransportAddress(remote)}`;

/**
 * Puts a sans-IO endpoint's stream traffic on TCP (or TLS) connections of its host: every `transmit` with
 * `transport: 'tcp'` is framed (RFC 8656 §12.5 padding, or RFC 4571's length) and written on the stream between its
 * `from` and `to`, dialled when `dial` allows; what arrives on a stream is cut back into datagrams and handed to
 * the endpoint's `handleDatagram(…, 'tcp')`. Everything else passes through to the endpoint's driver untouched.
 * On the client side `from` may be a placeholder (port 0: "a connection from this address"); the endpoint is
 * answered at the same placeholder.
 */
export class StreamLinks<M = unknown> implements Endpoint<M> {
  private readonly links = new Map<string, Link>();
  private readonly notes: EndpointOutput<M>[] = [];
  private driver: EndpointDriver<M> | undefined;
  readonly source: string;

  constructor(
    readonly inner: Endpoint<M>,
    private readonly o: StreamLinksOptions,
    source: string,
  ) {
    this.source = source;
  }

  /** The driver that runs this wrapper: pumped after stream input. */
  attach(driver: EndpointDriver<M>): void {
    this.driver = driver;
  }

  /** Accepts connections on `port` of the host (every address), as `transport`, framed as `framing` (default: the links'). */
  listen(port: number, transport: StreamTransport, options: { ip?: string; framing?: StreamFraming } = {}): void {
    const { framing, ...where } = options;
    listenStreams(this.o.world.tcp(this.o.host), port, (tcp) => {
      const stream = transport === 'tls' ? this.secure(this.o.world.net.now, tcp, 'server', tcp.remote) : tcp;
      if (stream) this.adopt(tcp.local, tcp.remote, transport, stream, framing ?? this.o.framing);
    }, where);
  }

  /** Open streams, for summaries. */
  get open(): { local: string; remote: string; transport: StreamTransport }[] {
    return [...this.links.values()].filter((l) => !l.closed).map((l) => ({ local: formatTransportAddress(l.local), remote: formatTransportAddress(l.remote), transport: l.transport }));
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: 'udp' | 'tcp'): void {
    this.inner.handleDatagram(now, from, to, bytes, transport);
  }

  handleTimeout(now: Micros): void {
    this.inner.handleTimeout(now);
  }

  /** ICMP errors about what the endpoint sent over UDP are its own to act on (RFC 8445 §7.2.5.2.2, RFC 8656 §11.5). */
  handleIcmpError(now: Micros, e: IcmpError): void {
    this.inner.handleIcmpError?.(now, e);
  }

  poll(now: Micros): EndpointOutput<M> {
    for (;;) {
      const mine = this.notes.shift();
      if (mine) return mine;
      const o = this.inner.poll(now);
      if (o.type !== 'transmit' || o.transport !== 'tcp') return o;
      this.send(now, o.from, o.to, o.bytes);
    }
  }

  handleSignal(now: Micros, from: string, message: M): void {
    if (isSignalingEndpoint(this.inner)) (this.inner as SignalingEndpoint<M>).handleSignal(now, from, message);
  }

  signalPending(): boolean {
    return isSignalingEndpoint(this.inner) && (this.inner as SignalingEndpoint<M>).signalPending();
  }

  private note(n: NoteBody): void {
    this.notes.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) });
  }

  private send(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    let link = this.links.get(linkKey(from, to));
    if (!link || link.closed) {
      const transport = this.o.dial?.(to, from);
      if (transport === undefined) {
        this.note(netNote('endpoint.error', `${this.source} sent ${bytes.length} bytes to ${formatTransportAddress(to)} over TCP with no connection to it`));
        return;
      }
      const tcp = connectStream(this.o.world.tcp(this.o.host), to, from.port === 0 ? { ip: from.ip } : from);
      const stream = transport === 'tls' ? this.secure(now, tcp, 'client', to) : tcp;
      if (!stream) return;
      link = this.adopt(from, to, transport, stream, this.o.framingFor?.(to) ?? this.o.framing);
    }
    link.stream.write(now, frameForStream(link.framing, bytes));
    if (link.spliceAfterWrite) {
      link.raw = link.spliceAfterWrite;
      link.spliceAfterWrite = undefined;
      const rest = link.framer.takeRest();
      if (rest.length > 0) link.raw.write(now, rest);
      link.onSpliced?.(now);
      link.onSpliced = undefined;
    }
  }

  /**
   * RFC 6062 §5.4: once the answer now queued for the link between `local` and `remote` is written, the link stops
   * framing and carries raw bytes between its stream and `target` both ways. False when there is no such link.
   */
  splice(local: TransportAddress, remote: TransportAddress, target: ByteStream, onSpliced?: (now: Micros) => void): boolean {
    const link = this.links.get(linkKey(local, remote));
    if (!link || link.closed) return false;
    link.spliceAfterWrite = target;
    if (onSpliced) link.onSpliced = onSpliced;
    return true;
  }

  /** The stream between `local` and `remote`, if open. */
  streamOf(local: TransportAddress, remote: TransportAddress): ByteStream | undefined {
    const link = this.links.get(linkKey(local, remote));
    return link && !link.closed ? link.stream : undefined;
  }

  private secure(now: Micros, tcp: TcpStream, role: 'client' | 'server', remote: TransportAddress): ByteStream | undefined {
    if (this.o.secure) return this.o.secure(tcp, role, remote);
    this.note(netNote('endpoint.error', `${this.source}: TLS with ${formatTransportAddress(remote)} asked for, but this app has no TLS`));
    tcp.abort(now);
    return undefined;
  }

  private adopt(local: TransportAddress, remote: TransportAddress, transport: StreamTransport, stream: ByteStream, framing: StreamFraming): Link {
    const link: Link = { local, remote, transport, stream, framing, framer: new StreamFramer(framing), closed: false };
    this.links.set(linkKey(local, remote), link);
    const l = formatTransportAddress(local);
    const r = formatTransportAddress(remote);
    stream.handlers = {
      onOpen: () => {
        this.note(turnNote('turn.stream.open', `${transport.toUpperCase()} connection ${l} ⇄ ${r} open`, { local: l, remote: r, transport }));
        this.driver?.pump();
      },
      onData: (now, bytes) => {
        if (link.raw) return link.raw.write(now, bytes);
        const { messages, error } = link.framer.push(bytes);
        for (const [i, m] of messages.entries()) {
          if (link.closed) break;
          this.deliver(now, link, m);
          if (link.spliceAfterWrite) {
            // RFC 6062 §5.4: the answer to ConnectionBind goes out, then the connection is raw; a client waits for
            // that answer before sending data, so what was framed after it in this read is passed on as it came
            this.driver?.pump();
            const after = messages.slice(i + 1);
            if (after.length > 0) (link as Link).raw?.write(now, concatBytes(...after));
            break;
          }
        }
        if (error !== undefined && !link.closed) {
          this.note(turnNote('turn.stream.framing', `${transport.toUpperCase()} connection ${l} ⇄ ${r}: ${error}; the connection is reset`, { local: l, remote: r, why: error }));
          this.close(now, link, `framing: ${error}`);
          stream.abort(now);
        }
        this.driver?.pump();
      },
      onEnd: (now) => {
        // the peer sends no more: finish our side too (a TURN connection is not used half-closed)
        stream.end(now);
      },
      onClose: (now, error) => {
        this.close(now, link, error);
        this.driver?.pump();
      },
    };
    return link;
  }

  private deliver(now: Micros, link: Link, datagram: Uint8Array): void {
    try {
      this.inner.handleDatagram(now, link.remote, link.local, datagram, 'tcp');
    } catch (e) {
      // the driver's guard cannot see this call (it comes from the TCP stack's events): report it the same way
      this.note(netNote('endpoint.error', `${this.source}: handleDatagram() threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} on a message from ${formatTransportAddress(link.remote)}`));
    }
  }

  private close(now: Micros, link: Link, error: string | undefined): void {
    if (link.closed) return;
    link.closed = true;
    if (this.links.get(linkKey(link.local, link.remote)) === link) this.links.delete(linkKey(link.local, link.remote));
    const l = formatTransportAddress(link.local);
    const r = formatTransportAddress(link.remote);
    this.note(turnNote('turn.stream.closed', `${link.transport.toUpperCase()} connection ${l} ⇄ ${r} closed${error ? `: ${error}` : ''}`, { local: l, remote: r, transport: link.transport, error: error ?? null }));
    this.o.closed?.(now, link.local, link.remote, error);
  }
}

/**
 * TLS for an app's streams (sim/tls TlsStream over the TCP stream): the server side presents one self-signed
 * certificate per app, made once from the app's RNG with the host's name as common name; the client sends no SNI
 * (a turns: URL names an IP address, which RFC 6066 §3 keeps out of SNI) and, as browsers' TURN clients do with no
 * CA in the lab, pins nothing. Each connection has its own RNG stream; notes and key log lines go into the trace
 * under the app's source, so Wireshark can decrypt them.
 */
export function secureFor(world: World, host: Host, source: string): { secure: Secure } {
  const rng = world.rng(`${source}/tls`);
  let identity: TlsIdentity | undefined;
  let n = 0;
  const sink: TlsSink = {
    note: (_now, note) => world.net.note(source, note),
    secret: (now, text) => world.net.trace.secret({ t: now, kind: 'nss-keylog', source, text }),
  };
  return {
    secure: (tcp, role) => {
      const connRng = rng.fork(`connection${n++}`);
      if (role === 'server') identity ??= generateTlsIdentity(rng.fork('certificate'), host.name);
      return new TlsStream(world.net.now, tcp, { role, rng: connRng, sink, config: role === 'server' ? { identity: identity! } : {} });
    },
  };
}

/**
 * The driver of a browser-like endpoint (webrtc-peer, sfu-client, ice-agent): when one of its TURN servers is reached
 * over TCP or TLS, the endpoint runs inside StreamLinks, which dials those servers as the agent first writes to them.
 */
export function peerDriver<M>(world: World, host: Host, endpoint: Endpoint<M>, source: string, turn: readonly TurnServerConfig[], iceTcp = false): EndpointDriver<M> {
  const streamed = turn.filter((t) => t.transport !== undefined && t.transport !== 'udp');
  if (streamed.length === 0 && !iceTcp) return new EndpointDriver(world.net, host, endpoint, source);
  const turnServer = (to: TransportAddress): TurnServerConfig | undefined => streamed.find((x) => sameTransportAddress(x.server, to));
  const links = new StreamLinks<M>(endpoint, {
    world, host, framing: 'stun', ...secureFor(world, host, source),
    // RFC 6544 §3: ICE-TCP connections carry every packet behind an RFC 4571 length; TURN connections STUN framing
    framingFor: (to) => (turnServer(to) ? 'stun' : 'rfc4571'),
    dial: (to, from) => {
      const t = turnServer(to)?.transport;
      if (t === 'tcp' || t === 'tls') return t;
      // RFC 6544 §7.1: an active candidate (base port 0) opens a connection for its pair's first check
      return iceTcp && from.port === 0 ? 'tcp' : undefined;
    },
    // RFC 6544 §7.1: a failed or closed connection fails its pairs
    closed: (now, local, remote, error) => endpoint.handleStreamClosed?.(now, local, remote, error),
  }, source);
  const driver = new EndpointDriver(world.net, host, links, source);
  links.attach(driver);
  return driver;
}

/**
 * ICE-TCP host candidates (RFC 6544 §4.1) for an agent whose driver came from `peerDriver(…, iceTcp = true)`: an
 * active candidate per UDP host address (its connections are dialled per pair), and a passive one listening on
 * `port` of each (0: the port number the UDP host candidates got), framed per RFC 4571.
 */
export function gatherIceTcp(driver: EndpointDriver<unknown>, agent: IceAgentBase, udp: readonly TransportAddress[], types: readonly TcpType[], port: number): void {
  const links = driver.endpoint;
  if (!(links instanceof StreamLinks) || udp.length === 0) return;
  if (types.includes('passive')) {
    const listenPort = port || udp[0]!.port;
    links.listen(listenPort, 'tcp', { framing: 'rfc4571' });
    for (const a of udp) agent.addLocalTcpAddress({ ip: a.ip, port: listenPort }, 'passive');
  }
  if (types.includes('active')) for (const a of udp) agent.addLocalTcpAddress({ ip: a.ip, port: 0 }, 'active');
}
