import { decodeRtp, type RtpPacket } from '../../wire/rtp/rtp.ts';
import { decodeSrtp } from '../../wire/srtp/protected.ts';
import { SRTP_PROFILES, type SrtpProfile } from '../../wire/srtp/profiles.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import { payloadWhy } from '../udp-payload.ts';
import type { Layer, PayloadContext } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    RTP: RtpPacket;
    /** The clear header of an SRTP packet (RFC 3711 §3.1): the payload is still encrypted. */
    SRTP: RtpPacket;
  }
}

export const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** "PT 111 ssrc 0x1234abcd seq 812 ts 48000 M" */
export function describeRtp(p: RtpPacket): string {
  const h = p.header;
  return `PT ${h.payloadType} ssrc ${hex8(h.ssrc)} seq ${h.sequenceNumber} ts ${h.timestamp >>> 0}${h.marker ? ' M' : ''}`;
}

/** The SRTP profile a flow's context implies, if its RTP is SRTP (RFC 5764 §5.1.2). */
export function srtpProfileOf(ctx: PayloadContext): SrtpProfile | undefined {
  if (ctx.srtp === undefined || ctx.srtp === false) return undefined;
  return ctx.srtp === true ? SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80 : ctx.srtp;
}

const RTP_TEXT: LayerText<'RTP', Uint8Array> = {
  summary: (l) => `RTP ${describeRtp(l.value!)}`,
  classification: (_l, payload) => payloadWhy(payload),
};

const SRTP_TEXT: LayerText<'SRTP', Uint8Array> = {
  summary: (l) => `SRTP ${describeRtp(l.value!)}, payload encrypted`,
  classification: (_l, payload) => `${payloadWhy(payload)}; the 5-tuple carried DTLS-SRTP, so SRTP (RFC 5764 §5.1.2)`,
};

/** RFC 7983 §7: first byte 128–191 and a payload type outside 64–95 is RTP (RFC 3550), SRTP on a DTLS-SRTP 5-tuple. */
/** The two option objects of an RTP decode without extensions, made once (this runs for every RTP packet). */
const NO_SPANS = { spans: false } as const;
const WITH_SPANS = { spans: true } as const;

function dissectRtp(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext): void {
  const profile = srtpProfileOf(ctx);
  if (profile) {
    const d = decodeSrtp(payload, profile, ctx.extensions, offset, ctx.spans !== false);
    out.push(new LazyLayer({ protocol: 'SRTP', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: SRTP_TEXT, a: payload }));
    return;
  }
  const d = decodeRtp(payload, ctx.extensions ? { extensions: ctx.extensions, spans: ctx.spans !== false } : ctx.spans === false ? NO_SPANS : WITH_SPANS, offset);
  out.push(new LazyLayer({ protocol: 'RTP', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: RTP_TEXT, a: payload }));
}

/** RTP and SRTP write the same keys: the header's (docs/dissect-json.md). */
function rtpJson(v: RtpPacket, _l: unknown, base: Json): Json {
  const h = v.header;
  base.ssrc = hex8(h.ssrc);
  base.seq = h.sequenceNumber;
  base.timestamp = h.timestamp >>> 0;
  base.payloadType = h.payloadType;
  base.marker = h.marker;
  if (h.csrcs.length) base.csrcs = h.csrcs.map(hex8);
  base.payloadLength = v.payload.length;
  return base;
}

export const RTP = defineProtocol({
  name: 'RTP',
  description: 'Real-time Transport Protocol (RFC 3550) with header extensions (RFC 8285); decrypted SRTP reads as RTP',
  viz: { class: 'RTP', colour: '#5ad1a0' },
  json: rtpJson,
  on: [{ table: 'udp.rfc7983', key: 'rtp', dissect: dissectRtp }],
});

export const SRTP = defineProtocol({
  name: 'SRTP',
  description: 'Secure RTP (RFC 3711): the clear header; opened with keys from DTLS-SRTP (RFC 5764) and a key log',
  viz: { class: 'RTP' },
  json: rtpJson,
});
