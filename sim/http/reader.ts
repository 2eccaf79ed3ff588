import { concatBytes, utf8Decode } from '../core/encoding.ts';
import { decodeHttpHead, headerValue, type HttpHead, type HttpMessage } from '../wire/http/http.ts';
import { ByteQueue } from './byte-queue.ts';

/** Bounds against hostile or broken peers; a message over one is refused with the status named (RFC 9110 §15.5). */
export interface HttpLimits {
  /** Start line and header section, in bytes (431, RFC 6585 §5). Node's default is 16 KiB. */
  readonly maxHeaderBytes: number;
  /** Header field lines (431). */
  readonly maxHeaders: number;
  /** A body after transfer decoding (413, RFC 9110 §15.5.14). */
  readonly maxBodyBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxHeaderBytes: 16384, maxHeaders: 100, maxBodyBytes: 1 << 20 };

/** A complete message, or why the stream cannot be read as HTTP any more (the status a server answers with). */
export type ReadResult = { readonly type: 'message'; readonly message: HttpMessage } | { readonly type: 'error'; readonly status: number; readonly error: string };

type State =
  | { readonly kind: 'head'; scanned: number }
  | { readonly kind: 'body'; readonly head: HttpHead; remaining: number }
  | { readonly kind: 'chunk-size'; readonly head: HttpHead }
  | { readonly kind: 'chunk-data'; readonly head: HttpHead; remaining: number }
  | { readonly kind: 'trailer'; readonly head: HttpHead; lines: number }
  | { readonly kind: 'until-close'; readonly head: HttpHead }
  | { readonly kind: 'stopped' };

/**
 * Reads HTTP/1.1 messages (RFC 9112) from a byte stream as its bytes arrive, in pieces of any size: the header
 * section through the wire codec (sim/wire/http), then the body by its framing — Content-Length, chunked (§7.1,
 * decoded as it comes, never re-parsed) or until the stream ends. Bad input gives one `error` result and the reader
 * stops; it never throws. For responses, `expect(method)` tells it which request each answers (HEAD has no body).
 */
export class HttpMessageReader {
  private readonly queue = new ByteQueue();
  private state: State = { kind: 'head', scanned: 0 };
  private parts: Uint8Array[] = [];
  private bodySize = 0;
  private readonly methods: string[] = [];

  constructor(
    readonly role: 'request' | 'response',
    readonly limits: HttpLimits = DEFAULT_HTTP_LIMITS,
  ) {}

  /** A request was sent whose response comes next in turn. */
  expect(method: string): void {
    this.methods.push(method);
  }

  get stopped(): boolean {
    return this.state.kind === 'stopped';
  }

  /** Stops reading (an upgrade took the stream, or an error); returns the bytes received beyond the last message. */
  stop(): Uint8Array {
    this.state = { kind: 'stopped' };
    return this.queue.drain();
  }

  /** Bytes held that are not yet a whole message. */
  get buffered(): number {
    return this.queue.length;
  }

  push(bytes: Uint8Array): ReadResult[] {
    if (this.state.kind === 'stopped') return [];
    this.queue.push(bytes);
    const out: ReadResult[] = [];
    for (;;) {
      const r = this.step();
      if (r === undefined) break;
      out.push(r);
      // a message that switches protocols (101, or CONNECT's 2xx) ends HTTP on this stream: the caller takes the rest
      if (r.type === 'error' || isSwitch(r.message)) {
        if (r.type === 'error') this.stop();
        else this.state = { kind: 'stopped' };
        break;
      }
    }
    return out;
  }

  /** The stream ended: a body read until close is complete; anything else half-read is an error. */
  end(): ReadResult[] {
    const s = this.state;
    if (s.kind === 'until-close') {
      const m = this.finish(s.head);
      this.state = { kind: 'stopped' };
      return [m];
    }
    if (s.kind === 'stopped' || (s.kind === 'head' && this.queue.length === 0)) return [];
    const have = this.queue.length + this.bodySize;
    this.stop();
    return [{ type: 'error', status: 400, error: `the stream ended in the middle of a message (${s.kind === 'head' ? 'header section' : 'body'}, ${have} byte(s) read)` }];
  }

  private step(): ReadResult | undefined {
    const s = this.state;
    const bytes = this.queue.view();
    const L = this.limits;
    switch (s.kind) {
      case 'stopped':
        return undefined;
      case 'head': {
        const end = findHeaderEnd(bytes, s.scanned);
        if (end < 0) {
          s.scanned = Math.max(0, bytes.length - 3);
          if (bytes.length > L.maxHeaderBytes) return this.error(431, `header section longer than ${L.maxHeaderBytes} bytes (RFC 6585 §5)`);
          // a peer that does not speak HTTP: say so at its first line instead of waiting for a header section
          const eol = bytes.indexOf(0x0a);
          if (eol >= 0 && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/\d\.\d\r?$|^HTTP\/\d\.\d \d{3}/.test(utf8Decode(bytes.subarray(0, eol)))) {
            return this.error(400, `not an HTTP/1.1 ${this.role === 'request' ? 'request' : 'status'} line (RFC 9112 §3, §4): ${JSON.stringify(utf8Decode(bytes.subarray(0, Math.min(eol, 60))))}`);
          }
          return undefined;
        }
        if (end > L.maxHeaderBytes + 4) return this.error(431, `header section of ${end} bytes is over the limit of ${L.maxHeaderBytes} (RFC 6585 §5)`);
        const method = this.role === 'response' ? this.methods[0] : undefined;
        const h = decodeHttpHead(bytes.subarray(0, end), { maxHeaderBytes: L.maxHeaderBytes, ...(method ? { requestMethod: method } : {}) });
        const bad = h.problems.find((p) => p.severity !== 'warning');
        if (h.status !== 'complete' || !h.value) return this.error(400, bad?.message ?? 'not an HTTP/1.1 message');
        const head = h.value;
        if (head.start.kind !== this.role) return this.error(400, `a ${head.start.kind} where a ${this.role} was expected`);
        if (!/^HTTP\/1\.[01]$/.test(head.start.version)) return this.error(505, `${head.start.version} is not HTTP/1.0 or HTTP/1.1 (RFC 9110 §15.6.6)`);
        // RFC 9112 §5.1 (whitespace before the colon, obs-fold) and §6.3 (both Transfer-Encoding and Content-Length): reject, no smuggling
        if (bad) return this.error(400, bad.message);
        if (head.headers.length > L.maxHeaders) return this.error(431, `${head.headers.length} header fields, over the limit of ${L.maxHeaders} (RFC 6585 §5)`);
        const lengths = new Set(head.headers.filter((x) => x.name.toLowerCase() === 'content-length').map((x) => x.value));
        if (lengths.size > 1) return this.error(400, `differing Content-Length values ${[...lengths].join(', ')} (RFC 9112 §6.3)`);
        if (this.role === 'request' && head.start.version === 'HTTP/1.1') {
          const hosts = head.headers.filter((x) => x.name.toLowerCase() === 'host').length;
          if (hosts !== 1) return this.error(400, hosts === 0 ? 'an HTTP/1.1 request without Host (RFC 9112 §3.2)' : `${hosts} Host header fields (RFC 9112 §3.2)`);
        }
        this.queue.consume(end);
        this.parts = [];
        this.bodySize = 0;
        if (head.start.kind === 'response' && head.start.status >= 200) this.methods.shift();
        if (head.framing === 'none') return this.finish(head);
        if (head.framing === 'content-length') {
          const n = head.contentLength ?? 0;
          if (n > L.maxBodyBytes) return this.error(413, `Content-Length ${n} is over the limit of ${L.maxBodyBytes} bytes (RFC 9110 §15.5.14)`);
          this.state = { kind: 'body', head, remaining: n };
        } else if (head.framing === 'chunked') this.state = { kind: 'chunk-size', head };
        else this.state = { kind: 'until-close', head };
        return this.step();
      }
      case 'body': {
        const n = Math.min(s.remaining, bytes.length);
        if (n > 0) this.addBody(this.queue.take(n));
        s.remaining -= n;
        return s.remaining === 0 ? this.finish(s.head) : undefined;
      }
      case 'until-close': {
        if (bytes.length) this.addBody(this.queue.drain());
        return this.bodySize > L.maxBodyBytes ? this.error(413, `body over the limit of ${L.maxBodyBytes} bytes`) : undefined;
      }
      case 'chunk-size': {
        const eol = bytes.indexOf(0x0a);
        if (eol < 0) return bytes.length > 1024 ? this.error(400, 'chunk-size line longer than 1024 bytes (RFC 9112 §7.1)') : undefined;
        const line = utf8Decode(bytes.subarray(0, eol)).replace(/\r$/, '');
        const size = line.split(';')[0]!.trim();
        if (!/^[0-9A-Fa-f]{1,8}$/.test(size)) return this.error(400, `chunk size ${JSON.stringify(size.slice(0, 20))} is not hexadecimal (RFC 9112 §7.1)`);
        const n = parseInt(size, 16);
        this.queue.consume(eol + 1);
        if (n === 0) this.state = { kind: 'trailer', head: s.head, lines: 0 };
        else {
          if (this.bodySize + n > L.maxBodyBytes) return this.error(413, `chunked body over the limit of ${L.maxBodyBytes} bytes (RFC 9110 §15.5.14)`);
          this.state = { kind: 'chunk-data', head: s.head, remaining: n };
        }
        return this.step();
      }
      case 'chunk-data': {
        if (s.remaining > 0) {
          const n = Math.min(s.remaining, bytes.length);
          if (n > 0) this.addBody(this.queue.take(n));
          s.remaining -= n;
          if (s.remaining > 0) return undefined;
        }
        const crlf = this.queue.view();
        if (crlf.length < 2) return undefined;
        if (crlf[0] !== 0x0d || crlf[1] !== 0x0a) return this.error(400, 'chunk data not followed by CRLF (RFC 9112 §7.1)');
        this.queue.consume(2);
        this.state = { kind: 'chunk-size', head: s.head };
        return this.step();
      }
      case 'trailer': {
        // RFC 9112 §7.1.2: trailer field lines, then an empty line; they count against the header limits
        for (;;) {
          const b = this.queue.view();
          const eol = b.indexOf(0x0a);
          if (eol < 0) return b.length > L.maxHeaderBytes ? this.error(431, 'trailer section over the header size limit') : undefined;
          this.queue.consume(eol + 1);
          if (eol === 0 || (eol === 1 && b[0] === 0x0d)) return this.finish(s.head);
          if (++s.lines > L.maxHeaders) return this.error(431, `more than ${L.maxHeaders} trailer fields`);
        }
      }
    }
  }

  private addBody(b: Uint8Array): void {
    this.parts.push(b);
    this.bodySize += b.length;
  }

  private finish(head: HttpHead): ReadResult {
    const body = this.parts.length === 1 ? this.parts[0]! : concatBytes(...this.parts);
    this.parts = [];
    this.bodySize = 0;
    this.state = { kind: 'head', scanned: 0 };
    return { type: 'message', message: { start: head.start, headers: head.headers, body, framing: head.framing, headerLength: head.headerLength } };
  }

  private error(status: number, error: string): ReadResult {
    this.stop();
    return { type: 'error', status, error };
  }
}

/** A 101 response (RFC 9110 §15.2.2): the bytes after it belong to the protocol switched to. */
function isSwitch(m: HttpMessage): boolean {
  return m.start.kind === 'response' && m.start.status === 101;
}

function findHeaderEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i + 4;
  }
  return -1;
}

/** Whether the message leaves the connection open after it (RFC 9112 §9.3): HTTP/1.1 unless "close", 1.0 only with "keep-alive". */
export function keepsAlive(m: Pick<HttpMessage, 'headers' | 'start'>): boolean {
  const tokens = (headerValue(m, 'connection') ?? '').split(',').map((t) => t.trim().toLowerCase());
  if (tokens.includes('close')) return false;
  return m.start.version === 'HTTP/1.1' || tokens.includes('keep-alive');
}
