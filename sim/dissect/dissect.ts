import type { Field, Problem } from '../wire/field.ts';
import { spansOn } from '../wire/reader.ts';
import { decodeIpDatagram, type IpDatagram } from '../wire/ip/datagram.ts';
import { IPPROTO, protocolName } from '../wire/ip/protocols.ts';
import { decodeUdp } from '../wire/ip/udp.ts';
import { decodeTcp, type TcpHeader } from '../wire/tcp/tcp.ts';
import type { TcpSegmentResult } from './tcp-flow.ts';
import { decodeLinkLayer, type LinkLayer } from '../wire/pcap/link-layer.ts';
import { linkTypeName } from '../wire/pcap/linktype.ts';
import { dataLayer, pushPayloadLayers, type PayloadContext } from './udp-payload.ts';
import { LazyLayer, NONE, type LayerText } from './layer.ts';
import { LazyPacket } from './packet.ts';
import type { UdpHeader } from '../wire/ip/udp.ts';
import type { DissectedPacket, Flow, Layer, Protocol } from './types.ts';

export type { PayloadContext } from './udp-payload.ts';
export { Dissector, type PacketMeta, type DissectorOptions } from './dissector.ts';

/** Per-packet context: what the packet's dissection may depend on beyond its bytes (see `Dissector`). */
export interface DissectContext extends PayloadContext {
  /**
   * Called once the 5-tuple is known: the per-flow context (SRTP or not, DTLS role …) that overrides this one.
   * For IPv4 the endpoints come as numbers too (address · 2^16 + port), to key state without text.
   */
  readonly forFlow?: (flow: Flow, srcEndpoint?: number, dstEndpoint?: number) => PayloadContext | undefined;
  /**
   * Verify UDP/TCP checksums (default true). Captures taken on the sending host see checksums the NIC or kernel
   * would fill in later (offload), so capture dissection turns this off, as Wireshark does by default.
   */
  readonly verifyChecksums?: boolean;
  /**
   * Called for every TCP segment, to dissect it with stream state (reassembly, HTTP, WebSocket): the layers of the
   * messages it completes, and notes and problems for its TCP layer. Without it the data is one DATA layer.
   */
  readonly tcpSegment?: (flow: Flow, header: TcpHeader, payload: Uint8Array, offset: number) => TcpSegmentResult;
}

export { formatEndpoint } from './endpoint.ts';

/** Dissects one raw IP datagram (what every simulated hop carries). Never throws; offsets are absolute in `bytes`. */
export function dissectPacket(bytes: Uint8Array, ctx: DissectContext = {}): DissectedPacket {
  return dissectIp(bytes, 0, ctx);
}

const ETH_TEXT: LayerText<LinkLayer, undefined> = {
  summary: (_l, link) => `${linkTypeName(link.linkType)}${link.vlans.length ? `, VLAN ${link.vlans.join('/')}` : ''}${link.note ? `: ${link.note}` : ''}`,
};

/**
 * Dissects a captured frame of the given link type (Ethernet, SLL, SLL2, raw IP, loopback …): a link layer
 * ('ETH' whatever the link type, its summary names it), then the IP datagram inside. Offsets are absolute in `frame`.
 */
export function dissectFrame(frame: Uint8Array, linkType: number, ctx: DissectContext = {}, decoded?: LinkLayer): DissectedPacket {
  // the capture reader has decoded the link layer already to find the IP header: reuse it when given
  const link = decoded && decoded.linkType === linkType ? decoded : decodeLinkLayer(frame, linkType);
  const layers: Layer[] = [];
  const ip = link.ipOffset;
  if (ip === undefined || ip > 0 || link.problems.length > 0) {
    layers.push(new LazyLayer('ETH', 0, ip ?? frame.length, spansOn() ? link.fields : NONE, link.problems, undefined, ETH_TEXT, link, undefined));
  }
  if (ip === undefined) return finish(layers, undefined, undefined);
  return dissectIp(frame.subarray(ip), ip, ctx, layers);
}

/** The layer that names the packet: the last one, unless that is opaque data inside something recognised. */
export function topLayer(layers: readonly Layer[]): Layer | undefined {
  // decrypted layers enrich their carrier's summary; the packet is still named by what is on the wire
  // and SDP taken out of a signaling message enriches that message's layer, which names the packet
  let last: Layer | undefined;
  let before: Layer | undefined;
  for (const l of layers) {
    if (l.plaintext || l.protocol === 'SDP') continue;
    before = last;
    last = l;
  }
  if (last?.protocol !== 'DATA' || before === undefined) return last;
  return before;
}

/** Every layer's problems, in order (the shared empty list when none has any). */
export function allProblems(layers: readonly Layer[]): readonly Problem[] {
  let only: readonly Problem[] | undefined;
  let all: Problem[] | undefined;
  for (const l of layers) {
    if (l.problems.length === 0) continue;
    if (all) all.push(...l.problems);
    else if (only) all = [...only, ...l.problems];
    else only = l.problems;
  }
  return all ?? (only ? [...only] : NONE);
}

/** The packet of these layers, named by its top layer. */
function finish(layers: Layer[], flow: Flow | undefined, ip: IpDatagram | undefined): DissectedPacket {
  const top = topLayer(layers);
  return new LazyPacket(layers, top?.protocol ?? 'DATA', allProblems(layers), flow, ip, top);
}

const NOT_IP_TEXT: LayerText<undefined, undefined> = { summary: (l) => `${l.length} bytes, not an IP datagram` };

const IP_TEXT: LayerText<undefined, undefined> = {
  summary: (l) => {
    const v = l.value as IpDatagram;
    const proto = v.protocol === undefined ? 'unknown protocol' : protocolName(v.protocol);
    const frag = v.fragment ? `, fragment at ${v.fragment.offset}${v.fragment.moreFragments ? ' (more follow)' : ' (last)'} id 0x${v.fragment.identification.toString(16)}` : '';
    return `${v.src} → ${v.dst} ${proto}${frag}`;
  },
};

/** The argument says whether the datagram is the first fragment. */
const UDP_TEXT: LayerText<boolean, undefined> = {
  summary: (l, fragment) => {
    const u = l.value as UdpHeader | undefined;
    return u ? `UDP ${u.srcPort} → ${u.dstPort}, ${u.payloadLength} bytes${fragment ? ' (first fragment)' : ''}` : 'UDP (truncated header)';
  },
};

/** The argument is what the stream adds (" [retransmission]"). */
const TCP_TEXT: LayerText<string, undefined> = {
  summary: (l, notes) => {
    const t = l.value as TcpHeader | undefined;
    if (!t) return 'TCP (truncated header)';
    const payloadLength = Math.max(t.payloadLength, 0);
    return `TCP ${t.srcPort} → ${t.dstPort} [${t.flagsText}] seq ${t.sequenceNumber >>> 0}${t.flags.ACK ? ` ack ${t.acknowledgmentNumber >>> 0}` : ''} len ${payloadLength}${notes}`;
  },
};

/** The argument is the IP protocol's name. */
const IP_DATA_TEXT: LayerText<string, undefined> = { summary: (l, proto) => `${proto}, ${l.length} bytes` };

/** The 32-bit IPv4 address at `at`, as a number (for flow keys that need no text). */
function ipv4At(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/** `buf` starts at the IP header, which sits at `base` in the packet. */
function dissectIp(buf: Uint8Array, base: number, ctx: DissectContext, outer: Layer[] = []): DissectedPacket {
  const ip = decodeIpDatagram(buf, base);
  const v = ip.value;
  if (!v) {
    outer.push(new LazyLayer('DATA', base, buf.length, ip.fields, ip.problems, undefined, NOT_IP_TEXT, undefined, undefined));
    return finish(outer, undefined, undefined);
  }
  const family: Protocol = v.family === 4 ? 'IPv4' : 'IPv6';
  const layers = outer;
  layers.push(new LazyLayer(family, base, buf.length, ip.fields, ip.problems, v, IP_TEXT, undefined, undefined));
  // A fragment other than the first carries no transport header (RFC 791 §3.2); the first carries one we cannot verify.
  if (v.fragment && v.fragment.offset !== 0) return finish(layers, undefined, v);
  const at = v.payloadOffset;
  const seg = buf.subarray(at, at + v.payloadLength);
  const pseudo = ctx.verifyChecksums === false ? undefined : v.pseudo;
  if (v.protocol === IPPROTO.UDP) {
    const fragment = v.fragment !== undefined;
    const udp = decodeUdp(seg, { base: base + at, fragment, pseudo });
    const u = udp.value;
    layers.push(new LazyLayer('UDP', base + at, seg.length, udp.fields, udp.problems, u, UDP_TEXT, fragment, undefined));
    if (!u) return finish(layers, undefined, v);
    const flow: Flow = { transport: 'UDP', family: v.family, srcIp: v.src, srcPort: u.srcPort, dstIp: v.dst, dstPort: u.dstPort };
    if (fragment) return finish(layers, flow, v);
    const off = at + u.payloadOffset;
    // IPv4 endpoints as numbers (address · 2^16 + port) key the flow's state without building text
    const fctx = (v.family === 4 ? ctx.forFlow?.(flow, ipv4At(buf, 12) * 0x10000 + u.srcPort, ipv4At(buf, 16) * 0x10000 + u.dstPort) : ctx.forFlow?.(flow)) ?? ctx;
    pushPayloadLayers(layers, buf.subarray(off, off + u.payloadLength), base + off, fctx);
    return finish(layers, flow, v);
  }
  if (v.protocol === IPPROTO.TCP && !v.fragment) {
    // the segment length the IP header declares, even when fewer bytes were captured
    const declared = v.ipv4 ? v.ipv4.totalLength - v.ipv4.headerLength : v.ipv6 ? v.ipv6.payloadLength + 40 - v.ipv6.headerLength : v.payloadLength;
    const tcp = decodeTcp(seg, { base: base + at, segmentLength: Math.max(declared, 0), ...(pseudo ? { pseudo } : {}) });
    const t = tcp.value;
    const payloadLength = t ? Math.max(t.payloadLength, 0) : 0;
    if (!t) {
      layers.push(new LazyLayer('TCP', base + at, seg.length, tcp.fields, tcp.problems, undefined, TCP_TEXT, '', undefined));
      return finish(layers, undefined, v);
    }
    const flow: Flow = { transport: 'TCP', family: v.family, srcIp: v.src, srcPort: t.srcPort, dstIp: v.dst, dstPort: t.dstPort };
    const off = at + t.payloadOffset;
    const data = buf.subarray(off, off + payloadLength);
    const stream = ctx.tcpSegment?.(flow, t, data, base + off);
    const notes = stream?.notes.length ? ` [${stream.notes.join('; ')}]` : '';
    const problems = stream?.problems.length ? [...tcp.problems, ...stream.problems] : tcp.problems;
    layers.push(new LazyLayer('TCP', base + at, seg.length, tcp.fields, problems, t, TCP_TEXT, notes, undefined));
    if (stream?.layers.length) layers.push(...stream.layers);
    else if (payloadLength > 0) layers.push(dataLayer(data, base + off, stream ? 'part of a message that later segments complete, or not a protocol this dissector reads' : undefined));
    return finish(layers, flow, v);
  }
  if (seg.length > 0) {
    const proto = v.protocol === undefined ? 'unknown protocol' : protocolName(v.protocol);
    const fields: Field[] = [{ name: 'data', offset: base + at, length: seg.length, display: `${seg.length} bytes` }];
    layers.push(new LazyLayer('DATA', base + at, seg.length, fields, NONE, undefined, IP_DATA_TEXT, proto, undefined));
  }
  return finish(layers, undefined, v);
}
