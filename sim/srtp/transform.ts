import { cryptoBackend } from '../core/crypto-backend.ts';
import type { SessionKeys } from '../crypto/srtp-kdf.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';
import { SRTCP_E_FLAG, srtcpTrailer } from '../wire/srtp/protected.ts';

/**
 * The per-packet cryptographic transforms, stateless: AES-CM with HMAC-SHA1 (RFC 3711 §4.1.1, §4.2) and
 * AES-GCM (RFC 7714 §8, §9). Indices and rollover counters come from the caller (context.ts keeps that state).
 * Unprotect returns undefined when authentication fails.
 */

/** RFC 3711 §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), i the 48-bit packet (or SRTCP) index. */
export function aesCmIv(salt: Uint8Array, ssrc: number, index: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(salt.subarray(0, 14));
  xorU32(iv, 4, ssrc);
  xorU32(iv, 8, Math.floor(index / 65536));
  iv[12] = iv[12]! ^ ((index >> 8) & 0xff);
  iv[13] = iv[13]! ^ (index & 0xff);
  return iv;
}

/** RFC 7714 §8.1: IV = salt XOR (00 00 || SSRC || ROC || SEQ). */
export function gcmRtpIv(salt: Uint8Array, ssrc: number, roc: number, seq: number): Uint8Array {
  const iv = salt.slice(0, 12);
  xorU32(iv, 2, ssrc);
  xorU32(iv, 6, roc);
  iv[10] = iv[10]! ^ (seq >> 8);
  iv[11] = iv[11]! ^ (seq & 0xff);
  return iv;
}

/** RFC 7714 §9.1: IV = salt XOR (00 00 || SSRC || 00 00 || SRTCP index (31 bits, top bit 0)). */
export function gcmRtcpIv(salt: Uint8Array, ssrc: number, index: number): Uint8Array {
  const iv = salt.slice(0, 12);
  xorU32(iv, 2, ssrc);
  xorU32(iv, 8, index & 0x7fffffff);
  return iv;
}

function xorU32(b: Uint8Array, at: number, v: number): void {
  b[at] = b[at]! ^ ((v >>> 24) & 0xff);
  b[at + 1] = b[at + 1]! ^ ((v >>> 16) & 0xff);
  b[at + 2] = b[at + 2]! ^ ((v >>> 8) & 0xff);
  b[at + 3] = b[at + 3]! ^ (v & 0xff);
}

const u32be = (v: number): Uint8Array => Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const readU32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Compares without an early exit, so timing does not reveal how much of a tag matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** RFC 3711 §4.2.1: HMAC-SHA1 over the authenticated portion, truncated to the tag length. */
function hmacTag(key: Uint8Array, tagLength: number, ...parts: Uint8Array[]): Uint8Array {
  return cryptoBackend().hmacSha1(key, ...parts).subarray(0, tagLength);
}

const ctr = (key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array => cryptoBackend().aesCtr(key, counter, data);
const gcmSeal = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array => cryptoBackend().aesGcmSeal(key, iv, aad, plaintext);
const gcmOpen = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined => cryptoBackend().aesGcmOpen(key, iv, aad, sealed);

export function protectRtp(profile: SrtpProfile, keys: SessionKeys, packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array {
  const header = packet.subarray(0, headerLength);
  const payload = packet.subarray(headerLength);
  if (profile.cipher === 'aes-gcm') {
    // RFC 7714 §8.2: the RTP header is the associated data; ciphertext and tag follow it.
    return concat(header, gcmSeal(keys.srtpKey, gcmRtpIv(keys.srtpSalt, ssrc, roc, seq), header, payload));
  }
  const encrypted = ctr(keys.srtpKey, aesCmIv(keys.srtpSalt, ssrc, roc * 65536 + seq), payload);
  // RFC 3711 §4.2: the authenticated portion is header || encrypted payload, with ROC appended for the MAC.
  const tag = hmacTag(keys.srtpAuthKey, profile.srtpTagLength, header, encrypted, u32be(roc));
  return concat(header, encrypted, tag);
}

export function unprotectRtp(profile: SrtpProfile, keys: SessionKeys, packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array | undefined {
  const tagLength = profile.srtpTagLength;
  const header = packet.subarray(0, headerLength);
  if (profile.cipher === 'aes-gcm') {
    const plain = gcmOpen(keys.srtpKey, gcmRtpIv(keys.srtpSalt, ssrc, roc, seq), header, packet.subarray(headerLength));
    return plain && concat(header, plain); // undefined: the GCM tag did not verify
  }
  const tagAt = packet.length - tagLength;
  const encrypted = packet.subarray(headerLength, tagAt);
  const expected = hmacTag(keys.srtpAuthKey, tagLength, header, encrypted, u32be(roc));
  if (!constantTimeEqual(expected, packet.subarray(tagAt))) return undefined;
  return concat(header, ctr(keys.srtpKey, aesCmIv(keys.srtpSalt, ssrc, roc * 65536 + seq), encrypted));
}

/** RFC 3711 §3.4 / RFC 7714 §9: SRTCP keeps the first 8 bytes (header word and sender SSRC) in clear. */
export function protectRtcp(profile: SrtpProfile, keys: SessionKeys, packet: Uint8Array, index: number, encrypt: boolean): Uint8Array {
  const ssrc = readU32(packet, 4);
  const trailer = u32be(((encrypt ? SRTCP_E_FLAG : 0) | (index & 0x7fffffff)) >>> 0);
  const head = packet.subarray(0, 8);
  const body = packet.subarray(8);
  if (profile.cipher === 'aes-gcm') {
    const iv = gcmRtcpIv(keys.srtcpSalt, ssrc, index);
    if (encrypt) {
      // RFC 7714 §9.2: AAD = header and SSRC || E+index; output = header || ciphertext || tag || E+index.
      return concat(head, gcmSeal(keys.srtcpKey, iv, concat(head, trailer), body), trailer);
    }
    // RFC 7714 §9.3 (E = 0): the whole packet is associated data; only a tag is produced.
    return concat(packet, gcmSeal(keys.srtcpKey, iv, concat(packet, trailer), new Uint8Array(0)), trailer);
  }
  const out = encrypt ? concat(head, ctr(keys.srtcpKey, aesCmIv(keys.srtcpSalt, ssrc, index), body), trailer) : concat(packet, trailer);
  // RFC 3711 §3.4: the tag covers the (encrypted) packet and the E+index word.
  return concat(out, hmacTag(keys.srtcpAuthKey, profile.srtcpTagLength, out));
}

export interface UnprotectedRtcp {
  readonly packet: Uint8Array;
  readonly index: number;
  readonly encrypted: boolean;
}


export function unprotectRtcp(profile: SrtpProfile, keys: SessionKeys, packet: Uint8Array): UnprotectedRtcp | undefined {
  const t = srtcpTrailer(profile, packet);
  if (!t) return undefined;
  const { index, encrypted } = t;
  const ssrc = readU32(packet, 4);
  const tagLength = profile.srtcpTagLength;
  if (profile.cipher === 'aes-gcm') {
    const trailer = packet.subarray(t.trailerAt);
    const tagAt = t.trailerAt - tagLength;
    const iv = gcmRtcpIv(keys.srtcpSalt, ssrc, index);
    if (encrypted) {
      const head = packet.subarray(0, 8);
      const plain = gcmOpen(keys.srtcpKey, iv, concat(head, trailer), packet.subarray(8, t.trailerAt));
      return plain && { packet: concat(head, plain), index, encrypted };
    }
    const clear = packet.subarray(0, tagAt);
    if (!gcmOpen(keys.srtcpKey, iv, concat(clear, trailer), packet.subarray(tagAt, t.trailerAt))) return undefined;
    return { packet: clear.slice(), index, encrypted };
  }
  const tagAt = packet.length - tagLength;
  const expected = hmacTag(keys.srtcpAuthKey, tagLength, packet.subarray(0, tagAt));
  if (!constantTimeEqual(expected, packet.subarray(tagAt))) return undefined;
  const body = packet.subarray(8, t.trailerAt);
  const plain = encrypted ? ctr(keys.srtcpKey, aesCmIv(keys.srtcpSalt, ssrc, index), body) : body;
  return { packet: concat(packet.subarray(0, 8), plain), index, encrypted };
}
