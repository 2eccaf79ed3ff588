import { toHex } from '../../core/encoding.ts';
import { headerValue, type HttpMessage } from '../../wire/http/http.ts';
import type { SipMessage } from '../../wire/sip/message.ts';
import { DnsType, type DnsMessage, type DnsRecord } from '../../wire/dns/message.ts';
import { parseIPv4, parseIPv6 } from '../../wire/ip/address.ts';
import type { LayerOf } from '../types.ts';
import { layerFields, protocolField, type FieldDef } from './field-def.ts';

/**
 * The application fields over TCP: TLS records (decrypted ones with a key log, as tshark shows them), HTTP,
 * WebSocket (tshark's names), and what tshark does not dissect: JSON signaling and the SDP it carries (names of
 * our own, under `signaling.` and tshark's `sdp.` where it has the field).
 */

/**
 * tshark's tls.record.content_type: the type on the wire, or for a record it decrypted the type inside (TLS 1.3's
 * real content type, RFC 8446 §5.2). A wire record whose decrypted layer follows leaves it to that layer.
 */
function tlsContentType(l: LayerOf<'TLS'>): number | undefined {
  const v = l.value!;
  if (l.plaintext) return v.innerContentType ?? v.contentType;
  return v.encrypted && v.session?.decryption === 'ok' ? undefined : v.contentType;
}

/** Handshake types of clear records, and of decrypted ones (the wire layer of a protected record lists none). */
function tlsHandshakeTypes(l: LayerOf<'TLS'>): readonly number[] | undefined {
  const v = l.value!;
  return l.plaintext || !v.encrypted ? v.handshakeTypes : undefined;
}

const request = (m: HttpMessage) => (m.start.kind === 'request' ? m.start : undefined);
const response = (m: HttpMessage) => (m.start.kind === 'response' ? m.start : undefined);
const UTF8 = new TextDecoder('utf-8', { fatal: false });
const sipHeader = (m: SipMessage, name: string): string | undefined => m.headers.find((h) => h.name === name)?.value;
/** RFC 3261 §20.16: CSeq = 1*DIGIT LWS Method. */
function sipCSeq(m: SipMessage): { seq: number; method: string } | undefined {
  const r = /^\s*(\d+)\s+(\S+)\s*$/.exec(sipHeader(m, 'CSeq') ?? '');
  return r ? { seq: Number(r[1]), method: r[2]! } : undefined;
}

/** tshark's dns.resp.* run over the answers, authority and additional records in order. */
const dnsRecords = (m: DnsMessage): DnsRecord[] => [...m.answers, ...(m.authorities ?? []), ...(m.additionals ?? [])];
const dnsAddresses = (m: DnsMessage, type: number): Uint8Array[] =>
  dnsRecords(m).flatMap((r) => (r.type === type && r.address !== undefined ? [(type === DnsType.A ? parseIPv4(r.address) : parseIPv6(r.address)) ?? []] : [])).filter((b): b is Uint8Array => b instanceof Uint8Array);

export const APP_FIELDS: readonly FieldDef[] = [
  protocolField('tls', 'Transport Layer Security (over TCP)', ['TLS']),
  ...layerFields(['TLS'], {
    'tls.record.content_type': ['uint', 'Record content type (the inner type of a decrypted TLS 1.3 record)', (_v, l) => tlsContentType(l)],
    'tls.record.version': ['uint', 'Record (legacy) version', (v, l) => (l.plaintext ? undefined : v.version)],
    'tls.record.length': ['uint', 'Record length', (v, l) => (l.plaintext ? undefined : v.length)],
    'tls.handshake.type': ['uint', 'Handshake message type (decrypted ones too, with keys)', (_v, l) => tlsHandshakeTypes(l)],
    'tls.alert_message.level': ['uint', 'Alert level', (v) => v.alert?.level],
    'tls.alert_message.desc': ['uint', 'Alert description', (v) => v.alert?.description],
  }),
  protocolField('http', 'Hypertext Transfer Protocol (HTTP/1.1)', ['HTTP']),
  ...layerFields(['HTTP'], {
    'http.request': ['bool', 'A request', (m) => (request(m) ? true : undefined)],
    'http.response': ['bool', 'A response', (m) => (response(m) ? true : undefined)],
    'http.request.method': ['string', 'Request method', (m) => request(m)?.method],
    'http.request.uri': ['string', 'Request URI', (m) => request(m)?.target],
    'http.request.version': ['string', 'Request version', (m) => request(m)?.version],
    'http.response.code': ['uint', 'Status code', (m) => response(m)?.status],
    'http.response.phrase': ['string', 'Reason phrase', (m) => response(m)?.reason],
    'http.response.version': ['string', 'Response version', (m) => response(m)?.version],
    'http.host': ['string', 'Host', (m) => headerValue(m, 'host')],
    'http.user_agent': ['string', 'User-Agent', (m) => headerValue(m, 'user-agent')],
    'http.server': ['string', 'Server', (m) => headerValue(m, 'server')],
    'http.content_type': ['string', 'Content-Type', (m) => headerValue(m, 'content-type')],
    'http.content_length': ['uint', 'Content-Length', (m) => {
      const v = headerValue(m, 'content-length');
      return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
    }],
    'http.upgrade': ['string', 'Upgrade', (m) => headerValue(m, 'upgrade')],
    'http.connection': ['string', 'Connection', (m) => headerValue(m, 'connection')],
    'http.location': ['string', 'Location', (m) => headerValue(m, 'location')],
    'http.header': ['string', 'Any header line, "Name: value"', (m) => m.headers.map((h) => `${h.name}: ${h.value}`)],
    'http.file_data': ['string', 'The body (after chunked decoding)', (m) => (m.body.length ? UTF8.decode(m.body) : undefined)],
  }),
  protocolField('websocket', 'WebSocket (RFC 6455)', ['WEBSOCKET']),
  ...layerFields(['WEBSOCKET'], {
    'websocket.fin': ['bool', 'Fin', (f) => f.fin],
    'websocket.rsv': ['uint', 'Reserved bits', (f) => f.rsv],
    'websocket.opcode': ['uint', 'Opcode', (f) => f.opcode],
    'websocket.mask': ['bool', 'Mask', (f) => f.masked],
    // tshark's payload_length is the 7-bit field; longer lengths are the extended fields (RFC 6455 §5.2)
    'websocket.payload_length': ['uint', 'Payload length (the 7-bit field)', (f) => (f.payloadLength < 126 ? f.payloadLength : f.payloadLength < 65536 ? 126 : 127)],
    'websocket.payload_length_ext_16': ['uint', 'Extended payload length (16 bits)', (f) => (f.payloadLength >= 126 && f.payloadLength < 65536 ? f.payloadLength : undefined)],
    'websocket.payload_length_ext_64': ['uint', 'Extended payload length (64 bits)', (f) => (f.payloadLength >= 65536 ? f.payloadLength : undefined)],
    'websocket.masking_key': ['bytes', 'Masking key', (f) => f.maskingKey],
    'websocket.payload.close.status_code': ['uint', 'Close status code', (f) => f.closeCode],
    'websocket.payload.text': ['string', 'Text of a text frame (unmasked)', (f) => (f.opcode === 1 ? UTF8.decode(f.payload) : undefined)],
  }),
  // tshark's SIP field names (RFC 3261 §7: the start line and the headers every message carries)
  protocolField('sip', 'Session Initiation Protocol (RFC 3261)', ['SIP']),
  ...layerFields(['SIP'], {
    'sip.Method': ['string', 'Request method (INVITE, REGISTER …); requests only, as tshark (a response: sip.CSeq.method)', (m) => (m.start.kind === 'request' ? m.start.method : undefined)],
    'sip.Request-Line': ['string', 'The request line', (m) => (m.start.kind === 'request' ? `${m.start.method} ${m.start.uri} ${m.start.version}` : undefined)],
    'sip.r-uri': ['string', 'Request-URI', (m) => (m.start.kind === 'request' ? m.start.uri : undefined)],
    'sip.Status-Code': ['uint', 'Status code of a response', (m) => (m.start.kind === 'response' ? m.start.status : undefined)],
    'sip.Status-Line': ['string', 'The status line', (m) => (m.start.kind === 'response' ? `${m.start.version} ${m.start.status} ${m.start.reason}` : undefined)],
    'sip.Call-ID': ['string', 'Call-ID', (m) => sipHeader(m, 'Call-ID')],
    'sip.CSeq.seq': ['uint', 'CSeq sequence number', (m) => sipCSeq(m)?.seq],
    'sip.CSeq.method': ['string', 'CSeq method', (m) => sipCSeq(m)?.method],
    'sip.Via': ['string', 'Via (each)', (m) => m.headers.filter((h) => h.name === 'Via').map((h) => h.value)],
    'sip.From': ['string', 'From', (m) => sipHeader(m, 'From')],
    'sip.To': ['string', 'To', (m) => sipHeader(m, 'To')],
    'sip.Contact': ['string', 'Contact', (m) => sipHeader(m, 'Contact')],
    'sip.Content-Type': ['string', 'Content-Type', (m) => sipHeader(m, 'Content-Type')],
    'sip.Content-Length': ['uint', 'Content-Length', (m) => {
      const v = sipHeader(m, 'Content-Length');
      return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
    }],
    'sip.WWW-Authenticate': ['string', 'WWW-Authenticate', (m) => sipHeader(m, 'WWW-Authenticate')],
    'sip.Authorization': ['string', 'Authorization', (m) => sipHeader(m, 'Authorization')],
  }),
  // tshark reads mDNS with its DNS dissector: the protocol is mdns, the fields dns.* (RFC 1035 §4.1, RFC 6762)
  protocolField('mdns', 'Multicast DNS (RFC 6762) on UDP port 5353', ['MDNS']),
  // tshark's `dns` is unicast DNS (port 53), which is not dissected here: it matches no mDNS frame, there or here
  protocolField('dns', 'Unicast DNS (port 53): not dissected, so never present; mDNS is mdns, with the dns.* fields', []),
  ...layerFields(['MDNS'], {
    'dns.id': ['uint', 'Transaction ID (0 in mDNS, RFC 6762 §18.1)', (m) => m.id],
    'dns.flags.response': ['bool', 'Response', (m) => m.response],
    'dns.flags.authoritative': ['bool', 'Authoritative (responses only, as tshark)', (m) => (m.response ? m.authoritative === true : undefined)],
    'dns.count.queries': ['uint', 'Questions', (m) => m.questions.length],
    'dns.count.answers': ['uint', 'Answer RRs', (m) => m.answers.length],
    'dns.count.auth_rr': ['uint', 'Authority RRs (a probe\'s proposed records, RFC 6762 §8.2)', (m) => m.authorities?.length ?? 0],
    'dns.count.add_rr': ['uint', 'Additional RRs', (m) => m.additionals?.length ?? 0],
    'dns.qry.name': ['string', 'Each question\'s name', (m) => m.questions.map((q) => q.name)],
    'dns.qry.type': ['uint', 'Each question\'s type', (m) => m.questions.map((q) => q.type)],
    'dns.qry.qu': ['bool', 'Each question\'s QU bit (a unicast answer asked for, RFC 6762 §5.4)', (m) => m.questions.map((q) => q.unicastResponse === true)],
    'dns.resp.name': ['string', 'Each record\'s name (answers, authority, additional)', (m) => dnsRecords(m).map((r) => r.name)],
    'dns.resp.type': ['uint', 'Each record\'s type', (m) => dnsRecords(m).map((r) => r.type)],
    'dns.resp.ttl': ['uint', 'Each record\'s time to live (0: a goodbye, RFC 6762 §10.1)', (m) => dnsRecords(m).map((r) => r.ttl)],
    'dns.resp.cache_flush': ['bool', 'Each record\'s cache-flush bit (RFC 6762 §10.2)', (m) => dnsRecords(m).map((r) => r.cacheFlush === true)],
    'dns.a': ['ipv4', 'Each A record\'s address', (m) => dnsAddresses(m, DnsType.A)],
    'dns.aaaa': ['ipv6', 'Each AAAA record\'s address', (m) => dnsAddresses(m, DnsType.AAAA)],
  }),
  protocolField('signaling', 'WebRTC signaling in JSON (Janus, protoo, plain JSEP)', ['SIGNALING']),
  ...layerFields(['SIGNALING'], {
    'signaling.dialect': ['string', 'janus, protoo or jsep', (m) => m.dialect],
    'signaling.kind': ['string', 'What the message is ("janus trickle", "offer" …)', (m) => m.kind],
    'signaling.id': ['string', 'Janus transaction or protoo id', (m) => m.id],
    'signaling.description': ['string', 'Type of each session description it carries (offer, answer)', (m) => m.descriptions.map((d) => d.type)],
    'signaling.candidate': ['string', 'Each trickled candidate line', (m) => m.candidates.map((c) => c.candidate)],
    'signaling.end_of_candidates': ['bool', 'The end of trickling', (m) => m.endOfCandidates],
  }),
  protocolField('sdp', 'Session Description Protocol (RFC 8866) taken from signaling', ['SDP']),
  ...layerFields(['SDP'], {
    'sdp.owner.sessionid': ['string', 'o= session id', (d) => d.origin?.sessionId],
    'sdp.media.media': ['string', 'm= media type', (d) => d.media.map((m) => m.media)],
    'sdp.media.port': ['uint', 'm= port', (d) => d.media.map((m) => m.port)],
    'sdp.media.proto': ['string', 'm= protocol', (d) => d.media.map((m) => m.proto)],
    'sdp.media.format': ['string', 'm= formats', (d) => d.media.flatMap((m) => m.formats)],
    'sdp.mid': ['string', 'a=mid', (d) => d.media.flatMap((m) => (m.mid !== undefined ? [m.mid] : []))],
    'sdp.ice_ufrag': ['string', 'a=ice-ufrag (session and media level)', (d) => [d.iceUfrag, ...d.media.map((m) => m.iceUfrag)].filter((x): x is string => x !== undefined)],
    'sdp.setup': ['string', 'a=setup', (d) => [d.setup, ...d.media.map((m) => m.setup)].filter((x): x is NonNullable<typeof x> => x !== undefined)],
    'sdp.fingerprint': ['string', 'a=fingerprint ("sha-256 AB:CD:…")', (d) => [...d.fingerprints, ...d.media.flatMap((m) => m.fingerprints)].map((f) => `${f.hashFunction} ${toHex(f.fingerprint, ':').toUpperCase()}`)],
    'sdp.candidate': ['string', 'a=candidate addresses', (d) => [...d.candidates, ...d.media.flatMap((m) => m.candidates)].map((c) => c.address)],
    'sdp.rtpmap': ['string', 'a=rtpmap encoding names', (d) => d.media.flatMap((m) => m.rtpmaps.map((r) => r.encodingName))],
  }),
];
