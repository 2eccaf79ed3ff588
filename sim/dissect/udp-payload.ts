import type { Field, Problem } from '../wire/field.ts';
import { shiftFields, shiftProblems } from '../wire/field.ts';
import { demux, type DemuxResult } from '../wire/demux.ts';
import { decodeStun, decodeChannelData, describe as describeStun } from '../wire/stun/index.ts';
import { decodeDatagram } from '../wire/dtls/datagram.ts';
import { describeDatagram, type DtlsRole } from '../wire/dtls/describe.ts';
import { decodeRtp, type RtpPacket } from '../wire/rtp/rtp.ts';
import { decodeRtcp, describe as describeRtcp } from '../wire/rtcp/rtcp.ts';
import { rtcpTypeName } from '../wire/rtcp/header.ts';
import { decodeSrtcp, decodeSrtp } from '../srtp/dissect.ts';
import { SRTP_PROFILES, type SrtpProfile } from '../srtp/profiles.ts';
import type { ExtensionMap } from '../wire/rtp/extensions.ts';
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
 * Every span is absolute in the packet.
 */
export function dissectUdpPayload(payload: Uint8Array, offset: number, ctx: PayloadContext = {}): Layer[] {
  const d = demux(payload);
  const why = classification(d);
  switch (d.class) {
    case 'empty':
      return [];
    case 'stun':
      // RFC 8489 §5 (and RFC 7983 §7's advice to check more than one byte): no magic cookie, no STUN
      if (d.doubt && !hasMagicCookie(payload)) return [dataLayer(payload, offset, `${why}, but not STUN: ${d.doubt}`)];
      return [stunLayer(payload, offset, why)];
    case 'turn-channeldata':
      return channelDataLayers(payload, offset, why, ctx);
    case 'dtls':
      return [dtlsLayer(payload, offset, why, ctx)];
    case 'rtp':
      return [rtpLayer(payload, offset, why, ctx)];
    case 'rtcp':
      return [rtcpLayer(payload, offset, why, ctx)];
    case 'other': {
      const channel = payload.length >= 4 ? (payload[0]! << 8) | payload[1]! : -1;
      if (ctx.channels?.has(channel)) {
        const bound = `${why}, but channel 0x${channel.toString(16)} was bound by a ChannelBind on this 5-tuple (RFC 5766 §11 allowed 0x4000–0x7FFF): TURN ChannelData`;
        return channelDataLayers(payload, offset, bound, ctx);
      }
      return [dataLayer(payload, offset, why)];
    }
    case 'zrtp':
      return [dataLayer(payload, offset, why)];
  }
}

function hasMagicCookie(p: Uint8Array): boolean {
  return p.length >= 8 && p[4] === 0x21 && p[5] === 0x12 && p[6] === 0xa4 && p[7] === 0x42;
}

/** Problems the codec marks as warnings (what real servers do although RFC 8656 forbids it) become notes. */
const isWarning = (p: Problem): boolean => p.severity === 'warning';

function stunLayer(payload: Uint8Array, offset: number, why: string): Layer {
  const d = decodeStun(payload);
  const m = d.value;
  const legacy = d.problems.filter(isWarning);
  const problems = legacy.length ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  return {
    protocol: 'STUN',
    offset,
    length: payload.length,
    summary: m ? describeStun(m) : 'STUN (unreadable header)',
    fields: shiftFields(d.fields, offset),
    problems: shiftProblems(problems, offset),
    classification: legacy.length ? `${why}; ${legacy.map((p) => p.message).join('; ')} (RFC 5766 allowed it)` : why,
    ...(m ? { value: m } : {}),
  };
}

export function channelDataLayers(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer[] {
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
    inner.push(...((ctx.depth ?? 0) === 0 ? dissectUdpPayload(data, offset + 4, { ...ctx, depth: 1, transport: undefined }) : [dataLayer(data, offset + 4, 'ChannelData inside ChannelData: not relayed twice, shown as data')]));
  }
  const top = inner[inner.length - 1];
  const summary = cd ? `${describeStun(cd)}${top ? `: ${top.summary}` : ''}` : 'ChannelData (unreadable header)';
  const layer: Layer = {
    protocol: 'TURN-CHANNELDATA',
    offset,
    length: payload.length,
    summary,
    fields: shiftFields(d.fields, offset),
    problems: shiftProblems(problems, offset),
    classification: legacy ? `${why}; ${legacy}` : why,
    ...(cd ? { value: cd } : {}),
  };
  return [layer, ...inner];
}

function dtlsLayer(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer {
  const d = decodeDatagram(payload, { base: offset });
  const text = describeDatagram(d.value, ctx.dtlsRole);
  return {
    protocol: 'DTLS',
    offset,
    length: payload.length,
    summary: text || 'DTLS (no record)',
    fields: d.fields,
    problems: d.problems,
    classification: why,
    value: d.value,
  };
}

/** "PT 111 ssrc 0x1234abcd seq 812 ts 48000 M" */
export function describeRtp(p: RtpPacket): string {
  const h = p.header;
  return `PT ${h.payloadType} ssrc ${hex8(h.ssrc)} seq ${h.sequenceNumber} ts ${h.timestamp >>> 0}${h.marker ? ' M' : ''}`;
}

function rtpLayer(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer {
  const profile = srtpProfileOf(ctx);
  const d = profile ? decodeSrtp(payload, profile, ctx.extensions, offset) : decodeRtp(payload, ctx.extensions ? { extensions: ctx.extensions } : {}, offset);
  const name = profile ? 'SRTP' : 'RTP';
  return {
    protocol: name,
    offset,
    length: payload.length,
    summary: `${name} ${describeRtp(d.value)}${profile ? ', payload encrypted' : ''}`,
    fields: d.fields,
    problems: d.problems,
    classification: profile ? `${why}; the 5-tuple carried DTLS-SRTP, so SRTP (RFC 5764 §5.1.2)` : why,
    value: d.value,
  };
}

function rtcpLayer(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer {
  const profile = srtpProfileOf(ctx);
  if (profile) {
    const d = decodeSrtcp(payload, profile, offset);
    const v = d.value;
    return {
      protocol: 'SRTCP',
      offset,
      length: payload.length,
      summary: v ? `SRTCP ${rtcpTypeName(v.packetType)} from ${hex8(v.ssrc)} index ${v.index}${v.encrypted ? ', encrypted' : ''}` : 'SRTCP (too short)',
      fields: d.fields,
      problems: d.problems,
      classification: `${why}; the 5-tuple carried DTLS-SRTP, so SRTCP (RFC 5764 §5.1.2)`,
      ...(v ? { value: v } : {}),
    };
  }
  const d = decodeRtcp(payload, offset);
  return {
    protocol: 'RTCP',
    offset,
    length: payload.length,
    summary: `RTCP ${d.value.map((p) => describeRtcp(p)).join('; ')}`,
    fields: d.fields,
    problems: d.problems,
    classification: why,
    value: d.value,
  };
}

export function dataLayer(payload: Uint8Array, offset: number, why?: string, problems: readonly Problem[] = []): Layer {
  const fields: Field[] = payload.length ? [{ name: 'data', offset, length: payload.length, display: `${payload.length} bytes` }] : [];
  return {
    protocol: 'DATA',
    offset,
    length: payload.length,
    summary: `${payload.length} bytes of data`,
    fields,
    problems,
    ...(why ? { classification: why } : {}),
    value: payload,
  };
}
