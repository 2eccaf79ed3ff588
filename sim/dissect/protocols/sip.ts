import { decodeSdp, describeSdp } from '../../wire/sdp/sdp.ts';
import { shiftFields, shiftProblems, type Field, type Problem } from '../../wire/field.ts';
import { parseCSeq, parseNameAddr, parseVia } from '../../wire/sip/headers.ts';
import { decodeSipMessage, describeSip, isSipKeepAlive, looksLikeSip, sipHeader, sipHeaderValues, type SipMessage } from '../../wire/sip/message.ts';
import { parseDigestChallenge, parseDigestCredentials } from '../../wire/sip/digest.ts';
import { nextSipStreamUnit } from '../../wire/sip/stream.ts';
import { isWarning, LazyLayer, plainLayer, type LayerText } from '../layer.ts';
import { reassembledLayers } from '../tcp-framing.ts';
import { defineProtocol, type Json } from '../table.ts';
import type { Layer, PayloadContext } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** A SIP message over UDP or TCP (RFC 3261), or a keep-alive (RFC 5626 §4.4.1: its value is undefined). */
    SIP: SipMessage;
  }
}

/** RFC 3261 §18.1.1 / IANA: SIP's well-known port over UDP. */
export const SIP_PORT = 5060;

const SIP_TEXT: LayerText<'SIP', boolean> = {
  summary: (l, keepAlive) => (l.value ? describeSip(l.value) : keepAlive ? `SIP keep-alive (${l.length === 4 ? 'CRLF CRLF ping' : 'CRLF pong'}, RFC 5626 §4.4.1)` : 'SIP (malformed)'),
};

/** Structured children of the headers the house parses (Via, From, To, Contact, CSeq, digest parameters). */
function headerChildren(m: SipMessage, header: Field): Field[] | undefined {
  const at = (name: string, display: string): Field => ({ name, offset: header.offset, length: header.length, display });
  const value = header.display?.replace(/ \(compact form .\)$/, '') ?? '';
  switch (header.name) {
    case 'Via': {
      const v = parseVia(value.split(',')[0] ?? '');
      if (typeof v === 'string') return undefined;
      return [
        at('Transport', v.transport),
        at('Sent-by Address', v.host),
        ...(v.port !== undefined ? [at('Sent-by port', String(v.port))] : []),
        ...(v.branch !== undefined ? [at('Branch', v.branch)] : []),
        ...(v.received !== undefined ? [at('Received', v.received)] : []),
        ...(v.rport !== undefined ? [at('RPort', v.rport === null ? '(requested)' : String(v.rport))] : []),
      ];
    }
    case 'From':
    case 'To':
    case 'Contact': {
      const a = parseNameAddr(header.name === 'Contact' ? (sipHeaderValues({ headers: [{ name: 'Contact', value }] }, 'Contact')[0] ?? '') : value);
      if (typeof a === 'string') return undefined;
      const expires = a.params.get('expires');
      return [
        ...(a.display !== undefined ? [at('Display Name', a.display)] : []),
        at('SIP URI', a.uri),
        ...(a.tag !== undefined ? [at('Tag', a.tag)] : []),
        ...(expires !== undefined ? [at('Expires', expires)] : []),
      ];
    }
    case 'CSeq': {
      const c = parseCSeq(value);
      return typeof c === 'string' ? undefined : [at('Sequence Number', String(c.seq)), at('Method', c.method)];
    }
    case 'WWW-Authenticate':
    case 'Proxy-Authenticate': {
      const c = parseDigestChallenge(value);
      if (typeof c === 'string') return undefined;
      return [at('Realm', c.realm), at('Nonce Value', c.nonce), at('Algorithm', c.algorithm), ...(c.qop.length ? [at('QOP', c.qop.join(','))] : [])];
    }
    case 'Authorization':
    case 'Proxy-Authorization': {
      const c = parseDigestCredentials(value);
      if (typeof c === 'string') return undefined;
      return [
        at('Username', c.username),
        at('Realm', c.realm),
        at('Nonce Value', c.nonce),
        at('Authentication URI', c.uri),
        at('Digest Authentication Response', c.response),
        at('Algorithm', c.algorithm),
        ...(c.qop ? [at('QOP', c.qop), at('Nonce Count', c.nc ?? ''), at('CNonce Value', c.cnonce ?? '')] : []),
      ];
    }
    default:
      void m;
      return undefined;
  }
}

/** Problems in the structured headers of a message that decoded (a Via or From a real stack would reject). */
function headerProblems(m: SipMessage, start: number, length: number): Problem[] {
  const out: Problem[] = [];
  const bad = (message: string): void => void out.push({ offset: start, length, message });
  const via = sipHeaderValues(m, 'Via')[0];
  const v = via === undefined ? undefined : parseVia(via);
  if (typeof v === 'string') bad(v);
  for (const h of ['From', 'To']) {
    const a = parseNameAddr(sipHeader(m, h) ?? '');
    if (typeof a === 'string') bad(`${h}: ${a}`);
  }
  if (m.start.kind === 'request' && sipHeader(m, 'From') !== undefined) {
    const from = parseNameAddr(sipHeader(m, 'From')!);
    // RFC 3261 §8.1.1.3: the UAC always adds a From tag
    if (typeof from !== 'string' && from.tag === undefined) out.push({ offset: start, length, message: 'From without a tag (RFC 3261 §8.1.1.3)', severity: 'warning' });
  }
  return out;
}

function sipLayers(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, why = 'SIP (RFC 3261)'): void {
  if (isSipKeepAlive(payload)) {
    out.push(new LazyLayer({ protocol: 'SIP', offset, length: payload.length, fields: [{ name: 'Keep-alive', offset, length: payload.length, display: payload.length === 4 ? 'CRLF CRLF' : 'CRLF' }], problems: undefined, value: undefined, text: SIP_TEXT, a: true, b: undefined, classification: why }));
    return;
  }
  const d = decodeSipMessage(payload, { base: offset });
  const m = d.value;
  const spans = ctx.spans !== false;
  let fields = d.fields;
  let problems = d.problems;
  if (m) {
    const head = d.fields[1];
    if (spans && head?.children) fields = [d.fields[0]!, { ...head, children: head.children.map((h) => { const c = headerChildren(m, h); return c ? { ...h, children: c } : h; }) }, ...d.fields.slice(2)];
    problems = [...problems, ...headerProblems(m, offset, payload.length)];
  }
  const warnings = problems.filter(isWarning);
  const classification = warnings.length ? `${why}; ${warnings.map((w) => w.message).join('; ')}` : why;
  out.push(new LazyLayer({ protocol: 'SIP', offset, length: payload.length, fields, problems: problems.filter((p) => !isWarning(p)), value: m, text: SIP_TEXT, a: false, b: undefined, classification }));
  if (!m || !m.body.length || !/application\/sdp/i.test(sipHeader(m, 'Content-Type') ?? '')) return;
  // RFC 3261 §13.2.1: in the basic model the INVITE carries the offer and the 2xx the answer
  const bodyAt = d.fields.find((f) => f.name === 'Message Body')?.offset ?? offset + payload.length - m.body.length;
  const sdp = decodeSdp(m.body);
  const sdpWarnings = sdp.problems.filter(isWarning);
  const type = m.start.kind === 'request' ? (m.start.method === 'ACK' ? 'answer' : 'offer') : 'answer';
  out.push({
    protocol: 'SDP',
    offset: bodyAt,
    length: m.body.length,
    summary: sdp.value ? `${type}: ${describeSdp(sdp.value)}` : 'SDP (unreadable)',
    fields: shiftFields(sdp.fields, bodyAt),
    problems: shiftProblems(sdp.problems.filter((p) => !isWarning(p)), bodyAt),
    ...(sdpWarnings.length ? { classification: `remarks: ${sdpWarnings.map((w) => w.message).join('; ')}` } : {}),
    value: sdp.value,
  });
}

/** Why a unit cut out of a TCP stream is SIP (RFC 3261 §18.3). */
const STREAM_WHY = 'SIP over TCP: a message framed by its Content-Length (RFC 3261 §18.3)';

/**
 * The layers of one unit cut out of a TCP stream by `nextSipStreamUnit` (a message or a keep-alive). `at` is its
 * offset in the packet when it lies wholly inside it; otherwise (reassembled from several segments) every layer
 * covers `span` and carries its own bytes, its fields indexing them.
 */
export function sipStreamLayers(unit: Uint8Array, at: number | undefined, span: { offset: number; length: number }, ctx: PayloadContext): Layer[] {
  const out: Layer[] = [];
  sipLayers(out, unit, at ?? 0, ctx, isSipKeepAlive(unit) ? 'SIP over TCP: CRLF between messages, a keep-alive (RFC 5626 §4.4.1)' : STREAM_WHY);
  const plain = out.map(plainLayer);
  return at !== undefined ? plain : reassembledLayers(plain, unit, span);
}

/** TCP stream recognition: a SIP request or status line at the start of a direction (before HTTP's, as OPTIONS is both). */
function recogniseStream(first: Uint8Array): 'sip' | undefined {
  // keep-alives may come first (RFC 5626 §4.4.1): the start line after them decides
  let skip = 0;
  while (skip + 1 < first.length && first[skip] === 0x0d && first[skip + 1] === 0x0a) skip += 2;
  const b = first.subarray(skip);
  if (looksLikeSip(b)) return 'sip';
  // a start line cut by the segment's end: "SIP/2.0 " or a method and a SIP URI scheme
  let head = '';
  for (let i = 0; i < Math.min(b.length, 24); i++) head += String.fromCharCode(b[i]!);
  return /^(SIP\/2\.0 \d|[A-Z]+ (sips?|tel):)/.test(head) && !head.includes('\r') ? 'sip' : undefined;
}

/** Content recognition: a SIP start line on any port; on port 5060 also a keep-alive or a broken message. */
function recognise(p: Uint8Array, srcPort: number, dstPort: number): boolean {
  if (looksLikeSip(p)) return true;
  if (srcPort !== SIP_PORT && dstPort !== SIP_PORT) return false;
  if (isSipKeepAlive(p)) return true;
  const b = p[0]!;
  return b >= 0x41 && b <= 0x5a;
}

function why(p: Uint8Array, srcPort: number, dstPort: number): string {
  const port = srcPort === SIP_PORT || dstPort === SIP_PORT ? ` on port ${SIP_PORT}` : '';
  if (looksLikeSip(p)) return `a SIP ${p[0] === 0x53 && p[1] === 0x49 && p[2] === 0x50 && p[3] === 0x2f ? 'status' : 'request'} line (RFC 3261 §7)${port}: SIP`;
  if (isSipKeepAlive(p)) return `CRLF${p.length === 4 ? ' CRLF' : ''}${port}: a SIP keep-alive (RFC 5626 §4.4.1)`;
  return `text${port} that is not a SIP start line: SIP, malformed`;
}

function sipJson(m: SipMessage, _l: unknown, base: Json): Json {
  const s = m.start;
  const cseq = parseCSeq(sipHeader(m, 'CSeq') ?? '');
  const via = parseVia(sipHeaderValues(m, 'Via')[0] ?? '');
  const from = parseNameAddr(sipHeader(m, 'From') ?? '');
  const to = parseNameAddr(sipHeader(m, 'To') ?? '');
  return Object.assign(base, {
    ...(s.kind === 'request' ? { method: s.method, requestUri: s.uri } : { status: s.status, reason: s.reason }),
    callId: sipHeader(m, 'Call-ID') ?? null,
    ...(typeof cseq !== 'string' ? { cseq: { seq: cseq.seq, method: cseq.method } } : {}),
    ...(typeof via !== 'string' ? { via: { transport: via.transport, sentBy: via.port !== undefined ? `${via.host}:${via.port}` : via.host, ...(via.branch !== undefined ? { branch: via.branch } : {}), ...(via.received !== undefined ? { received: via.received } : {}), ...(via.rport !== undefined ? { rport: via.rport } : {}) } } : {}),
    ...(typeof from !== 'string' ? { from: { uri: from.uri, ...(from.tag !== undefined ? { tag: from.tag } : {}) } } : {}),
    ...(typeof to !== 'string' ? { to: { uri: to.uri, ...(to.tag !== undefined ? { tag: to.tag } : {}) } } : {}),
    headers: m.headers.map((h) => ({ name: h.name, value: h.value })),
    bodyLength: m.body.length,
  });
}

export const SIP = defineProtocol({
  name: 'SIP',
  description: 'Session Initiation Protocol over UDP and TCP (RFC 3261; over TCP framed by Content-Length, §18.3): requests, responses, digest authentication (RFC 7616, RFC 8760), keep-alives (RFC 5626); an SDP body follows as SDP',
  viz: { class: 'SIP', colour: '#c3a6ff' },
  json: sipJson,
  on: [
    { table: 'udp.content', recogniser: { order: 10, recognise, dissect: sipLayers, why } },
    { table: 'tcp.stream', recogniser: { order: 5, recognise: recogniseStream } },
  ],
});
