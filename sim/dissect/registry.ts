import { demuxClass } from '../wire/demux.ts';
import { install, ipProtocolOwner, rfc7983Owner, udpContentDissector, udpPortDissector, type AnyProtocolSpec, type Json } from './table.ts';
import type { Layer, Protocol } from './types.ts';
import { ETH } from './protocols/eth.ts';
import { IPv4, IPv6 } from './protocols/ip.ts';
import { DATA } from './protocols/data.ts';
import { UDP } from './protocols/udp.ts';
import { TCP } from './protocols/tcp.ts';
import { STUN } from './protocols/stun.ts';
import { TURN_CHANNELDATA } from './protocols/channel-data.ts';
import { DTLS } from './protocols/dtls.ts';
import { RTP, SRTP } from './protocols/rtp.ts';
import { RTCP, SRTCP } from './protocols/rtcp.ts';
import { ZRTP } from './protocols/zrtp.ts';
import { TLS } from './protocols/tls.ts';
import { HTTP } from './protocols/http.ts';
import { WEBSOCKET } from './protocols/websocket.ts';
import { SDP, SIGNALING } from './protocols/signaling.ts';
import { ICMP, ICMPv6 } from './protocols/icmp.ts';
import { ARP } from './protocols/arp.ts';
import { DATACHANNEL, DCEP, SCTP } from './protocols/sctp.ts';
import { SIP } from './protocols/sip.ts';
import { MDNS } from './protocols/mdns.ts';

/**
 * THE protocol list: every protocol the dissector knows, once. Each entry is its file's spec (protocols/*.ts): its
 * registrations on parent tables, its `--json` keys, its visualizer class and colour. The visualizer's classes are
 * the classes these entries define, in this order (so the order here is the packet list's filter order).
 * Adding a protocol: its file, and its line here (docs/adding-a-protocol.md).
 */
export const PROTOCOL_LIST: readonly AnyProtocolSpec[] = [
  IPv4,
  IPv6,
  ETH,
  DATA,
  UDP,
  TCP,
  STUN,
  TURN_CHANNELDATA,
  DTLS,
  SCTP,
  DCEP,
  DATACHANNEL,
  RTP,
  SRTP,
  RTCP,
  SRTCP,
  ZRTP,
  ICMP,
  ICMPv6,
  ARP,
  TLS,
  HTTP,
  WEBSOCKET,
  SIGNALING,
  SDP,
  SIP,
  MDNS,
];

install(PROTOCOL_LIST);

const byName = new Map<string, AnyProtocolSpec>(PROTOCOL_LIST.map((s) => [s.name, s]));

/** A protocol's spec, by name. */
export function protocolSpec(name: Protocol): AnyProtocolSpec | undefined {
  return byName.get(name);
}

/** A layer's `--json` keys beyond the common ones (docs/dissect-json.md), written into `base`. */
export function protocolJson(l: Layer, base: Json): Json {
  const v = l.value;
  const spec = byName.get(l.protocol);
  if (v === undefined || !spec?.json) return base;
  // the spec is the one registered under the layer's own protocol name, so its json reads this layer's value type
  // (a correlation TypeScript cannot follow through the map)
  return (spec.json as (value: typeof v, layer: Layer, base: Json) => Json)(v, l, base);
}

/** A visualizer class: a name the packet list and filters show, and its colour. */
export interface ProtocolClass {
  readonly name: string;
  readonly colour: string;
}

/** The visualizer's protocol classes, in the list's order, from the specs that define one. */
export const PROTOCOL_CLASSES: readonly ProtocolClass[] = PROTOCOL_LIST.flatMap((s) => (s.viz.colour ? [{ name: s.viz.class, colour: s.viz.colour }] : []));

const classIndex = new Map(PROTOCOL_CLASSES.map((c, i) => [c.name, i]));
for (const s of PROTOCOL_LIST) {
  if (!classIndex.has(s.viz.class)) throw new Error(`protocol ${s.name}: visualizer class ${s.viz.class} is defined by no protocol (give one a colour)`);
}

/** The index in PROTOCOL_CLASSES of a protocol's class. */
export function classOfProtocol(name: Protocol): number {
  const s = byName.get(name);
  return s ? classIndex.get(s.viz.class)! : 0;
}

const IP_CLASS = classOfProtocol('IPv4');
const UDP_CLASS = classOfProtocol('UDP');

/**
 * Cheap classification of one IP datagram for the visualizer (a million hops): IP version, then the class of the
 * protocol registered on its protocol number, then for UDP the class of the one registered on a port of the
 * datagram (mDNS), or else on the payload's RFC 7983 first-byte class. No dissection; the same tables the dissector uses.
 */
export function classifyDatagram(b: Uint8Array): number {
  const v = b.length > 0 ? b[0]! >> 4 : 0;
  let proto: number;
  let off: number;
  if (v === 4 && b.length >= 20) {
    proto = b[9]!;
    off = (b[0]! & 0x0f) * 4;
  } else if (v === 6 && b.length >= 40) {
    proto = b[6]!;
    off = 40;
  } else return IP_CLASS;
  const owner = ipProtocolOwner(proto);
  if (owner === undefined) return IP_CLASS;
  if (owner !== 'UDP') return classOfProtocol(owner);
  if (b.length < off + 8) return IP_CLASS;
  const payload = b.subarray(off + 8);
  const c = demuxClass(payload);
  const srcPort = (b[off]! << 8) | b[off + 1]!;
  const dstPort = (b[off + 2]! << 8) | b[off + 3]!;
  // a protocol on its well-known port (mDNS), before the first byte, as the dissector's udp.port table has it
  const byPort = c === 'empty' ? undefined : udpPortDissector(srcPort, dstPort);
  if (byPort) return classOfProtocol(byPort.owner);
  // a text protocol (SIP) where RFC 7983 says ChannelData or nothing, as the dissector's udp.content table has it
  const content = c === 'other' || c === 'turn-channeldata' ? udpContentDissector(payload, srcPort, dstPort) : undefined;
  if (content) return classOfProtocol(content.owner);
  const payloadOwner = rfc7983Owner(c);
  return payloadOwner === undefined ? UDP_CLASS : classOfProtocol(payloadOwner);
}
