import { cryptoBackend } from '../../core/crypto-backend.ts';
import { bytesEqual, toHex } from '../../core/encoding.ts';
import { AttrType, HEADER_SIZE, MAGIC_COOKIE } from './constants.ts';

/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (§14.6) and FINGERPRINT (§14.7) over raw
 * message bytes, and verification that says exactly what failed.
 */

/** RFC 8489 §14.7: FINGERPRINT is the CRC-32 (ISO 3309 / IEEE 802.3) of the message xored with this. */
export const FINGERPRINT_XOR = 0x5354554e;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The bytes an integrity attribute at `offset` covers: the message before it, with the header length rewritten to
 * end where that attribute ends (RFC 8489 §14.5: "adjusted to point to the end of the MESSAGE-INTEGRITY attribute").
 */
export function coveredBytes(message: Uint8Array, offset: number, valueLength: number): Uint8Array {
  const out = message.slice(0, offset);
  const len = offset - HEADER_SIZE + 4 + valueLength;
  out[2] = (len >>> 8) & 0xff;
  out[3] = len & 0xff;
  return out;
}

/** HMAC-SHA1 for a MESSAGE-INTEGRITY attribute placed at `offset`. */
export function messageIntegrityAt(message: Uint8Array, offset: number, key: Uint8Array): Uint8Array {
  return cryptoBackend().hmacSha1(key, coveredBytes(message, offset, 20));
}

/** HMAC-SHA256, truncated to `length` bytes, for a MESSAGE-INTEGRITY-SHA256 attribute placed at `offset`. */
export function messageIntegritySha256At(message: Uint8Array, offset: number, key: Uint8Array, length = 32): Uint8Array {
  return cryptoBackend().hmacSha256(key, coveredBytes(message, offset, length)).subarray(0, length);
}

/** FINGERPRINT value for an attribute placed at `offset`. */
export function fingerprintAt(message: Uint8Array, offset: number): number {
  return (crc32(coveredBytes(message, offset, 4)) ^ FINGERPRINT_XOR) >>> 0;
}

/** Where an attribute sits in raw bytes. */
export interface AttributeSpan {
  readonly type: number;
  /** Offset of the attribute header. */
  readonly offset: number;
  readonly length: number;
}

/** A tolerant walk over the attribute headers of a message (stops at the first one that runs past the end). */
export function scanAttributes(message: Uint8Array): AttributeSpan[] {
  const out: AttributeSpan[] = [];
  if (message.length < HEADER_SIZE) return out;
  const declared = (message[2]! << 8) | message[3]!;
  const end = Math.min(message.length, HEADER_SIZE + declared);
  let p = HEADER_SIZE;
  while (p + 4 <= end) {
    const type = (message[p]! << 8) | message[p + 1]!;
    const length = (message[p + 2]! << 8) | message[p + 3]!;
    if (p + 4 + length > end) break;
    out.push({ type, offset: p, length });
    p += 4 + length + ((4 - (length % 4)) % 4);
  }
  return out;
}

export type CheckStatus = 'valid' | 'absent' | 'malformed' | 'mismatch' | 'not-stun';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly ok: boolean;
  /** One sentence saying what was checked and what failed. */
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
}

function result(status: CheckStatus, message: string, expected?: string, actual?: string): CheckResult {
  return { status, ok: status === 'valid', message, ...(expected !== undefined ? { expected, actual } : {}) };
}

function preCheck(message: Uint8Array): CheckResult | undefined {
  if (message.length < HEADER_SIZE) return result('not-stun', `not a STUN message: ${message.length} bytes, the header alone is 20`);
  const cookie = ((message[4]! << 24) | (message[5]! << 16) | (message[6]! << 8) | message[7]!) >>> 0;
  if (cookie !== MAGIC_COOKIE) return result('not-stun', `not an RFC 8489 STUN message: magic cookie is 0x${cookie.toString(16).padStart(8, '0')}`);
  return undefined;
}

function verifyHmac(message: Uint8Array, key: Uint8Array, type: number, name: string): CheckResult {
  const bad = preCheck(message);
  if (bad) return bad;
  const spans = scanAttributes(message);
  const at = spans.find((s) => s.type === type);
  if (!at) return result('absent', `${name} is absent`);
  if (type === AttrType.MessageIntegrity && at.length !== 20) {
    return result('malformed', `${name} value is ${at.length} bytes, must be 20 (RFC 8489 §14.5)`);
  }
  if (type === AttrType.MessageIntegritySha256 && (at.length < 16 || at.length > 32 || at.length % 4 !== 0)) {
    return result('malformed', `${name} value is ${at.length} bytes; must be 16–32, a multiple of 4 (RFC 8489 §14.6)`);
  }
  const actual = message.subarray(at.offset + 4, at.offset + 4 + at.length);
  const expected =
    type === AttrType.MessageIntegrity
      ? messageIntegrityAt(message, at.offset, key)
      : messageIntegritySha256At(message, at.offset, key, at.length);
  if (!bytesEqual(actual, expected)) {
    return result('mismatch', `${name} does not match: wrong key, or the message was altered`, toHex(expected), toHex(actual));
  }
  return result('valid', `${name} is valid`);
}

/** Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with `key` (see credentials.ts). */
export function verifyMessageIntegrity(message: Uint8Array, key: Uint8Array): CheckResult {
  return verifyHmac(message, key, AttrType.MessageIntegrity, 'MESSAGE-INTEGRITY');
}

/** Checks MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), truncated values included. */
export function verifyMessageIntegritySha256(message: Uint8Array, key: Uint8Array): CheckResult {
  return verifyHmac(message, key, AttrType.MessageIntegritySha256, 'MESSAGE-INTEGRITY-SHA256');
}

/** Checks FINGERPRINT (RFC 8489 §14.7): present, 4 bytes, last, and equal to CRC-32 xor 0x5354554E. */
export function verifyFingerprint(message: Uint8Array): CheckResult {
  const bad = preCheck(message);
  if (bad) return bad;
  const spans = scanAttributes(message);
  const i = spans.findIndex((s) => s.type === AttrType.Fingerprint);
  if (i < 0) return result('absent', 'FINGERPRINT is absent');
  const at = spans[i]!;
  if (at.length !== 4) return result('malformed', `FINGERPRINT value is ${at.length} bytes, must be 4`);
  if (i !== spans.length - 1) return result('malformed', 'FINGERPRINT is not the last attribute (RFC 8489 §14.7)');
  const actual = ((message[at.offset + 4]! << 24) | (message[at.offset + 5]! << 16) | (message[at.offset + 6]! << 8) | message[at.offset + 7]!) >>> 0;
  const expected = fingerprintAt(message, at.offset);
  const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;
  if (actual !== expected) return result('mismatch', `FINGERPRINT is ${hex(actual)}, the message's CRC-32 xor 0x5354554e is ${hex(expected)}`, hex(expected), hex(actual));
  return result('valid', 'FINGERPRINT is valid');
}
