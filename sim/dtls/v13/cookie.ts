import { cryptoBackend } from '../../core/crypto-backend.ts';
import { bytesEqual, concatBytes } from '../../core/encoding.ts';

/**
 * The stateless HelloRetryRequest cookie (RFC 9147 §5.1, RFC 8446 §4.2.2): everything the server needs to rebuild
 * the HelloRetryRequest and the transcript's message_hash when the ClientHello comes back, authenticated to the
 * client's address (or, over ICE, to the transport: sim/dtls/cookie.ts cookieSubject): version(1) = 1, cipher_suite(2), selected group(2, 0 = none asked), Hash(ClientHello1)(32),
 * then 16 bytes of HMAC-SHA-256 over the client's address and those bytes.
 */

const MAC_LENGTH = 16;
const BODY_LENGTH = 1 + 2 + 2 + 32;
export const HRR_COOKIE_LENGTH = BODY_LENGTH + MAC_LENGTH;

export interface CookieContents {
  readonly cipherSuite: number;
  /** The group the HelloRetryRequest asked a key share for; 0 when it asked none. */
  readonly group: number;
  /** SHA-256 of ClientHello1 (TLS-style header + body). */
  readonly helloHash: Uint8Array;
}

function mac(secret: Uint8Array, subject: Uint8Array, body: Uint8Array): Uint8Array {
  return cryptoBackend().hmacSha256(secret, subject, body).slice(0, MAC_LENGTH);
}

export function makeHrrCookie(secret: Uint8Array, subject: Uint8Array, c: CookieContents): Uint8Array {
  const body = new Uint8Array(BODY_LENGTH);
  body[0] = 1;
  body[1] = c.cipherSuite >> 8;
  body[2] = c.cipherSuite & 0xff;
  body[3] = c.group >> 8;
  body[4] = c.group & 0xff;
  body.set(c.helloHash, 5);
  return concatBytes(body, mac(secret, subject, body));
}

/** The cookie's contents if it is ours and was given to this subject (address or transport); undefined otherwise. */
export function readHrrCookie(secret: Uint8Array, subject: Uint8Array, cookie: Uint8Array): CookieContents | undefined {
  if (cookie.length !== HRR_COOKIE_LENGTH || cookie[0] !== 1) return undefined;
  const body = cookie.subarray(0, BODY_LENGTH);
  if (!bytesEqual(cookie.subarray(BODY_LENGTH), mac(secret, subject, body))) return undefined;
  return { cipherSuite: (body[1]! << 8) | body[2]!, group: (body[3]! << 8) | body[4]!, helloHash: body.slice(5) };
}
