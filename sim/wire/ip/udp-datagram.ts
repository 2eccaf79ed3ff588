import { onesSum } from '../checksum.ts';
import { formatIPv4, formatIPv6, parseIpShared, type IpFamily } from './address.ts';
import { adjustedTransportChecksum, rewriteIpAndPorts, type IpPortRewrite } from './rewrite.ts';

/**
 * The simulator's fast path for whole IP+UDP datagrams: build, peek and rewrite real bytes with correct checksums.
 * (The dissector's field-by-field decoders live beside this file; both must agree on every byte.)
 */
export const IPPROTO_UDP = 17;
export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const UDP_HEADER = 8;

export interface UdpDatagramSpec {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit; 64 by default. */
  readonly ttl?: number;
  /** IPv4 Identification (RFC 6864); 0 by default. */
  readonly identification?: number;
  /** IPv4 DSCP/ECN byte or IPv6 traffic class. */
  readonly tos?: number;
  /** IPv6 flow label. */
  readonly flowLabel?: number;
  /**
   * IPv4 Don't Fragment (RFC 791 §3.1). Set by default, as Linux sets it on UDP sockets doing path-MTU discovery
   * (IP_PMTUDISC_WANT, the default) and as every kept capture from Chromium, coturn and openssl shows.
   */
  readonly dontFragment?: boolean;
}

export interface UdpDatagramView {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ttl: number;
  /** Offset of the UDP header in the datagram. */
  readonly udpOffset: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

/**
 * Builds the exact bytes of an IPv4 or IPv6 datagram carrying one UDP datagram (family taken from the addresses),
 * written into the bytes `room` gives when given (a host's: the trace's arena, where the hop keeps them).
 */
export function encodeUdpDatagram(spec: UdpDatagramSpec, room?: (n: number) => Uint8Array): Uint8Array {
  const src = parseIpShared(spec.src);
  const dst = parseIpShared(spec.dst);
  if (!src) throw new RangeError(`not an IP address: ${spec.src}`);
  if (!dst) throw new RangeError(`not an IP address: ${spec.dst}`);
  if (src.length !== dst.length) throw new RangeError(`address families differ: ${spec.src} → ${spec.dst}`);
  const v4 = src.length === 4;
  const ipHeader = v4 ? IPV4_HEADER : IPV6_HEADER;
  const udpLength = UDP_HEADER + spec.payload.length;
  if (udpLength > 0xffff) throw new RangeError(`UDP payload of ${spec.payload.length} bytes is too long`);
  const out = room ? room(ipHeader + udpLength) : new Uint8Array(ipHeader + udpLength);
  const ttl = spec.ttl ?? 64;
  if (v4) {
    const total = IPV4_HEADER + udpLength;
    if (total > 0xffff) throw new RangeError(`IPv4 datagram of ${total} bytes is too long`);
    out[0] = 0x45; // version 4, IHL 5 (RFC 791 §3.1)
    out[1] = spec.tos ?? 0;
    out[2] = total >> 8;
    out[3] = total & 0xff;
    const id = spec.identification ?? 0;
    out[4] = (id >> 8) & 0xff;
    out[5] = id & 0xff;
    out[6] = spec.dontFragment === false ? 0 : 0x40; // flags (DF) and fragment offset: not fragmented
    out[7] = 0;
    out[8] = ttl;
    out[9] = IPPROTO_UDP;
    for (let i = 0; i < 4; i++) {
      out[12 + i] = src[i]!;
      out[16 + i] = dst[i]!;
    }
    out[10] = 0;
    out[11] = 0;
    const c = ~onesSum(out, 0, IPV4_HEADER) & 0xffff;
    out[10] = c >> 8;
    out[11] = c & 0xff;
  } else {
    const tc = spec.tos ?? 0;
    const flow = spec.flowLabel ?? 0;
    out[0] = 0x60 | (tc >> 4); // version 6 (RFC 8200 §3)
    out[1] = ((tc & 0x0f) << 4) | ((flow >> 16) & 0x0f);
    out[2] = (flow >> 8) & 0xff;
    out[3] = flow & 0xff;
    out[4] = udpLength >> 8;
    out[5] = udpLength & 0xff;
    out[6] = IPPROTO_UDP;
    out[7] = ttl;
    for (let i = 0; i < 16; i++) {
      out[8 + i] = src[i]!;
      out[24 + i] = dst[i]!;
    }
  }
  const u = ipHeader;
  out[u] = spec.srcPort >> 8;
  out[u + 1] = spec.srcPort & 0xff;
  out[u + 2] = spec.dstPort >> 8;
  out[u + 3] = spec.dstPort & 0xff;
  out[u + 4] = udpLength >> 8;
  out[u + 5] = udpLength & 0xff;
  out.set(spec.payload, u + UDP_HEADER);
  writeUdpChecksum(out, v4 ? 4 : 6, u);
  return out;
}

/** The UDP checksum over the pseudo-header (RFC 768; RFC 8200 §8.1), written into the datagram. */
export function writeUdpChecksum(datagram: Uint8Array, family: IpFamily, udpOffset: number): void {
  const udpLength = (datagram[udpOffset + 4]! << 8) | datagram[udpOffset + 5]!;
  datagram[udpOffset + 6] = 0;
  datagram[udpOffset + 7] = 0;
  let sum = family === 4 ? onesSum(datagram, 12, 20) : onesSum(datagram, 8, 40);
  sum += IPPROTO_UDP + udpLength;
  sum = onesSum(datagram, udpOffset, udpOffset + udpLength, sum);
  let c = ~sum & 0xffff;
  if (c === 0) c = 0xffff; // a computed zero is sent as all ones (RFC 768)
  datagram[udpOffset + 6] = c >> 8;
  datagram[udpOffset + 7] = c & 0xff;
}

/** The expected UDP checksum of a datagram as it is (0 means "no checksum" only for IPv4). */
export function udpChecksumOk(datagram: Uint8Array, family: IpFamily, udpOffset: number): boolean {
  const udpLength = (datagram[udpOffset + 4]! << 8) | datagram[udpOffset + 5]!;
  const stored = (datagram[udpOffset + 6]! << 8) | datagram[udpOffset + 7]!;
  if (stored === 0) return family === 4;
  if (udpOffset + udpLength > datagram.length) return false;
  let sum = family === 4 ? onesSum(datagram, 12, 20) : onesSum(datagram, 8, 40);
  sum += IPPROTO_UDP + udpLength;
  sum = onesSum(datagram, udpOffset, udpOffset + udpLength, sum);
  return sum === 0xffff;
}

/** Reads addresses and ports of an IP+UDP datagram without building field spans; an error string if it is not one. */
export function peekUdpDatagram(d: Uint8Array): UdpDatagramView | { error: string } {
  if (d.length < 1) return { error: 'empty datagram' };
  const version = d[0]! >> 4;
  let family: IpFamily;
  let udpOffset: number;
  let src: string;
  let dst: string;
  let ttl: number;
  let end: number;
  if (version === 4) {
    family = 4;
    const ihl = (d[0]! & 0x0f) * 4;
    if (ihl < IPV4_HEADER || d.length < ihl) return { error: `IPv4 header truncated or IHL ${ihl} invalid` };
    if (d[9] !== IPPROTO_UDP) return { error: `IPv4 protocol ${d[9]} is not UDP` };
    if (((d[6]! & 0x1f) << 8 | d[7]!) !== 0 || (d[6]! & 0x20) !== 0) return { error: 'IPv4 fragment' };
    end = Math.min(d.length, (d[2]! << 8) | d[3]!);
    udpOffset = ihl;
    src = formatIPv4(d, 12);
    dst = formatIPv4(d, 16);
    ttl = d[8]!;
  } else if (version === 6) {
    family = 6;
    if (d.length < IPV6_HEADER) return { error: 'IPv6 header truncated' };
    if (d[6] !== IPPROTO_UDP) return { error: `IPv6 next header ${d[6]} is not UDP` };
    end = Math.min(d.length, IPV6_HEADER + ((d[4]! << 8) | d[5]!));
    udpOffset = IPV6_HEADER;
    src = formatIPv6(d, 8);
    dst = formatIPv6(d, 24);
    ttl = d[7]!;
  } else {
    return { error: `IP version ${version} is neither 4 nor 6` };
  }
  if (end < udpOffset + UDP_HEADER) return { error: 'UDP header truncated' };
  const udpLength = (d[udpOffset + 4]! << 8) | d[udpOffset + 5]!;
  if (udpLength < UDP_HEADER || udpOffset + udpLength > end) return { error: `UDP length ${udpLength} does not fit the datagram` };
  return {
    family,
    src,
    dst,
    srcPort: (d[udpOffset]! << 8) | d[udpOffset + 1]!,
    dstPort: (d[udpOffset + 2]! << 8) | d[udpOffset + 3]!,
    ttl,
    udpOffset,
    payloadOffset: udpOffset + UDP_HEADER,
    payloadLength: udpLength - UDP_HEADER,
  };
}

export type UdpRewrite = IpPortRewrite;

/**
 * A copy of the datagram with addresses, ports or TTL changed and both checksums fixed: what a NAT or a router
 * puts on its outgoing link. Throws if the datagram is not IP+UDP (callers peek first) or a family changes.
 */
export function rewriteUdpDatagram(d: Uint8Array, change: UdpRewrite, into?: Uint8Array): Uint8Array {
  const v = peekUdpDatagram(d);
  if ('error' in v) throw new Error(`cannot rewrite: ${v.error}`);
  return rewritePeekedUdpDatagram(d, v, change, into);
}

/**
 * `rewriteUdpDatagram` of a datagram already peeked (`v` is `peekUdpDatagram(d)`): a NAT reads each one once. The
 * copy goes into `into` when given (as long as `d`).
 */
export function rewritePeekedUdpDatagram(d: Uint8Array, v: UdpDatagramView, change: UdpRewrite, into?: Uint8Array): Uint8Array {
  for (const port of [change.srcPort, change.dstPort]) {
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 0xffff)) throw new RangeError(`not a UDP port: ${port}`);
  }
  const u = v.udpOffset;
  const out = rewriteIpAndPorts(d, v.family, u, change, into);
  const hadChecksum = v.family === 6 || out[u + 6] !== 0 || out[u + 7] !== 0;
  if (hadChecksum) {
    // adjust rather than recompute, as a NAT does (RFC 1624 §3): a datagram corrupted on the way stays detectably so
    let c = adjustedTransportChecksum(d, out, v.family, u, u + 6);
    if (c === 0) c = 0xffff; // UDP sends zero as all ones (RFC 768)
    out[u + 6] = c >> 8;
    out[u + 7] = c & 0xff;
  }
  return out;
}

/** The UDP payload of a datagram that peeked cleanly (a view, not a copy). */
export function udpPayload(d: Uint8Array, v: UdpDatagramView): Uint8Array {
  return d.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength);
}
