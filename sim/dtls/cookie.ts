import { cryptoBackend } from '../core/crypto-backend.ts';
import { bytesEqual, utf8Encode } from '../core/encoding.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { DtlsConfig } from './config.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import { encodeHandshakeBody } from '../wire/dtls/handshake.ts';

/**
 * The stateless cookie of RFC 6347 §4.2.1: HMAC(secret, client address and port (or, over ICE, the
 * transport) || the ClientHello's parameters). The server keeps no state for a ClientHello without a valid cookie, and recomputes the cookie
 * when the ClientHello comes back; the cookie field itself is left out so both ClientHellos give the same value.
 */
export const COOKIE_LENGTH = 20;

/** What a cookie is bound to: the client's address, or (DTLS over ICE) the endpoint's one transport. */
export function cookieSubject(binding: DtlsConfig['cookieBinding'], from: TransportAddress): Uint8Array {
  return utf8Encode(binding === 'transport' ? 'ice-transport|' : `${from.ip}|${from.port}|`);
}

export function computeCookie(secret: Uint8Array, subject: Uint8Array, ch: ClientHello): Uint8Array {
  const params = encodeHandshakeBody({ ...ch, cookie: new Uint8Array(0) });
  const mac = cryptoBackend().hmacSha256(secret, subject, params);
  return mac.slice(0, COOKIE_LENGTH);
}

export function cookieValid(secret: Uint8Array, subject: Uint8Array, ch: ClientHello): boolean {
  return ch.cookie.length === COOKIE_LENGTH && bytesEqual(ch.cookie, computeCookie(secret, subject, ch));
}
