import { cryptoBackend } from '../core/crypto-backend.ts';
import { concatBytes } from '../core/encoding.ts';
import { AES_128_GCM } from './prf.ts';

/**
 * DTLS 1.2 AEAD record protection for AES-128-GCM (RFC 5288 §3, RFC 5246 §6.2.3.3, RFC 6347 §4.1.2.1).
 * nonce = fixed IV (4) || explicit nonce (8); we send epoch||seq as the explicit nonce, as most stacks do.
 * additional_data = epoch(2) || seq(6) || type(1) || version(2) || plaintext length(2).
 * The protected fragment is explicit nonce || ciphertext || tag(16).
 */

export interface RecordKey {
  readonly key: Uint8Array;
  /** The 4-byte client_write_IV or server_write_IV. */
  readonly fixedIv: Uint8Array;
}

export interface RecordMeta {
  readonly contentType: number;
  readonly version: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
}

export type UnprotectResult =
  | { readonly ok: true; readonly plaintext: Uint8Array; readonly explicitNonce: Uint8Array }
  | { readonly ok: false; readonly error: string };

/** epoch(2) || sequence_number(6), the 64-bit sequence number of RFC 6347 §4.1. */
export function epochAndSequence(epoch: number, seq: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(0, epoch);
  v.setUint16(2, Math.floor(seq / 0x100000000) & 0xffff);
  v.setUint32(4, seq >>> 0);
  return b;
}

export function additionalData(meta: RecordMeta, plaintextLength: number): Uint8Array {
  const ad = new Uint8Array(13);
  ad.set(epochAndSequence(meta.epoch, meta.sequenceNumber), 0);
  ad[8] = meta.contentType;
  ad[9] = meta.version >> 8;
  ad[10] = meta.version & 0xff;
  ad[11] = plaintextLength >> 8;
  ad[12] = plaintextLength & 0xff;
  return ad;
}

/** The record fragment for `plaintext` (explicit nonce || ciphertext || tag). */
export function protectRecord(k: RecordKey, meta: RecordMeta, plaintext: Uint8Array): Uint8Array {
  const explicit = epochAndSequence(meta.epoch, meta.sequenceNumber);
  const nonce = concatBytes(k.fixedIv, explicit);
  const sealed = cryptoBackend().aesGcmSeal(k.key, nonce, additionalData(meta, plaintext.length), plaintext);
  return concatBytes(explicit, sealed);
}

/** Opens a protected fragment; authentication failures and short input are returned, never thrown. */
export function unprotectRecord(k: RecordKey, meta: RecordMeta, fragment: Uint8Array): UnprotectResult {
  const { recordIvLength, tagLength, keyLength, fixedIvLength } = AES_128_GCM;
  if (k.key.length !== keyLength || k.fixedIv.length !== fixedIvLength) return { ok: false, error: 'bad key or IV length' };
  if (fragment.length < recordIvLength + tagLength) {
    return { ok: false, error: `fragment of ${fragment.length} bytes is shorter than explicit nonce + tag (${recordIvLength + tagLength})` };
  }
  const explicitNonce = fragment.subarray(0, recordIvLength);
  const sealed = fragment.subarray(recordIvLength);
  const plaintextLength = sealed.length - tagLength;
  const plaintext = cryptoBackend().aesGcmOpen(k.key, concatBytes(k.fixedIv, explicitNonce), additionalData(meta, plaintextLength), sealed);
  // RFC 5246 §6.2.3.3: a tag mismatch is bad_record_mac
  return plaintext ? { ok: true, plaintext, explicitNonce } : { ok: false, error: 'bad_record_mac: authentication tag mismatch' };
}
