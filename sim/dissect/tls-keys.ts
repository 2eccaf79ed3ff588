import { toHex } from '../core/encoding.ts';
import { unprotectRecord, type RecordKey } from '../crypto/aead.ts';
import { keyExpansion } from '../crypto/prf.ts';
import { openRecord13, parseInnerPlaintext } from '../crypto/tls13-record.ts';
import { hkdfExpandLabel, trafficKeys, type LabelPrefix, type Tls13Suite, type TrafficKeys } from '../crypto/tls13-schedule.ts';
import type { KeyStore } from './key-store.ts';

/**
 * Record keys of one direction of a TLS connection from an NSS key log: TLS 1.3 traffic secrets
 * (CLIENT_HANDSHAKE_TRAFFIC_SECRET … SERVER_TRAFFIC_SECRET_0, RFC 8446 §7.1) or the TLS 1.2 master secret
 * (CLIENT_RANDOM, RFC 5246 §6.3), and opening one record with them.
 */

export type Role = 'client' | 'server';

/** NSS key log labels of the TLS 1.3 traffic secrets (the SSLKEYLOGFILE format). */
export const KEYLOG_LABEL = {
  client: { handshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', application: 'CLIENT_TRAFFIC_SECRET_0' },
  server: { handshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', application: 'SERVER_TRAFFIC_SECRET_0' },
} as const;

export type Phase = 'handshake' | 'application';

/** A TLS 1.3 direction's current keys: its traffic secret, the keys from it, and the next record's sequence number. */
export interface Cipher13 {
  readonly kind: '1.3';
  readonly suite: Tls13Suite;
  readonly prefix: LabelPrefix;
  phase: Phase;
  secret: Uint8Array;
  keys: TrafficKeys;
  /** How many KeyUpdates moved the application secret on (traffic_secret_N). */
  generation: number;
  seq: bigint;
}

export interface Cipher12 {
  readonly kind: '1.2';
  readonly key: RecordKey;
  seq: number;
}

export type Cipher = Cipher13 | Cipher12;

/** The keys of `role` for `phase`, when the key log has that secret for this client random. */
export function cipher13(keys: KeyStore, suite: Tls13Suite, clientRandom: Uint8Array, role: Role, phase: Phase, prefix: LabelPrefix): Cipher13 | undefined {
  const secret = keys.secret(KEYLOG_LABEL[role][phase], clientRandom);
  if (!secret) return undefined;
  if (secret.length !== suite.hashLength) return undefined;
  return { kind: '1.3', suite, prefix, phase, secret, keys: trafficKeys(suite, secret, prefix), generation: 0, seq: 0n };
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
export function keyUpdate(c: Cipher13): void {
  c.secret = hkdfExpandLabel(c.suite.hash, c.secret, 'traffic upd', new Uint8Array(0), c.suite.hashLength, c.prefix);
  c.keys = trafficKeys(c.suite, c.secret, c.prefix);
  c.generation++;
  c.seq = 0n;
}

/** AES-128-GCM suites with the SHA-256 PRF, the TLS 1.2 suites `keyExpansion` serves (RFC 5288, RFC 5289). */
export const TLS12_AES_128_GCM_SUITES: ReadonlySet<number> = new Set([0xc02b, 0xc02f, 0x009c, 0x009e]);

/** TLS 1.2 keys of both directions from the master secret (RFC 5246 §6.3). */
export function ciphers12(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Record<Role, Cipher12> {
  const kb = keyExpansion(master, clientRandom, serverRandom);
  return {
    client: { kind: '1.2', key: { key: kb.clientWriteKey, fixedIv: kb.clientWriteIv }, seq: 0 },
    server: { kind: '1.2', key: { key: kb.serverWriteKey, fixedIv: kb.serverWriteIv }, seq: 0 },
  };
}

export type OpenResult = { ok: true; contentType: number; content: Uint8Array; padding: number; seq: bigint } | { ok: false; error: string; seq: bigint };

/**
 * Opens one protected TLS record and advances the direction's sequence number. TLS 1.3 (RFC 8446 §5.2): the AAD is
 * the 5-byte record header and the real content type sits at the end of the inner plaintext. TLS 1.2 (RFC 5246
 * §6.2.3.3): the AAD is seq_num‖type‖version‖length, the explicit nonce leads the fragment.
 */
export function openTlsRecord(c: Cipher, header: { contentType: number; version: number }, headerBytes: Uint8Array, fragment: Uint8Array): OpenResult {
  if (c.kind === '1.3') {
    const seq = c.seq++;
    const r = openRecord13(c.suite, c.keys, seq, headerBytes, fragment);
    if (!r.ok) return { ok: false, error: r.error, seq };
    const inner = parseInnerPlaintext(r.inner);
    if (inner.contentType === 0) return { ok: false, error: 'inner plaintext has no non-zero content type (RFC 8446 §5.4)', seq };
    return { ok: true, contentType: inner.contentType, content: inner.content, padding: inner.padding, seq };
  }
  const seq = c.seq++;
  // the 64-bit TLS sequence number fills the place of DTLS's epoch‖sequence_number in the AAD (epoch 0)
  const r = unprotectRecord(c.key, { contentType: header.contentType, version: header.version, epoch: 0, sequenceNumber: seq }, fragment);
  if (!r.ok) return { ok: false, error: r.error, seq: BigInt(seq) };
  return { ok: true, contentType: header.contentType, content: r.plaintext, padding: 0, seq: BigInt(seq) };
}

/** "c6d08c8e…" for notes. */
export const shortRandom = (r: Uint8Array): string => `${toHex(r).slice(0, 16)}…`;
