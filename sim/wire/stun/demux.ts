import { HEADER_SIZE, MAGIC_COOKIE } from './constants.ts';

/** Quick checks for demultiplexing by first byte (RFC 7983 §7) and for framing STUN and ChannelData over TCP. */

/** A STUN message: first byte 0–3 (RFC 7983), the magic cookie, a length that is a multiple of 4 and fits. */
export function isStun(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_SIZE || bytes[0]! > 3) return false;
  const cookie = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  if (cookie !== MAGIC_COOKIE) return false;
  const length = (bytes[2]! << 8) | bytes[3]!;
  return length % 4 === 0 && HEADER_SIZE + length <= bytes.length;
}

/**
 * A ChannelData message: first byte 64–79 (RFC 7983 §7, channels 0x4000–0x4FFF) and a length that fits.
 * `rfc5766Range` also accepts first bytes up to 127 (channels up to 0x7FFF, as coturn's uclient uses).
 */
export function isChannelData(bytes: Uint8Array, options: { readonly rfc5766Range?: boolean } = {}): boolean {
  if (bytes.length < 4) return false;
  const b0 = bytes[0]!;
  if (b0 < 0x40 || b0 > (options.rfc5766Range ? 0x7f : 0x4f)) return false;
  const length = (bytes[2]! << 8) | bytes[3]!;
  return 4 + length <= bytes.length;
}

/**
 * Over TCP, how many bytes the message at the start of `bytes` occupies (RFC 8656 §12.5: ChannelData padded to a
 * multiple of 4), or undefined when fewer than 4 bytes are there or the first byte starts neither kind.
 */
export function tcpFrameLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (bytes[0]! <= 3) return HEADER_SIZE + length;
  if (bytes[0]! >= 0x40 && bytes[0]! <= 0x7f) return 4 + length + ((4 - (length % 4)) % 4);
  return undefined;
}
