import { IPPROTO } from '../../wire/ip/protocols.ts';
import { decodeUdp, type UdpHeader } from '../../wire/ip/udp.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol } from '../table.ts';
import { pushPayloadLayers } from '../udp-payload.ts';
import type { IpDatagram } from '../../wire/ip/datagram.ts';
import type { DissectContext, Flow, Layer } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    UDP: UdpHeader;
  }
}

/** The argument says whether the datagram is the first fragment. */
const UDP_TEXT: LayerText<'UDP', boolean> = {
  summary: (l, fragment) => {
    const u = l.value;
    return u ? `UDP ${u.srcPort} → ${u.dstPort}, ${u.payloadLength} bytes${fragment ? ' (first fragment)' : ''}` : 'UDP (truncated header)';
  },
};

/** The 32-bit IPv4 address at `at`, as a number (for flow keys that need no text). */
function ipv4At(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/** RFC 768: the header, then the payload by its RFC 7983 first-byte class (udp-payload.ts). */
function dissectUdp(layers: Layer[], ctx: DissectContext, buf: Uint8Array, base: number, v: IpDatagram, seg: Uint8Array): Flow | undefined {
  const at = v.payloadOffset;
  const fragment = v.fragment !== undefined;
  const pseudo = ctx.verifyChecksums === false ? undefined : v.pseudo;
  const udp = decodeUdp(seg, { base: base + at, fragment, pseudo, spans: ctx.spans !== false });
  const u = udp.value;
  layers.push(new LazyLayer({ protocol: 'UDP', offset: base + at, length: seg.length, fields: udp.fields, problems: udp.problems, value: u, text: UDP_TEXT, a: fragment, b: undefined, classification: undefined }));
  if (!u) return undefined;
  const flow: Flow = { transport: 'UDP', family: v.family, srcIp: v.src, srcPort: u.srcPort, dstIp: v.dst, dstPort: u.dstPort };
  if (fragment) return flow;
  const off = at + u.payloadOffset;
  // IPv4 endpoints as numbers (address · 2^16 + port) key the flow's state without building text
  const fctx = (v.family === 4 ? ctx.forFlow?.(flow, ipv4At(buf, 12) * 0x10000 + u.srcPort, ipv4At(buf, 16) * 0x10000 + u.dstPort) : ctx.forFlow?.(flow)) ?? ctx;
  pushPayloadLayers(layers, buf.subarray(off, off + u.payloadLength), base + off, fctx, u.srcPort, u.dstPort);
  return flow;
}

export const UDP = defineProtocol({
  name: 'UDP',
  description: 'User Datagram Protocol (RFC 768), checksum over the pseudo-header (RFC 768, RFC 8200 §8.1)',
  viz: { class: 'UDP', colour: '#7fb3ff' },
  json: (u, _l, base) => {
    base.srcPort = u.srcPort;
    base.dstPort = u.dstPort;
    base.udpLength = u.length;
    base.checksum = u.checksumStatus;
    return base;
  },
  on: [{ table: 'ip.protocol', key: IPPROTO.UDP, dissect: dissectUdp }],
});
