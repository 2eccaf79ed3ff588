import { cryptoBackend } from '../core/crypto-backend.ts';
import { concatBytes, utf8Encode } from '../core/encoding.ts';

/** The TLS 1.2 key schedule with SHA-256 (RFC 5246 §5, §8.1, §6.3; RFC 7627 §4; RFC 5705; RFC 5764 §4.2). */

/** RFC 5246 §5: P_SHA256(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ... */
function pSha256(secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed;
  let off = 0;
  while (off < length) {
    a = cryptoBackend().hmacSha256(secret, a);
    const block = cryptoBackend().hmacSha256(secret, a, seed);
    out.set(block.subarray(0, Math.min(block.length, length - off)), off);
    off += block.length;
  }
  return out;
}

/** RFC 5246 §5: PRF(secret, label, seed) = P_SHA256(secret, label + seed). */
export function prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pSha256(secret, concatBytes(utf8Encode(label), seed), length);
}

/** RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]. */
export function masterSecret(preMasterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return prf(preMasterSecret, 'master secret', concatBytes(clientRandom, serverRandom), 48);
}

/**
 * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47], where
 * session_hash is the handshake hash up to and including ClientKeyExchange.
 */
export function extendedMasterSecret(preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(preMasterSecret, 'extended master secret', sessionHash, 48);
}

/** The handshake hash for a SHA-256 suite: SHA-256 over the concatenated handshake messages (RFC 5246 §7.4.9). */
export function handshakeHash(messages: readonly Uint8Array[]): Uint8Array {
  return cryptoBackend().sha256(...messages);
}

/** Key block of TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5288 §3: no MAC key, 16-byte key, 4-byte fixed IV). */
export interface KeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

export const AES_128_GCM = { keyLength: 16, fixedIvLength: 4, recordIvLength: 8, tagLength: 16 } as const;

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into
 * client_write_key, server_write_key, client_write_IV, server_write_IV (MAC keys are empty for AEAD suites).
 */
export function keyExpansion(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const { keyLength: k, fixedIvLength: iv } = AES_128_GCM;
  const block = prf(master, 'key expansion', concatBytes(serverRandom, clientRandom), 2 * k + 2 * iv);
  return {
    clientWriteKey: block.slice(0, k),
    serverWriteKey: block.slice(k, 2 * k),
    clientWriteIv: block.slice(2 * k, 2 * k + iv),
    serverWriteIv: block.slice(2 * k + iv, 2 * k + 2 * iv),
  };
}

/** RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function verifyData(master: Uint8Array, sender: 'client' | 'server', handshakeHashValue: Uint8Array): Uint8Array {
  return prf(master, sender === 'client' ? 'client finished' : 'server finished', handshakeHashValue, 12);
}

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_value_length + context_value]).
 * `context` undefined means "no context" (different from an empty one).
 */
export function exportKeyingMaterial(
  master: Uint8Array,
  label: string,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  let seed = concatBytes(clientRandom, serverRandom);
  if (context !== undefined) {
    if (context.length > 0xffff) throw new RangeError('exporter context longer than 2^16 - 1');
    seed = concatBytes(seed, new Uint8Array([context.length >> 8, context.length & 0xff]), context);
  }
  return prf(master, label, seed, length);
}

/** RFC 5764 §4.2: the exporter label for DTLS-SRTP. */
export const DTLS_SRTP_LABEL = 'EXTRACTOR-dtls_srtp';

export type SrtpProfileName = 'SRTP_AES128_CM_HMAC_SHA1_80' | 'SRTP_AES128_CM_HMAC_SHA1_32' | 'SRTP_AEAD_AES_128_GCM';

/** Master key and salt lengths per profile (RFC 5764 §4.1.2, RFC 7714 §12). */
export const SRTP_PROFILE_LENGTHS: Record<SrtpProfileName, { keyLength: number; saltLength: number }> = {
  SRTP_AES128_CM_HMAC_SHA1_80: { keyLength: 16, saltLength: 14 },
  SRTP_AES128_CM_HMAC_SHA1_32: { keyLength: 16, saltLength: 14 },
  SRTP_AEAD_AES_128_GCM: { keyLength: 16, saltLength: 12 },
};

export interface SrtpKeys {
  readonly clientWriteKey: Uint8Array;
  readonly clientWriteSalt: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly serverWriteSalt: Uint8Array;
}

/** Keying material length for a profile: 2 × (key + salt), 60 for AES-CM-128, 56 for AEAD-AES-128-GCM. */
export function srtpKeyingMaterialLength(profile: SrtpProfileName): number {
  const p = SRTP_PROFILE_LENGTHS[profile];
  return 2 * (p.keyLength + p.saltLength);
}

/** RFC 5764 §4.2: client_write_SRTP_master_key | server_write_SRTP_master_key | client salt | server salt. */
export function dtlsSrtpKeys(material: Uint8Array, profile: SrtpProfileName): SrtpKeys {
  const { keyLength: k, saltLength: s } = SRTP_PROFILE_LENGTHS[profile];
  if (material.length !== 2 * (k + s)) throw new RangeError(`${profile} needs ${2 * (k + s)} bytes of keying material, got ${material.length}`);
  return {
    clientWriteKey: material.slice(0, k),
    serverWriteKey: material.slice(k, 2 * k),
    clientWriteSalt: material.slice(2 * k, 2 * k + s),
    serverWriteSalt: material.slice(2 * k + s, 2 * k + 2 * s),
  };
}

/** The exporter for DTLS-SRTP keying material, split per profile. */
export function deriveSrtpKeys(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, profile: SrtpProfileName): SrtpKeys {
  return dtlsSrtpKeys(exportKeyingMaterial(master, DTLS_SRTP_LABEL, clientRandom, serverRandom, srtpKeyingMaterialLength(profile)), profile);
}
