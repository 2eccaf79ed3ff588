import { concatBytes, utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Decoded, Field, Problem } from '../field.ts';

/**
 * HTTP/1.1 messages (RFC 9112): start line, header fields, and the body framed by Content-Length or chunked
 * transfer coding (§6, §7.1). The decoder works on the bytes a TCP stream has delivered so far: it says whether a
 * whole message is there (`complete`), more bytes are needed (`incomplete`), or the bytes are not HTTP (`invalid`).
 */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

export interface HttpRequestLine {
  readonly kind: 'request';
  readonly method: string;
  readonly target: string;
  readonly version: string;
}

export interface HttpStatusLine {
  readonly kind: 'response';
  readonly version: string;
  readonly status: number;
  readonly reason: string;
}

export type HttpFraming = 'content-length' | 'chunked' | 'none' | 'until-close';

export interface HttpMessage {
  readonly start: HttpRequestLine | HttpStatusLine;
  readonly headers: readonly HttpHeader[];
  /** The body after transfer decoding (chunks joined). */
  readonly body: Uint8Array;
  readonly framing: HttpFraming;
  /** Bytes of start line and header section, up to and including the empty line. */
  readonly headerLength: number;
}

export type HttpStatus = 'complete' | 'incomplete' | 'invalid';

export interface HttpDecoded extends Decoded<HttpMessage | undefined> {
  readonly status: HttpStatus;
  /**
   * Bytes the message takes when complete (the next message of a pipelined stream starts there); when incomplete,
   * the total a Content-Length body needs, or 0 when not known yet.
   */
  readonly length: number;
}

export interface HttpDecodeOptions {
  readonly base?: number;
  /** The request a response answers: a response to HEAD has no body (RFC 9112 §6.3). */
  readonly requestMethod?: string;
  /** The stream has ended: a response read until close is complete. */
  readonly closed?: boolean;
  /** A header section longer than this is not waited for (default 64 KiB). */
  readonly maxHeaderBytes?: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHOD_START = /^[A-Z]{3,10} /;

/** Whether bytes could start an HTTP/1.x message (used to recognise HTTP on a TCP stream without knowing the port). */
export function looksLikeHttp(bytes: Uint8Array): boolean {
  const head = utf8Decode(bytes.subarray(0, 16));
  return head.startsWith('HTTP/1.') || (METHOD_START.test(head) && /^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|CONNECT|TRACE) /.test(head));
}

/** The first header field of this name (case-insensitive, RFC 9110 §5.1). */
export function headerValue(m: Pick<HttpMessage, 'headers'>, name: string): string | undefined {
  const n = name.toLowerCase();
  return m.headers.find((h) => h.name.toLowerCase() === n)?.value;
}

/** Whether a comma-separated header lists a token (Connection: keep-alive, Upgrade → "upgrade"). */
export function headerHasToken(m: Pick<HttpMessage, 'headers'>, name: string, token: string): boolean {
  const n = name.toLowerCase();
  return m.headers.some((h) => h.name.toLowerCase() === n && h.value.split(',').some((t) => t.trim().toLowerCase() === token.toLowerCase()));
}

function findHeaderEnd(bytes: Uint8Array, limit: number): number {
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i + 3 < n; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i + 4;
  }
  return -1;
}

export interface HttpHead {
  readonly start: HttpRequestLine | HttpStatusLine;
  readonly headers: readonly HttpHeader[];
  readonly framing: HttpFraming;
  /** Bytes of start line and header section, up to and including the empty line. */
  readonly headerLength: number;
  /** The Content-Length when the framing is 'content-length'. */
  readonly contentLength?: number;
}

export interface HttpHeadDecoded extends Decoded<HttpHead | undefined> {
  readonly status: HttpStatus;
}

/**
 * The start line and header section alone, and how the body is framed (RFC 9112 §6.3): what a stream reader needs
 * before it reads the body at its own pace (sim/http). `decodeHttpMessage` is this plus the body.
 */
export function decodeHttpHead(bytes: Uint8Array, opts: HttpDecodeOptions = {}): HttpHeadDecoded {
  const base = opts.base ?? 0;
  const limit = opts.maxHeaderBytes ?? 65536;
  const fields: Field[] = [];
  const problems: Problem[] = [];
  const invalid = (message: string, offset = 0, length = Math.min(bytes.length, 64)): HttpHeadDecoded => ({
    status: 'invalid',
    value: undefined,
    fields,
    problems: [...problems, { offset: base + offset, length, message }],
  });
  const headerEnd = findHeaderEnd(bytes, limit + 4);
  if (headerEnd < 0) {
    if (bytes.length > limit) return invalid(`no end of the header section in the first ${limit} bytes (RFC 9112 §2.1)`);
    const firstLine = bytes.indexOf(0x0a);
    if (firstLine >= 0 && !looksLikeHttp(bytes)) return invalid('not an HTTP/1.1 start line (RFC 9112 §3, §4)', 0, firstLine);
    return { status: 'incomplete', value: undefined, fields, problems };
  }
  const lines: { text: string; offset: number; length: number }[] = [];
  for (let at = 0; at < headerEnd - 2; ) {
    let end = bytes.indexOf(0x0a, at);
    if (end < 0 || end >= headerEnd) end = headerEnd - 2;
    const stop = end > at && bytes[end - 1] === 0x0d ? end - 1 : end;
    lines.push({ text: utf8Decode(bytes.subarray(at, stop)), offset: at, length: stop - at });
    at = end + 1;
  }
  const first = lines[0];
  if (!first) return invalid('empty start line (RFC 9112 §2.1)');
  const start = startLine(first, base, fields);
  if (typeof start === 'string') return invalid(start, first.offset, first.length);
  const headers: HttpHeader[] = [];
  for (const l of lines.slice(1)) {
    const colon = l.text.indexOf(':');
    const name = colon < 0 ? '' : l.text.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) {
      // RFC 9112 §5.1: no whitespace between the name and the colon; obs-fold (§5.2) is rejected too
      problems.push({ offset: base + l.offset, length: l.length, message: `not a header field line (RFC 9112 §5): ${JSON.stringify(l.text.slice(0, 40))}` });
      continue;
    }
    const value = l.text.slice(colon + 1).trim();
    headers.push({ name, value });
    fields.push({ name, offset: base + l.offset, length: l.length, display: value });
  }
  const m = { headers };
  const te = headerValue(m, 'transfer-encoding');
  const cl = headerValue(m, 'content-length');
  let framing: HttpFraming;
  const status = start.kind === 'response' ? start.status : 0;
  // RFC 9112 §6.3: 1xx, 204, 304 and responses to HEAD have no body; then chunked; then Content-Length
  if (start.kind === 'response' && (status < 200 || status === 204 || status === 304 || opts.requestMethod === 'HEAD')) framing = 'none';
  else if (te !== undefined) {
    const codings = te.split(',').map((x) => x.trim().toLowerCase());
    if (codings[codings.length - 1] !== 'chunked') {
      if (start.kind === 'request') return invalid(`request Transfer-Encoding ${te} does not end in chunked (RFC 9112 §6.3)`, 0, headerEnd);
      framing = 'until-close';
    } else framing = 'chunked';
    if (cl !== undefined) problems.push({ offset: base, length: headerEnd, message: 'both Transfer-Encoding and Content-Length: Content-Length is ignored (RFC 9112 §6.3)' });
  } else if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return invalid(`Content-Length ${JSON.stringify(cl)} is not a number (RFC 9110 §8.6)`, 0, headerEnd);
    framing = 'content-length';
  } else framing = start.kind === 'request' ? 'none' : 'until-close';
  const head: HttpHead = { start, headers, framing, headerLength: headerEnd, ...(framing === 'content-length' ? { contentLength: Number(cl) } : {}) };
  return { status: 'complete', value: head, fields, problems };
}

export function decodeHttpMessage(bytes: Uint8Array, opts: HttpDecodeOptions = {}): HttpDecoded {
  const base = opts.base ?? 0;
  const h = decodeHttpHead(bytes, opts);
  const fields = [...h.fields];
  const problems = [...h.problems];
  if (h.status === 'invalid') return { status: 'invalid', value: undefined, fields, problems, length: bytes.length };
  if (!h.value) return { status: 'incomplete', value: undefined, fields, problems, length: 0 };
  const incomplete = (needed = 0): HttpDecoded => ({ status: 'incomplete', value: undefined, fields, problems, length: needed });
  const invalid = (message: string, offset = 0, length = Math.min(bytes.length, 64)): HttpDecoded => ({
    status: 'invalid',
    value: undefined,
    fields,
    problems: [...problems, { offset: base + offset, length, message }],
    length: bytes.length,
  });
  const { start, headers, framing, headerLength: headerEnd } = h.value;
  const cl = h.value.contentLength;
  const rest = bytes.subarray(headerEnd);
  let body: Uint8Array;
  let length: number;
  if (framing === 'none') {
    body = new Uint8Array(0);
    length = headerEnd;
  } else if (framing === 'content-length') {
    const n = cl ?? 0;
    if (rest.length < n) return incomplete(headerEnd + n);
    body = rest.subarray(0, n);
    length = headerEnd + n;
    if (n > 0) fields.push({ name: 'body', offset: base + headerEnd, length: n, display: `${n} bytes` });
  } else if (framing === 'chunked') {
    const c = dechunk(rest, base + headerEnd, fields);
    if (c === 'incomplete') return incomplete();
    if (typeof c === 'string') return invalid(c, headerEnd, rest.length);
    body = c.body;
    length = headerEnd + c.length;
  } else {
    if (!opts.closed) return incomplete();
    body = rest;
    length = bytes.length;
    if (rest.length) fields.push({ name: 'body', offset: base + headerEnd, length: rest.length, display: `${rest.length} bytes (until the connection closed)` });
  }
  return { status: 'complete', value: { start, headers, body, framing, headerLength: headerEnd }, fields, problems, length };
}

function startLine(l: { text: string; offset: number; length: number }, base: number, fields: Field[]): HttpRequestLine | HttpStatusLine | string {
  const at = base + l.offset;
  const resp = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(l.text);
  if (resp) {
    const [, version, code, reason = ''] = resp;
    fields.push({
      name: 'status-line',
      offset: at,
      length: l.length,
      display: l.text,
      children: [
        { name: 'HTTP-version', offset: at, length: 8, display: version! },
        { name: 'status-code', offset: at + 9, length: 3, display: code! },
        { name: 'reason-phrase', offset: at + 13, length: Math.max(0, l.length - 13), display: reason },
      ],
    });
    return { kind: 'response', version: version!, status: Number(code), reason };
  }
  // RFC 9112 §3: method SP request-target SP HTTP-version
  const req = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/\d\.\d)$/.exec(l.text);
  if (!req) return `not an HTTP/1.1 request or status line (RFC 9112 §3, §4): ${JSON.stringify(l.text.slice(0, 60))}`;
  const [, method, target, version] = req;
  const tAt = at + method!.length + 1;
  const targetBytes = utf8Encode(target!).length;
  fields.push({
    name: 'request-line',
    offset: at,
    length: l.length,
    display: l.text,
    children: [
      { name: 'method', offset: at, length: method!.length, display: method! },
      { name: 'request-target', offset: tAt, length: targetBytes, display: target! },
      { name: 'HTTP-version', offset: tAt + targetBytes + 1, length: 8, display: version! },
    ],
  });
  return { kind: 'request', method: method!, target: target!, version: version! };
}

/** RFC 9112 §7.1: chunk-size [; ext] CRLF chunk-data CRLF … last-chunk trailer-section CRLF. */
function dechunk(bytes: Uint8Array, base: number, fields: Field[]): { body: Uint8Array; length: number } | 'incomplete' | string {
  const parts: Uint8Array[] = [];
  const chunks: Field[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf(0x0a, at);
    if (eol < 0) return bytes.length - at > 1024 ? 'chunk-size line longer than 1024 bytes' : 'incomplete';
    const line = utf8Decode(bytes.subarray(at, eol)).replace(/\r$/, '');
    const sizeText = line.split(';')[0]!.trim();
    if (!/^[0-9A-Fa-f]{1,8}$/.test(sizeText)) return `chunk size ${JSON.stringify(sizeText.slice(0, 20))} is not hexadecimal (RFC 9112 §7.1)`;
    const size = parseInt(sizeText, 16);
    const dataAt = eol + 1;
    if (size === 0) {
      // trailer section: header lines until an empty line
      let t = dataAt;
      for (;;) {
        const e = bytes.indexOf(0x0a, t);
        if (e < 0) return 'incomplete';
        const empty = e === t || (e === t + 1 && bytes[t] === 0x0d);
        t = e + 1;
        if (empty) break;
      }
      chunks.push({ name: 'last-chunk', offset: base + at, length: t - at, display: '0' });
      fields.push({ name: 'chunked body', offset: base, length: t, display: `${parts.length} chunk(s)`, children: chunks });
      const body = concatBytes(...parts);
      return { body, length: t };
    }
    if (bytes.length < dataAt + size + 2) return 'incomplete';
    parts.push(bytes.subarray(dataAt, dataAt + size));
    chunks.push({ name: 'chunk', offset: base + at, length: dataAt + size + 2 - at, display: `${size} bytes` });
    if (bytes[dataAt + size] !== 0x0d || bytes[dataAt + size + 1] !== 0x0a) return 'chunk data not followed by CRLF (RFC 9112 §7.1)';
    at = dataAt + size + 2;
  }
}

/** "GET /janus HTTP/1.1", "HTTP/1.1 101 Switching Protocols" */
export function describeHttp(m: HttpMessage): string {
  const s = m.start;
  const line = s.kind === 'request' ? `${s.method} ${s.target} ${s.version}` : `${s.version} ${s.status} ${s.reason}`;
  const type = headerValue(m, 'content-type');
  return m.body.length ? `${line} (${m.body.length} bytes${type ? ` ${type.split(';')[0]}` : ''}${m.framing === 'chunked' ? ', chunked' : ''})` : line;
}

export interface HttpEncodeInit {
  readonly start: HttpRequestLine | HttpStatusLine;
  readonly headers?: readonly HttpHeader[];
  readonly body?: Uint8Array | string;
  /** Send the body chunked in pieces of this size instead of with a Content-Length. */
  readonly chunkSize?: number;
}

/** Encodes a request or response; adds Content-Length (or Transfer-Encoding: chunked) for a body. */
export function encodeHttpMessage(init: HttpEncodeInit): Uint8Array {
  const s = init.start;
  const body = typeof init.body === 'string' ? utf8Encode(init.body) : (init.body ?? new Uint8Array(0));
  const headers = [...(init.headers ?? [])];
  if (body.length || init.chunkSize) headers.push(init.chunkSize ? { name: 'Transfer-Encoding', value: 'chunked' } : { name: 'Content-Length', value: String(body.length) });
  const head = `${s.kind === 'request' ? `${s.method} ${s.target} ${s.version}` : `${s.version} ${s.status} ${s.reason}`}\r\n${headers.map((h) => `${h.name}: ${h.value}\r\n`).join('')}\r\n`;
  if (!init.chunkSize) return concatBytes(utf8Encode(head), body);
  const parts: Uint8Array[] = [utf8Encode(head)];
  for (let i = 0; i < body.length; i += init.chunkSize) {
    const c = body.subarray(i, i + init.chunkSize);
    parts.push(utf8Encode(`${c.length.toString(16)}\r\n`), c, utf8Encode('\r\n'));
  }
  parts.push(utf8Encode('0\r\n\r\n'));
  return concatBytes(...parts);
}
