import type { Field, Problem } from '../wire/field.ts';
import { spansOn } from '../wire/reader.ts';
import { decodeIpDatagram, type IpDatagram } from '../wire/ip/datagram.ts';
import { IPPROTO, protocolName } from '../wire/ip/protocols.ts';
import { decodeUdp } from '../wire/ip/udp.ts';
import { decodeTcp, type TcpHeader } from '../wire/tcp/tcp.ts';
import type { TcpSegmentResult } from './tcp-flow.ts';
import { decodeLinkLayer, type LinkLayer } from '../wire/pcap/link-layer.ts';
import { linkTypeName } from '../wire/pcap/linktype.ts';
import { dataLayer, dissectUdpPayload, type PayloadContext } from './udp-payload.ts';
import type { DissectedPacket, Flow, Layer, Protocol } from './types.ts';

export type { PayloadContext } from './udp-payload.ts';
export { Dissector, type PacketMeta, type DissectorOptions } from './dissector.ts';

/** Per-packet context: what the packet's dissection may depend on beyond its bytes (see `Dissector`). */
export interface DissectContext extends PayloadContext {
  /** Called once the 5-tuple is known: the per-flow context (SRTP or not, DTLS role …) that overrides this one. */
  readonly forFlow?: (flow: Flow) => PayloadContext | undefined;
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

/** "192.0.2.1:3478", "[2001:db8::1]:3478" */
export function formatEndpoint(ip: string, port: number): string {
  // every packet of a flow names the same endpoints: their text is remembered (bounded), and is flat, so it hashes
  // once as a map key
  let ports = endpointText.get(ip);
  if (!ports) {
    if (endpointText.size >= 1024) endpointText.clear();
    ports = new Map();
    endpointText.set(ip, ports);
  }
  let text = ports.get(port);
  if (text === undefined) {
    if (ports.size >= 4096) ports.clear();
    text = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
    ports.set(port, text);
  }
  return text;
}

const endpointText = new Map<string, Map<number, string>>();

/** Dissects one raw IP datagram (what every simulated hop carries). Never throws; offsets are absolute in `bytes`. */
export function dissectPacket(bytes: Uint8Array, ctx: DissectContext = {}): DissectedPacket {
  return finish(dissectIp(bytes, 0, ctx));
}

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
    const vlans = link.vlans.length ? `, VLAN ${link.vlans.join('/')}` : '';
    layers.push({
      protocol: 'ETH',
      offset: 0,
      length: ip ?? frame.length,
      summary: `${linkTypeName(linkType)}${vlans}${link.note ? `: ${link.note}` : ''}`,
      fields: spansOn() ? link.fields : NO_FIELDS,
      problems: link.problems,
    });
  }
  if (ip === undefined) return finish({ layers });
  return finish(dissectIp(frame.subarray(ip), ip, ctx, layers));
}

const NO_FIELDS: readonly Field[] = [];

interface Draft {
  layers: Layer[];
  flow?: Flow;
  ip?: IpDatagram;
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

/** Every layer's problems, in order (the layers' own array when only one layer has any). */
export function allProblems(layers: readonly Layer[]): readonly Problem[] {
  let only: readonly Problem[] | undefined;
  let all: Problem[] | undefined;
  for (const l of layers) {
    if (l.problems.length === 0) continue;
    if (all) all.push(...l.problems);
    else if (only) all = [...only, ...l.problems];
    else only = l.problems;
  }
  return all ?? (only ? [...only] : []);
}

function finish(d: Draft): DissectedPacket {
  const top = topLayer(d.layers);
  const problems = allProblems(d.layers);
  const f = d.flow;
  const src = f ? formatEndpoint(f.srcIp, f.srcPort) : (d.ip?.src ?? '');
  const dst = f ? formatEndpoint(f.dstIp, f.dstPort) : (d.ip?.dst ?? '');
  return {
    layers: d.layers,
    protocol: top?.protocol ?? 'DATA',
    summary: top?.summary ?? '',
    src,
    dst,
    problems,
    ...(f ? { flow: f } : {}),
  };
}

/** `buf` starts at the IP header, which sits at `base` in the packet. */
function dissectIp(buf: Uint8Array, base: number, ctx: DissectContext, outer: Layer[] = []): Draft {
  const ip = decodeIpDatagram(buf, base);
  const v = ip.value;
  if (!v) {
    outer.push({ protocol: 'DATA', offset: base, length: buf.length, summary: `${buf.length} bytes, not an IP datagram`, fields: ip.fields, problems: ip.problems });
    return { layers: outer };
  }
  const family: Protocol = v.family === 4 ? 'IPv4' : 'IPv6';
  const proto = v.protocol === undefined ? 'unknown protocol' : protocolName(v.protocol);
  const frag = v.fragment ? `, fragment at ${v.fragment.offset}${v.fragment.moreFragments ? ' (more follow)' : ' (last)'} id 0x${v.fragment.identification.toString(16)}` : '';
  const ipLayer: Layer = {
    protocol: family,
    offset: base,
    length: buf.length,
    summary: `${v.src} → ${v.dst} ${proto}${frag}`,
    fields: ip.fields,
    problems: ip.problems,
    value: v,
  };
  const layers = outer;
  layers.push(ipLayer);
  // A fragment other than the first carries no transport header (RFC 791 §3.2); the first carries one we cannot verify.
  if (v.fragment && v.fragment.offset !== 0) return { layers, ip: v };
  const at = v.payloadOffset;
  const seg = buf.subarray(at, at + v.payloadLength);
  const pseudo = ctx.verifyChecksums === false ? undefined : v.pseudo;
  if (v.protocol === IPPROTO.UDP) {
    const fragment = v.fragment !== undefined;
    const udp = decodeUdp(seg, { base: base + at, fragment, ...(pseudo ? { pseudo } : {}) });
    const u = udp.value;
    layers.push({
      protocol: 'UDP',
      offset: base + at,
      length: seg.length,
      summary: u ? `UDP ${u.srcPort} → ${u.dstPort}, ${u.payloadLength} bytes${fragment ? ' (first fragment)' : ''}` : 'UDP (truncated header)',
      fields: udp.fields,
      problems: udp.problems,
      ...(u ? { value: u } : {}),
    });
    if (!u) return { layers, ip: v };
    const flow: Flow = { transport: 'UDP', family: v.family, srcIp: v.src, srcPort: u.srcPort, dstIp: v.dst, dstPort: u.dstPort };
    if (fragment) return { layers, ip: v, flow };
    const off = at + u.payloadOffset;
    const fctx = ctx.forFlow?.(flow) ?? ctx;
    layers.push(...dissectUdpPayload(buf.subarray(off, off + u.payloadLength), base + off, fctx));
    return { layers, ip: v, flow };
  }
  if (v.protocol === IPPROTO.TCP && !v.fragment) {
    // the segment length the IP header declares, even when fewer bytes were captured
    const declared = v.ipv4 ? v.ipv4.totalLength - v.ipv4.headerLength : v.ipv6 ? v.ipv6.payloadLength + 40 - v.ipv6.headerLength : v.payloadLength;
    const tcp = decodeTcp(seg, { base: base + at, segmentLength: Math.max(declared, 0), ...(pseudo ? { pseudo } : {}) });
    const t = tcp.value;
    const payloadLength = t ? Math.max(t.payloadLength, 0) : 0;
    const summary = t ? `TCP ${t.srcPort} → ${t.dstPort} [${t.flagsText}] seq ${t.sequenceNumber >>> 0}${t.flags.ACK ? ` ack ${t.acknowledgmentNumber >>> 0}` : ''} len ${payloadLength}` : 'TCP (truncated header)';
    if (!t) {
      layers.push({ protocol: 'TCP', offset: base + at, length: seg.length, summary, fields: tcp.fields, problems: tcp.problems });
      return { layers, ip: v };
    }
    const flow: Flow = { transport: 'TCP', family: v.family, srcIp: v.src, srcPort: t.srcPort, dstIp: v.dst, dstPort: t.dstPort };
    const off = at + t.payloadOffset;
    const data = buf.subarray(off, off + payloadLength);
    const stream = ctx.tcpSegment?.(flow, t, data, base + off);
    const notes = stream?.notes.length ? ` [${stream.notes.join('; ')}]` : '';
    layers.push({
      protocol: 'TCP',
      offset: base + at,
      length: seg.length,
      summary: `${summary}${notes}`,
      fields: tcp.fields,
      problems: stream?.problems.length ? [...tcp.problems, ...stream.problems] : tcp.problems,
      value: t,
    });
    if (stream?.layers.length) layers.push(...stream.layers);
    else if (payloadLength > 0) layers.push(dataLayer(data, base + off, stream ? 'part of a message that later segments complete, or not a protocol this dissector reads' : undefined));
    return { layers, ip: v, flow };
  }
  if (seg.length > 0) {
    const fields: Field[] = [{ name: 'data', offset: base + at, length: seg.length, display: `${seg.length} bytes` }];
    layers.push({ protocol: 'DATA', offset: base + at, length: seg.length, summary: `${proto}, ${seg.length} bytes`, fields, problems: [] });
  }
  return { layers, ip: v };
}
