import type { Micros } from '../core/time.ts';
import type { ByteStream } from '../net/stream.ts';
import { headerValue, type HttpHeader, type HttpMessage, type HttpRequestLine } from '../wire/http/http.ts';
import { encodeChunk, encodeResponse, REASONS, type HttpResponseInit } from './message.ts';
import { httpNote, type HttpNote } from './notes.ts';
import { DEFAULT_HTTP_LIMITS, HttpMessageReader, keepsAlive, type HttpLimits } from './reader.ts';
import { utf8Encode } from '../core/encoding.ts';

export interface HttpRequest extends HttpMessage {
  readonly start: HttpRequestLine;
  /** The stream's label, for notes. */
  readonly connection: string;
}

/** Hands a request to the app; it answers through the exchange now or later (a long poll holds it open). */
export type HttpHandler = (now: Micros, request: HttpRequest, exchange: HttpExchange) => void;

export interface HttpServerOptions {
  readonly limits?: HttpLimits;
  /** Sent as the Server header field. */
  readonly serverName?: string;
  readonly note?: (now: Micros, note: HttpNote) => void;
}

/**
 * An HTTP/1.1 server (RFC 9112) on byte streams: `accept(stream)` for each connection a listener takes. Requests are
 * read as their bytes arrive and handed to the handler one by one; responses leave in request order even when the
 * app answers a later one first (§9.3.2), so an exchange can be held open (a long poll) while others wait behind it.
 * Persistent connections by default; `Connection: close` (or HTTP/1.0 without keep-alive) closes after the answer.
 * A bad request gets a 4xx/5xx with `Connection: close` and an `http.bad-message` note, never a throw.
 */
export class HttpServer {
  readonly connections: HttpServerConnection[] = [];

  constructor(
    private readonly handler: HttpHandler,
    readonly options: HttpServerOptions = {},
  ) {}

  accept(stream: ByteStream): HttpServerConnection {
    const c = new HttpServerConnection(stream, this.handler, this.options);
    this.connections.push(c);
    return c;
  }
}

export class HttpServerConnection {
  private readonly reader: HttpMessageReader;
  private readonly exchanges: HttpExchange[] = [];
  /** No more requests will be read (Connection: close, an error, an upgrade, or the peer's FIN). */
  private closing = false;
  private ended = false;
  closed = false;
  readonly requests: HttpRequest[] = [];

  constructor(
    readonly stream: ByteStream,
    private readonly handler: HttpHandler,
    private readonly options: HttpServerOptions,
  ) {
    this.reader = new HttpMessageReader('request', options.limits ?? DEFAULT_HTTP_LIMITS);
    const h = stream.handlers;
    h.onData = (now, bytes) => this.data(now, bytes);
    h.onEnd = (now) => {
      for (const r of this.reader.end()) if (r.type === 'error') this.refuse(now, r.status, r.error);
      this.closing = true;
      this.maybeEnd(now);
    };
    h.onClose = () => {
      this.closed = true;
      for (const x of this.exchanges) x.abandoned = true;
    };
  }

  note(now: Micros, n: HttpNote): void {
    this.options.note?.(now, n);
  }

  private data(now: Micros, bytes: Uint8Array): void {
    if (this.closing) return;
    for (const r of this.reader.push(bytes)) {
      if (r.type === 'error') {
        this.refuse(now, r.status, r.error);
        return;
      }
      const request = { ...r.message, start: r.message.start as HttpRequestLine, connection: this.stream.label };
      this.requests.push(request);
      const ex = new HttpExchange(this, request, keepsAlive(request));
      this.exchanges.push(ex);
      if (!ex.keepAlive) this.closing = true;
      this.note(now, httpNote('http.request', `${this.stream.label}: ${request.start.method} ${request.start.target}${request.body.length ? ` (${request.body.length} bytes)` : ''}`, { connection: this.stream.label, method: request.start.method, target: request.start.target, bodyLength: request.body.length }));
      this.handler(now, request, ex);
      if (this.closing) break;
    }
  }

  /** Answers a request the reader refused, then closes: the stream cannot be read as HTTP beyond it. */
  private refuse(now: Micros, status: number, error: string): void {
    this.closing = true;
    this.note(now, httpNote('http.bad-message', `${this.stream.label}: request refused with ${status} ${REASONS[status] ?? ''}: ${error}`, { connection: this.stream.label, role: 'server', error, status }));
    const ex = new HttpExchange(this, undefined, false);
    this.exchanges.push(ex);
    ex.respond(now, { status, headers: [{ name: 'Content-Type', value: 'text/plain' }], body: `${error}\n` });
  }

  /** @internal the exchanges write through here, in order */
  flush(now: Micros): void {
    while (this.exchanges.length > 0) {
      const head = this.exchanges[0]!;
      const out = head.takeOutput();
      if (out.length && !this.closed) this.stream.write(now, out);
      if (!head.done) return;
      this.exchanges.shift();
      if (!head.keepAlive) {
        this.closing = true;
        this.exchanges.length = 0;
      }
    }
    this.maybeEnd(now);
  }

  private maybeEnd(now: Micros): void {
    if (this.closing && this.exchanges.length === 0 && !this.ended && !this.upgraded) {
      this.ended = true;
      if (!this.closed) this.stream.end(now);
    }
  }

  upgraded = false;

  /** @internal */
  isOldest(ex: HttpExchange): boolean {
    return this.exchanges[0] === ex;
  }

  /** @internal an exchange switches protocols: the stream and what came after the request go to the caller */
  detach(): Uint8Array {
    this.upgraded = true;
    this.closing = true;
    const h = this.stream.handlers;
    delete h.onData;
    delete h.onEnd;
    delete h.onClose;
    return this.reader.stop();
  }

  get serverName(): string | undefined {
    return this.options.serverName;
  }
}

/**
 * One request and its answer. `respond` sends a whole response; `begin`/`chunk`/`finish` stream a chunked one;
 * `upgrade` answers 101 and hands over the stream (RFC 9110 §7.8). Answering twice is ignored.
 */
export class HttpExchange {
  private output: Uint8Array[] = [];
  done = false;
  private streaming = false;
  /** The connection closed before the answer (a long poll's client went away). */
  abandoned = false;
  status: number | undefined;

  constructor(
    private readonly conn: HttpServerConnection,
    readonly request: HttpRequest | undefined,
    public keepAlive: boolean,
  ) {}

  get answered(): boolean {
    return this.done || this.streaming;
  }

  private extra(): HttpHeader[] {
    const name = this.conn.serverName;
    return [...(name ? [{ name: 'Server', value: name }] : []), ...(this.keepAlive ? [] : [{ name: 'Connection', value: 'close' }])];
  }

  respond(now: Micros, init: HttpResponseInit): void {
    if (this.answered) return;
    const keep = this.keepAlive && !(init.headers ?? []).some((h) => h.name.toLowerCase() === 'connection' && /close/i.test(h.value));
    this.keepAlive = keep;
    const bytes = encodeResponse(init, this.extra());
    // RFC 9110 §9.3.2: a response to HEAD has the header fields a GET would have had, and no content
    const bodyLength = typeof init.body === 'string' ? utf8Encode(init.body).length : (init.body?.length ?? 0);
    this.output.push(this.request?.start.method === 'HEAD' && !init.chunkSize ? bytes.subarray(0, bytes.length - bodyLength) : bytes);
    this.done = true;
    this.status = init.status;
    this.noteResponse(now, init.status, typeof init.body === 'string' ? utf8Encode(init.body).length : (init.body?.length ?? 0));
    this.conn.flush(now);
  }

  /** Starts a chunked response (RFC 9112 §7.1): the head now, the chunks as the app writes them. */
  begin(now: Micros, init: Omit<HttpResponseInit, 'body' | 'chunkSize'>): void {
    if (this.answered) return;
    this.streaming = true;
    this.status = init.status;
    this.output.push(encodeResponse({ ...init, chunkSize: 1 << 30 }, this.extra()).slice(0, -5));
    this.conn.flush(now);
  }

  chunk(now: Micros, bytes: Uint8Array | string): void {
    const b = typeof bytes === 'string' ? utf8Encode(bytes) : bytes;
    if (!this.streaming || this.done || b.length === 0) return;
    this.output.push(encodeChunk(b));
    this.conn.flush(now);
  }

  finish(now: Micros): void {
    if (!this.streaming || this.done) return;
    this.output.push(encodeChunk(new Uint8Array(0)));
    this.done = true;
    this.noteResponse(now, this.status ?? 200, -1);
    this.conn.flush(now);
  }

  /**
   * Answers 101 Switching Protocols with `headers` and gives the stream to the caller with the bytes that followed
   * the request; undefined when this is not the connection's oldest open request (the switch must come in order).
   */
  upgrade(now: Micros, protocol: string, headers: readonly HttpHeader[]): { stream: ByteStream; rest: Uint8Array } | undefined {
    if (this.answered || !this.request || !this.conn.isOldest(this)) return undefined;
    this.output.push(encodeResponse({ status: 101, headers }));
    this.done = true;
    this.status = 101;
    this.keepAlive = true;
    const label = this.conn.stream.label;
    this.conn.note(now, httpNote('http.upgrade', `${label}: 101 Switching Protocols to ${protocol}`, { connection: label, protocol }));
    this.conn.flush(now);
    const rest = this.conn.detach();
    return { stream: this.conn.stream, rest };
  }

  private noteResponse(now: Micros, status: number, bodyLength: number): void {
    const r = this.request;
    if (!r) return;
    const label = this.conn.stream.label;
    const method = r.start.method;
    const target = r.start.target;
    const size = bodyLength < 0 ? 'chunked' : `${bodyLength} bytes`;
    this.conn.note(now, httpNote('http.response', `${label}: ${status} ${REASONS[status] ?? ''} to ${method} ${target} (${size})`, { connection: label, status, method, target, bodyLength: Math.max(0, bodyLength) }));
  }

  /** @internal */
  takeOutput(): Uint8Array {
    if (this.output.length === 0) return new Uint8Array(0);
    const out = this.output.length === 1 ? this.output[0]! : concat(this.output);
    this.output = [];
    return out;
  }

  /** The request's header field, when there is a request. */
  header(name: string): string | undefined {
    return this.request ? headerValue(this.request, name) : undefined;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
