import { IPPROTO } from '../../wire/ip/protocols.ts';
import { decodeTcp, type TcpHeader } from '../../wire/tcp/tcp.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol } from '../table.ts';
import type { IpDatagram } from '../../wire/ip/datagram.ts';
import type { DissectContext, Flow, Layer } from '../types.ts';
import { dataLayer } from './data.ts';

declare module '../types.ts' {
  interface LayerValues {
    TCP: TcpHeader;
  }
}

/** The argument is what the stream adds (" [retransmission]"). */
const TCP_TEXT: LayerText<'TCP', string> = {
  summary: (l, notes) => {
    const t = l.value;
    if (!t) return 'TCP (truncated header)';
    const payloadLength = Math.max(t.payloadLength, 0);
    return `TCP ${t.srcPort} → ${t.dstPort} [${t.flagsText}] seq ${t.sequenceNumber >>> 0}${t.flags.ACK ? ` ack ${t.acknowledgmentNumber >>> 0}` : ''} len ${payloadLength}${notes}`;
  },
};

/**
 * RFC 9293: the header, then what the stream state (`ctx.tcpSegment`: reassembly, then the stream protocols
 * recognised by content, table.ts `tcp.stream`) makes of the payload. A first fragment is left as data.
 */
function dissectTcp(layers: Layer[], ctx: DissectContext, buf: Uint8Array, base: number, v: IpDatagram, seg: Uint8Array): Flow | undefined | false {
  const at = v.payloadOffset;
  if (v.fragment) return false;
  const pseudo = ctx.verifyChecksums === false ? undefined : v.pseudo;
  // the segment length the IP header declares, even when fewer bytes were captured
  const declared = v.ipv4 ? v.ipv4.totalLength - v.ipv4.headerLength : v.ipv6 ? v.ipv6.payloadLength + 40 - v.ipv6.headerLength : v.payloadLength;
  const tcp = decodeTcp(seg, { base: base + at, segmentLength: Math.max(declared, 0), spans: ctx.spans !== false, ...(pseudo ? { pseudo } : {}) });
  const t = tcp.value;
  if (!t) {
    layers.push(new LazyLayer({ protocol: 'TCP', offset: base + at, length: seg.length, fields: tcp.fields, problems: tcp.problems, value: undefined, text: TCP_TEXT, a: '', b: undefined, classification: undefined }));
    return undefined;
  }
  const payloadLength = Math.max(t.payloadLength, 0);
  const flow: Flow = { transport: 'TCP', family: v.family, srcIp: v.src, srcPort: t.srcPort, dstIp: v.dst, dstPort: t.dstPort };
  const off = at + t.payloadOffset;
  const data = buf.subarray(off, off + payloadLength);
  const stream = ctx.tcpSegment?.(flow, t, data, base + off);
  const notes = stream?.notes.length ? ` [${stream.notes.join('; ')}]` : '';
  const problems = stream?.problems.length ? [...tcp.problems, ...stream.problems] : tcp.problems;
  layers.push(new LazyLayer({ protocol: 'TCP', offset: base + at, length: seg.length, fields: tcp.fields, problems, value: t, text: TCP_TEXT, a: notes, b: undefined, classification: undefined }));
  if (stream?.layers.length) layers.push(...stream.layers);
  else if (payloadLength > 0) layers.push(dataLayer(data, base + off, stream ? 'part of a message that later segments complete, or not a protocol this dissector reads' : undefined));
  return flow;
}

export const TCP = defineProtocol({
  name: 'TCP',
  description: 'Transmission Control Protocol (RFC 9293), per-direction stream reassembly (tcp-reassembly.ts)',
  viz: { class: 'TCP', colour: '#c9a0ff' },
  json: (t, _l, base) => Object.assign(base, { srcPort: t.srcPort, dstPort: t.dstPort, seq: t.sequenceNumber >>> 0, ack: t.acknowledgmentNumber >>> 0, flags: t.flagsText, window: t.window }),
  on: [{ table: 'ip.protocol', key: IPPROTO.TCP, dissect: dissectTcp }],
});
