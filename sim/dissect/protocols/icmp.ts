import { decodeIcmp, describeIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6, type IcmpMessage } from '../../wire/icmp/icmp.ts';
import type { Problem } from '../../wire/field.ts';
import { formatEndpoint } from '../endpoint.ts';
import { LazyLayer, plainLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import type { IpDatagram } from '../../wire/ip/datagram.ts';
import type { DissectContext, Layer } from '../types.ts';
import { dissectIp } from './ip.ts';

declare module '../types.ts' {
  interface LayerValues {
    ICMP: IcmpMessage;
    ICMPv6: IcmpMessage;
  }
}

/**
 * The datagram an error quotes is dissected with no flow state and no keys: it is a copy of a packet seen (or
 * not) elsewhere, and must not count as one. Checksums inside it are not checked (a NAT rewrote its addresses and
 * ports, RFC 5508 §4.2, and it may be cut short).
 */
const QUOTED: DissectContext = { verifyChecksums: false };
const QUOTED_NO_SPANS: DissectContext = { verifyChecksums: false, spans: false };

/** How long the quoted datagram was (its IP header's length fields), or undefined when unreadable. */
function declaredLength(l: Layer | undefined): number | undefined {
  if (l?.protocol !== 'IPv4' && l?.protocol !== 'IPv6') return undefined;
  const v = l.value;
  return v?.ipv4 ? v.ipv4.totalLength : v?.ipv6 ? v.ipv6.payloadLength + 40 : undefined;
}

/** "UDP 10.0.0.2:40000 → 198.51.100.1:3478: Binding Request", from the quoted layers. */
function quotedText(inner: readonly Layer[]): string {
  let ip: { src: string; dst: string } | undefined;
  let ports: { src: number; dst: number; name: string } | undefined;
  for (const l of inner) {
    if ((l.protocol === 'IPv4' || l.protocol === 'IPv6') && l.value) ip ??= l.value;
    else if ((l.protocol === 'UDP' || l.protocol === 'TCP') && l.value && !ports) ports = { src: l.value.srcPort, dst: l.value.dstPort, name: l.protocol };
  }
  if (!ip) return 'an unreadable datagram';
  const where = ports ? `${ports.name} ${formatEndpoint(ip.src, ports.src)} → ${formatEndpoint(ip.dst, ports.dst)}` : `${ip.src} → ${ip.dst}`;
  // the quoted layers' own top (they are all `quoted`, which topLayer skips): the last, unless it is bare data
  const last = inner[inner.length - 1];
  const top = last?.protocol === 'DATA' && inner.length > 1 ? inner[inner.length - 2] : last;
  const what = top && top.protocol !== 'IPv4' && top.protocol !== 'IPv6' && top.protocol !== 'UDP' && top.protocol !== 'TCP' ? `: ${top.summary}` : '';
  return `${where}${what}`;
}

/** The argument: the quoted datagram's layers (an error's), or none. */
const ICMP_TEXT: LayerText<'ICMP' | 'ICMPv6', readonly Layer[]> = {
  summary: (l, inner) => {
    const m = l.value;
    if (!m) return `${l.protocol} (truncated header)`;
    const text = describeIcmp(m);
    return m.kind === 'error' && inner.length ? `${text}, quoting ${quotedText(inner)}` : text;
  },
};

/**
 * RFC 792 / RFC 4443: the message, then for an error the datagram it quotes, dissected as far as its bytes go
 * (IP, the UDP or TCP header, the first bytes of what they carry), each of those layers marked `quoted`.
 */
function dissectIcmp(layers: Layer[], ctx: DissectContext, _buf: Uint8Array, base: number, v: IpDatagram, seg: Uint8Array): undefined {
  const at = v.payloadOffset;
  const family = v.family;
  const spans = ctx.spans !== false;
  const d = decodeIcmp(seg, { family, base: base + at, spans, ...(family === 6 && v.pseudo ? { pseudo: v.pseudo } : {}) });
  const m = d.value;
  const inner: Layer[] = [];
  if (m && m.kind === 'error' && m.bodyLength > 0) {
    const quoted = seg.subarray(m.bodyOffset, m.bodyOffset + m.bodyLength);
    dissectIp(quoted, base + at + m.bodyOffset, spans ? QUOTED : QUOTED_NO_SPANS, inner);
    // A quote cut short is what RFC 792 asks for (the header and 64 bits; RFC 1812 §4.3.2.3: up to 576 bytes in
    // all): what the missing bytes leave unfinished is no problem of this packet, only said in the IP layer's text
    const declared = declaredLength(inner[0]);
    const cut = declared !== undefined && declared > quoted.length;
    for (let i = 0; i < inner.length; i++) {
      const l = plainLayer(inner[i]!);
      // the quoted IP header's length field (IPv4 total length at 2, IPv6 payload length at 4) says more than is here
      const lengthField = l.offset + (l.protocol === 'IPv4' ? 2 : 4);
      const problems = !cut ? l.problems : i === 0 ? l.problems.filter((p: Problem) => p.offset !== lengthField) : [];
      const summary = cut && i === 0 ? `${l.summary} (quoted: the first ${quoted.length} of ${declared} bytes)` : l.summary;
      inner[i] = { ...l, summary, problems, quoted: true };
    }
  }
  layers.push(new LazyLayer({ protocol: family === 4 ? 'ICMP' : 'ICMPv6', offset: base + at, length: seg.length, fields: d.fields, problems: d.problems, value: m, text: ICMP_TEXT, a: inner, b: undefined, classification: undefined }));
  for (const l of inner) layers.push(l);
  return undefined;
}

function icmpJson(m: IcmpMessage, _l: unknown, base: Json): Json {
  base.type = m.type;
  base.code = m.code;
  base.typeName = m.typeName;
  if (m.codeName !== undefined) base.codeName = m.codeName;
  base.kind = m.kind;
  base.checksum = m.checksumStatus;
  if (m.identifier !== undefined) base.identifier = m.identifier;
  if (m.sequence !== undefined) base.sequence = m.sequence;
  if (m.mtu !== undefined) base.mtu = m.mtu;
  if (m.pointer !== undefined) base.pointer = m.pointer;
  if (m.gateway !== undefined) base.gateway = m.gateway;
  if (m.originalLength) base.originalLength = m.originalLength;
  base.bodyLength = m.bodyLength;
  if (m.ndp) base.ndp = JSON.parse(JSON.stringify(m.ndp)) as Json;
  return base;
}

export const ICMP = defineProtocol({
  name: 'ICMP',
  description: 'Internet Control Message Protocol (RFC 792): errors with the datagram they quote dissected, echo and other queries',
  viz: { class: 'ICMP', colour: '#ff8c69' },
  json: icmpJson,
  on: [{ table: 'ip.protocol', key: IPPROTO_ICMP, dissect: dissectIcmp }],
});

export const ICMPv6 = defineProtocol({
  name: 'ICMPv6',
  description: 'ICMP for IPv6 (RFC 4443), checksum over the IPv6 pseudo-header; Neighbor Discovery (RFC 4861) types named',
  viz: { class: 'ICMP' },
  json: icmpJson,
  on: [{ table: 'ip.protocol', key: IPPROTO_ICMPV6, dissect: dissectIcmp }],
});
