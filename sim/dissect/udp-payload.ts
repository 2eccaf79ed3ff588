import type { Problem } from '../wire/field.ts';
import { shiftFields, shiftProblems } from '../wire/field.ts';
import { demux, demuxClass, type DemuxResult } from '../wire/demux.ts';
import { decodeStun, decodeChannelData, describe as describeStun, type ChannelData, type StunMessage } from '../wire/stun/index.ts';
import { decodeDatagram, type DissectedRecord } from '../wire/dtls/datagram.ts';
import { describeDatagram, type DtlsRole } from '../wire/dtls/describe.ts';
import { decodeRtp, type RtpPacket } from '../wire/rtp/rtp.ts';
import { decodeRtcp, describe as describeRtcp, type RtcpPacket } from '../wire/rtcp/rtcp.ts';
import { rtcpTypeName } from '../wire/rtcp/header.ts';
import { decodeSrtcp, decodeSrtp, type SrtcpView } from '../wire/srtp/protected.ts';
import { SRTP_PROFILES, type SrtpProfile } from '../wire/srtp/profiles.ts';
import type { ExtensionMap } from '../wire/rtp/extensions.ts';
import { LazyLayer, plainLayer, type LayerText } from './layer.ts';
import type { Layer } from './types.ts';

/** What a UDP payload's dissection may depend on beyond its own bytes (state the `Dissector` keeps per flow). */
export interface PayloadContext {
  /**
   * RFC 5764 §5.1.2: on a 5-tuple that carried a DTLS-SRTP handshake, RTP and RTCP are SRTP and SRTCP.
   * `true` assumes AES_CM_128_HMAC_SHA1_80 (the mandatory profile, RFC 8827 §6.5) for the tag length.
   */
  readonly srtp?: SrtpProfile | boolean;
  /** Names the RTP header extension elements (`a=extmap` from SDP). */
  readonly extensions?: ExtensionMap;
  /** Which side sent this datagram, when a DTLS handshake showed it: resolves flight numbers. */
  readonly dtlsRole?: DtlsRole;
  /**
   * Channel numbers a ChannelBind on this 5-tuple bound. RFC 5766 allowed 0x4000–0x7FFF and coturn still uses
   * numbers above 0x4FFF, whose first byte RFC 7983 leaves unassigned: a bound channel makes them ChannelData.
   */
  readonly channels?: ReadonlySet<number>;
  /** How deep inside ChannelData we are (a ChannelData inside ChannelData is data, not another hop). */
  readonly depth?: number;
  /** Set for a message framed on a TCP stream: ChannelData must then be padded to a multiple of 4 (RFC 8656 §12.5). */
  readonly transport?: 'tcp';
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function srtpProfileOf(ctx: PayloadContext): SrtpProfile | undefined {
  if (ctx.srtp === undefined || ctx.srtp === false) return undefined;
  return ctx.srtp === true ? SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80 : ctx.srtp;
}

function classification(d: DemuxResult): string {
  return d.doubt ? `${d.reason} (but ${d.doubt})` : d.reason;
}

/**
 * Dissects a UDP payload sitting at `offset` in the packet (RFC 7983 §7 first-byte demultiplexing), returning its
 * layers outermost first: one, or two for a ChannelData message whose application data is dissected in turn.
 * Every span is absolute in the packet. The layers are plain objects (see `payloadLayers` for the dissector's own).
 */
export function dissectUdpPayload(payload: Uint8Array, offset: number, ctx: PayloadContext = {}): Layer[] {
  return payloadLayers(payload, offset, ctx).map(plainLayer);
}

/**
 * `dissectUdpPayload` as the dissector uses it: the same layers, their summaries and classifications written only
 * when read (`LazyLayer`). Not for callers that copy layers with a spread.
 */
export function payloadLayers(payload: Uint8Array, offset: number, ctx: PayloadContext = {}): Layer[] {
  const out: Layer[] = [];
  pushPayloadLayers(out, payload, offset, ctx);
  return out;
}

/** `payloadLayers` appended to `out` (the packet's own list: no list per payload). */
export function pushPayloadLayers(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext = {}): void {
  switch (demuxClass(payload)) {
    case 'empty':
      return;
    case 'stun': {
      const d = demux(payload);
      const why = classification(d);
      // RFC 8489 §5 (and RFC 7983 §7's advice to check more than one byte): no magic cookie, no STUN
      if (d.doubt && !hasMagicCookie(payload)) out.push(dataLayer(payload, offset, `${why}, but not STUN: ${d.doubt}`));
      else out.push(stunLayer(payload, offset, why));
      return;
    }
    case 'turn-channeldata':
      for (const l of channelData(payload, offset, classification(demux(payload)), ctx)) out.push(l);
      return;
    case 'dtls':
      out.push(dtlsLayer(payload, offset, ctx));
      return;
    case 'rtp':
      out.push(rtpLayer(payload, offset, ctx));
      return;
    case 'rtcp':
      out.push(rtcpLayer(payload, offset, ctx));
      return;
    case 'other': {
      const why = classification(demux(payload));
      const channel = payload.length >= 4 ? (payload[0]! << 8) | payload[1]! : -1;
      if (ctx.channels?.has(channel)) {
        const bound = `${why}, but channel 0x${channel.toString(16)} was bound by a ChannelBind on this 5-tuple (RFC 5766 §11 allowed 0x4000–0x7FFF): TURN ChannelData`;
        for (const l of channelData(payload, offset, bound, ctx)) out.push(l);
      } else out.push(dataLayer(payload, offset, why));
      return;
    }
    case 'zrtp':
      out.push(dataLayer(payload, offset, classification(demux(payload))));
      return;
  }
}

function hasMagicCookie(p: Uint8Array): boolean {
  return p.length >= 8 && p[4] === 0x21 && p[5] === 0x12 && p[6] === 0xa4 && p[7] === 0x42;
}

/** Problems the codec marks as warnings (what real servers do although RFC 8656 forbids it) become notes. */
const isWarning = (p: Problem): boolean => p.severity === 'warning';

/** Why a payload was classified so, from its bytes (RFC 7983 §7), with what the flow's context adds. */
const payloadWhy = (_l: Layer, payload: Uint8Array): string => classification(demux(payload));

const STUN_TEXT: LayerText<undefined, undefined> = {
  summary: (l) => (l.value ? describeStun(l.value as StunMessage) : 'STUN (unreadable header)'),
};

function stunLayer(payload: Uint8Array, offset: number, why: string): Layer {
  const d = decodeStun(payload);
  const m = d.value;
  const legacy = d.problems.filter(isWarning);
  const problems = legacy.length ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  const classified = legacy.length ? `${why}; ${legacy.map((p) => p.message).join('; ')} (RFC 5766 allowed it)` : why;
  return new LazyLayer('STUN', offset, payload.length, shiftFields(d.fields, offset), shiftProblems(problems, offset), m, STUN_TEXT, undefined, undefined, classified);
}

/** ChannelData layers as plain objects (for framings other than UDP; see `dissectUdpPayload`). */
export function channelDataLayers(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer[] {
  return channelData(payload, offset, why, ctx).map(plainLayer);
}

/** Its summary names what it carries: the innermost layer's summary (`top`). */
const CHANNEL_DATA_TEXT: LayerText<Layer | undefined, undefined> = {
  summary: (l, top) => (l.value ? `${describeStun(l.value as ChannelData)}${top ? `: ${top.summary}` : ''}` : 'ChannelData (unreadable header)'),
};

function channelData(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer[] {
  const d = decodeChannelData(payload, ctx.transport ? { transport: ctx.transport } : {});
  const cd = d.value;
  // A channel the server accepted in a ChannelBind is legitimate on this 5-tuple, whatever RFC 8656 now reserves.
  const warnings = cd && ctx.channels?.has(cd.channel) ? d.problems.filter(isWarning) : [];
  const legacy = warnings.length ? warnings.map((p) => p.message).join('; ') : undefined;
  const problems = legacy ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  const inner: Layer[] = [];
  if (cd && cd.data.length > 0) {
    // the application data starts right after the 4-byte header (RFC 8656 §12.4); one level deep at most
    const data = payload.subarray(4, 4 + cd.data.length);
    inner.push(...((ctx.depth ?? 0) === 0 ? payloadLayers(data, offset + 4, { ...ctx, depth: 1, transport: undefined }) : [dataLayer(data, offset + 4, 'ChannelData inside ChannelData: not relayed twice, shown as data')]));
  }
  const top = inner[inner.length - 1];
  const classified = legacy ? `${why}; ${legacy}` : why;
  const layer = new LazyLayer('TURN-CHANNELDATA', offset, payload.length, shiftFields(d.fields, offset), shiftProblems(problems, offset), cd, CHANNEL_DATA_TEXT, top, undefined, classified);
  return [layer, ...inner];
}

const DTLS_TEXT: LayerText<Uint8Array, PayloadContext> = {
  summary: (l, _payload, ctx) => describeDatagram(l.value as DissectedRecord[], ctx.dtlsRole) || 'DTLS (no record)',
  classification: payloadWhy,
};

function dtlsLayer(payload: Uint8Array, offset: number, ctx: PayloadContext): Layer {
  const d = decodeDatagram(payload, { base: offset });
  return new LazyLayer('DTLS', offset, payload.length, d.fields, d.problems, d.value, DTLS_TEXT, payload, ctx);
}

/** "PT 111 ssrc 0x1234abcd seq 812 ts 48000 M" */
export function describeRtp(p: RtpPacket): string {
  const h = p.header;
  return `PT ${h.payloadType} ssrc ${hex8(h.ssrc)} seq ${h.sequenceNumber} ts ${h.timestamp >>> 0}${h.marker ? ' M' : ''}`;
}

const RTP_TEXT: LayerText<Uint8Array, undefined> = {
  summary: (l) => `RTP ${describeRtp(l.value as RtpPacket)}`,
  classification: payloadWhy,
};

const SRTP_TEXT: LayerText<Uint8Array, undefined> = {
  summary: (l) => `SRTP ${describeRtp(l.value as RtpPacket)}, payload encrypted`,
  classification: (_l, payload) => `${payloadWhy(_l, payload)}; the 5-tuple carried DTLS-SRTP, so SRTP (RFC 5764 §5.1.2)`,
};

function rtpLayer(payload: Uint8Array, offset: number, ctx: PayloadContext): Layer {
  const profile = srtpProfileOf(ctx);
  if (profile) {
    const d = decodeSrtp(payload, profile, ctx.extensions, offset);
    return new LazyLayer('SRTP', offset, payload.length, d.fields, d.problems, d.value, SRTP_TEXT, payload, undefined);
  }
  const d = decodeRtp(payload, ctx.extensions ? { extensions: ctx.extensions } : {}, offset);
  return new LazyLayer('RTP', offset, payload.length, d.fields, d.problems, d.value, RTP_TEXT, payload, undefined);
}

const SRTCP_TEXT: LayerText<Uint8Array, undefined> = {
  summary: (l) => {
    const v = l.value as SrtcpView | undefined;
    return v ? `SRTCP ${rtcpTypeName(v.packetType)} from ${hex8(v.ssrc)} index ${v.index}${v.encrypted ? ', encrypted' : ''}` : 'SRTCP (too short)';
  },
  classification: (_l, payload) => `${payloadWhy(_l, payload)}; the 5-tuple carried DTLS-SRTP, so SRTCP (RFC 5764 §5.1.2)`,
};

const RTCP_TEXT: LayerText<Uint8Array, undefined> = {
  summary: (l) => `RTCP ${(l.value as RtcpPacket[]).map((p) => describeRtcp(p)).join('; ')}`,
  classification: payloadWhy,
};

function rtcpLayer(payload: Uint8Array, offset: number, ctx: PayloadContext): Layer {
  const profile = srtpProfileOf(ctx);
  if (profile) {
    const d = decodeSrtcp(payload, profile, offset);
    return new LazyLayer('SRTCP', offset, payload.length, d.fields, d.problems, d.value, SRTCP_TEXT, payload, undefined);
  }
  const d = decodeRtcp(payload, offset);
  return new LazyLayer('RTCP', offset, payload.length, d.fields, d.problems, d.value, RTCP_TEXT, payload, undefined);
}

export function dataLayer(payload: Uint8Array, offset: number, why?: string, problems: readonly Problem[] = []): Layer {
  return {
    protocol: 'DATA',
    offset,
    length: payload.length,
    summary: `${payload.length} bytes of data`,
    fields: payload.length ? [{ name: 'data', offset, length: payload.length, display: `${payload.length} bytes` }] : [],
    problems,
    ...(why ? { classification: why } : {}),
    value: payload,
  };
}
