import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import * as hello from './hello.ts';
import type { ClientHello, HelloVariant, ServerHello } from './hello.ts';
import * as msg from './messages.ts';
import type {
  Certificate,
  CertificateRequest,
  CertificateVerify,
  ClientKeyExchange,
  Finished,
  NewSessionTicket,
  ServerHelloDone,
  ServerKeyExchange,
} from './messages.ts';
import { HandshakeType, handshakeTypeName } from './names.ts';

/**
 * The handshake message bodies TLS 1.2 (RFC 5246 §7.4) and DTLS 1.2 (RFC 6347 §4.2) share, read and written
 * without their header: TLS frames them with a 4-byte header (sim/wire/tls/handshake.ts), DTLS with a 12-byte one
 * that can fragment them (sim/wire/dtls/handshake.ts). What only one of them has lives with it: DTLS's
 * HelloVerifyRequest, TLS 1.3's EncryptedExtensions, KeyUpdate and 1.3 message forms.
 */

export type UnknownHandshake = { readonly type: 'unknown'; readonly msgType: number; readonly raw: Uint8Array };

export type CommonHandshakeBody =
  | ClientHello
  | ServerHello
  | Certificate
  | ServerKeyExchange
  | CertificateRequest
  | ServerHelloDone
  | CertificateVerify
  | ClientKeyExchange
  | Finished
  | NewSessionTicket
  | UnknownHandshake;

/**
 * Reads the body of a handshake message of `msgType` at the reader. `own` reads the bodies only the caller's
 * protocol has (it returns undefined for the others); a type nobody reads is 'unknown', with a problem.
 */
export function readHandshakeBody<B extends { readonly type: string }>(r: Reader, msgType: number, variant: HelloVariant, own?: (r: Reader, msgType: number) => B | undefined): CommonHandshakeBody | B {
  let body: CommonHandshakeBody | B | undefined = own?.(r, msgType);
  if (body === undefined) {
    switch (msgType) {
      case HandshakeType.client_hello:
        body = hello.readClientHello(r, variant);
        break;
      case HandshakeType.server_hello:
        body = hello.readServerHello(r);
        break;
      case HandshakeType.certificate:
        body = msg.readCertificate(r);
        break;
      case HandshakeType.server_key_exchange:
        body = msg.readServerKeyExchange(r);
        break;
      case HandshakeType.certificate_request:
        body = msg.readCertificateRequest(r);
        break;
      case HandshakeType.server_hello_done:
        body = { type: 'server_hello_done' };
        break;
      case HandshakeType.certificate_verify:
        body = msg.readCertificateVerify(r);
        break;
      case HandshakeType.client_key_exchange:
        body = msg.readClientKeyExchange(r);
        break;
      case HandshakeType.finished:
        body = msg.readFinished(r);
        break;
      case HandshakeType.new_session_ticket:
        body = msg.readNewSessionTicket(r);
        break;
      default:
        r.problem(`unknown handshake type ${msgType}`, r.pos, 0);
        return { type: 'unknown', msgType, raw: r.rest('body', (b) => `${b.length} bytes`) };
    }
  }
  if (!r.truncated && r.remaining > 0) {
    r.problem(`${r.remaining} trailing byte(s) after ${handshakeTypeName(msgType)}`, r.pos, r.remaining);
    r.rest('trailing bytes');
  }
  return body;
}

/** Decodes a common body of `msgType` from `bytes` (no header). */
export function decodeCommonHandshakeBody(msgType: number, bytes: Uint8Array, base = 0, variant: HelloVariant = 'tls', spans = true): Decoded<CommonHandshakeBody> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const body = readHandshakeBody<never>(r, msgType, variant);
  return { value: body, fields: r.fields, problems: r.problems };
}

const TYPE_CODES: Record<Exclude<CommonHandshakeBody['type'], 'unknown'>, number> = {
  client_hello: HandshakeType.client_hello,
  server_hello: HandshakeType.server_hello,
  certificate: HandshakeType.certificate,
  server_key_exchange: HandshakeType.server_key_exchange,
  certificate_request: HandshakeType.certificate_request,
  server_hello_done: HandshakeType.server_hello_done,
  certificate_verify: HandshakeType.certificate_verify,
  client_key_exchange: HandshakeType.client_key_exchange,
  finished: HandshakeType.finished,
  new_session_ticket: HandshakeType.new_session_ticket,
};

export function commonMsgTypeOf(body: CommonHandshakeBody): number {
  return body.type === 'unknown' ? body.msgType : TYPE_CODES[body.type];
}

/** Writes a common body (no header) at the writer. */
export function writeHandshakeBody(w: Writer, body: CommonHandshakeBody, variant: HelloVariant): void {
  switch (body.type) {
    case 'client_hello':
      hello.writeClientHello(w, body, variant);
      break;
    case 'server_hello':
      hello.writeServerHello(w, body);
      break;
    case 'certificate':
      msg.writeCertificate(w, body);
      break;
    case 'server_key_exchange':
      msg.writeServerKeyExchange(w, body);
      break;
    case 'certificate_request':
      msg.writeCertificateRequest(w, body);
      break;
    case 'server_hello_done':
      break;
    case 'certificate_verify':
      msg.writeCertificateVerify(w, body);
      break;
    case 'client_key_exchange':
      msg.writeClientKeyExchange(w, body);
      break;
    case 'finished':
      msg.writeFinished(w, body);
      break;
    case 'new_session_ticket':
      msg.writeNewSessionTicket(w, body);
      break;
    case 'unknown':
      w.bytes(body.raw);
      break;
  }
}

/** The body bytes alone (no header). */
export function encodeCommonHandshakeBody(body: CommonHandshakeBody, variant: HelloVariant = 'tls'): Uint8Array {
  const w = new Writer();
  writeHandshakeBody(w, body, variant);
  return w.finish();
}
