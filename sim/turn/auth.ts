import { toBase64 } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import { getAttribute, hasAttribute, longTermKey, MessageIntegrity, Nonce, Realm, Username, verifyMessageIntegrity, AttrType } from '../wire/stun/index.ts';

export type AuthOutcome =
  | { readonly ok: true; readonly username: string; readonly key: Uint8Array }
  | { readonly ok: false; readonly code: 400 | 401 | 438; readonly reason: string; readonly attributes: readonly StunAttribute[] };

/**
 * The server side of long-term credentials (RFC 8489 §9.2.4): a request without MESSAGE-INTEGRITY gets 401 with
 * REALM and a fresh NONCE; a stale or unknown nonce gets 438 with a new one; a wrong user or key gets 401.
 * Nonces come from the server's RNG and expire after `nonceLifetime`.
 */
export class LongTermAuth {
  private readonly nonces = new Map<string, Micros>();

  constructor(
    readonly realm: string,
    private readonly users: ReadonlyMap<string, string>,
    private readonly rng: Rng,
    readonly nonceLifetime: Micros,
  ) {}

  private freshNonce(now: Micros): string {
    const nonce = toBase64(this.rng.bytes(12)).replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
    this.nonces.set(nonce, now + this.nonceLifetime);
    return nonce;
  }

  /** REALM and a fresh NONCE, for 401 and 438 answers. */
  challenge(now: Micros): StunAttribute[] {
    return [Realm.of(this.realm), Nonce.of(this.freshNonce(now))];
  }

  keyFor(username: string): Uint8Array | undefined {
    const password = this.users.get(username);
    return password === undefined ? undefined : longTermKey(username, this.realm, password);
  }

  check(now: Micros, msg: StunMessage, bytes: Uint8Array): AuthOutcome {
    for (const [n, exp] of this.nonces) if (exp <= now) this.nonces.delete(n);
    if (!hasAttribute(msg, AttrType.MessageIntegrity) && !hasAttribute(msg, AttrType.MessageIntegritySha256)) {
      return { ok: false, code: 401, reason: 'Unauthorized', attributes: this.challenge(now) };
    }
    const username = getAttribute(msg, Username);
    const realm = getAttribute(msg, Realm);
    const nonce = getAttribute(msg, Nonce);
    if (username === undefined || realm === undefined || nonce === undefined || !getAttribute(msg, MessageIntegrity)) {
      // RFC 8489 §9.2.4: missing USERNAME, REALM or NONCE with integrity present is a 400 without challenge
      return { ok: false, code: 400, reason: 'Bad Request', attributes: [] };
    }
    if (!this.nonces.has(nonce)) return { ok: false, code: 438, reason: 'Stale Nonce', attributes: this.challenge(now) };
    const key = realm === this.realm ? this.keyFor(username) : undefined;
    if (!key || !verifyMessageIntegrity(bytes, key).ok) return { ok: false, code: 401, reason: 'Unauthorized', attributes: this.challenge(now) };
    return { ok: true, username, key };
  }
}
