import type { Field } from '../../wire/field.ts';
import { decodeIpDatagram, type IpDatagram } from '../../wire/ip/datagram.ts';
import { protocolName } from '../../wire/ip/protocols.ts';
import { LazyLayer, NONE, type LayerText } from '../layer.ts';
import { defineProtocol, ipProtocolDissector, type Json } from '../table.ts';
import type { DissectContext, Flow, Layer } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    IPv4: IpDatagram;
    IPv6: IpDatagram;
  }
}

/** IPv4 and IPv6 write the same `--json` keys (docs/dissect-json.md). */
function ipJson(ip: IpDatagram, _l: unknown, base: Json): Json {
  base.src = ip.src;
  base.dst = ip.dst;
  base.ttl = ip.ttl;
  if (ip.protocol !== undefined) base.ipProtocol = ip.protocol;
  if (ip.fragment) base.fragment = { offset: ip.fragment.offset, more: ip.fragment.moreFragments, id: ip.fragment.identification };
  return base;
}

export const IPv4 = defineProtocol({
  name: 'IPv4',
  description: 'Internet Protocol version 4 (RFC 791), with fragment reassembly (the Dissector)',
  viz: { class: 'IP', colour: '#9aa5b1' },
  json: ipJson,
});

export const IPv6 = defineProtocol({
  name: 'IPv6',
  description: 'Internet Protocol version 6 (RFC 8200), extension headers walked to the upper-layer protocol',
  viz: { class: 'IP' },
  json: ipJson,
});

const NOT_IP_TEXT: LayerText<'DATA'> = { summary: (l) => `${l.length} bytes, not an IP datagram` };

const IP_TEXT: LayerText<'IPv4' | 'IPv6'> = {
  summary: (l) => {
    const v = l.value!;
    const proto = v.protocol === undefined ? 'unknown protocol' : protocolName(v.protocol);
    const frag = v.fragment ? `, fragment at ${v.fragment.offset}${v.fragment.moreFragments ? ' (more follow)' : ' (last)'} id 0x${v.fragment.identification.toString(16)}` : '';
    return `${v.src} → ${v.dst} ${proto}${frag}`;
  },
};

/** The argument is the IP protocol's name. */
const IP_DATA_TEXT: LayerText<'DATA', string> = { summary: (l, proto) => `${proto}, ${l.length} bytes` };

/**
 * Dissects the IP datagram at the start of `buf` (sitting at `base` in the packet), appending its layers to
 * `layers`: the IP layer, then what the dissector registered on its protocol number makes of the payload. Returns
 * the transport 5-tuple when there is one (the datagram itself is the IP layer's value: `ipOf`); one answer, not an
 * object made per packet.
 */
export function dissectIp(buf: Uint8Array, base: number, ctx: DissectContext, layers: Layer[]): Flow | undefined {
  const ip = decodeIpDatagram(buf, base, ctx.spans !== false);
  const v = ip.value;
  if (!v) {
    layers.push(new LazyLayer({ protocol: 'DATA', offset: base, length: buf.length, fields: ip.fields, problems: ip.problems, value: undefined, text: NOT_IP_TEXT, a: undefined, b: undefined, classification: undefined }));
    return undefined;
  }
  layers.push(new LazyLayer({ protocol: v.family === 4 ? 'IPv4' : 'IPv6', offset: base, length: buf.length, fields: ip.fields, problems: ip.problems, value: v, text: IP_TEXT, a: undefined, b: undefined, classification: undefined }));
  // A fragment other than the first carries no transport header (RFC 791 §3.2); the first carries one we cannot verify.
  if (v.fragment && v.fragment.offset !== 0) return undefined;
  const at = v.payloadOffset;
  const seg = buf.subarray(at, at + v.payloadLength);
  const child = v.protocol === undefined ? undefined : ipProtocolDissector(v.protocol);
  const flow = child ? child(layers, ctx, buf, base, v, seg) : false;
  if (flow !== false) return flow;
  if (seg.length > 0) {
    const proto = v.protocol === undefined ? 'unknown protocol' : protocolName(v.protocol);
    const fields: Field[] = [{ name: 'data', offset: base + at, length: seg.length, display: `${seg.length} bytes` }];
    layers.push(new LazyLayer({ protocol: 'DATA', offset: base + at, length: seg.length, fields, problems: NONE, value: undefined, text: IP_DATA_TEXT, a: proto, b: undefined, classification: undefined }));
  }
  return undefined;
}

/** The datagram of the first IP layer from `from` on (the packet's own, before any an ICMP error quotes). */
export function ipOf(layers: readonly Layer[], from = 0): IpDatagram | undefined {
  for (let i = from; i < layers.length; i++) {
    const l = layers[i]!;
    if (l.protocol === 'IPv4' || l.protocol === 'IPv6') return l.value;
  }
  return undefined;
}
