import { encodeHandshakeBody } from '../../wire/dtls/handshake.ts';
import type { ClientHello } from '../../wire/handshake/hello.ts';
import { HandshakeType, SignatureScheme } from '../../wire/handshake/names.ts';
import { encodeTlsHandshake, type TlsHandshakeBody } from '../../wire/tls/handshake.ts';
import { encodeTlsBody } from '../../wire/tls/encode13.ts';
import type { Piece13 } from './flight.ts';

/**
 * DTLS 1.3 handshake messages as both roles write them: the body (a ClientHello keeps DTLS's legacy_cookie field,
 * RFC 9147 §5.3; the others take their TLS 1.3 forms), the TLS-style bytes the transcript covers (RFC 9147 §5.2),
 * and the piece a flight carries.
 */

export const TLS_AES_128_GCM_SHA256 = 0x1301;
export const DTLS13_SCHEMES = [SignatureScheme.ecdsa_secp256r1_sha256] as const;

const TYPES: Record<string, number> = {
  client_hello: HandshakeType.client_hello,
  server_hello: HandshakeType.server_hello,
  encrypted_extensions: HandshakeType.encrypted_extensions,
  certificate_request13: HandshakeType.certificate_request,
  certificate: HandshakeType.certificate,
  certificate_verify: HandshakeType.certificate_verify,
  finished: HandshakeType.finished,
};

const LABELS: Record<string, string> = {
  client_hello: 'ClientHello',
  server_hello: 'ServerHello',
  encrypted_extensions: 'EncryptedExtensions',
  certificate_request13: 'CertificateRequest',
  certificate: 'Certificate',
  certificate_verify: 'CertificateVerify',
  finished: 'Finished',
};

export interface Written {
  readonly piece: Piece13;
  /** TLS-style header + body, for the transcript. */
  readonly tls: Uint8Array;
}

export function writeMessage(body: TlsHandshakeBody, messageSeq: number, epoch: number, label?: string): Written {
  const msgType = TYPES[body.type];
  if (msgType === undefined) throw new Error(`DTLS 1.3: no writer for ${body.type}`);
  const bytes = body.type === 'client_hello' ? encodeHandshakeBody(body as ClientHello, 'dtls') : encodeTlsBody(body, true);
  return { piece: { epoch, msgType, messageSeq, body: bytes, label: label ?? LABELS[body.type] ?? body.type }, tls: encodeTlsHandshake(msgType, bytes) };
}

/** TLS-style bytes of a received message body. */
export function tlsStyle(msgType: number, body: Uint8Array): Uint8Array {
  return encodeTlsHandshake(msgType, body);
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(role: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  const context = `TLS 1.3, ${role} CertificateVerify`;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/** RFC 8446 §4.1.3: the last 8 bytes of a (D)TLS 1.3-capable server's random when it negotiates 1.2. */
export const DOWNGRADE_12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
