import { expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { utf8Encode } from '../core/encoding.ts';

/**
 * The TLS 1.3 key schedule from the secrets a key log gives (RFC 8446 §7.1, §7.3, §4.4.4, §7.5), for TLS 1.3 and
 * DTLS 1.3 (RFC 9147 §5.9: the HKDF labels start "dtls13" instead of "tls13 ").
 */

type Hash = CHash;

export type Tls13Aead = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';

/** A TLS 1.3 cipher suite (RFC 8446 §B.4): the AEAD and the hash of HKDF and the transcript. */
export interface Tls13Suite {
  readonly id: number;
  readonly name: string;
  readonly aead: Tls13Aead;
  readonly hash: Hash;
  readonly hashLength: number;
  readonly keyLength: number;
}

const SUITES: readonly Tls13Suite[] = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', aead: 'AES-128-GCM', hash: sha256, hashLength: 32, keyLength: 16 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', aead: 'AES-256-GCM', hash: sha384, hashLength: 48, keyLength: 32 },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'CHACHA20-POLY1305', hash: sha256, hashLength: 32, keyLength: 32 },
];

/** The suite for a cipher suite code point, or undefined for one this code does not decrypt (AES-CCM …). */
export function tls13Suite(id: number): Tls13Suite | undefined {
  return SUITES.find((s) => s.id === id);
}

/** RFC 8446 §7.1 uses "tls13 "; RFC 9147 §5.9 replaces it with "dtls13" (no space) for DTLS 1.3. */
export type LabelPrefix = 'tls13 ' | 'dtls13';

/** RFC 8446 §5.3: the per-record nonce is 12 bytes for every TLS 1.3 AEAD. */
export const TLS13_IV_LENGTH = 12;

/** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) over struct HkdfLabel. */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number, prefix: LabelPrefix = 'tls13 '): Uint8Array {
  const full = utf8Encode(prefix + label);
  if (full.length > 255 || context.length > 255) throw new RangeError(`HkdfLabel label or context longer than 255 bytes (${label})`);
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return expand(hash, secret, info, length);
}

/** RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
export function deriveSecret(suite: Tls13Suite, secret: Uint8Array, label: string, transcriptHash: Uint8Array, prefix: LabelPrefix = 'tls13 '): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, label, transcriptHash, suite.hashLength, prefix);
}

/** RFC 8446 §4.4.1: Transcript-Hash(M1, M2, … Mn) = Hash(M1 || M2 || … || Mn), messages with 4-byte headers. */
export function transcriptHash(suite: Tls13Suite, messages: readonly Uint8Array[]): Uint8Array {
  const h = suite.hash.create();
  for (const m of messages) h.update(m);
  return h.digest();
}

/** Record protection keys derived from one traffic secret. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  /** The 12-byte write IV (RFC 8446 §5.3). */
  readonly iv: Uint8Array;
  /** RFC 9147 §4.2.3: the record number encryption key (DTLS 1.3 only). */
  readonly snKey?: Uint8Array;
}

/** RFC 8446 §7.3 (and RFC 9147 §4.2.3 for sn_key): the keys of one direction and epoch. */
export function trafficKeys(suite: Tls13Suite, secret: Uint8Array, prefix: LabelPrefix = 'tls13 '): TrafficKeys {
  const empty = new Uint8Array(0);
  const key = hkdfExpandLabel(suite.hash, secret, 'key', empty, suite.keyLength, prefix);
  const iv = hkdfExpandLabel(suite.hash, secret, 'iv', empty, TLS13_IV_LENGTH, prefix);
  if (prefix !== 'dtls13') return { key, iv };
  return { key, iv, snKey: hkdfExpandLabel(suite.hash, secret, 'sn', empty, suite.keyLength, prefix) };
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(…)), finished_key from the sender's base key. */
export function finishedVerifyData(suite: Tls13Suite, baseKey: Uint8Array, transcript: Uint8Array, prefix: LabelPrefix = 'tls13 '): Uint8Array {
  const finishedKey = hkdfExpandLabel(suite.hash, baseKey, 'finished', new Uint8Array(0), suite.hashLength, prefix);
  return hmac(suite.hash, finishedKey, transcript);
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 * HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context_value), key_length).
 * TLS 1.3 makes no difference between no context and an empty one.
 */
export function exportKeyingMaterial13(
  suite: Tls13Suite,
  exporterSecret: Uint8Array,
  label: string,
  length: number,
  context: Uint8Array = new Uint8Array(0),
  prefix: LabelPrefix = 'tls13 ',
): Uint8Array {
  const emptyHash = suite.hash(new Uint8Array(0));
  const secret = hkdfExpandLabel(suite.hash, exporterSecret, label, emptyHash, suite.hashLength, prefix);
  return hkdfExpandLabel(suite.hash, secret, 'exporter', suite.hash(context), length, prefix);
}

/**
 * RFC 8446 §4.4.1: after a HelloRetryRequest the first ClientHello is replaced in the transcript by the synthetic
 * message_hash message: handshake type 254, length Hash.length, Hash(ClientHello1).
 */
export function messageHash(suite: Tls13Suite, clientHello1: Uint8Array): Uint8Array {
  const digest = suite.hash(clientHello1);
  const out = new Uint8Array(4 + digest.length);
  out[0] = 254;
  out[3] = digest.length;
  out.set(digest, 4);
  return out;
}
