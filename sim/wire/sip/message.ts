import { concatBytes, utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Decoded, Field, Problem } from '../field.ts';

/**
 * SIP messages (RFC 3261 §7): a request line or status line, header fields (with the compact forms of §7.3.3 and
 * line folding of §7.3.1), an empty line and a body framed by Content-Length (§18.3: over UDP a datagram holds one
 * message; bytes beyond Content-Length are discarded, a Content-Length longer than the datagram is an error).
 * The decoder never throws: it answers `invalid` with a problem naming what and where.
 */
export interface SipHeader {
  /** The header's full name as the registry spells it ("Call-ID", "Via"), compact forms expanded. */
  readonly name: string;
  readonly value: string;
}

export interface SipRequestLine {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  readonly version: string;
}

export interface SipStatusLine {
  readonly kind: 'response';
  readonly version: string;
  readonly status: number;
  readonly reason: string;
}

export interface SipMessage {
  readonly start: SipRequestLine | SipStatusLine;
  readonly headers: readonly SipHeader[];
  readonly body: Uint8Array;
}

export interface SipDecoded extends Decoded<SipMessage | undefined> {
  readonly status: 'complete' | 'invalid';
}

/** RFC 3261 §7.3.3 compact forms, and those later RFCs registered (RFC 3515 r, RFC 3892 b, RFC 6665 o/u, RFC 4028 x). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  r: 'Refer-To',
  b: 'Referred-By',
  o: 'Event',
  u: 'Allow-Events',
  x: 'Session-Expires',
};

/** Canonical spellings of the headers this codec names (anything else keeps the spelling it came with). */
const CANONICAL = new Map<string, string>(
  ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Type', 'Content-Length', 'Expires', 'WWW-Authenticate', 'Authorization', 'Proxy-Authenticate', 'Proxy-Authorization', 'User-Agent', 'Server', 'Allow', 'Supported', 'Route', 'Record-Route', 'Subject', 'Content-Encoding', 'Event', 'Allow-Events', 'Authentication-Info', 'Retry-After', 'Min-Expires', 'Session-Expires', 'Refer-To', 'Referred-By', 'Date', 'Accept', 'Require', 'Unsupported', 'Warning', 'Reason'].map((n) => [n.toLowerCase(), n]),
);

/** A header's full, canonical name: compact forms expanded (RFC 3261 §7.3.3), known names in their usual spelling. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) {
    const full = COMPACT_FORMS[lower];
    if (full) return full;
  }
  return CANONICAL.get(lower) ?? name;
}

/** RFC 3261 §25.1 token characters. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const SIP_VERSION = 'SIP/2.0';

/** Whether a UDP payload starts with a SIP request line or status line (RFC 3261 §7.1, §7.2): content recognition. */
export function looksLikeSip(bytes: Uint8Array): boolean {
  const b = bytes[0];
  if (b === undefined || b < 0x41 || b > 0x5a) return false;
  const n = Math.min(bytes.length, 256);
  let end = -1;
  for (let i = 0; i < n; i++) {
    if (bytes[i] === 0x0d || bytes[i] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end < 0) return false;
  const line = utf8Decode(bytes.subarray(0, end));
  return /^SIP\/2\.0 \d{3}( |$)/.test(line) || /^[A-Z]+ \S+ SIP\/2\.0$/.test(line);
}

/** Whether a datagram is a keep-alive (RFC 5626 §4.4.1: CRLF CRLF from the client, CRLF back). */
export function isSipKeepAlive(bytes: Uint8Array): boolean {
  if (bytes.length !== 2 && bytes.length !== 4) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== (i % 2 === 0 ? 0x0d : 0x0a)) return false;
  return true;
}

/** The first header of this name (case-insensitive; compact forms match their full names). */
export function sipHeader(m: Pick<SipMessage, 'headers'>, name: string): string | undefined {
  const n = canonicalHeaderName(name).toLowerCase();
  return m.headers.find((h) => h.name.toLowerCase() === n)?.value;
}

/**
 * Every value of a header, in order: its lines, each split at top-level commas (RFC 3261 §7.3.1: several values of a
 * comma-list header may share one line). Commas inside quotes or angle brackets do not split. Not for headers whose
 * one value holds commas (WWW-Authenticate and the like: read those with `sipHeader`).
 */
export function sipHeaderValues(m: Pick<SipMessage, 'headers'>, name: string): string[] {
  const n = canonicalHeaderName(name).toLowerCase();
  const out: string[] = [];
  for (const h of m.headers) if (h.name.toLowerCase() === n) out.push(...splitTopLevel(h.value, ','));
  return out;
}

/** Splits at `sep` outside double quotes and angle brackets, each part trimmed, empty parts dropped. */
export function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle++;
    else if (!quoted && ch === '>') angle = Math.max(0, angle - 1);
    else if (!quoted && angle === 0 && ch === sep) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

/** The headers RFC 3261 §8.1.1 requires in every request, and §8.2.6.2 / §20 in every response. */
const REQUIRED_REQUEST = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards'];
const REQUIRED_RESPONSE = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
/** Headers that appear once (RFC 3261 §20: not comma lists). */
const SINGLE = ['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Expires'];

export interface SipDecodeOptions {
  /** Where the bytes sit in the packet (every span is shifted by it). */
  readonly base?: number;
}

/**
 * Decodes one SIP message from a datagram. `invalid` when the start line or the framing is broken, or a required
 * header is missing or unreadable; a message that decodes may still carry problems (bytes after Content-Length).
 */
export function decodeSipMessage(bytes: Uint8Array, opts: SipDecodeOptions = {}): SipDecoded {
  const base = opts.base ?? 0;
  const fields: Field[] = [];
  const problems: Problem[] = [];
  const invalid = (message: string, offset = 0, length = Math.min(bytes.length, 64)): SipDecoded => ({
    status: 'invalid',
    value: undefined,
    fields,
    problems: [...problems, { offset: base + offset, length, message }],
  });
  // RFC 3261 §7.5: implementations ignore CRLFs before the start line
  let at = 0;
  while (at < bytes.length && (bytes[at] === 0x0d || bytes[at] === 0x0a)) at++;
  let headerEnd = -1;
  for (let i = at; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) {
      headerEnd = i + 4;
      break;
    }
  }
  if (headerEnd < 0) return invalid('no empty line (CRLF CRLF) ends the header section (RFC 3261 §7)');
  // physical lines, then unfolded: a line starting with SP or HT continues the previous one (RFC 3261 §7.3.1)
  const lines: { text: string; offset: number; length: number }[] = [];
  for (let p = at; p < headerEnd - 2; ) {
    let end = bytes.indexOf(0x0a, p);
    if (end < 0 || end >= headerEnd) end = headerEnd - 2;
    const stop = end > p && bytes[end - 1] === 0x0d ? end - 1 : end;
    const text = utf8Decode(bytes.subarray(p, stop));
    const prev = lines[lines.length - 1];
    if (prev && lines.length > 1 && (text.startsWith(' ') || text.startsWith('\t'))) {
      prev.text += ' ' + text.trim();
      prev.length = stop - prev.offset;
    } else lines.push({ text, offset: p, length: stop - p });
    p = end + 1;
  }
  const first = lines[0];
  if (!first) return invalid('empty start line (RFC 3261 §7.1)');
  const start = startLine(first.text);
  if (typeof start === 'string') return invalid(start, first.offset, first.length);
  fields.push({
    name: start.kind === 'request' ? 'Request-Line' : 'Status-Line',
    offset: base + first.offset,
    length: first.length,
    display: first.text,
    children: startChildren(start, base + first.offset),
  });
  const headers: SipHeader[] = [];
  const headerFields: Field[] = [];
  for (const l of lines.slice(1)) {
    const colon = l.text.indexOf(':');
    // RFC 3261 §7.3.1: header-name HCOLON (whitespace before the colon is allowed in SIP)
    const raw = colon < 0 ? '' : l.text.slice(0, colon).trimEnd();
    if (colon <= 0 || !TOKEN.test(raw)) return invalid(`not a header field line (RFC 3261 §7.3): ${JSON.stringify(l.text.slice(0, 40))}`, l.offset, l.length);
    const name = canonicalHeaderName(raw);
    const value = l.text.slice(colon + 1).trim();
    headers.push({ name, value });
    headerFields.push({ name, offset: base + l.offset, length: l.length, display: raw.length === 1 ? `${value} (compact form ${raw})` : value });
  }
  fields.push({ name: 'Message Header', offset: base + (lines[1]?.offset ?? headerEnd - 2), length: headerEnd - (lines[1]?.offset ?? headerEnd - 2), children: headerFields });
  const m = { headers };
  const required = start.kind === 'request' ? REQUIRED_REQUEST : REQUIRED_RESPONSE;
  const missing = required.filter((h) => sipHeader(m, h) === undefined);
  if (missing.length) return invalid(`${start.kind === 'request' ? `${start.method} request` : `${start.status} response`} without ${missing.join(', ')} (RFC 3261 §8.1.1)`, first.offset, headerEnd - first.offset);
  for (const h of SINGLE) {
    const n = h.toLowerCase();
    if (headers.filter((x) => x.name.toLowerCase() === n).length > 1) return invalid(`more than one ${h} header (RFC 3261 §20: it appears once)`, first.offset, headerEnd - first.offset);
  }
  const cseq = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(sipHeader(m, 'CSeq') ?? '');
  // RFC 3261 §8.1.1.5: the sequence number is a 32-bit unsigned integer below 2^31 and the method matches the request's
  if (!cseq || Number(cseq[1]) >= 2 ** 31) return invalid(`CSeq ${JSON.stringify(sipHeader(m, 'CSeq'))} is not "<number below 2^31> <method>" (RFC 3261 §8.1.1.5)`, first.offset, headerEnd - first.offset);
  if (start.kind === 'request' && cseq[2] !== start.method) return invalid(`CSeq method ${cseq[2]} is not the request's ${start.method} (RFC 3261 §8.1.1.5)`, first.offset, headerEnd - first.offset);
  const mf = sipHeader(m, 'Max-Forwards');
  if (mf !== undefined && !/^\d{1,3}$/.test(mf)) return invalid(`Max-Forwards ${JSON.stringify(mf)} is not a number 0–255 (RFC 3261 §20.22)`, first.offset, headerEnd - first.offset);
  const rest = bytes.subarray(headerEnd);
  const cl = sipHeader(m, 'Content-Length');
  let body: Uint8Array;
  if (cl === undefined) body = rest; // RFC 3261 §18.3: optional over UDP, the body runs to the end of the datagram
  else {
    if (!/^\d{1,9}$/.test(cl)) return invalid(`Content-Length ${JSON.stringify(cl)} is not a number (RFC 3261 §20.14)`, first.offset, headerEnd - first.offset);
    const n = Number(cl);
    if (n > rest.length) return invalid(`Content-Length ${n} but only ${rest.length} byte(s) follow the header section (RFC 3261 §18.3: discarded)`, headerEnd, rest.length);
    if (n < rest.length) problems.push({ offset: base + headerEnd + n, length: rest.length - n, message: `${rest.length - n} byte(s) after the Content-Length ${n} body are discarded (RFC 3261 §18.3)`, severity: 'warning' });
    body = rest.subarray(0, n);
  }
  if (body.length) fields.push({ name: 'Message Body', offset: base + headerEnd, length: body.length, display: `${body.length} bytes${sipHeader(m, 'Content-Type') ? ` of ${sipHeader(m, 'Content-Type')}` : ''}` });
  return { status: 'complete', value: { start, headers, body }, fields, problems };
}

function startLine(text: string): SipRequestLine | SipStatusLine | string {
  if (text.startsWith('SIP/')) {
    // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = /^(SIP\/\d+\.\d+) (\d{3}) ?(.*)$/.exec(text);
    if (!m) return `not a status line "SIP/2.0 <3-digit code> <reason>" (RFC 3261 §7.2): ${JSON.stringify(text.slice(0, 60))}`;
    if (m[1] !== SIP_VERSION) return `version ${m[1]} is not SIP/2.0 (RFC 3261 §7.2)`;
    const status = Number(m[2]);
    if (status < 100 || status > 699) return `status code ${status} is outside 100–699 (RFC 3261 §21)`;
    return { kind: 'response', version: m[1]!, status, reason: m[3]! };
  }
  // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version (single spaces, no other whitespace)
  const parts = text.split(' ');
  if (parts.length !== 3) return `not a request line "<method> <Request-URI> SIP/2.0" with single spaces (RFC 3261 §7.1): ${JSON.stringify(text.slice(0, 60))}`;
  const [method, uri, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return `method ${JSON.stringify(method)} is not a token (RFC 3261 §25.1)`;
  if (version !== SIP_VERSION) return `version ${JSON.stringify(version)} is not SIP/2.0 (RFC 3261 §7.1)`;
  if (!/^[A-Za-z][A-Za-z0-9+\-.]*:\S+$/.test(uri)) return `Request-URI ${JSON.stringify(uri)} is not an absolute URI (RFC 3261 §19.1)`;
  return { kind: 'request', method, uri, version };
}

function startChildren(s: SipRequestLine | SipStatusLine, at: number): Field[] {
  if (s.kind === 'request') {
    return [
      { name: 'Method', offset: at, length: s.method.length, display: s.method },
      { name: 'Request-URI', offset: at + s.method.length + 1, length: s.uri.length, display: s.uri },
      { name: 'SIP-Version', offset: at + s.method.length + s.uri.length + 2, length: s.version.length, display: s.version },
    ];
  }
  return [
    { name: 'SIP-Version', offset: at, length: s.version.length, display: s.version },
    { name: 'Status-Code', offset: at + s.version.length + 1, length: 3, display: String(s.status) },
    { name: 'Reason-Phrase', offset: at + s.version.length + 5, length: s.reason.length, display: s.reason },
  ];
}

/**
 * The wire bytes of a message: start line, each header on its line, Content-Length written last from the body
 * (any Content-Length among `headers` is replaced: the encoder frames what it sends), CRLF, body.
 */
export function encodeSipMessage(m: SipMessage): Uint8Array {
  const s = m.start;
  const lines = [s.kind === 'request' ? `${s.method} ${s.uri} ${s.version}` : `${s.version} ${s.status} ${s.reason}`];
  for (const h of m.headers) if (h.name.toLowerCase() !== 'content-length') lines.push(`${h.name}: ${h.value}`);
  lines.push(`Content-Length: ${m.body.length}`);
  return concatBytes(utf8Encode(lines.join('\r\n') + '\r\n\r\n'), m.body);
}

/** One line naming a message: "REGISTER sip:example.com" or "401 Unauthorized (REGISTER)". */
export function describeSip(m: SipMessage): string {
  const cseq = sipHeader(m, 'CSeq') ?? '';
  if (m.start.kind === 'request') return `${m.start.method} ${m.start.uri}`;
  return `${m.start.status} ${m.start.reason}${cseq ? ` (${cseq.replace(/^\d+\s+/, '')})` : ''}`;
}
