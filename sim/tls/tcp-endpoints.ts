import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { printable, utf8Encode } from '../core/encoding.ts';
import type { NoteBody } from '../core/note.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { TcpHost } from '../net/tcp-host.ts';
import { connectStream, listenStreams } from '../net/tcp-stream.ts';
import { cipherSuiteName } from '../wire/handshake/names.ts';
import { generateTlsIdentity, type TlsConfig } from './config.ts';
import { tlsNote } from './notes.ts';
import { TlsStream, type TlsSink } from './stream.ts';

/**
 * A TLS server and a TLS client on a host's TCP (sim/net/tcp-stream.ts), in the endpoint shape so an app's
 * EndpointDriver puts their notes and key log lines into the trace. They bind no UDP: their bytes move through the
 * host's TcpHost; `onOutput` (set to the driver's pump) runs whenever a stream event queued notes.
 */

/** One TLS connection as the summary shows it. */
export interface TlsSessionSummary {
  readonly remote: string;
  state: string;
  version: string | null;
  cipherSuite: string | null;
  alpn: string | null;
  sni: string | null;
  bytesIn: number;
  bytesOut: number;
  error: string | null;
}

abstract class TlsTcpEndpoint implements Endpoint {
  protected readonly out: EndpointOutput[] = [];
  /** Set by the app to its driver's pump. */
  onOutput: (() => void) | undefined;
  private readonly tracked: { s: TlsSessionSummary; stream: TlsStream }[] = [];

  /** Every connection so far, its state that of TLS (close_notify both ways is 'closed' before TCP's TIME-WAIT ends). */
  get sessions(): TlsSessionSummary[] {
    for (const t of this.tracked) if (t.s.error === null) t.s.state = t.stream.connection.state;
    return this.tracked.map((t) => t.s);
  }

  handleDatagram(): void {}

  handleTimeout(_now: Micros): void {}

  poll(_now: Micros): EndpointOutput {
    return this.out.shift() ?? { type: 'idle' };
  }

  protected readonly sink: TlsSink = {
    note: (_now: Micros, n: NoteBody) => {
      this.out.push({ type: 'note', ...n });
      this.onOutput?.();
    },
    secret: (_now: Micros, text: string) => {
      this.out.push({ type: 'secret', kind: 'nss-keylog', text });
      this.onOutput?.();
    },
  };

  /** A summary entry for a new connection, and the function that fills it in once the handshake completes. */
  protected track(stream: TlsStream, remote: TransportAddress): { readonly s: TlsSessionSummary; opened(): void } {
    const s: TlsSessionSummary = { remote: formatTransportAddress(remote), state: 'handshaking', version: null, cipherSuite: null, alpn: null, sni: null, bytesIn: 0, bytesOut: 0, error: null };
    this.tracked.push({ s, stream });
    const opened = (): void => {
      const e = stream.negotiated;
      if (!e) return;
      s.version = e.version === 0x0304 ? 'TLS 1.3' : 'TLS 1.2';
      s.cipherSuite = cipherSuiteName(e.cipherSuite);
      s.alpn = e.alpn;
      s.sni = e.sni;
    };
    return { s, opened };
  }
}

export interface TlsServerOptions {
  readonly tcp: TcpHost;
  readonly port: number;
  readonly config: TlsConfig;
  readonly rng: Rng;
  /** Answers each piece of data with this text; undefined echoes the data back. */
  readonly response?: string;
}

/** Accepts TLS on `port` of every address of its host and echoes (or answers with a fixed text); ends when the client does. */
export class TlsServerEndpoint extends TlsTcpEndpoint {
  constructor(private readonly o: TlsServerOptions) {
    super();
  }

  /** Starts listening (call once the driver is attached). */
  listen(): void {
    // one certificate for every connection, drawn once from the app's stream
    const identity = this.o.config.identity ?? generateTlsIdentity(this.o.rng.fork('certificate'), this.o.config.serverName ?? 'rtclab');
    let n = 0;
    listenStreams(this.o.tcp, this.o.port, (tcp, now) => {
      const tls = new TlsStream(now, tcp, { role: 'server', config: { ...this.o.config, identity }, rng: this.o.rng.fork(`connection/${n++}`), sink: this.sink });
      const { s, opened } = this.track(tls, tcp.remote);
      tls.handlers = {
        onOpen: () => opened(),
        onData: (t, bytes) => {
          s.bytesIn += bytes.length;
          const answer = this.o.response !== undefined ? utf8Encode(this.o.response) : bytes;
          s.bytesOut += answer.length;
          tls.write(t, answer);
        },
        onEnd: (t) => tls.end(t),
        onClose: (_t, error) => {
          if (error !== undefined) s.state = 'failed';
          s.error = error ?? null;
        },
      };
    });
  }
}

export interface TlsClientOptions {
  readonly tcp: TcpHost;
  readonly server: TransportAddress;
  readonly config: TlsConfig;
  readonly rng: Rng;
  /** When it connects. */
  readonly at: Micros;
  /** What it sends once the handshake completes. */
  readonly message: string;
  /** Gives up (user_canceled, RST) on a handshake not complete this long after connecting. */
  readonly handshakeTimeout: Micros;
}

/** Connects at `at`, sends `message` once TLS is open, and closes (close_notify, FIN) after the first answer. */
export class TlsClientEndpoint extends TlsTcpEndpoint {
  private started = false;
  private deadline: Micros | undefined;
  private stream: TlsStream | undefined;
  response = '';

  constructor(private readonly o: TlsClientOptions) {
    super();
  }

  override handleTimeout(now: Micros): void {
    if (this.started) return this.checkDeadline(now);
    if (now < this.o.at) return;
    this.started = true;
    this.deadline = now + this.o.handshakeTimeout;
    const tcp = connectStream(this.o.tcp, this.o.server);
    const tls = new TlsStream(now, tcp, { role: 'client', config: this.o.config, rng: this.o.rng.fork('connection/0'), sink: this.sink });
    this.stream = tls;
    const { s, opened } = this.track(tls, this.o.server);
    tls.handlers = {
      onOpen: (t) => {
        opened();
        this.deadline = undefined;
        const m = utf8Encode(this.o.message);
        s.bytesOut += m.length;
        tls.write(t, m);
      },
      onData: (t, bytes) => {
        s.bytesIn += bytes.length;
        this.response += printable(bytes);
        tls.end(t);
      },
      onEnd: (t) => tls.end(t),
      onClose: (_t, error) => {
        if (error !== undefined) s.state = 'failed';
        s.error = error ?? null;
        this.deadline = undefined;
      },
    };
  }

  private checkDeadline(now: Micros): void {
    if (this.deadline === undefined || now < this.deadline || !this.stream) return;
    this.deadline = undefined;
    const after = this.o.handshakeTimeout;
    this.sink.note(now, tlsNote('tls.handshake-timeout', `no TLS handshake with ${formatTransportAddress(this.o.server)} after ${after / 1e6} s: giving up`, { role: 'client', after }));
    this.stream.abort(now);
  }

  override poll(now: Micros): EndpointOutput {
    const next = this.out.shift();
    if (next) return next;
    if (!this.started) return { type: 'timeout', at: Math.max(now, this.o.at), reason: 'tls-connect' };
    return this.deadline !== undefined ? { type: 'timeout', at: this.deadline, reason: 'tls-handshake-timeout' } : { type: 'idle' };
  }
}
