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
  /** The ones' complement sum of the two addresses, when the header's reader computed it (`pseudoHeaderSum` then reads no bytes). */
  readonly addressSum?: number;
}

/**
 * The pseudo-header of a decoded IPv4 datagram, read off its header bytes: the checksum needs only the addresses'
 * sum, so the address views are made only when asked for.
 */
export class Ipv4HeaderPseudo implements PseudoHeader {
  readonly family = 4 as const;
  readonly addressSum: number;

  constructor(
    private readonly header: Uint8Array,
    readonly protocol: number,
  ) {
    // as pseudoHeaderSum sums them: the source, then the destination
    this.addressSum = onesSum(header, 16, 20, onesSum(header, 12, 16));
  }

  get src(): Uint8Array {
    return this.header.subarray(12, 16);
  }

  get dst(): Uint8Array {
    return this.header.subarray(16, 20);
  }
}

/** The same pseudo-header for another upper-layer protocol (a plain object: `p` may read its addresses lazily). */
export function withProtocol(p: PseudoHeader, protocol: number): PseudoHeader {
  return { family: p.family, src: p.src, dst: p.dst, protocol };
}

export function pseudoHeaderSum(p: PseudoHeader, upperLength: number): number {
  let sum = p.addressSum ?? onesSum(p.dst, 0, p.dst.length, onesSum(p.src));
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
