import { demux, demuxClass, type DemuxResult } from '../wire/demux.ts';
import { plainLayer } from './layer.ts';
import { dataLayer } from './protocols/data.ts';
import { rfc7983Dissector, udpContentDissector, udpPortDissector } from './table.ts';
import type { Layer, PayloadContext } from './types.ts';

export type { PayloadContext } from './types.ts';

/** Why a payload was classified so, from a demultiplexing result (RFC 7983 §7). */
export function classification(d: DemuxResult): string {
  return d.doubt ? `${d.reason} (but ${d.doubt})` : d.reason;
}

/** Why a payload was classified so, from its bytes (RFC 7983 §7). */
export const payloadWhy = (payload: Uint8Array): string => classification(demux(payload));

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

/**
 * `payloadLayers` appended to `out` (the packet's own list: no list per payload): the dissector registered on the
 * payload's RFC 7983 class (table.ts `udp.rfc7983`), or data. A payload whose first byte RFC 7983 gives ChannelData
 * or nothing is first offered to the content recognisers (table.ts `udp.content`: SIP), unless it is on a channel a
 * ChannelBind bound. Before all that, a protocol registered on one of the datagram's ports (table.ts `udp.port`:
 * mDNS on 5353, whose first byte RFC 7983 would call STUN) takes the payload. The ports are the datagram's, -1 when
 * the payload is not a UDP datagram's own.
 */
export function pushPayloadLayers(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext = {}, srcPort = -1, dstPort = -1): void {
  const c = demuxClass(payload);
  if (c === 'empty') return;
  const byPort = srcPort < 0 || ctx.transport === 'tcp' ? undefined : udpPortDissector(srcPort, dstPort);
  if (byPort) {
    byPort.d(out, payload, offset, ctx, srcPort, dstPort);
    return;
  }
  if (c === 'other' || c === 'turn-channeldata') {
    const channel = payload.length >= 4 ? (payload[0]! << 8) | payload[1]! : -1;
    const bound = ctx.channels?.has(channel) === true;
    const channelData = bound && c === 'other' ? rfc7983Dissector('turn-channeldata') : undefined;
    if (channelData) {
      const why = `${payloadWhy(payload)}, but channel 0x${channel.toString(16)} was bound by a ChannelBind on this 5-tuple (RFC 5766 §11 allowed 0x4000–0x7FFF): TURN ChannelData`;
      channelData(out, payload, offset, ctx, why);
      return;
    }
    const content = bound || ctx.transport === 'tcp' ? undefined : udpContentDissector(payload, srcPort, dstPort);
    if (content) {
      content.r.dissect(out, payload, offset, ctx, content.r.why(payload, srcPort, dstPort));
      return;
    }
  }
  const child = rfc7983Dissector(c);
  if (child) child(out, payload, offset, ctx);
  else out.push(dataLayer(payload, offset, payloadWhy(payload)));
}
