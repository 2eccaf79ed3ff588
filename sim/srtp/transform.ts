import { type AesCtrKey, cryptoBackend, type HmacSha1Key } from '../core/crypto-backend.ts';
import type { SessionKeys } from '../crypto/srtp-kdf.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';
import { SRTCP_E_FLAG, srtcpTrailer } from '../wire/srtp/protected.ts';

/**
 * The per-packet cryptographic transforms: AES-CM with HMAC-SHA1 (RFC 3711 §4.1.1, §4.2) and AES-GCM (RFC 7714
 * §8, §9), on an SrtpCipher (the keys, keyed once). Indices and rollover counters come from the caller (context.ts
 * keeps that state).
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

/**
 * One direction's session keys made ready for the per-packet transforms: for the AES-CM profiles the AES key
 * schedules and HMAC keys are made once here (RFC 3711 §4.1.1, §4.2.1), so a packet pays only for its IV; the
 * AEAD profiles keep their keys as bytes. Built with the crypto backend in use when it is made.
 */
export class SrtpCipher {
  private readonly rtpCtr: AesCtrKey | undefined;
  private readonly rtpMac: HmacSha1Key | undefined;
  private readonly rtcpCtr: AesCtrKey | undefined;
  private readonly rtcpMac: HmacSha1Key | undefined;

  constructor(
    readonly profile: SrtpProfile,
    readonly keys: SessionKeys,
  ) {
    if (profile.cipher === 'aes-cm') {
      const backend = cryptoBackend();
      this.rtpCtr = backend.aesCtrKey(keys.srtpKey);
      this.rtpMac = backend.hmacSha1Key(keys.srtpAuthKey);
      this.rtcpCtr = backend.aesCtrKey(keys.srtcpKey);
      this.rtcpMac = backend.hmacSha1Key(keys.srtcpAuthKey);
    }
  }

  /** @internal the AES-CM state of SRTP (rtcp false) or SRTCP (rtcp true); only for the aes-cm profiles. */
  cm(rtcp: boolean): { ctr: AesCtrKey; mac: HmacSha1Key } {
    const ctr = rtcp ? this.rtcpCtr : this.rtpCtr;
    const mac = rtcp ? this.rtcpMac : this.rtpMac;
    if (!ctr || !mac) throw new Error(`${this.profile.name} has no AES-CM keys`);
    return { ctr, mac };
  }
}

const gcmSeal = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array => cryptoBackend().aesGcmSeal(key, iv, aad, plaintext);
const gcmOpen = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined => cryptoBackend().aesGcmOpen(key, iv, aad, sealed);

/** Whether the first `length` bytes of the computed `tag` equal the packet's from `at`, without an early exit. */
function tagMatches(tag: Uint8Array, length: number, packet: Uint8Array, at: number): boolean {
  let d = 0;
  for (let i = 0; i < length; i++) d |= tag[i]! ^ packet[at + i]!;
  return d === 0;
}

export function protectRtp(cipher: SrtpCipher, packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array {
  const { profile, keys } = cipher;
  const header = packet.subarray(0, headerLength);
  const payload = packet.subarray(headerLength);
  if (profile.cipher === 'aes-gcm') {
    // RFC 7714 §8.2: the RTP header is the associated data; ciphertext and tag follow it.
    return concat(header, gcmSeal(keys.srtpKey, gcmRtpIv(keys.srtpSalt, ssrc, roc, seq), header, payload));
  }
  const { ctr, mac } = cipher.cm(false);
  const tagLength = profile.srtpTagLength;
  const end = packet.length;
  const out = new Uint8Array(end + tagLength);
  out.set(header);
  ctr.xorInto(aesCmIv(keys.srtpSalt, ssrc, roc * 65536 + seq), payload, out, headerLength);
  // RFC 3711 §4.2: the authenticated portion is header || encrypted payload, with ROC appended for the MAC.
  out.set(mac.mac(out.subarray(0, end), u32be(roc)).subarray(0, tagLength), end);
  return out;
}

export function unprotectRtp(cipher: SrtpCipher, packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array | undefined {
  const { profile, keys } = cipher;
  const tagLength = profile.srtpTagLength;
  const header = packet.subarray(0, headerLength);
  if (profile.cipher === 'aes-gcm') {
    const plain = gcmOpen(keys.srtpKey, gcmRtpIv(keys.srtpSalt, ssrc, roc, seq), header, packet.subarray(headerLength));
    return plain && concat(header, plain); // undefined: the GCM tag did not verify
  }
  const { ctr, mac } = cipher.cm(false);
  const tagAt = packet.length - tagLength;
  const expected = mac.mac(packet.subarray(0, tagAt), u32be(roc));
  if (!tagMatches(expected, tagLength, packet, tagAt)) return undefined;
  const out = new Uint8Array(tagAt);
  out.set(header);
  ctr.xorInto(aesCmIv(keys.srtpSalt, ssrc, roc * 65536 + seq), packet.subarray(headerLength, tagAt), out, headerLength);
  return out;
}

/** RFC 3711 §3.4 / RFC 7714 §9: SRTCP keeps the first 8 bytes (header word and sender SSRC) in clear. */
export function protectRtcp(cipher: SrtpCipher, packet: Uint8Array, index: number, encrypt: boolean): Uint8Array {
  const { profile, keys } = cipher;
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
  const { ctr, mac } = cipher.cm(true);
  const end = packet.length + 4;
  const out = new Uint8Array(end + profile.srtcpTagLength);
  if (encrypt) {
    out.set(head);
    ctr.xorInto(aesCmIv(keys.srtcpSalt, ssrc, index), body, out, 8);
  } else {
    out.set(packet);
  }
  out.set(trailer, packet.length);
  // RFC 3711 §3.4: the tag covers the (encrypted) packet and the E+index word.
  out.set(mac.mac(out.subarray(0, end)).subarray(0, profile.srtcpTagLength), end);
  return out;
}

export interface UnprotectedRtcp {
  readonly packet: Uint8Array;
  readonly index: number;
  readonly encrypted: boolean;
}

export function unprotectRtcp(cipher: SrtpCipher, packet: Uint8Array): UnprotectedRtcp | undefined {
  const { profile, keys } = cipher;
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
  const { ctr, mac } = cipher.cm(true);
  const tagAt = packet.length - tagLength;
  if (!tagMatches(mac.mac(packet.subarray(0, tagAt)), tagLength, packet, tagAt)) return undefined;
  const body = packet.subarray(8, t.trailerAt);
  const out = new Uint8Array(t.trailerAt);
  out.set(packet.subarray(0, 8));
  if (encrypted) ctr.xorInto(aesCmIv(keys.srtcpSalt, ssrc, index), body, out, 8);
  else out.set(body, 8);
  return { packet: out, index, encrypted };
}
