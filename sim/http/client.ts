import { utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import type { ByteStream } from '../net/stream.ts';
import { encodeHttpMessage, type HttpHeader, type HttpMessage, type HttpStatusLine } from '../wire/http/http.ts';
import type { HttpRequestInit } from './message.ts';
import { httpNote, type HttpNote } from './notes.ts';
import { DEFAULT_HTTP_LIMITS, HttpMessageReader, keepsAlive, type HttpLimits } from './reader.ts';

export interface HttpResponse extends HttpMessage {
  readonly start: HttpStatusLine;
}

export type HttpResult = { readonly ok: true; readonly response: HttpResponse } | { readonly ok: false; readonly error: string };

export interface HttpClientOptions {
  /** The Host header field (RFC 9112 §3.2): "example.com", "198.51.100.10:8080". */
  readonly host: string;
  readonly limits?: HttpLimits;
  readonly userAgent?: string;
  readonly note?: (now: Micros, note: HttpNote) => void;
}

interface Pending {
  readonly init: HttpRequestInit;
  readonly done: (now: Micros, result: HttpResult) => void;
}

/**
 * An HTTP/1.1 client on one byte stream (RFC 9112), as a browser uses a connection: one request at a time, the next
 * sent when the previous response is complete (keep-alive, §9.3); requests made meanwhile wait their turn. A
 * response that says `Connection: close` (or a stream that ends) fails the requests still waiting. A 101 answers
 * an upgrade: `takeOver()` then gives the stream and the bytes after the 101 to the new protocol.
 */
export class HttpClientConnection {
  private readonly reader: HttpMessageReader;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  /** No request can be sent any more. */
  closed = false;
  private upgradedRest: Uint8Array | undefined;
  readonly responses: HttpResponse[] = [];

  constructor(
    readonly stream: ByteStream,
    private readonly options: HttpClientOptions,
  ) {
    this.reader = new HttpMessageReader('response', options.limits ?? DEFAULT_HTTP_LIMITS);
    const h = stream.handlers;
    h.onData = (now, bytes) => this.data(now, bytes);
    h.onEnd = (now) => {
      for (const r of this.reader.end()) {
        if (r.type === 'message') this.complete(now, r.message as HttpResponse);
        else this.fail(now, r.error, true);
      }
      this.fail(now, 'the server closed the connection', false);
      if (!this.closed) this.close(now);
    };
    h.onClose = (now, error) => this.fail(now, error ? `connection ${error}` : 'connection closed', false);
  }

  /** Sends `init` (with Host, and User-Agent when configured) now or after the responses before it. */
  request(now: Micros, init: HttpRequestInit, done: (now: Micros, result: HttpResult) => void): void {
    if (this.closed) {
      done(now, { ok: false, error: 'connection closed' });
      return;
    }
    this.queue.push({ init, done });
    this.next(now);
  }

  /** Ends the connection after what is in flight (FIN). */
  close(now: Micros): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end(now);
  }

  /** After a 101: the stream and the bytes that came after the response, for the protocol switched to. */
  takeOver(): { stream: ByteStream; rest: Uint8Array } | undefined {
    if (!this.upgradedRest) return undefined;
    const rest = this.upgradedRest;
    const h = this.stream.handlers;
    delete h.onData;
    delete h.onEnd;
    delete h.onClose;
    this.upgradedRest = undefined;
    return { stream: this.stream, rest };
  }

  get pending(): number {
    return this.queue.length + (this.inFlight ? 1 : 0);
  }

  private next(now: Micros): void {
    if (this.inFlight || this.closed) return;
    const p = this.queue.shift();
    if (!p) return;
    this.inFlight = p;
    const i = p.init;
    const headers: HttpHeader[] = [{ name: 'Host', value: this.options.host }];
    if (this.options.userAgent) headers.push({ name: 'User-Agent', value: this.options.userAgent });
    headers.push(...(i.headers ?? []));
    const body = typeof i.body === 'string' ? utf8Encode(i.body) : i.body;
    // RFC 9110 §8.6: a POST or PUT with no content says Content-Length: 0
    if ((!body || body.length === 0) && !i.chunkSize && (i.method === 'POST' || i.method === 'PUT')) headers.push({ name: 'Content-Length', value: '0' });
    this.reader.expect(i.method);
    this.stream.write(now, encodeHttpMessage({ start: { kind: 'request', method: i.method, target: i.target, version: 'HTTP/1.1' }, headers, ...(body ? { body } : {}), ...(i.chunkSize ? { chunkSize: i.chunkSize } : {}) }));
  }

  private data(now: Micros, bytes: Uint8Array): void {
    for (const r of this.reader.push(bytes)) {
      if (r.type === 'error') {
        this.fail(now, r.error, true);
        this.stream.abort(now);
        return;
      }
      const m = r.message as HttpResponse;
      if (m.start.status >= 100 && m.start.status < 200 && m.start.status !== 101) continue; // interim (RFC 9110 §15.2)
      if (m.start.status === 101) this.upgradedRest = this.reader.stop();
      this.complete(now, m);
    }
  }

  private complete(now: Micros, m: HttpResponse): void {
    const p = this.inFlight;
    if (!p) {
      this.note(now, httpNote('http.bad-message', `${this.stream.label}: a response with no request waiting for it`, { connection: this.stream.label, role: 'client', error: 'unsolicited response' }));
      this.closed = true;
      this.stream.abort(now);
      return;
    }
    this.inFlight = undefined;
    this.responses.push(m);
    if (m.start.status === 101 || !keepsAlive(m)) this.closed = true;
    p.done(now, { ok: true, response: m });
    if (this.closed && m.start.status !== 101) {
      this.fail(now, 'the server closes the connection (Connection: close)', false);
      this.stream.end(now);
    } else this.next(now);
  }

  /** Fails the request in flight and every waiting one. */
  private fail(now: Micros, error: string, bad: boolean): void {
    if (bad) this.note(now, httpNote('http.bad-message', `${this.stream.label}: response refused: ${error}`, { connection: this.stream.label, role: 'client', error }));
    this.closed = true;
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    for (const p of all) p.done(now, { ok: false, error });
  }

  private note(now: Micros, n: HttpNote): void {
    this.options.note?.(now, n);
  }
}
