import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';

/**
 * The State Cookie (RFC 9260 §5.1.3): what the INIT-ACK's sender needs to set up the association when the cookie
 * comes back in a COOKIE-ECHO, so it keeps no state before then. Signed with HMAC-SHA-256 under a key drawn from the
 * endpoint's RNG stream at creation (§5.1.3: a secret key known only to the sender), with its creation time for the
 * lifespan check (§5.1.5 step 3).
 */
export interface CookieState {
  /** Our tag (the INIT-ACK's Initiate Tag) and the peer's (the INIT's). */
  readonly localTag: number;
  readonly peerTag: number;
  readonly localInitialTsn: number;
  readonly peerInitialTsn: number;
  readonly peerArwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  /** RFC 3758 and RFC 9653 support the peer's INIT said, and RE-CONFIG (RFC 6525). */
  readonly peerForwardTsn: boolean;
  readonly peerReconfig: boolean;
  readonly peerZeroChecksum: boolean;
  readonly created: Micros;
}

const MAC_LENGTH = 32;
const BODY_LENGTH = 4 * 5 + 2 * 2 + 1 + 8;

export function makeCookie(key: Uint8Array, s: CookieState): Uint8Array {
  const w = new Writer(BODY_LENGTH + MAC_LENGTH);
  w.u32(s.localTag).u32(s.peerTag).u32(s.localInitialTsn).u32(s.peerInitialTsn).u32(s.peerArwnd);
  w.u16(s.outboundStreams).u16(s.inboundStreams);
  w.u8((s.peerForwardTsn ? 1 : 0) | (s.peerReconfig ? 2 : 0) | (s.peerZeroChecksum ? 4 : 0));
  w.u64(BigInt(s.created));
  const body = w.finish();
  return Uint8Array.from([...body, ...hmac(sha256, key, body)]);
}

/** The cookie's state when its MAC verifies, else why not (§5.1.5 steps 1–3). Never throws. */
export function openCookie(key: Uint8Array, cookie: Uint8Array, now: Micros, lifetime: Micros): CookieState | { readonly error: string; readonly stale?: Micros } {
  if (cookie.length !== BODY_LENGTH + MAC_LENGTH) return { error: `cookie of ${cookie.length} bytes, ours are ${BODY_LENGTH + MAC_LENGTH}` };
  const body = cookie.subarray(0, BODY_LENGTH);
  if (!bytesEqual(hmac(sha256, key, body), cookie.subarray(BODY_LENGTH))) return { error: 'cookie MAC does not verify (RFC 9260 §5.1.5 step 2)' };
  const r = new Reader(body, 0, 0, body.length, false);
  const localTag = r.u32();
  const peerTag = r.u32();
  const localInitialTsn = r.u32();
  const peerInitialTsn = r.u32();
  const peerArwnd = r.u32();
  const outboundStreams = r.u16();
  const inboundStreams = r.u16();
  const flags = r.u8();
  const created = Number(r.u64());
  if (now - created > lifetime) return { error: `stale cookie, ${(now - created - lifetime) / 1000} ms past its life (RFC 9260 §5.1.5 step 3)`, stale: now - created - lifetime };
  return { localTag, peerTag, localInitialTsn, peerInitialTsn, peerArwnd, outboundStreams, inboundStreams, peerForwardTsn: (flags & 1) !== 0, peerReconfig: (flags & 2) !== 0, peerZeroChecksum: (flags & 4) !== 0, created };
}
