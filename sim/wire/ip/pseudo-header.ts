import { onesSum } from '../checksum.ts';
import type { IpFamily } from './address.ts';

/**
 * What UDP and TCP checksums cover besides their own bytes: the pseudo-header of RFC 768 / RFC 9293 §3.1 (IPv4)
 * or RFC 8200 §8.1 (IPv6). `upperLength` is the length of the UDP datagram or TCP segment.
 */
export interface PseudoHeader {
  readonly family: IpFamily;
  /** 4 or 16 bytes. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
}

export function pseudoHeaderSum(p: PseudoHeader, upperLength: number): number {
  let sum = onesSum(p.src);
  sum = onesSum(p.dst, 0, p.dst.length, sum);
  // IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, 24 zero bits, next header
  sum += p.protocol + (upperLength & 0xffff) + Math.floor(upperLength / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * The checksum a sender puts in the field for `bytes[start, start+length)` (whose checksum field at
 * `checksumAt` is treated as zero). UDP sends a computed 0 as 0xffff (RFC 768); TCP never needs to.
 */
export function transportChecksum(p: PseudoHeader, bytes: Uint8Array, start: number, length: number, checksumAt: number): number {
  let sum = pseudoHeaderSum(p, length);
  sum = onesSum(bytes, start, checksumAt, sum);
  sum = onesSum(bytes, checksumAt + 2, start + length, sum);
  // an odd split is impossible: the checksum field is at an even offset from `start`
  const c = ~sum & 0xffff;
  return c === 0 && p.protocol === 17 ? 0xffff : c;
}

/** "0x1c46 (correct)" or "0x1c46 (incorrect, should be 0xb1e6)". */
export function showChecksum(stored: number, expected: number | undefined, note?: string): string {
  const h = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;
  if (expected === undefined) return `${h(stored)} (${note ?? 'unverified'})`;
  return stored === expected ? `${h(stored)} (correct)` : `${h(stored)} (incorrect, should be ${h(expected)})`;
}
