import type { Decoded, Problem } from '../field.ts';
import { onesSum } from '../checksum.ts';
import { formatIPv4 } from '../ip/address.ts';
import { replaceDisplay } from '../ip/ipv4.ts';
import { pseudoHeaderSum, showChecksum, type PseudoHeader } from '../ip/pseudo-header.ts';
import { Reader } from '../reader.ts';
import { hasIdentifier, icmpCodeName, icmpKind, icmpTypeName, type IcmpKind } from './names.ts';
import { describeNdp, isNdp, readNdp, type NdpMessage } from './ndp.ts';

/** The IP protocol numbers: ICMP (RFC 792) and ICMPv6 (RFC 4443, next header 58). */
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

export type IcmpChecksumStatus = 'correct' | 'incorrect' | 'unverified';

/**
 * An ICMP or ICMPv6 message: the 4-byte common header (type, code, checksum), the 4 bytes whose meaning the type
 * gives (identifier and sequence number, MTU, pointer, gateway, RFC 4884 length), and the body after them: the
 * datagram an error quotes, or an echo's data.
 */
export interface IcmpMessage {
  readonly family: 4 | 6;
  readonly type: number;
  readonly code: number;
  readonly typeName: string;
  /** Absent for a type whose only code is 0. */
  readonly codeName?: string;
  readonly kind: IcmpKind;
  readonly checksum: number;
  readonly checksumStatus: IcmpChecksumStatus;
  /** What the checksum should be, when it could be computed. */
  readonly expectedChecksum?: number;
  /** Echo, timestamp, information and address-mask messages (RFC 792, RFC 950; RFC 4443 §4). */
  readonly identifier?: number;
  readonly sequence?: number;
  /** Next-hop MTU of "Fragmentation Needed" (RFC 1191 §4) or the MTU of "Packet Too Big" (RFC 4443 §3.2). */
  readonly mtu?: number;
  /** Parameter Problem: the octet of the quoted datagram where the error was found (RFC 792, RFC 4443 §3.4). */
  readonly pointer?: number;
  /** Redirect: the gateway to use (RFC 792). */
  readonly gateway?: string;
  /** RFC 4884 §4/§5: the quoted datagram's length in bytes when the sender set it (extensions follow it); 0 otherwise. */
  readonly originalLength?: number;
  /** Timestamp / Timestamp Reply (RFC 792): milliseconds since midnight UT. */
  readonly timestamps?: { readonly originate: number; readonly receive: number; readonly transmit: number };
  /** Address Mask Request/Reply (RFC 950). */
  readonly addressMask?: string;
  /** Where the body (quoted datagram of an error, data of an echo) starts in the message, and its length. */
  readonly bodyOffset: number;
  readonly bodyLength: number;
  /** Bytes after an RFC 4884 original datagram: the ICMP extension structure (RFC 4884 §7). */
  readonly extensionLength?: number;
  /** Neighbor Discovery (RFC 4861, ICMPv6 types 133–137): target, flags and options. */
  readonly ndp?: NdpMessage;
}

export interface IcmpDecodeOptions {
  readonly family: 4 | 6;
  /** Where `buf[0]` sits in the outermost buffer. */
  readonly base?: number;
  /** ICMPv6 checksums cover the IPv6 pseudo-header (RFC 4443 §2.3): without it they cannot be verified. */
  readonly pseudo?: PseudoHeader;
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

const hex4 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

/** The checksum a sender puts in the field (RFC 792: over the ICMP message; RFC 4443 §2.3: with the pseudo-header). */
export function icmpChecksum(message: Uint8Array, family: 4 | 6, pseudo?: PseudoHeader): number {
  let sum = family === 6 && pseudo ? pseudoHeaderSum(pseudo, message.length) : 0;
  sum = onesSum(message, 0, 2, sum);
  sum = onesSum(message, 4, message.length, sum);
  return ~sum & 0xffff;
}

/**
 * Decodes an ICMP (RFC 792) or ICMPv6 (RFC 4443) message: `buf` holds exactly the IP payload. Never throws; a
 * message cut short keeps what was read, with a problem.
 */
export function decodeIcmp(buf: Uint8Array, opts: IcmpDecodeOptions): Decoded<IcmpMessage | undefined> {
  const family = opts.family;
  const base = opts.base ?? 0;
  const r = new Reader(buf, base, 0, buf.length, opts.spans ?? true);
  const type = r.u8('type', (t) => `${t} (${icmpTypeName(family, t)})`);
  const code = r.u8('code', (c) => {
    const n = icmpCodeName(family, type, c);
    return n ? `${c} (${n})` : String(c);
  });
  const checksum = r.u16('checksum', hex4);
  if (r.truncated) return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  const problems: Problem[] = r.problems;

  // RFC 792 sums the message alone; RFC 4443 §2.3 adds the pseudo-header (so it needs the addresses)
  let status: IcmpChecksumStatus = 'unverified';
  let expected: number | undefined;
  if (family === 4 || opts.pseudo) {
    expected = icmpChecksum(buf, family, opts.pseudo);
    let sum = family === 6 && opts.pseudo ? pseudoHeaderSum(opts.pseudo, buf.length) : 0;
    sum = onesSum(buf, 0, buf.length, sum);
    status = sum === 0xffff ? 'correct' : 'incorrect';
    if (status === 'correct') expected = checksum;
    else problems.push({ offset: base + 2, length: 2, message: `bad ${family === 4 ? 'ICMP' : 'ICMPv6'} checksum ${showChecksum(checksum, expected)}` });
  }
  if (r.spans) replaceDisplay(r.fields, 'checksum', showChecksum(checksum, expected, family === 6 ? 'unverified: no IPv6 pseudo-header' : 'unverified'));

  const kind = icmpKind(family, type);
  const codeName = icmpCodeName(family, type, code);
  const out: { -readonly [K in keyof IcmpMessage]: IcmpMessage[K] } = {
    family,
    type,
    code,
    typeName: icmpTypeName(family, type),
    ...(codeName !== undefined ? { codeName } : {}),
    kind,
    checksum,
    checksumStatus: status,
    ...(expected !== undefined ? { expectedChecksum: expected } : {}),
    bodyOffset: 8,
    bodyLength: 0,
  };
  let lengthWords = 0;
  if (hasIdentifier(family, type)) {
    out.identifier = r.u16('identifier', hex4);
    out.sequence = r.u16('sequence number');
    if (family === 4 && (type === 13 || type === 14)) {
      out.timestamps = { originate: r.u32('originate timestamp'), receive: r.u32('receive timestamp'), transmit: r.u32('transmit timestamp') };
    } else if (family === 4 && (type === 17 || type === 18)) {
      const mask = r.bytes(4, 'address mask', (b) => (b.length === 4 ? formatIPv4(b) : ''));
      if (mask.length === 4) out.addressMask = formatIPv4(mask);
    }
  } else if (family === 4 && type === 5) {
    const g = r.bytes(4, 'gateway internet address', (b) => (b.length === 4 ? formatIPv4(b) : ''));
    if (g.length === 4) out.gateway = formatIPv4(g);
  } else if (family === 4 && (type === 3 || type === 11 || type === 12)) {
    // RFC 4884 §4.1: byte 5 is the original datagram's length in 32-bit words (0: not given)
    if (type === 12) out.pointer = r.u8('pointer');
    else r.u8('unused');
    lengthWords = r.u8('length', (v) => (v ? `${v} (${v * 4} bytes of original datagram, RFC 4884)` : '0'));
    if (type === 3 && code === 4) out.mtu = r.u16('next-hop MTU');
    else r.u16('unused');
  } else if (family === 6 && type === 2) {
    out.mtu = r.u32('MTU');
  } else if (family === 6 && type === 4) {
    out.pointer = r.u32('pointer');
  } else if (family === 6 && (type === 1 || type === 3)) {
    // RFC 4884 §4.2: byte 4 is the original datagram's length in 64-bit words
    lengthWords = r.u8('length', (v) => (v ? `${v} (${v * 8} bytes of original datagram, RFC 4884)` : '0'));
    r.bytes(3, 'unused');
  } else if (family === 6 && isNdp(type)) {
    out.ndp = readNdp(r, type);
  } else if (r.remaining > 0) {
    r.bytes(Math.min(4, r.remaining), kind === 'error' ? 'unused' : 'message body');
  }
  if (r.truncated) return { value: out, fields: r.fieldList(), problems: r.problemList() };

  const at = r.pos;
  const rest = buf.length - at;
  out.bodyOffset = at;
  if (kind === 'error' && lengthWords > 0) {
    const original = lengthWords * (family === 4 ? 4 : 8);
    out.originalLength = original;
    if (original > rest) {
      problems.push({ offset: base + at, length: rest, message: `RFC 4884 length says ${original} bytes of original datagram, only ${rest} follow` });
      out.bodyLength = rest;
    } else {
      out.bodyLength = original;
      if (rest > original) out.extensionLength = rest - original;
    }
  } else out.bodyLength = rest;
  if (r.spans && out.bodyLength > 0) {
    const name = kind === 'error' ? 'invoking datagram' : 'data';
    r.fields.push({ name, offset: base + at, length: out.bodyLength, display: `${out.bodyLength} bytes` });
  }
  if (r.spans && out.extensionLength) r.fields.push({ name: 'extension structure', offset: base + at + out.bodyLength, length: out.extensionLength, display: `${out.extensionLength} bytes (RFC 4884 §7)` });
  return { value: out, fields: r.fieldList(), problems: r.problemList() };
}

/** What `encodeIcmp` writes. The 4 bytes after the checksum come from the type's fields (zero otherwise). */
export interface IcmpInit {
  readonly family: 4 | 6;
  readonly type: number;
  readonly code?: number;
  readonly identifier?: number;
  readonly sequence?: number;
  readonly mtu?: number;
  readonly pointer?: number;
  /** IPv4 Redirect: 4 bytes. */
  readonly gateway?: Uint8Array;
  /** The datagram an error quotes, or an echo's data. */
  readonly body?: Uint8Array;
  /** Overrides the computed checksum (malformed messages in tests). */
  readonly checksum?: number;
}

/**
 * Encodes an ICMP or ICMPv6 message with its checksum (ICMPv6 needs the pseudo-header, RFC 4443 §2.3). An error's
 * body should be as much of the invoking datagram as fits: RFC 1812 §4.3.2.3 (576 bytes in all), RFC 4443 §2.4 (c)
 * (the IPv6 minimum MTU, 1280).
 */
export function encodeIcmp(m: IcmpInit, pseudo?: PseudoHeader): Uint8Array {
  const body = m.body ?? new Uint8Array(0);
  const out = new Uint8Array(8 + body.length);
  out[0] = m.type;
  out[1] = m.code ?? 0;
  const w16 = (at: number, v: number): void => {
    out[at] = (v >> 8) & 0xff;
    out[at + 1] = v & 0xff;
  };
  if (m.identifier !== undefined || m.sequence !== undefined) {
    w16(4, m.identifier ?? 0);
    w16(6, m.sequence ?? 0);
  } else if (m.gateway) out.set(m.gateway.subarray(0, 4), 4);
  else if (m.family === 6 && m.mtu !== undefined) new DataView(out.buffer).setUint32(4, m.mtu >>> 0);
  else if (m.family === 6 && m.pointer !== undefined) new DataView(out.buffer).setUint32(4, m.pointer >>> 0);
  else {
    if (m.pointer !== undefined) out[4] = m.pointer;
    if (m.mtu !== undefined) w16(6, m.mtu);
  }
  out.set(body, 8);
  w16(2, m.checksum ?? icmpChecksum(out, m.family, pseudo));
  return out;
}

/** "Destination Unreachable (Port Unreachable)", "Echo Request id 0x0001 seq 3", "Packet Too Big (MTU 1280)". */
export function describeIcmp(m: IcmpMessage): string {
  if (m.ndp) return describeNdp(m.type, m.typeName, m.ndp);
  const parts = [m.codeName ? `${m.typeName} (${m.codeName})` : m.typeName];
  if (m.identifier !== undefined) parts.push(`id ${hex4(m.identifier)} seq ${m.sequence ?? 0}`);
  if (m.mtu !== undefined) parts.push(`MTU ${m.mtu}`);
  if (m.pointer !== undefined) parts.push(`pointer ${m.pointer}`);
  if (m.gateway !== undefined) parts.push(`gateway ${m.gateway}`);
  return parts.join(', ');
}
