import { formatIPv4, formatIPv6, parseIpShared } from '../../wire/ip/address.ts';
import { decodeIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6, type IcmpMessage } from '../../wire/icmp/icmp.ts';
import { walkIpv6 } from '../ipv6-fragment.ts';
import { isIcmpError } from './errors.ts';

/** Where the ICMP message starts in an IPv4/IPv6 datagram carrying one (no IPv6 extension headers), or undefined. */
export function icmpOffset(b: Uint8Array): { family: 4 | 6; at: number } | undefined {
  const v = b[0]! >> 4;
  if (v === 4 && b.length >= 28 && b[9] === IPPROTO_ICMP) return { family: 4, at: (b[0]! & 0x0f) * 4 };
  if (v === 6 && b.length >= 48 && b[6] === IPPROTO_ICMPV6) return { family: 6, at: 40 };
  return undefined;
}

/** The transport 5-tuple of the datagram an ICMP error quotes (its IP header and at least the ports). */
export interface QuotedDatagram {
  readonly family: 4 | 6;
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Offset of the quoted IP header and of its transport header, in the outer datagram. */
  readonly ipAt: number;
  readonly transportAt: number;
  /** IPv6: the quote is a fragment (RFC 8200 §4.5); a later one (offset > 0) has no transport header, its ports read 0. */
  readonly fragment?: { readonly offset: number; readonly identification: number };
}

export type ArrivingIcmp =
  | { readonly type: 'echo-request' | 'echo-reply'; readonly family: 4 | 6; readonly src: string; readonly dst: string; readonly message: IcmpMessage; readonly at: number }
  | { readonly type: 'error'; readonly family: 4 | 6; readonly src: string; readonly dst: string; readonly message: IcmpMessage; readonly at: number; readonly quoted: QuotedDatagram }
  | { readonly type: 'other'; readonly family: 4 | 6; readonly src: string; readonly dst: string; readonly message: IcmpMessage; readonly at: number };

/**
 * Reads an ICMP/ICMPv6 datagram as a stack does before acting on it: the checksum must be right (RFC 1122 §3.2.2,
 * RFC 4443 §2.4), and an error must quote an IP header and 8 bytes of its transport (RFC 792; RFC 5508 §4.1).
 * Returns why it cannot be used otherwise.
 */
export function readIcmp(b: Uint8Array): ArrivingIcmp | { error: string } {
  const o = icmpOffset(b);
  if (!o) return { error: 'not an ICMP datagram' };
  const { family, at } = o;
  const src = family === 4 ? formatIPv4(b, 12) : formatIPv6(b, 8);
  const dst = family === 4 ? formatIPv4(b, 16) : formatIPv6(b, 24);
  const total = family === 4 ? (b[2]! << 8) | b[3]! : 40 + ((b[4]! << 8) | b[5]!);
  const end = Math.min(b.length, total);
  const msg = b.subarray(at, end);
  const pseudo = family === 6 ? { family: 6 as const, src: parseIpShared(src)!, dst: parseIpShared(dst)!, protocol: IPPROTO_ICMPV6 } : undefined;
  const m = decodeIcmp(msg, { family, spans: false, ...(pseudo ? { pseudo } : {}) }).value;
  if (!m) return { error: 'unreadable ICMP header' };
  if (m.checksumStatus === 'incorrect') return { error: `bad ICMP checksum 0x${m.checksum.toString(16)}` };
  const base = { family, src, dst, message: m, at };
  if ((family === 4 && m.type === 8) || (family === 6 && m.type === 128)) return { type: 'echo-request', ...base };
  if ((family === 4 && m.type === 0) || (family === 6 && m.type === 129)) return { type: 'echo-reply', ...base };
  if (!isIcmpError(family, m.type)) return { type: 'other', ...base };
  const q = quoted(b, at + m.bodyOffset, at + m.bodyOffset + m.bodyLength, family);
  if ('error' in q) return q;
  return { type: 'error', ...base, quoted: q };
}

function quoted(b: Uint8Array, start: number, end: number, family: 4 | 6): QuotedDatagram | { error: string } {
  const v = b[start]! >> 4;
  if (start >= end || v !== family) return { error: 'the quoted datagram is not of the error’s IP version' };
  if (v === 6) return quotedIpv6(b, start, end);
  const hl = (b[start]! & 0x0f) * 4;
  if (hl < 20) return { error: 'the quoted IPv4 header is too short' };
  if (end - start < hl + 8) return { error: 'the error quotes less than the IP header and 8 bytes of its transport' };
  const t = start + hl;
  return {
    family,
    protocol: b[start + 9]!,
    src: formatIPv4(b, start + 12),
    dst: formatIPv4(b, start + 16),
    srcPort: (b[t]! << 8) | b[t + 1]!,
    dstPort: (b[t + 2]! << 8) | b[t + 3]!,
    ipAt: start,
    transportAt: t,
  };
}

/** An IPv6 quote, past its extension headers: a first fragment's ports follow its Fragment header. */
function quotedIpv6(b: Uint8Array, start: number, end: number): QuotedDatagram | { error: string } {
  if (end - start < 48) return { error: 'the error quotes less than the IP header and 8 bytes of its transport' };
  const q = b.subarray(start, end);
  const chain = walkIpv6(q);
  if (!chain) return { error: 'the quoted IPv6 extension headers are cut short or malformed' };
  const f = chain.fragment;
  const later = f !== undefined && f.offset !== 0;
  if (!later && chain.at + 8 > q.length) return { error: 'the error quotes less than the IP header and 8 bytes of its transport' };
  const t = start + chain.at;
  return {
    family: 6,
    protocol: chain.protocol,
    src: formatIPv6(b, start + 8),
    dst: formatIPv6(b, start + 24),
    srcPort: later ? 0 : (b[t]! << 8) | b[t + 1]!,
    dstPort: later ? 0 : (b[t + 2]! << 8) | b[t + 3]!,
    ipAt: start,
    transportAt: t,
    ...(f ? { fragment: { offset: f.offset, identification: f.identification } } : {}),
  };
}

/** A short name of an error for notes and drop reasons: "Port Unreachable", "Packet Too Big (MTU 1280)". */
export function icmpErrorName(m: IcmpMessage): string {
  const name = m.codeName ?? m.typeName;
  return m.mtu !== undefined && m.mtu > 0 ? `${name} (MTU ${m.mtu})` : name;
}
