import type { Field, Problem } from '../wire/field.ts';

/**
 * The dissector's output for one packet (one hop's IP datagram, or a captured frame): a stack of layers,
 * each with the span it covers in the packet's bytes, a one-line summary, its field tree and its problems.
 * Every offset is absolute in the bytes handed to the dissector, so the hex pane can highlight any field.
 * Shared by the capture reader, the CLI (`rtclab dissect`) and the visualizer: one codec layer.
 */
export type Protocol =
  | 'ETH'
  | 'IPv4'
  | 'IPv6'
  | 'UDP'
  | 'TCP'
  | 'STUN'
  | 'TURN-CHANNELDATA'
  | 'DTLS'
  | 'RTP'
  | 'RTCP'
  | 'SRTP'
  | 'SRTCP'
  /** TLS over TCP (HTTPS, WSS, TURN over TLS): one layer per record, and one per decrypted record. */
  | 'TLS'
  | 'HTTP'
  | 'WEBSOCKET'
  /** JSON signaling recognised in a WebSocket message or HTTP body (Janus API, protoo/mediasoup, plain JSEP). */
  | 'SIGNALING'
  | 'SDP'
  | 'DATA';

export interface Layer {
  readonly protocol: Protocol;
  readonly offset: number;
  readonly length: number;
  /** What a person reads in a packet list: "Binding Request (USE-CANDIDATE)", "SRTP video ssrc 0x1234 seq 812". */
  readonly summary: string;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
  /** For a UDP payload layer, why it was classified so (RFC 7983): "first byte 0x16 is in 20–63: DTLS". */
  readonly classification?: string;
  /** The decoded value, for analyzers (STUN message, DTLS records, RTP header …). */
  readonly value?: unknown;
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
}

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
