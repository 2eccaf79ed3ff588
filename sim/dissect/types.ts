import type { Micros } from '../core/time.ts';
import type { Field, Problem } from '../wire/field.ts';
import type { DtlsRole } from '../wire/dtls/describe.ts';
import type { LinkLayer } from '../wire/pcap/link-layer.ts';
import type { ExtensionMap } from '../wire/rtp/extensions.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';
import type { TcpHeader } from '../wire/tcp/tcp.ts';

/**
 * The dissector's output for one packet (one hop's IP datagram, or a captured frame): a stack of layers,
 * each with the span it covers in the packet's bytes, a one-line summary, its field tree and its problems.
 * Every offset is absolute in the bytes handed to the dissector, so the hex pane can highlight any field.
 * Shared by the capture reader, the CLI (`rtclab dissect`) and the visualizer: one codec layer.
 */

/**
 * Each protocol's decoded value, by protocol name. Empty here: every protocol file under `protocols/` adds its own
 * entry (`declare module '../types.ts' { interface LayerValues { ICMP: IcmpMessage } }`), so adding a protocol
 * touches no shared file but the registry's list (registry.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface LayerValues {}

/** A protocol's name, as layers, `--json` and the visualizer spell it ("STUN", "TURN-CHANNELDATA", "ICMPv6" …). */
export type Protocol = keyof LayerValues & string;

/** What every layer has, whatever its protocol. */
export interface LayerBase {
  readonly offset: number;
  readonly length: number;
  /** What a person reads in a packet list: "Binding Request (USE-CANDIDATE)", "SRTP video ssrc 0x1234 seq 812". */
  readonly summary: string;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
  /** For a UDP payload layer, why it was classified so (RFC 7983): "first byte 0x16 is in 20–63: DTLS". */
  readonly classification?: string;
  /**
   * Set on a layer decoded from decrypted bytes (a DTLS record or SRTP packet opened with a key log): its `fields`
   * and `problems` are offsets into these plaintext bytes, while `offset`/`length` still give the protected span
   * in the packet.
   */
  readonly plaintext?: Uint8Array;
  /**
   * Set on a layer whose bytes are not all in this packet as they stand: an HTTP message or WebSocket frame
   * reassembled from several TCP segments, a WebSocket payload after unmasking, JSON or SDP text taken out of a
   * message. Its `fields` and `problems` are offsets into these bytes; `offset`/`length` give this packet's part.
   * `bytesFrom` says how they were obtained.
   */
  readonly bytes?: Uint8Array;
  readonly bytesFrom?: 'reassembled' | 'unmasked' | 'extracted';
  /**
   * Set on the layers of a datagram an ICMP error quotes (RFC 792, RFC 4443 §2.4): they describe the packet the
   * error is about, not this packet's own stack (which is named by its ICMP layer).
   */
  readonly quoted?: boolean;
}

/** A layer of protocol P: its decoded value is P's type (absent when the header could not be read). */
export interface LayerOf<P extends Protocol> extends LayerBase {
  readonly protocol: P;
  /** The decoded value, for analyzers (STUN message, DTLS records, RTP header …). */
  readonly value?: LayerValues[P];
}

/** Any layer: narrowing on `protocol` types its `value` (`if (l.protocol === 'STUN') l.value` is a StunMessage). */
export type Layer = { [P in Protocol]: LayerOf<P> }[Protocol];

export interface DissectedPacket {
  readonly layers: readonly Layer[];
  /** The most specific protocol recognised (the last layer's), e.g. "STUN". */
  readonly protocol: Protocol;
  /** The top layer's summary. */
  readonly summary: string;
  /** "ip:port" or "[v6]:port" when the packet is UDP/TCP, else the IP address, else "". */
  readonly src: string;
  readonly dst: string;
  /** Every layer's problems together. */
  readonly problems: readonly Problem[];
  /** The UDP/TCP 5-tuple, when the packet has a transport header. */
  readonly flow?: Flow;
  /**
   * Set when IP fragments were reassembled: the layers above IP describe these bytes (the whole datagram) and
   * their offsets are relative to it, not to the packet's own bytes.
   */
  readonly reassembled?: Uint8Array;
  /** Things learnt with state or keys: "decrypted with the key log", "Finished verified", "wrong key" … */
  readonly notes?: readonly string[];
}

/** A transport 5-tuple as seen in one packet (added for analyzers: `src`/`dst` as structured values). */
export interface Flow {
  readonly transport: 'UDP' | 'TCP';
  readonly family: 4 | 6;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
}

/** Where a packet came from, for the state the dissector keeps. */
export interface PacketMeta {
  /** When it was seen (µs); drives IP reassembly timeouts. */
  readonly t?: Micros;
  /** Its number in the capture or trace (0-based), for notes that point back at it. */
  readonly index?: number;
  /** Set for a captured frame: the frame's link type (pcap LINKTYPE_*); absent for a raw IP datagram. */
  readonly linkType?: number;
  /** The frame's link layer as the capture reader decoded it (`CapturePacket.link`): saves decoding it twice. */
  readonly link?: LinkLayer;
  /** Where it was captured (the interface or link name) when a capture has several vantage points. */
  readonly vantage?: string;
  /** Record field spans for this packet, whatever the dissector's `spans` option says (the one packet shown in detail). */
  readonly spans?: boolean;
}

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
  /**
   * Record field spans (default true). A packet list needs only values, summaries and problems: with false the
   * same decoders run without recording spans, several times faster; the packet shown in detail is dissected again
   * with them. Handed down to every decoder the packet goes through (sim/wire/reader.ts `Reader.spans`).
   */
  readonly spans?: boolean;
}

/** What the TCP stream state adds to one segment: application layers, and notes and problems for the TCP layer. */
export interface TcpSegmentResult {
  readonly layers: Layer[];
  readonly notes: string[];
  readonly problems: Problem[];
}

/** Per-packet context: what the packet's dissection may depend on beyond its bytes (see `Dissector`). */
export interface DissectContext extends PayloadContext {
  /**
   * Called once the 5-tuple is known: the per-flow context (SRTP or not, DTLS role …) that overrides this one.
   * For IPv4 the endpoints come as numbers too (address · 2^16 + port), to key state without text.
   */
  readonly forFlow?: (flow: Flow, srcEndpoint?: number, dstEndpoint?: number) => PayloadContext | undefined;
  /**
   * Verify UDP/TCP checksums (default true). Captures taken on the sending host see checksums the NIC or kernel
   * would fill in later (offload), so capture dissection turns this off, as Wireshark does by default.
   */
  readonly verifyChecksums?: boolean;
  /**
   * Called for every TCP segment, to dissect it with stream state (reassembly, HTTP, WebSocket): the layers of the
   * messages it completes, and notes and problems for its TCP layer. Without it the data is one DATA layer.
   */
  readonly tcpSegment?: (flow: Flow, header: TcpHeader, payload: Uint8Array, offset: number) => TcpSegmentResult;
}
