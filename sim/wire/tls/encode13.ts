import { Writer } from '../writer.ts';
import { commonMsgTypeOf, writeHandshakeBody, type CommonHandshakeBody } from '../handshake/body.ts';
import { writeExtensions } from '../handshake/extensions.ts';
import { HandshakeType } from '../handshake/names.ts';
import { encodeTlsHandshake, type TlsHandshakeBody } from './handshake.ts';

/**
 * Writing TLS handshake messages with their 4-byte header (RFC 8446 §4): the TLS 1.3 forms (EncryptedExtensions,
 * the 1.3 Certificate with CertificateEntry extensions, NewSessionTicket, KeyUpdate, a Finished of Hash.length
 * bytes) here, the bodies TLS shares with DTLS through sim/wire/handshake/body.ts. The decoders are in handshake.ts.
 */

function msgTypeOf(body: TlsHandshakeBody): number {
  switch (body.type) {
    case 'encrypted_extensions':
      return HandshakeType.encrypted_extensions;
    case 'certificate_request13':
      return HandshakeType.certificate_request;
    case 'new_session_ticket13':
      return HandshakeType.new_session_ticket;
    case 'key_update':
      return HandshakeType.key_update;
    default:
      return commonMsgTypeOf(body);
  }
}

function writeVector(w: Writer, b: Uint8Array, lenBytes: 1 | 2 | 3): void {
  if (lenBytes === 1) w.u8(b.length);
  else if (lenBytes === 2) w.u16(b.length);
  else w.u24(b.length);
  w.bytes(b);
}

/**
 * The body bytes (no header). `tls13` picks the 1.3 form of Certificate (RFC 8446 §4.4.2); the other 1.3-only
 * bodies have their own types.
 */
export function encodeTlsBody(body: TlsHandshakeBody, tls13: boolean): Uint8Array {
  const w = new Writer();
  switch (body.type) {
    case 'encrypted_extensions':
      // RFC 8446 §4.3.1: Extension extensions<0..2^16-1>, present even when empty
      writeExtensions(w, body.extensions, false);
      break;
    case 'certificate_request13':
      writeVector(w, body.certificateRequestContext, 1);
      writeExtensions(w, body.extensions, false);
      break;
    case 'new_session_ticket13':
      // RFC 8446 §4.6.1: lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2>
      w.u32(body.ticketLifetime).u32(body.ticketAgeAdd);
      writeVector(w, body.ticketNonce, 1);
      writeVector(w, body.ticket, 2);
      w.u16(0);
      break;
    case 'key_update':
      w.u8(body.requestUpdate);
      break;
    case 'certificate':
      if (tls13 && 'certificateRequestContext' in body) {
        // RFC 8446 §4.4.2: context<0..255>, CertificateEntry { cert_data<1..2^24-1>, extensions<0..2^16-1> }
        writeVector(w, body.certificateRequestContext, 1);
        const at = w.pos;
        w.u24(0);
        for (const c of body.certificates) {
          writeVector(w, c, 3);
          w.u16(0);
        }
        w.setU24(at, w.pos - at - 3);
      } else {
        writeHandshakeBody(w, { type: 'certificate', certificates: body.certificates }, 'tls');
      }
      break;
    default:
      writeHandshakeBody(w, body as CommonHandshakeBody, 'tls');
  }
  return w.finish();
}

/** A whole handshake message: header + body, the bytes the transcript covers. */
export function encodeTlsMessage(body: TlsHandshakeBody, tls13: boolean): Uint8Array {
  return encodeTlsHandshake(msgTypeOf(body), encodeTlsBody(body, tls13));
}
