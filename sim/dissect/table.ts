import type { JsonValue } from '../core/trace.ts';
import type { DemuxClass } from '../wire/demux.ts';
import type { IpDatagram } from '../wire/ip/datagram.ts';
import type { DissectContext, Flow, Layer, LayerOf, LayerValues, PayloadContext, Protocol } from './types.ts';

/**
 * The dissector tables, as Wireshark has them: each protocol registers on its parent's table (an IP protocol
 * number, an RFC 7983 first-byte class, a place in the ordered list of TCP stream recognisers) and the parent
 * looks the child up there, never naming it. The tables are filled once, by registry.ts, from its one protocol list;
 * a protocol file imports this module, never the registry (so no import runs in a circle).
 */

/** A JSON object, as `--json` writes one. */
export type Json = { [key: string]: JsonValue };

/**
 * Dissects an IP payload, appending its layers to `layers` (the packet's layers so far); returns the transport
 * 5-tuple when the protocol has one, or false to decline (the payload is then one DATA layer, as for a protocol
 * nobody registered). `buf` holds the bytes from the IP header on, which sits at `base` in the packet; `seg` is the
 * IP payload (`buf` from `ip.payloadOffset`, as long as the header says and the bytes allow). Arguments, not one
 * object: this runs for every packet, and an object made per call is garbage per packet (the call site is not
 * inlined, so V8 cannot take the object apart).
 */
export type IpPayloadDissector = (layers: Layer[], ctx: DissectContext, buf: Uint8Array, base: number, ip: IpDatagram, seg: Uint8Array) => Flow | undefined | false;

/**
 * Dissects a UDP payload of one RFC 7983 class (or framed on a TCP stream the same way), appending its layers.
 * `why` is a classification its caller worked out already (a bound TURN channel); otherwise the dissector says why.
 */
export type UdpPayloadDissector = (out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, why?: string) => void;

/**
 * A UDP protocol recognised by its content (and its well-known port) rather than by RFC 7983's first byte: a text
 * protocol such as SIP, whose first bytes (ASCII letters, 0x41–0x5A) fall in ranges RFC 7983 gives ChannelData or
 * leaves unassigned. Tried only on payloads of those classes (never on STUN, DTLS, RTP or a bound channel), lowest
 * `order` first; `recognise` must be cheap (it runs on every such datagram).
 */
export interface UdpContentRecogniser {
  readonly order: number;
  /** Whether the payload is this protocol's; the ports are the datagram's (-1 when not known). */
  readonly recognise: (payload: Uint8Array, srcPort: number, dstPort: number) => boolean;
  /** `why`: what recognised it, in words. */
  readonly dissect: UdpPayloadDissector;
  /** Its words for why a payload was recognised. */
  readonly why: (payload: Uint8Array, srcPort: number, dstPort: number) => string;
}

/**
 * A UDP protocol on a well-known port whose first byte RFC 7983 would misread: Multicast DNS on 5353 (its message ID
 * is 0, RFC 6762 §18.1, so its first byte says STUN). Looked up by the datagram's ports (the lower first, as
 * Wireshark's udp.port table) before the first-byte class; never for a payload that is not a UDP datagram's own.
 * It gets what a `UdpPayloadDissector` gets and the datagram's ports, and says itself why it took the payload.
 */
export type UdpPortDissector = (out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, srcPort: number, dstPort: number) => void;

/** A TCP stream protocol recognised by its first bytes (never by port): which stream mode a connection's side takes. */
export interface TcpRecogniser {
  /** Recognisers are tried lowest first (a cheap, certain test before a looser one). */
  readonly order: number;
  /** The stream mode `TcpApplication` parses the side in, or undefined when the first bytes are not this protocol's. */
  readonly recognise: (first: Uint8Array) => TcpStreamMode | undefined;
}

/** How `TcpApplication` parses one direction of a connection once its first bytes were recognised. */
export type TcpStreamMode = 'http' | 'tls' | 'stun-tcp' | 'rfc4571' | 'sip';

/** A whole application message that an HTTP body or a WebSocket text message carries (RFC 9112 §6, RFC 6455 §5.6). */
export interface CarriedMessage {
  readonly bytes: Uint8Array;
  /** The bytes as UTF-8 text. */
  readonly text: string;
  /** The carrier layer's span in this packet: the message's layers take it (their fields index their own bytes). */
  readonly span: { readonly offset: number; readonly length: number };
  readonly carrier: 'http-request' | 'http-response' | 'websocket';
  /** An HTTP body's Content-Type header, when it has one. */
  readonly contentType?: string;
}

/** The layers of a carried message, or undefined when it is not this protocol's (the next dissector is tried). */
export type MessageDissector = (m: CarriedMessage) => Layer[] | undefined;

/**
 * A DTLS record's decrypted content, handed to what registered on its content type (RFC 8261: the application data
 * of a WebRTC DTLS association is SCTP). Layers made from it carry `plaintext` and take the record's span.
 */
export interface DtlsContent {
  readonly plaintext: Uint8Array;
  /** The protected record's span in the packet. */
  readonly span: { readonly offset: number; readonly length: number };
  /** The DTLS association (one object per association): the key for state kept across its records. */
  readonly session: object;
  /** Who sent the record. */
  readonly sender: 'client' | 'server';
  readonly spans: boolean;
  /** The packet's number in the capture or trace, when known. */
  readonly packet: number | undefined;
}

/** Dissects decrypted content: its layers and a label for the DTLS layer's summary, or undefined to decline. */
export type DtlsContentDissector = (c: DtlsContent) => { readonly layers: readonly Layer[]; readonly label: string } | undefined;

/**
 * Dissects what a captured frame's link layer names by an ethertype other than IP (ARP), appending its layers;
 * `payload` starts at `offset` in the frame.
 */
export type EthertypeDissector = (layers: Layer[], payload: Uint8Array, offset: number, ctx: DissectContext) => void;

/** Where a protocol registers its dissector. */
export type Registration =
  /** A captured frame's payload by its ethertype (IEEE 802; IP itself is the link layer's own business). */
  | { readonly table: 'link.ethertype'; readonly key: number; readonly dissect: EthertypeDissector }
  | { readonly table: 'ip.protocol'; readonly key: number; readonly dissect: IpPayloadDissector }
  | { readonly table: 'udp.rfc7983'; readonly key: DemuxClass; readonly dissect: UdpPayloadDissector }
  | { readonly table: 'tcp.stream'; readonly recogniser: TcpRecogniser }
  /** A UDP payload recognised by its content and port where RFC 7983's first byte says ChannelData or nothing. */
  | { readonly table: 'udp.content'; readonly recogniser: UdpContentRecogniser }
  /** A UDP payload by the datagram's well-known port, before RFC 7983's first byte (mDNS on 5353). */
  | { readonly table: 'udp.port'; readonly key: number; readonly dissect: UdpPortDissector }
  /** What an HTTP body or a WebSocket text message carries, tried lowest `order` first. */
  | { readonly table: 'message.payload'; readonly order: number; readonly dissect: MessageDissector }
  /** Decrypted DTLS content of one content type (SCTP on `application-data`). */
  | { readonly table: 'dtls.content'; readonly key: 'application-data'; readonly dissect: DtlsContentDissector };

/** The visualizer's class of a protocol: a class of its own (with its colour), or the class of another protocol. */
export interface VizClass {
  /** The class name the packet list and filters show ("IP", "STUN", "ICMP" …). */
  readonly class: string;
  /** Set on the protocol that defines the class (once per class): a colour readable on the dark background. */
  readonly colour?: string;
}

/** Everything the house knows about one protocol: one of these per protocol name, listed once in registry.ts. */
export interface ProtocolSpec<P extends Protocol> {
  readonly name: P;
  /** One line: what it is and where it is specified. */
  readonly description: string;
  readonly viz: VizClass;
  /**
   * The `--json` keys this protocol adds to a layer's common keys (docs/dissect-json.md), written into `base` in
   * their documented order; absent when the protocol adds none.
   */
  readonly json?: (value: LayerValues[P], layer: LayerOf<P>, base: Json) => Json;
  /** The parent tables this protocol's dissector registers on. */
  readonly on?: readonly Registration[];
}

/** A spec of any protocol (the registry's list holds these). */
export type AnyProtocolSpec = { [P in Protocol]: ProtocolSpec<P> }[Protocol];

/** Types a spec by its name (so its `json` reads the value typed). */
export function defineProtocol<P extends Protocol>(spec: ProtocolSpec<P>): ProtocolSpec<P> {
  return spec;
}

/** The tables, filled by `install` (registry.ts). */
const ipProtocols = new Map<number, IpPayloadDissector>();
const rfc7983 = new Map<DemuxClass, UdpPayloadDissector>();
const tcpRecognisers: TcpRecogniser[] = [];
const udpPorts = new Map<number, { readonly d: UdpPortDissector; readonly owner: Protocol }>();
const udpContent: { readonly r: UdpContentRecogniser; readonly owner: Protocol }[] = [];
const messageDissectors: { readonly order: number; readonly dissect: MessageDissector }[] = [];
const dtlsContent = new Map<'application-data', DtlsContentDissector>();
const ethertypes = new Map<number, EthertypeDissector>();
/** Which protocol holds each key (the visualizer's classes follow the tables). */
const ipProtocolOwners = new Map<number, Protocol>();
const rfc7983Owners = new Map<DemuxClass, Protocol>();
let installed = false;

/** Fills the tables from the protocol list, in its order (TCP recognisers are tried in that order). Once. */
export function install(specs: readonly AnyProtocolSpec[]): void {
  if (installed) return;
  installed = true;
  for (const s of specs) {
    for (const r of s.on ?? []) {
      if (r.table === 'ip.protocol') {
        claim(ipProtocols, r.key, r.dissect, s.name);
        ipProtocolOwners.set(r.key, s.name);
      } else if (r.table === 'udp.rfc7983') {
        claim(rfc7983, r.key, r.dissect, s.name);
        rfc7983Owners.set(r.key, s.name);
      }
      else if (r.table === 'tcp.stream') tcpRecognisers.push(r.recogniser);
      else if (r.table === 'udp.content') udpContent.push({ r: r.recogniser, owner: s.name });
      else if (r.table === 'udp.port') claim(udpPorts, r.key, { d: r.dissect, owner: s.name }, s.name);
      else if (r.table === 'dtls.content') claim(dtlsContent, r.key, r.dissect, s.name);
      else if (r.table === 'link.ethertype') claim(ethertypes, r.key, r.dissect, s.name);
      else messageDissectors.push(r);
    }
  }
  tcpRecognisers.sort((a, b) => a.order - b.order);
  udpContent.sort((a, b) => a.r.order - b.r.order);
  messageDissectors.sort((a, b) => a.order - b.order);
}

function claim<K, V>(table: Map<K, V>, key: K, value: V, who: string): void {
  // two protocols on one key is a mistake in the registry's list, found when the module loads
  if (table.has(key)) throw new Error(`dissector table: ${who} registers on ${String(key)}, which another protocol holds`);
  table.set(key, value);
}

/** The dissector registered on an IP protocol number (RFC 5237 / IANA), if any. */
export function ipProtocolDissector(n: number): IpPayloadDissector | undefined {
  return ipProtocols.get(n);
}

/** The dissector registered on an ethertype (a captured frame's non-IP payload), if any. */
export function ethertypeDissector(n: number): EthertypeDissector | undefined {
  return ethertypes.get(n);
}

/** The dissector registered on an RFC 7983 first-byte class, if any. */
export function rfc7983Dissector(c: DemuxClass): UdpPayloadDissector | undefined {
  return rfc7983.get(c);
}

/** The dissector registered on a decrypted DTLS content type, if any. */
export function dtlsContentDissector(key: 'application-data'): DtlsContentDissector | undefined {
  return dtlsContent.get(key);
}

/** The TCP stream recognisers, in the order they are tried. */
export function tcpStreamRecognisers(): readonly TcpRecogniser[] {
  return tcpRecognisers;
}

/** The layers of a message an HTTP body or WebSocket text message carries: the first registered dissector's, or none. */
export function carriedMessageLayers(m: CarriedMessage): Layer[] {
  for (const d of messageDissectors) {
    const layers = d.dissect(m);
    if (layers) return layers;
  }
  return [];
}

/** The protocol registered on an IP protocol number, if any. */
export function ipProtocolOwner(n: number): Protocol | undefined {
  return ipProtocolOwners.get(n);
}

/** The protocol registered on an RFC 7983 first-byte class, if any. */
export function rfc7983Owner(c: DemuxClass): Protocol | undefined {
  return rfc7983Owners.get(c);
}

/** The UDP content recogniser that claims a payload (and the protocol that registered it), if any. */
export function udpContentDissector(payload: Uint8Array, srcPort: number, dstPort: number): { readonly r: UdpContentRecogniser; readonly owner: Protocol } | undefined {
  for (const c of udpContent) if (c.r.recognise(payload, srcPort, dstPort)) return c;
  return undefined;
}

/**
 * The dissector registered on one of a datagram's ports (the lower tried first), with its protocol, if any. Ports
 * are -1 when the payload is not a UDP datagram's own (ChannelData, a TCP frame): nothing is registered there.
 */
export function udpPortDissector(srcPort: number, dstPort: number): { readonly d: UdpPortDissector; readonly owner: Protocol } | undefined {
  if (udpPorts.size === 0) return undefined;
  // no pair made per datagram: this runs for every one
  return srcPort < dstPort ? (udpPorts.get(srcPort) ?? udpPorts.get(dstPort)) : (udpPorts.get(dstPort) ?? udpPorts.get(srcPort));
}
