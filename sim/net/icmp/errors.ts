import { formatIPv6, parseIpShared } from '../../wire/ip/address.ts';
import { encodeIPv4 } from '../../wire/ip/ipv4.ts';
import { encodeIPv6 } from '../../wire/ip/ipv6.ts';
import { encodeIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../wire/icmp/icmp.ts';
import { walkIpv6 } from '../ipv6-fragment.ts';
import { ICMP_TYPES } from './types.ts';

/** The errors the simulated network sends, with what each needs. */
export type IcmpErrorKind =
  | { readonly kind: 'port-unreachable' }
  | { readonly kind: 'time-exceeded' }
  /** A datagram's fragments did not all arrive in time (RFC 792 code 1): sent about its first fragment. */
  | { readonly kind: 'reassembly-time-exceeded' }
  /** IPv4 Fragmentation Needed and DF set, or IPv6 Packet Too Big: the next-hop MTU. */
  | { readonly kind: 'too-big'; readonly mtu: number }
  /** ICMPv6 Parameter Problem code 0 (erroneous header field) with the offset of the field (RFC 4443 §3.4). */
  | { readonly kind: 'parameter-problem'; readonly pointer: number };

/** Facts about a datagram read from its IP header, enough to decide whether an error may answer it. */
export interface OffendingDatagram {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  /** IPv4 fragment offset (in 8-byte units) or the IPv6 Fragment header's; 0 for an unfragmented datagram. */
  readonly fragmentOffset: number;
  /** The ICMP type when the datagram is ICMP itself. */
  readonly icmpType?: number;
}

/** Reads what `mayAnswer` needs from an IPv4/IPv6 datagram; undefined when the header is unreadable. */
export function offendingDatagram(b: Uint8Array): OffendingDatagram | undefined {
  const v = b[0]! >> 4;
  if (v === 4 && b.length >= 20) {
    const ihl = (b[0]! & 0x0f) * 4;
    const protocol = b[9]!;
    const fragmentOffset = ((b[6]! & 0x1f) << 8) | b[7]!;
    const icmpType = protocol === IPPROTO_ICMP && b.length > ihl ? b[ihl] : undefined;
    return { family: 4, src: `${b[12]}.${b[13]}.${b[14]}.${b[15]}`, dst: `${b[16]}.${b[17]}.${b[18]}.${b[19]}`, protocol, fragmentOffset, ...(icmpType !== undefined ? { icmpType } : {}) };
  }
  if (v === 6 && b.length >= 40) {
    // past the extension headers, a Fragment header among them (RFC 8200 §4)
    const chain = walkIpv6(b);
    const protocol = chain?.protocol ?? b[6]!;
    const fragmentOffset = (chain?.fragment?.offset ?? 0) / 8;
    const icmpType = chain && protocol === IPPROTO_ICMPV6 && fragmentOffset === 0 && b.length > chain.at ? b[chain.at] : undefined;
    return { family: 6, src: formatIPv6(b, 8), dst: formatIPv6(b, 24), protocol, fragmentOffset, ...(icmpType !== undefined ? { icmpType } : {}) };
  }
  return undefined;
}

/**
 * Whether an ICMP error may be sent about this datagram (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7, RFC 4443 §2.4 (e)):
 * never about an ICMP error, an IPv4 non-initial fragment, or a datagram from or to a multicast, broadcast or
 * unspecified address. RFC 4443 has no fragment rule: a router answers any IPv6 fragment it cannot forward with
 * Packet Too Big or Time Exceeded, as Linux's ip6_forward does. Returns why not, or undefined when it may.
 */
export function whyNoError(d: OffendingDatagram): string | undefined {
  if (d.family === 4 && d.fragmentOffset !== 0) return 'not the first fragment';
  if (d.icmpType !== undefined && isIcmpError(d.family, d.icmpType)) return 'it is an ICMP error itself';
  if (!unicast(d.src)) return `its source ${d.src} is not a unicast address`;
  if (!unicast(d.dst)) return `its destination ${d.dst} is not a unicast address`;
  return undefined;
}

/** ICMPv4 types 3, 4, 5, 11, 12 and ICMPv6 types below 128 are errors (RFC 792, RFC 4443 §2.1). */
export function isIcmpError(family: 4 | 6, type: number): boolean {
  return family === 6 ? type < 128 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

function unicast(ip: string): boolean {
  const b = parseIpShared(ip);
  if (!b) return false;
  if (b.length === 4) return !(b[0]! >= 224 || (b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0));
  return b[0] !== 0xff && !b.every((x) => x === 0);
}

/**
 * The ICMP error datagram `from` sends back to the offending datagram's source: as much of the offending datagram
 * as fits in 576 bytes for IPv4 (RFC 1812 §4.3.2.3) or in the IPv6 minimum MTU of 1280 (RFC 4443 §2.4 (c)).
 */
export function encodeIcmpError(e: IcmpErrorKind, offending: Uint8Array, d: OffendingDatagram, from: string, ttl = 64): Uint8Array {
  if (d.family === 4) {
    const body = offending.subarray(0, Math.min(offending.length, 576 - 20 - 8));
    const t =
      e.kind === 'port-unreachable' ? ICMP_TYPES.v4.portUnreachable
      : e.kind === 'time-exceeded' ? ICMP_TYPES.v4.timeExceeded
      : e.kind === 'reassembly-time-exceeded' ? ICMP_TYPES.v4.reassemblyTimeExceeded
      : e.kind === 'parameter-problem' ? ICMP_TYPES.v4.parameterProblem
      : ICMP_TYPES.v4.fragNeeded;
    const icmp = encodeIcmp({ family: 4, type: t.type, code: t.code, body, ...(e.kind === 'too-big' ? { mtu: e.mtu } : {}), ...(e.kind === 'parameter-problem' ? { pointer: e.pointer } : {}) });
    return encodeIPv4({ src: from, dst: d.src, protocol: IPPROTO_ICMP, ttl }, icmp);
  }
  const body = offending.subarray(0, Math.min(offending.length, 1280 - 40 - 8));
  const t =
    e.kind === 'port-unreachable' ? ICMP_TYPES.v6.portUnreachable
    : e.kind === 'time-exceeded' ? ICMP_TYPES.v6.timeExceeded
    : e.kind === 'reassembly-time-exceeded' ? ICMP_TYPES.v6.reassemblyTimeExceeded
    : e.kind === 'parameter-problem' ? ICMP_TYPES.v6.erroneousHeaderField
    : ICMP_TYPES.v6.packetTooBig;
  const pseudo = { family: 6 as const, src: parseIpShared(from)!, dst: parseIpShared(d.src)!, protocol: IPPROTO_ICMPV6 };
  const icmp = encodeIcmp({ family: 6, type: t.type, code: t.code, body, ...(e.kind === 'too-big' ? { mtu: e.mtu } : {}), ...(e.kind === 'parameter-problem' ? { pointer: e.pointer } : {}) }, pseudo);
  return encodeIPv6({ src: from, dst: d.src, nextHeader: IPPROTO_ICMPV6, hopLimit: ttl }, icmp);
}
