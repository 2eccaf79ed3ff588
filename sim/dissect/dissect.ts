import { decodeLinkLayer, type LinkLayer } from '../wire/pcap/link-layer.ts';
import './registry.ts';
import { dissectIp, ipOf } from './protocols/ip.ts';
import { linkLayer } from './protocols/eth.ts';
import { finishPacket } from './packet.ts';
import { ethertypeDissector } from './table.ts';
import type { DissectContext, DissectedPacket, Layer } from './types.ts';

export type { DissectContext, PayloadContext } from './types.ts';
export { formatEndpoint } from './endpoint.ts';
export { allProblems, topLayer } from './packet.ts';
export { dissectUdpPayload, payloadLayers } from './udp-payload.ts';

/**
 * The dissector's entry points for one packet, without state: a raw IP datagram or a captured frame. Importing this
 * module installs the dissector tables (registry.ts); `Dissector` (dissector.ts) keeps state across packets.
 */

/** Dissects one raw IP datagram (what every simulated hop carries). Never throws; offsets are absolute in `bytes`. */
export function dissectPacket(bytes: Uint8Array, ctx: DissectContext = {}): DissectedPacket {
  const layers: Layer[] = [];
  const flow = dissectIp(bytes, 0, ctx, layers);
  return finishPacket(layers, flow, flow ? undefined : ipOf(layers));
}

/**
 * Dissects a captured frame of the given link type (Ethernet, SLL, SLL2, raw IP, loopback …): a link layer
 * ('ETH' whatever the link type, its summary names it), then the IP datagram inside. Offsets are absolute in `frame`.
 */
export function dissectFrame(frame: Uint8Array, linkType: number, ctx: DissectContext = {}, decoded?: LinkLayer): DissectedPacket {
  // the capture reader has decoded the link layer already to find the IP header: reuse it when given
  const link = decoded && decoded.linkType === linkType ? decoded : decodeLinkLayer(frame, linkType);
  const layers: Layer[] = [];
  const ip = link.ipOffset;
  if (ip === undefined || ip > 0 || link.problems.length > 0) layers.push(linkLayer(link, frame.length, ctx.spans !== false));
  if (ip === undefined) {
    // another protocol by its ethertype (ARP), when one registered on it
    const other = link.payloadOffset !== undefined && link.ethertype !== undefined ? ethertypeDissector(link.ethertype) : undefined;
    if (other) other(layers, frame.subarray(link.payloadOffset!), link.payloadOffset!, ctx);
    return finishPacket(layers, undefined, undefined);
  }
  const at = layers.length;
  const flow = dissectIp(frame.subarray(ip), ip, ctx, layers);
  return finishPacket(layers, flow, flow ? undefined : ipOf(layers, at));
}
