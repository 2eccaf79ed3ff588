import type { TransportAddress } from '../core/endpoint.ts';
import { ipFamily, parseIp } from '../wire/ip/address.ts';
import { IPPROTO } from '../wire/ip/protocols.ts';
import type { PseudoHeader } from '../wire/ip/pseudo-header.ts';
import type { TcpOption } from '../wire/tcp/options.ts';
import { decodeTcp, encodeTcp, type TcpFlagName } from '../wire/tcp/tcp.ts';

/** A received segment as the state machine sees it (RFC 9293 §3.10.7: SEG.SEQ, SEG.ACK, SEG.LEN, SEG.WND …). */
export interface Segment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly syn: boolean;
  readonly ackFlag: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly urg: boolean;
  /** The window field as sent (unscaled). */
  readonly window: number;
  readonly mss?: number;
  readonly windowScale?: number;
  readonly sackPermitted: boolean;
  readonly timestamps?: { readonly tsval: number; readonly tsecr: number };
  readonly sack?: readonly { readonly left: number; readonly right: number }[];
  readonly data: Uint8Array;
}

/** SEG.LEN: data plus one for each of SYN and FIN (RFC 9293 §3.4). */
export const segLen = (s: Segment): number => s.data.length + (s.syn ? 1 : 0) + (s.fin ? 1 : 0);

export function pseudoHeader(from: TransportAddress, to: TransportAddress): PseudoHeader | undefined {
  const src = parseIp(from.ip);
  const dst = parseIp(to.ip);
  if (!src || !dst || src.length !== dst.length) return undefined;
  return { family: ipFamily(from.ip), src, dst, protocol: IPPROTO.TCP };
}

/**
 * Reads a TCP segment (header and data, without the IP header) sent `from` → `to`. A segment the decoder finds a
 * problem in (bad checksum, bad option length, bad data offset) is refused with the reason: RFC 9293 §3.1 says a
 * segment with a bad checksum is discarded, and a half-read header is no basis for any state change.
 */
export function parseSegment(bytes: Uint8Array, from: TransportAddress, to: TransportAddress): { segment: Segment } | { error: string } {
  const pseudo = pseudoHeader(from, to);
  if (!pseudo) return { error: `addresses ${from.ip} and ${to.ip} are not one IP family` };
  const d = decodeTcp(bytes, { pseudo });
  const h = d.value;
  if (!h) return { error: d.problems[0]?.message ?? 'not a TCP segment' };
  // RFC 7323 §2.3: a window scale above 14 is used as 14, not a reason to discard the segment
  const problems = d.problems.filter((p) => !p.message.startsWith('window scale shift'));
  if (problems.length > 0) return { error: problems.map((p) => p.message).join('; ') };
  if (h.checksumStatus !== 'correct') return { error: `checksum ${h.checksumStatus}` };
  let mss: number | undefined;
  let windowScale: number | undefined;
  let sackPermitted = false;
  let timestamps: Segment['timestamps'];
  let sack: Segment['sack'];
  for (const o of h.options) {
    if (o.kind === 'mss') mss = o.mss;
    else if (o.kind === 'window-scale') windowScale = Math.min(o.shift, 14); // RFC 7323 §2.3: use 14 if larger
    else if (o.kind === 'sack-permitted') sackPermitted = true;
    else if (o.kind === 'timestamps') timestamps = { tsval: o.tsval, tsecr: o.tsecr };
    else if (o.kind === 'sack') sack = o.blocks;
  }
  return {
    segment: {
      srcPort: h.srcPort,
      dstPort: h.dstPort,
      seq: h.sequenceNumber,
      ack: h.acknowledgmentNumber,
      syn: h.flags.SYN,
      ackFlag: h.flags.ACK,
      fin: h.flags.FIN,
      rst: h.flags.RST,
      psh: h.flags.PSH,
      urg: h.flags.URG,
      window: h.window,
      ...(mss !== undefined ? { mss } : {}),
      ...(windowScale !== undefined ? { windowScale } : {}),
      sackPermitted,
      ...(timestamps ? { timestamps } : {}),
      ...(sack ? { sack } : {}),
      data: bytes.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength),
    },
  };
}

export interface OutgoingSegment {
  readonly seq: number;
  readonly ack: number;
  readonly flags: readonly TcpFlagName[];
  readonly window: number;
  readonly options: readonly TcpOption[];
  readonly data?: Uint8Array;
}

/** The bytes of one segment from `from` to `to`, checksum over the pseudo-header (RFC 9293 §3.1). */
export function buildSegment(from: TransportAddress, to: TransportAddress, s: OutgoingSegment): Uint8Array {
  return encodeTcp(
    { srcPort: from.port, dstPort: to.port, sequenceNumber: s.seq >>> 0, acknowledgmentNumber: s.ack >>> 0, flags: s.flags, window: s.window, options: s.options },
    s.data ?? new Uint8Array(0),
    pseudoHeader(from, to),
  );
}

/**
 * The reset a closed port sends (RFC 9293 §3.10.7.1): an incoming RST is ignored; a segment with ACK gets
 * <SEQ=SEG.ACK><CTL=RST>; one without gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
export function resetFor(seg: Segment, local: TransportAddress, remote: TransportAddress): Uint8Array | undefined {
  if (seg.rst) return undefined;
  const s: OutgoingSegment = seg.ackFlag
    ? { seq: seg.ack, ack: 0, flags: ['RST'], window: 0, options: [] }
    : { seq: 0, ack: (seg.seq + segLen(seg)) >>> 0, flags: ['RST', 'ACK'], window: 0, options: [] };
  return buildSegment(local, remote, s);
}
