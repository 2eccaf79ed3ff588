import { onesSum } from '../checksum.ts';
import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { hex, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { ipFamily, parseIp } from '../ip/address.ts';
import { encodeIPv4, replaceDisplay, within } from '../ip/ipv4.ts';
import { encodeIPv6 } from '../ip/ipv6.ts';
import { IPPROTO } from '../ip/protocols.ts';
import { pseudoHeaderSum, showChecksum, transportChecksum, withProtocol, type PseudoHeader } from '../ip/pseudo-header.ts';
import type { ChecksumStatus } from '../ip/udp.ts';
import { decodeTcpOptions, describeOption, encodeTcpOptions, type TcpOption } from './options.ts';

const flag = (v: number): string => (v ? 'set' : 'not set');

/** The TCP header (RFC 9293 §3.1; CWR and ECE from RFC 3168), cut where fields change bytes. */
export const TcpFixed = struct('TCP header', [
  uint('srcPort', 16),
  uint('dstPort', 16),
  uint('sequenceNumber', 32),
  uint('acknowledgmentNumber', 32),
  uint('dataOffset', 4, (v) => `${v} (${v * 4} bytes)`), uint('reserved', 4),
  uint('CWR', 1, flag),
    uint('ECE', 1, flag),
    uint('URG', 1, flag),
    uint('ACK', 1, flag),
    uint('PSH', 1, flag),
    uint('RST', 1, flag),
    uint('SYN', 1, flag),
    uint('FIN', 1, flag),
  uint('window', 16),
  uint('checksum', 16, hex(4)),
  uint('urgentPointer', 16),
]);

export const TCP_MIN_HEADER = 20;
const FLAG_NAMES = ['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'] as const;
export type TcpFlagName = (typeof FLAG_NAMES)[number];
export type TcpFlags = { readonly [K in TcpFlagName]: boolean };

export interface TcpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly sequenceNumber: number;
  readonly acknowledgmentNumber: number;
  /** Header length in 32-bit words. */
  readonly dataOffset: number;
  readonly reserved: number;
  readonly flags: TcpFlags;
  /** The set flags in wire order, "SYN, ACK" style (tshark lists them the same way). */
  readonly flagsText: string;
  readonly window: number;
  readonly checksum: number;
  readonly checksumStatus: ChecksumStatus;
  readonly expectedChecksum?: number;
  readonly urgentPointer: number;
  readonly options: readonly TcpOption[];
  readonly headerLength: number;
  /** Offset of the data in the decoded bytes, and its length. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export interface TcpDecodeOptions {
  readonly pseudo?: PseudoHeader;
  readonly base?: number;
  /** The segment length the IP header declares; when the buffer holds less, the checksum cannot be verified. */
  readonly segmentLength?: number;
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

/** Decodes a TCP segment: `buf` holds exactly the IP payload (header, options and data). */
export function decodeTcp(buf: Uint8Array, opts: TcpDecodeOptions = {}): Decoded<TcpHeader | undefined> {
  const base = opts.base ?? 0;
  const r = new Reader(buf, base, 0, buf.length, opts.spans ?? true);
  const h = TcpFixed.decode(r);
  const problems: Problem[] = r.problems;
  if (r.truncated) return { value: undefined, fields: within(r.fields, base, buf.length), problems };
  const headerLength = h.dataOffset * 4;
  if (h.dataOffset < 5) {
    problems.push({ offset: base + 12, length: 1, message: `data offset ${h.dataOffset} (${headerLength} bytes) is less than the minimum 5 (RFC 9293 §3.1)` });
    return { value: undefined, fields: nestFlags(r.fields, base, h), problems };
  }
  if (headerLength > buf.length) {
    problems.push({ offset: base + 12, length: 1, message: `truncated: data offset says the header has ${headerLength} bytes, only ${buf.length} present` });
    return { value: undefined, fields: nestFlags(r.fields, base, h), problems };
  }
  const options = headerLength > TCP_MIN_HEADER ? r.group('options', () => decodeTcpOptions(r, headerLength), (o) => o.map(describeOption).join(' ')) : [];

  const segmentLength = opts.segmentLength ?? buf.length;
  let status: ChecksumStatus = 'unverified';
  let expected: number | undefined;
  let note = 'unverified: no IP pseudo-header';
  if (opts.pseudo && segmentLength <= buf.length) {
    const pseudo = withProtocol(opts.pseudo, IPPROTO.TCP);
    const ok = onesSum(buf, 0, segmentLength, pseudoHeaderSum(pseudo, segmentLength)) === 0xffff;
    status = ok ? 'correct' : 'incorrect';
    // what the field should hold is worked out (one more pass over the bytes) only when it does not hold it
    expected = ok ? h.checksum : transportChecksum(pseudo, buf, 0, segmentLength, 16);
    if (!ok) problems.push({ offset: base + 16, length: 2, message: `bad TCP checksum ${showChecksum(h.checksum, expected)}` });
  } else if (opts.pseudo) {
    note = 'unverified: segment cut short';
  }
  const fields = nestFlags(r.fields, base, h);
  replaceDisplay(fields, 'checksum', showChecksum(h.checksum, expected, note));
  const payloadLength = Math.min(segmentLength, buf.length) - headerLength;
  if (payloadLength > 0) fields.push({ name: 'payload', offset: base + headerLength, length: payloadLength, display: `${payloadLength} bytes` });
  const flags = Object.fromEntries(FLAG_NAMES.map((n) => [n, h[n] === 1])) as Record<TcpFlagName, boolean>;
  return {
    value: {
      srcPort: h.srcPort,
      dstPort: h.dstPort,
      sequenceNumber: h.sequenceNumber,
      acknowledgmentNumber: h.acknowledgmentNumber,
      dataOffset: h.dataOffset,
      reserved: h.reserved,
      flags,
      flagsText: flagsText(flags),
      window: h.window,
      checksum: h.checksum,
      checksumStatus: status,
      ...(expected !== undefined ? { expectedChecksum: expected } : {}),
      urgentPointer: h.urgentPointer,
      options,
      headerLength,
      payloadOffset: headerLength,
      payloadLength,
    },
    fields,
    problems,
  };
}

/** Gathers the reserved bits and the eight flag bits under one "flags" field, "0x012 (SYN, ACK)". */
function nestFlags(fields: Field[], base: number, h: Record<TcpFlagName | 'reserved', number>): Field[] {
  const names = new Set<string>(['reserved', ...FLAG_NAMES]);
  const children = fields.filter((f) => names.has(f.name));
  if (children.length === 0) return fields;
  const bits = FLAG_NAMES.reduce((acc, n) => acc * 2 + h[n], h.reserved);
  const set = FLAG_NAMES.filter((n) => h[n] === 1).join(', ');
  const out: Field[] = [];
  for (const f of fields) {
    if (f === children[0]) {
      out.push({ name: 'flags', offset: base + 12, length: 2, display: `0x${bits.toString(16).padStart(3, '0')}${set ? ` (${set})` : ''}`, children });
    } else if (!names.has(f.name)) {
      out.push(f);
    }
  }
  return out;
}

export function flagsText(flags: TcpFlags): string {
  return FLAG_NAMES.filter((n) => flags[n]).join(', ');
}

export interface TcpInit {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly sequenceNumber?: number;
  readonly acknowledgmentNumber?: number;
  /** The flags to set, e.g. ['SYN', 'ACK']. */
  readonly flags?: readonly TcpFlagName[];
  readonly window?: number;
  readonly urgentPointer?: number;
  readonly options?: readonly TcpOption[];
  /** Overrides for malformed segments in tests. */
  readonly dataOffset?: number;
  readonly checksum?: number;
}

/** Encodes a TCP segment; the checksum is computed over `pseudo` (RFC 9293 §3.1), or left 0 without one. */
export function encodeTcp(init: TcpInit, payload: Uint8Array, pseudo?: PseudoHeader): Uint8Array {
  const opts = new Writer(40);
  encodeTcpOptions(opts, init.options ?? []);
  if (opts.pos > 40) throw new RangeError(`TCP options of ${opts.pos} bytes do not fit in the 40 the header allows`);
  const headerLength = TCP_MIN_HEADER + opts.pos;
  const set = new Set(init.flags ?? []);
  const w = new Writer(headerLength + payload.length);
  TcpFixed.encode(w, {
    srcPort: init.srcPort,
    dstPort: init.dstPort,
    sequenceNumber: init.sequenceNumber ?? 0,
    acknowledgmentNumber: init.acknowledgmentNumber ?? 0,
    dataOffset: init.dataOffset ?? headerLength / 4,
    reserved: 0,
    CWR: set.has('CWR') ? 1 : 0,
    ECE: set.has('ECE') ? 1 : 0,
    URG: set.has('URG') ? 1 : 0,
    ACK: set.has('ACK') ? 1 : 0,
    PSH: set.has('PSH') ? 1 : 0,
    RST: set.has('RST') ? 1 : 0,
    SYN: set.has('SYN') ? 1 : 0,
    FIN: set.has('FIN') ? 1 : 0,
    window: init.window ?? 65535,
    checksum: 0,
    urgentPointer: init.urgentPointer ?? 0,
  });
  w.bytes(opts.peek()).bytes(payload);
  const out = w.finish();
  const c = init.checksum ?? (pseudo ? transportChecksum(withProtocol(pseudo, IPPROTO.TCP), out, 0, out.length, 16) : 0);
  out[16] = c >> 8;
  out[17] = c & 0xff;
  return out;
}

export interface TcpSegmentSpec extends TcpInit {
  readonly src: string;
  readonly dst: string;
  readonly payload?: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit; 64 by default. */
  readonly ttl?: number;
  /** IPv4 Identification; 0 by default. */
  readonly identification?: number;
  /** IPv4 Don't Fragment; set by default, as TCP stacks doing path MTU discovery do (RFC 1191). */
  readonly dontFragment?: boolean;
}

/** Builds the exact bytes of an IPv4 or IPv6 datagram carrying one TCP segment, both checksums correct. */
export function encodeTcpSegment(spec: TcpSegmentSpec): Uint8Array {
  const src = parseIp(spec.src);
  const dst = parseIp(spec.dst);
  if (!src || !dst) throw new RangeError(`not IP addresses: ${spec.src} → ${spec.dst}`);
  if (src.length !== dst.length) throw new RangeError(`address families differ: ${spec.src} → ${spec.dst}`);
  const family = ipFamily(spec.src);
  const segment = encodeTcp(spec, spec.payload ?? new Uint8Array(0), { family, src, dst, protocol: IPPROTO.TCP });
  return family === 4
    ? encodeIPv4({ src: spec.src, dst: spec.dst, protocol: IPPROTO.TCP, ttl: spec.ttl ?? 64, identification: spec.identification ?? 0, dontFragment: spec.dontFragment ?? true }, segment)
    : encodeIPv6({ src: spec.src, dst: spec.dst, nextHeader: IPPROTO.TCP, hopLimit: spec.ttl ?? 64 }, segment);
}
