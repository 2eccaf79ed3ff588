import { ecb } from '@noble/ciphers/aes.js';
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { cryptoBackend } from '../core/crypto-backend.ts';
import type { Tls13Suite, TrafficKeys } from './tls13-schedule.ts';

/**
 * TLS 1.3 / DTLS 1.3 record protection (RFC 8446 §5.2–§5.3) and DTLS 1.3 record number encryption (RFC 9147 §4.2.3).
 * Opening never throws: a failed tag is returned as such ("wrong key"), never turned into garbage.
 */

export const TAG_LENGTH = 16;

/** RFC 8446 §5.3: the 64-bit record sequence number, left-padded to iv_length, XORed with the write IV. */
export function recordNonce(iv: Uint8Array, sequence: bigint): Uint8Array {
  const nonce = iv.slice();
  let s = sequence;
  for (let i = nonce.length - 1; i >= nonce.length - 8; i--) {
    nonce[i]! ^= Number(s & 0xffn);
    s >>= 8n;
  }
  return nonce;
}

/** AES-GCM through the injected backend; ChaCha20-Poly1305 (not on a hot path) stays on @noble/ciphers. */
function cipher(suite: Tls13Suite, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): { encrypt(p: Uint8Array): Uint8Array; decrypt(c: Uint8Array): Uint8Array } {
  if (suite.aead === 'CHACHA20-POLY1305') return chacha20poly1305(key, nonce, aad);
  return {
    encrypt: (p) => cryptoBackend().aesGcmSeal(key, nonce, aad, p),
    decrypt: (c) => {
      const plain = cryptoBackend().aesGcmOpen(key, nonce, aad, c);
      if (!plain) throw new Error('invalid tag');
      return plain;
    },
  };
}

/** AEAD-Encrypt(write_key, nonce, additional_data, plaintext) (RFC 8446 §5.2). */
export function sealRecord13(suite: Tls13Suite, keys: TrafficKeys, sequence: bigint, aad: Uint8Array, innerPlaintext: Uint8Array): Uint8Array {
  return cipher(suite, keys.key, recordNonce(keys.iv, sequence), aad).encrypt(innerPlaintext);
}

export type Open13Result = { readonly ok: true; readonly inner: Uint8Array } | { readonly ok: false; readonly error: string };

/** AEAD-Decrypt; a tag mismatch is `bad_record_mac` (RFC 8446 §5.2), the sign of a wrong key. */
export function openRecord13(suite: Tls13Suite, keys: TrafficKeys, sequence: bigint, aad: Uint8Array, encryptedRecord: Uint8Array): Open13Result {
  if (encryptedRecord.length < TAG_LENGTH) return { ok: false, error: `encrypted_record of ${encryptedRecord.length} bytes is shorter than the ${TAG_LENGTH}-byte tag` };
  try {
    return { ok: true, inner: cipher(suite, keys.key, recordNonce(keys.iv, sequence), aad).decrypt(encryptedRecord) };
  } catch {
    return { ok: false, error: 'bad_record_mac: authentication tag mismatch' };
  }
}

/** RFC 8446 §5.2 TLSInnerPlaintext: content || ContentType type || uint8 zeros[length_of_padding]. */
export interface InnerPlaintext {
  readonly content: Uint8Array;
  /** The real content type; 0 when the plaintext is all zeros (RFC 8446 §5.4: unexpected_message). */
  readonly contentType: number;
  readonly padding: number;
}

/** Strips the zero padding from the end and takes the last non-zero byte as the content type (RFC 8446 §5.4). */
export function parseInnerPlaintext(inner: Uint8Array): InnerPlaintext {
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return { content: new Uint8Array(0), contentType: 0, padding: inner.length };
  return { content: inner.subarray(0, i), contentType: inner[i]!, padding: inner.length - 1 - i };
}

export function encodeInnerPlaintext(content: Uint8Array, contentType: number, padding = 0): Uint8Array {
  const out = new Uint8Array(content.length + 1 + padding);
  out.set(content, 0);
  out[content.length] = contentType;
  return out;
}

/**
 * RFC 9147 §4.2.3: the mask that hides the sequence number: AES-ECB(sn_key, first 16 bytes of the ciphertext), or
 * for ChaCha20 the keystream with the sample's first 4 bytes as the (little-endian) block counter and the next 12
 * as the nonce. Undefined when the ciphertext is shorter than the 16-byte sample.
 */
export function recordNumberMask(suite: Tls13Suite, snKey: Uint8Array, encryptedRecord: Uint8Array): Uint8Array | undefined {
  if (encryptedRecord.length < 16) return undefined;
  const sample = encryptedRecord.subarray(0, 16);
  if (suite.aead === 'CHACHA20-POLY1305') {
    const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
    return chacha20(snKey, sample.slice(4, 16), new Uint8Array(16), undefined, counter);
  }
  return ecb(snKey, { disablePadding: true }).encrypt(sample.slice());
}
