import { concatBytes, toHex } from '../../core/encoding.ts';
import type { Decoded, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { readExtensions, type Extension } from '../handshake/extensions.ts';
import { readHandshakeBody, type CommonHandshakeBody } from '../handshake/body.ts';
import type { HelloVariant } from '../handshake/hello.ts';
import { readCertificateList } from '../handshake/messages.ts';
import { HandshakeType, handshakeTypeName } from '../handshake/names.ts';

/**
 * TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4): the 4-byte header msg_type(1) length(3) — which DTLS 1.3
 * also uses for its transcript (RFC 9147 §5.2) — and the TLS 1.3 bodies. Bodies TLS shares with DTLS
 * (ClientHello, ServerHello, CertificateVerify …) are read by the shared codec (sim/wire/handshake/body.ts).
 */

export const TlsHandshakeHeader = struct('TLS handshake header', [uint('msgType', 8, (v) => handshakeTypeName(v)), uint('length', 24)]);
export const TLS_HANDSHAKE_HEADER_SIZE = TlsHandshakeHeader.size; // 4

/** RFC 8446 §4.3.1 */
export interface EncryptedExtensions {
  readonly type: 'encrypted_extensions';
  readonly extensions: readonly Extension[];
}

/** RFC 8446 §4.4.2: a request context, then CertificateEntry { cert_data, extensions } each. */
export interface Certificate13 {
  readonly type: 'certificate';
  readonly certificateRequestContext: Uint8Array;
  /** The DER certificates, the sender's own first. */
  readonly certificates: readonly Uint8Array[];
}

/** RFC 8446 §4.3.2 */
export interface CertificateRequest13 {
  readonly type: 'certificate_request13';
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** RFC 8446 §4.6.1 */
export interface NewSessionTicket13 {
  readonly type: 'new_session_ticket13';
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
}

/** RFC 8446 §4.6.3 */
export interface KeyUpdate {
  readonly type: 'key_update';
  /** 0 update_not_requested, 1 update_requested. */
  readonly requestUpdate: number;
}

export type TlsHandshakeBody = CommonHandshakeBody | EncryptedExtensions | Certificate13 | CertificateRequest13 | NewSessionTicket13 | KeyUpdate;

export interface TlsBodyOptions {
  /** 'tls' (no cookie in ClientHello) or 'dtls'. Default 'tls'. */
  readonly variant?: HelloVariant;
  /** The connection negotiated (D)TLS 1.3: Certificate, CertificateRequest, NewSessionTicket, Finished take their 1.3 forms. */
  readonly tls13?: boolean;
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

/** RFC 8446 §4.1.3: a ServerHello whose random is SHA-256("HelloRetryRequest") is a HelloRetryRequest. */
export const HELLO_RETRY_REQUEST_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export function isHelloRetryRequest(body: TlsHandshakeBody): boolean {
  return body.type === 'server_hello' && toHex(body.random) === HELLO_RETRY_REQUEST_RANDOM;
}

function vector(r: Reader, name: string, lenBytes: 1 | 2 | 3): Uint8Array {
  const len = lenBytes === 1 ? r.u8(`${name} length`) : lenBytes === 2 ? r.u16(`${name} length`) : r.u24(`${name} length`);
  return r.bytes(len, name, (b) => (b.length === 0 ? '(empty)' : b.length <= 32 ? toHex(b) : `${b.length} bytes`));
}

function readCertificate13(r: Reader): Certificate13 {
  const certificateRequestContext = vector(r, 'certificate_request_context', 1);
  const certificates = readCertificateList(r, () => {
    let cert: Uint8Array = new Uint8Array(0);
    r.group(
      'CertificateEntry',
      () => {
        cert = vector(r, 'cert_data', 3);
        const extLength = r.u16('extensions length');
        if (extLength) r.bytes(extLength, 'extensions', (b) => `${b.length} bytes`);
      },
      () => `${cert.length} bytes of DER`,
    );
    return cert;
  });
  return { type: 'certificate', certificateRequestContext, certificates };
}

/** Reads a body at the reader; TLS 1.3 forms first, the rest through the DTLS 1.2 codec. */
function readTlsBody(r: Reader, msgType: number, options: TlsBodyOptions): TlsHandshakeBody {
  const variant = options.variant ?? 'tls';
  let body: TlsHandshakeBody;
  switch (msgType) {
    case HandshakeType.encrypted_extensions:
      body = { type: 'encrypted_extensions', extensions: r.remaining >= 2 ? readExtensions(r, 'server_hello') : [] };
      break;
    case HandshakeType.key_update:
      body = { type: 'key_update', requestUpdate: r.u8('request_update', (v) => (v === 0 ? 'update_not_requested (0)' : v === 1 ? 'update_requested (1)' : String(v))) };
      break;
    case HandshakeType.certificate:
      if (!options.tls13) return readHandshakeBody<never>(r, msgType, variant);
      body = readCertificate13(r);
      break;
    case HandshakeType.certificate_request:
      if (!options.tls13) return readHandshakeBody<never>(r, msgType, variant);
      body = { type: 'certificate_request13', certificateRequestContext: vector(r, 'certificate_request_context', 1), extensions: readExtensions(r, 'client_hello') };
      break;
    case HandshakeType.new_session_ticket:
      if (!options.tls13) return readHandshakeBody<never>(r, msgType, variant);
      body = {
        type: 'new_session_ticket13',
        ticketLifetime: r.u32('ticket_lifetime', (v) => `${v} s`),
        ticketAgeAdd: r.u32('ticket_age_add'),
        ticketNonce: vector(r, 'ticket_nonce', 1),
        ticket: vector(r, 'ticket', 2),
      };
      if (r.remaining >= 2) readExtensions(r, 'server_hello');
      break;
    case HandshakeType.finished:
      if (!options.tls13) return readHandshakeBody<never>(r, msgType, variant);
      // RFC 8446 §4.4.4: verify_data is Hash.length bytes
      body = { type: 'finished', verifyData: r.rest('verify_data', toHex) };
      break;
    default:
      return readHandshakeBody<never>(r, msgType, variant);
  }
  if (!r.truncated && r.remaining > 0) {
    r.problem(`${r.remaining} trailing byte(s) after ${handshakeTypeName(msgType)}`, r.pos, r.remaining);
    r.rest('trailing bytes');
  }
  return body;
}

/** Decodes a body of `msgType` (no header) at `base`. */
export function decodeTlsHandshakeBody(msgType: number, bytes: Uint8Array, base = 0, options: TlsBodyOptions = {}): Decoded<TlsHandshakeBody> {
  const r = new Reader(bytes, base, 0, bytes.length, options.spans ?? true);
  const value = readTlsBody(r, msgType, options);
  return { value, fields: r.fields, problems: r.problems };
}

/** One whole handshake message: header and body. */
export interface TlsHandshakeMessage {
  readonly msgType: number;
  readonly length: number;
  readonly body: TlsHandshakeBody;
  /** Header + body: the bytes the transcript hash covers (RFC 8446 §4.4.1). */
  readonly bytes: Uint8Array;
  /** Absolute offset of the header in the decoded buffer. */
  readonly offset: number;
}

/** Decodes whole messages laid end to end (what a handshake buffer gives back). */
export function decodeTlsHandshakes(bytes: Uint8Array, base = 0, options: TlsBodyOptions = {}): Decoded<TlsHandshakeMessage[]> {
  const r = new Reader(bytes, base, 0, bytes.length, options.spans ?? true);
  const out: TlsHandshakeMessage[] = [];
  while (r.remaining > 0 && !r.truncated) {
    const at = r.pos;
    const m = r.group(
      'handshake',
      () => {
        const h = TlsHandshakeHeader.decode(r);
        if (r.truncated) return undefined;
        const bodyAt = r.pos;
        const end = Math.min(bodyAt + h.length, r.end);
        if (bodyAt + h.length > r.end) r.problem(`${handshakeTypeName(h.msgType)} length ${h.length} runs past the data (${r.end - bodyAt} bytes)`, at + 1, 3);
        const sub = new Reader(bytes, base, bodyAt, end, r.spans);
        const body = readTlsBody(sub, h.msgType, options);
        r.adopt(sub.fields, sub.problems);
        r.skip(end - bodyAt);
        return { msgType: h.msgType, length: h.length, body, bytes: bytes.subarray(at, end), offset: base + at };
      },
      (v) => (v ? handshakeTypeName(v.msgType) : 'truncated'),
    );
    if (!m) break;
    out.push(m);
  }
  return { value: out, fields: r.fields, problems: r.problems };
}

/** Header + body. */
export function encodeTlsHandshake(msgType: number, body: Uint8Array): Uint8Array {
  const w = new Writer(TLS_HANDSHAKE_HEADER_SIZE + body.length);
  TlsHandshakeHeader.encode(w, { msgType, length: body.length });
  w.bytes(body);
  return w.finish();
}

/** Largest handshake message accepted by the buffer (a hostile length must not make it allocate). */
export const MAX_HANDSHAKE_MESSAGE = 1 << 20;

/**
 * Handshake messages may span several records and a record may hold several messages (RFC 8446 §5.1): the bytes
 * of consecutive handshake records of one direction are joined here and cut into whole messages.
 */
export class TlsHandshakeBuffer {
  private buf: Uint8Array = new Uint8Array(0);
  readonly problems: Problem[] = [];

  /** Appends a record's handshake bytes; returns the whole messages (header + body) now complete. */
  push(bytes: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length ? concatBytes(this.buf, bytes) : bytes;
    const out: Uint8Array[] = [];
    while (this.buf.length >= TLS_HANDSHAKE_HEADER_SIZE) {
      const length = (this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!;
      if (length > MAX_HANDSHAKE_MESSAGE) {
        this.problems.push({ offset: 0, length: 4, message: `handshake message of ${length} bytes is larger than ${MAX_HANDSHAKE_MESSAGE}: dropped` });
        this.buf = new Uint8Array(0);
        break;
      }
      if (this.buf.length < TLS_HANDSHAKE_HEADER_SIZE + length) break;
      out.push(this.buf.slice(0, TLS_HANDSHAKE_HEADER_SIZE + length));
      this.buf = this.buf.subarray(TLS_HANDSHAKE_HEADER_SIZE + length);
    }
    return out;
  }

  /** Bytes of a message not yet complete. */
  get pending(): number {
    return this.buf.length;
  }
}
