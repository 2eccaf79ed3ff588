import { rtcpTypeName } from '../../wire/rtcp/header.ts';
import { decodeRtcp, describe as describeRtcp, type RtcpPacket } from '../../wire/rtcp/rtcp.ts';
import { decodeSrtcp, type SrtcpView } from '../../wire/srtp/protected.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import { payloadWhy } from '../udp-payload.ts';
import type { Layer, PayloadContext } from '../types.ts';
import { hex8, srtpProfileOf } from './rtp.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** A compound RTCP packet (RFC 3550 §6.1): its packets in order. */
    RTCP: RtcpPacket[];
    /** The clear part of an SRTCP packet (RFC 3711 §3.4): first header, SRTCP index, E flag. */
    SRTCP: SrtcpView;
  }
}

const SRTCP_TEXT: LayerText<'SRTCP', Uint8Array> = {
  summary: (l) => {
    const v = l.value;
    return v ? `SRTCP ${rtcpTypeName(v.packetType)} from ${hex8(v.ssrc)} index ${v.index}${v.encrypted ? ', encrypted' : ''}` : 'SRTCP (too short)';
  },
  classification: (_l, payload) => `${payloadWhy(payload)}; the 5-tuple carried DTLS-SRTP, so SRTCP (RFC 5764 §5.1.2)`,
};

const RTCP_TEXT: LayerText<'RTCP', Uint8Array> = {
  summary: (l) => `RTCP ${(l.value ?? []).map((p) => describeRtcp(p)).join('; ')}`,
  classification: (_l, payload) => payloadWhy(payload),
};

/** RFC 7983 §7 / RFC 5761 §4: first byte 128–191 and a packet type 192–223 is RTCP, SRTCP on a DTLS-SRTP 5-tuple. */
function dissectRtcp(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext): void {
  const profile = srtpProfileOf(ctx);
  if (profile) {
    const d = decodeSrtcp(payload, profile, offset, ctx.spans !== false);
    out.push(new LazyLayer({ protocol: 'SRTCP', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: SRTCP_TEXT, a: payload }));
    return;
  }
  const d = decodeRtcp(payload, offset, ctx.spans !== false);
  out.push(new LazyLayer({ protocol: 'RTCP', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: RTCP_TEXT, a: payload }));
}

function rtcpJson(p: RtcpPacket): Json {
  const out: Json = { type: p.type };
  if ('ssrc' in p && typeof p.ssrc === 'number') out.ssrc = hex8(p.ssrc);
  if ('senderSsrc' in p && typeof p.senderSsrc === 'number') out.senderSsrc = hex8(p.senderSsrc);
  if ('mediaSsrc' in p && typeof p.mediaSsrc === 'number') out.mediaSsrc = hex8(p.mediaSsrc);
  if (p.type === 'unknown' || p.type === 'feedback') out.packetType = p.packetType;
  return out;
}

export const RTCP = defineProtocol({
  name: 'RTCP',
  description: 'RTP Control Protocol (RFC 3550 §6), feedback (RFC 4585, RFC 5104) and transport-wide congestion control',
  viz: { class: 'RTCP', colour: '#3fb6c6' },
  json: (v, _l, base) => {
    base.packets = v.map(rtcpJson);
    return base;
  },
  on: [{ table: 'udp.rfc7983', key: 'rtcp', dissect: dissectRtcp }],
});

export const SRTCP = defineProtocol({
  name: 'SRTCP',
  description: 'Secure RTCP (RFC 3711 §3.4): the clear first header and the SRTCP index; opened like SRTP',
  viz: { class: 'RTCP' },
  json: (s, _l, base) => Object.assign(base, { packetType: s.packetType, packetTypeName: rtcpTypeName(s.packetType), ssrc: hex8(s.ssrc), index: s.index, encrypted: s.encrypted }),
});
