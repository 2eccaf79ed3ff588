import { shiftFields, shiftProblems } from '../wire/field.ts';
import { HEADER_SIZE, MAGIC_COOKIE } from '../wire/stun/constants.ts';
import { tcpFrameLength } from '../wire/stun/demux.ts';
import { channelDataLayers } from './protocols/channel-data.ts';
import { dataLayer } from './protocols/data.ts';
import { dissectUdpPayload } from './udp-payload.ts';
import type { Layer, PayloadContext } from './types.ts';

/**
 * Datagram protocols carried over a TCP stream, recognised by content (never by port):
 * - `stun-tcp`: STUN and TURN over TCP (RFC 8489 §6.2.2, RFC 8656 §11.5): STUN messages back to back, each sized by
 *   its header's length, and ChannelData padded to a multiple of 4 (RFC 8656 §12.5), told apart by the first two
 *   bits (00 STUN, 01 ChannelData).
 * - `rfc4571`: ICE-TCP (RFC 6544 §3): every STUN, DTLS, RTP or RTCP packet behind a 16-bit length (RFC 4571 §2).
 * Each framed unit is dissected by the same UDP-payload dissection, so DTLS, SRTP and ChannelData's inner payload
 * read exactly as they do over UDP.
 */
export type FramedMode = 'stun-tcp' | 'rfc4571';

const cookieAt = (b: Uint8Array, at: number): boolean => b.length >= at + 4 && ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0 === MAGIC_COOKIE;

/**
 * What a stream's first bytes say: a STUN header with the magic cookie at offset 4 (STUN over TCP), or a 16-bit
 * length and then such a header, the cookie at offset 6 (RFC 4571). Undefined when neither (or too few bytes).
 */
export function detectFraming(b: Uint8Array): FramedMode | undefined {
  // RFC 8489 §5: the top two bits of a STUN message are zero; its length is a multiple of 4
  if (b.length >= 8 && b[0]! <= 3 && cookieAt(b, 4) && (((b[2]! << 8) | b[3]!) & 3) === 0) return 'stun-tcp';
  if (b.length >= 10 && b[2]! <= 3 && cookieAt(b, 6)) {
    const frame = (b[0]! << 8) | b[1]!;
    const stun = (b[4]! << 8) | b[5]!;
    if (frame === HEADER_SIZE + stun) return 'rfc4571';
  }
  return undefined;
}

export const framingName = (m: FramedMode): string => (m === 'stun-tcp' ? 'STUN/TURN over TCP' : 'RFC 4571 framing (ICE-TCP)');

/** The unit at the start of `b`: its total length, or how many bytes it needs, or why the stream cannot be framed. */
export type NextFrame = { readonly kind: 'incomplete'; readonly need: number } | { readonly kind: 'unit'; readonly length: number } | { readonly kind: 'invalid'; readonly why: string };

export function nextFrame(mode: FramedMode, b: Uint8Array): NextFrame {
  if (mode === 'rfc4571') {
    if (b.length < 2) return { kind: 'incomplete', need: 2 };
    const length = 2 + ((b[0]! << 8) | b[1]!);
    return b.length < length ? { kind: 'incomplete', need: length } : { kind: 'unit', length };
  }
  if (b.length < 4) return { kind: 'incomplete', need: 4 };
  const length = tcpFrameLength(b);
  if (length === undefined) return { kind: 'invalid', why: `first byte 0x${b[0]!.toString(16).padStart(2, '0')} starts neither a STUN message (00) nor ChannelData (01) (RFC 8656 §12)` };
  return b.length < length ? { kind: 'incomplete', need: length } : { kind: 'unit', length };
}

/**
 * The layers of one framed unit. `at` is the unit's offset in the packet when it lies wholly inside it; otherwise
 * (reassembled from several segments) every layer covers `span` and carries its own bytes, its fields indexing them.
 */
export function framedLayers(mode: FramedMode, unit: Uint8Array, at: number | undefined, span: { offset: number; length: number }, ctx: PayloadContext): Layer[] {
  const skip = mode === 'rfc4571' ? 2 : 0;
  const inner = unit.subarray(skip);
  const base = (at ?? 0) + skip;
  let layers: Layer[];
  let why: string;
  if (mode === 'rfc4571') {
    why = `RFC 4571 frame of ${inner.length} bytes on an ICE-TCP stream (RFC 6544 §3)`;
    layers = inner.length ? dissectUdpPayload(inner, base, ctx) : [dataLayer(inner, base, 'empty RFC 4571 frame')];
  } else if (unit[0]! >= 0x40) {
    // over TCP the first two bits 01 are ChannelData whatever the channel (RFC 8656 §12), padded to 4 (§12.5)
    why = 'STUN/TURN over TCP: first two bits 01, ChannelData (RFC 8656 §12.5)';
    layers = channelDataLayers(inner, base, why, { ...ctx, transport: 'tcp' });
  } else {
    why = 'STUN/TURN over TCP: first two bits 00, a STUN message sized by its header (RFC 8489 §6.2.2)';
    layers = dissectUdpPayload(inner, base, ctx);
  }
  layers = layers.map((l) => (l.classification === why ? l : { ...l, classification: l.classification ? `${why}; ${l.classification}` : why }));
  return at !== undefined ? layers : reassembledLayers(layers, unit, span);
}

/**
 * The layers of a unit reassembled from several segments, dissected at offset 0 of `unit`: each keeps exactly its own
 * bytes (types.ts: fields index `bytes`) and covers `span`, this packet's part of the stream.
 */
export function reassembledLayers(layers: readonly Layer[], unit: Uint8Array, span: { offset: number; length: number }): Layer[] {
  return layers.map((l) => {
    const from = l.offset; // where the layer starts in `unit` (dissected at offset 0)
    return {
      ...l,
      offset: span.offset,
      length: span.length,
      fields: from ? shiftFields(l.fields, -from) : l.fields,
      problems: from ? shiftProblems(l.problems, -from) : l.problems,
      bytes: unit.slice(from, from + l.length),
      bytesFrom: 'reassembled' as const,
    };
  });
}
