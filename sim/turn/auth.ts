import { cryptoBackend } from '../core/crypto-backend.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import { bytesEqual, fromHex, toHex, utf8Encode } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import { getAttribute, hasAttribute, longTermKey, MessageIntegrity, Nonce, Realm, Username, verifyMessageIntegrity, AttrType } from '../wire/stun/index.ts';

export type AuthOutcome =
  | { readonly ok: true; readonly username: string; readonly key: Uint8Array }
  | { readonly ok: false; readonly code: 400 | 401 | 438; readonly reason: string; readonly attributes: readonly StunAttribute[] };

/** Hex digits of the expiry (48 bits of µs) and of the truncated HMAC (96 bits) in a nonce. */
const EXPIRY_HEX = 12;
const MAC_BYTES = 12;
const NONCE_PATTERN = new RegExp(`^[0-9a-f]{${EXPIRY_HEX + 2 * MAC_BYTES}}$`);

/**
 * The server side of long-term credentials (RFC 8489 §9.2.4): a request without MESSAGE-INTEGRITY gets 401 with
 * REALM and a fresh NONCE; a stale or forged nonce gets 438 with a new one; a wrong user or key gets 401.
 *
 * Nonces are stateless (RFC 8489 §9.2 lets the server choose their form; coturn does the same): the expiry time and
 * an HMAC-SHA256 of it and of the client's transport address under a per-server secret drawn from the RNG. Nothing
 * is stored per nonce, so a flood of unauthenticated requests leaves no state behind and costs one HMAC each; a
 * nonce is good only from the address it was given to and only until it expires.
 */
export class LongTermAuth {
  private readonly secret: Uint8Array;

  constructor(
    readonly realm: string,
    private readonly users: ReadonlyMap<string, string>,
    rng: Rng,
    readonly nonceLifetime: Micros,
  ) {
    this.secret = rng.bytes(32);
  }

  private mac(expiryHex: string, client: TransportAddress): Uint8Array {
    return cryptoBackend().hmacSha256(this.secret, utf8Encode(`${expiryHex} ${formatTransportAddress(client)}`)).subarray(0, MAC_BYTES);
  }

  private freshNonce(now: Micros, client: TransportAddress): string {
    const expiryHex = Math.min(now + this.nonceLifetime, 2 ** 48 - 1).toString(16).padStart(EXPIRY_HEX, '0');
    return expiryHex + toHex(this.mac(expiryHex, client));
  }

  /** Whether `nonce` was issued by this server to `client` and has not expired. */
  nonceValid(now: Micros, nonce: string, client: TransportAddress): boolean {
    if (!NONCE_PATTERN.test(nonce)) return false;
    const expiryHex = nonce.slice(0, EXPIRY_HEX);
    if (!bytesEqual(fromHex(nonce.slice(EXPIRY_HEX)), this.mac(expiryHex, client))) return false;
    return Number.parseInt(expiryHex, 16) > now;
  }

  /** REALM and a fresh NONCE, for 401 and 438 answers. */
  challenge(now: Micros, client: TransportAddress): StunAttribute[] {
    return [Realm.of(this.realm), Nonce.of(this.freshNonce(now, client))];
  }

  keyFor(username: string): Uint8Array | undefined {
    const password = this.users.get(username);
    return password === undefined ? undefined : longTermKey(username, this.realm, password);
  }

  check(now: Micros, msg: StunMessage, bytes: Uint8Array, client: TransportAddress): AuthOutcome {
    if (!hasAttribute(msg, AttrType.MessageIntegrity) && !hasAttribute(msg, AttrType.MessageIntegritySha256)) {
      return { ok: false, code: 401, reason: 'Unauthorized', attributes: this.challenge(now, client) };
    }
    const username = getAttribute(msg, Username);
    const realm = getAttribute(msg, Realm);
    const nonce = getAttribute(msg, Nonce);
    if (username === undefined || realm === undefined || nonce === undefined || !getAttribute(msg, MessageIntegrity)) {
      // RFC 8489 §9.2.4: missing USERNAME, REALM or NONCE with integrity present is a 400 without challenge
      return { ok: false, code: 400, reason: 'Bad Request', attributes: [] };
    }
    if (!this.nonceValid(now, nonce, client)) return { ok: false, code: 438, reason: 'Stale Nonce', attributes: this.challenge(now, client) };
    const key = realm === this.realm ? this.keyFor(username) : undefined;
    if (!key || !verifyMessageIntegrity(bytes, key).ok) return { ok: false, code: 401, reason: 'Unauthorized', attributes: this.challenge(now, client) };
    return { ok: true, username, key };
  }
}
