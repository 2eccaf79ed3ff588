import { formatIPv4, formatIPv6, ipFamily, type IpFamily } from '../ip/address.ts';
import { encodeIPv4 } from '../ip/ipv4.ts';
import { adjustedTransportChecksum, rewriteIpAndPorts, type IpPortRewrite } from '../ip/rewrite.ts';
import { encodeIPv6 } from '../ip/ipv6.ts';
import { IPPROTO } from '../ip/protocols.ts';

/**
 * The simulator's fast path for whole IP+TCP datagrams, beside udp-datagram.ts: wrap a ready segment in an IP
 * header, peek at addresses, ports and flags without field spans, and rewrite addresses and ports the way a NAT
 * does (checksums adjusted, RFC 1624). The dissector's decoders (tcp.ts, tcp-datagram.ts) must agree on every byte.
 */

export interface TcpDatagramView {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ttl: number;
  /** Offset of the TCP header in the datagram, and the segment's length (header and data). */
  readonly tcpOffset: number;
  readonly tcpLength: number;
  /** The flag byte: CWR ECE URG ACK PSH RST SYN FIN. */
  readonly flags: number;
}

export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

/** Wraps a TCP segment (checksum already computed over the same addresses) in an IPv4 or IPv6 header. */
export function wrapTcpSegment(src: string, dst: string, segment: Uint8Array, identification = 0, ttl = 64): Uint8Array {
  return ipFamily(src) === 4
    ? encodeIPv4({ src, dst, protocol: IPPROTO.TCP, ttl, identification, dontFragment: true }, segment)
    : encodeIPv6({ src, dst, nextHeader: IPPROTO.TCP, hopLimit: ttl }, segment);
}

/** Whether the datagram says it carries TCP (IPv4 protocol or IPv6 next header 6). */
export function carriesTcp(d: Uint8Array): boolean {
  const v = d.length > 0 ? d[0]! >> 4 : 0;
  return (v === 4 && d.length >= 20 && d[9] === IPPROTO.TCP) || (v === 6 && d.length >= 40 && d[6] === IPPROTO.TCP);
}

/** Addresses, ports and flags of an IP+TCP datagram, or an error string saying why it is not one. */
export function peekTcpDatagram(d: Uint8Array): TcpDatagramView | { error: string } {
  if (d.length < 1) return { error: 'empty datagram' };
  const version = d[0]! >> 4;
  let family: IpFamily;
  let off: number;
  let end: number;
  let src: string;
  let dst: string;
  let ttl: number;
  if (version === 4) {
    family = 4;
    const ihl = (d[0]! & 0x0f) * 4;
    if (ihl < 20 || d.length < ihl) return { error: `IPv4 header truncated or IHL ${ihl} invalid` };
    if (d[9] !== IPPROTO.TCP) return { error: `IPv4 protocol ${d[9]} is not TCP` };
    if ((((d[6]! & 0x1f) << 8) | d[7]!) !== 0 || (d[6]! & 0x20) !== 0) return { error: 'IPv4 fragment' };
    end = Math.min(d.length, (d[2]! << 8) | d[3]!);
    off = ihl;
    src = formatIPv4(d, 12);
    dst = formatIPv4(d, 16);
    ttl = d[8]!;
  } else if (version === 6) {
    family = 6;
    if (d.length < 40) return { error: 'IPv6 header truncated' };
    if (d[6] !== IPPROTO.TCP) return { error: `IPv6 next header ${d[6]} is not TCP` };
    end = Math.min(d.length, 40 + ((d[4]! << 8) | d[5]!));
    off = 40;
    src = formatIPv6(d, 8);
    dst = formatIPv6(d, 24);
    ttl = d[7]!;
  } else {
    return { error: `IP version ${version} is neither 4 nor 6` };
  }
  if (end < off + 20) return { error: 'TCP header truncated' };
  const dataOffset = (d[off + 12]! >> 4) * 4;
  if (dataOffset < 20 || off + dataOffset > end) return { error: `TCP data offset ${dataOffset} does not fit the segment` };
  return {
    family,
    src,
    dst,
    srcPort: (d[off]! << 8) | d[off + 1]!,
    dstPort: (d[off + 2]! << 8) | d[off + 3]!,
    ttl,
    tcpOffset: off,
    tcpLength: end - off,
    flags: d[off + 13]!,
  };
}

/** The TCP segment of a datagram that peeked cleanly (a view, not a copy). */
export function tcpSegmentOf(d: Uint8Array, v: TcpDatagramView): Uint8Array {
  return d.subarray(v.tcpOffset, v.tcpOffset + v.tcpLength);
}

export type TcpRewrite = IpPortRewrite;

/**
 * A copy with addresses, ports or TTL changed: IPv4 header checksum recomputed, TCP checksum adjusted for the
 * changed pseudo-header addresses and ports (RFC 1624 eqn. 3, RFC 3022 §4.2), so a segment damaged on the way
 * stays detectably damaged. Throws if the datagram is not IP+TCP (callers peek first).
 */
export function rewriteTcpDatagram(d: Uint8Array, change: TcpRewrite, into?: Uint8Array): Uint8Array {
  const v = peekTcpDatagram(d);
  if ('error' in v) throw new Error(`cannot rewrite: ${v.error}`);
  const t = v.tcpOffset;
  const out = rewriteIpAndPorts(d, v.family, t, change, into);
  const c = adjustedTransportChecksum(d, out, v.family, t, t + 16);
  out[t + 16] = c >> 8;
  out[t + 17] = c & 0xff;
  return out;
}
