/**
 * SCTP chunks and parameters as values (RFC 9260 §3, RFC 3758, RFC 6525, RFC 8260): one type for what the decoder
 * gives and the encoder takes. Serial-number fields (TSN, SSN) are plain unsigned integers.
 */

/** An error cause (RFC 9260 §3.3.10): its code and the bytes after its 4-byte header. */
export interface ErrorCause {
  readonly code: number;
  readonly info: Uint8Array;
}

/** A parameter (RFC 9260 §3.2.1 TLV), read into fields where its type is known. */
export type SctpParam =
  | { readonly kind: 'state-cookie'; readonly cookie: Uint8Array }
  | { readonly kind: 'heartbeat-info'; readonly info: Uint8Array }
  | { readonly kind: 'supported-extensions'; readonly chunkTypes: readonly number[] }
  | { readonly kind: 'forward-tsn-supported' }
  /** RFC 9653 §4: the sender accepts packets with a zero checksum under this error detection method. */
  | { readonly kind: 'zero-checksum-acceptable'; readonly edmid: number }
  | { readonly kind: 'ipv4-address'; readonly address: string }
  | { readonly kind: 'ipv6-address'; readonly address: string }
  | { readonly kind: 'supported-address-types'; readonly types: readonly number[] }
  | { readonly kind: 'cookie-preservative'; readonly increment: number }
  /** RFC 6525 §4.1: the sender will reset these outgoing streams (all when empty) after `lastTsn`. */
  | { readonly kind: 'outgoing-ssn-reset'; readonly requestSeq: number; readonly responseSeq: number; readonly lastTsn: number; readonly streams: readonly number[] }
  /** RFC 6525 §4.2: asks the peer to reset its outgoing streams (our incoming ones). */
  | { readonly kind: 'incoming-ssn-reset'; readonly requestSeq: number; readonly streams: readonly number[] }
  | { readonly kind: 'ssn-tsn-reset'; readonly requestSeq: number }
  | { readonly kind: 'reconfig-response'; readonly responseSeq: number; readonly result: number; readonly senderNextTsn?: number; readonly receiverNextTsn?: number }
  | { readonly kind: 'add-outgoing-streams' | 'add-incoming-streams'; readonly requestSeq: number; readonly count: number }
  | { readonly kind: 'other'; readonly type: number; readonly body: Uint8Array };

export type ParamKind = SctpParam['kind'];

/** DATA (RFC 9260 §3.3.1). */
export interface DataChunk {
  readonly kind: 'DATA';
  /** I bit (RFC 7053): the receiver should SACK at once. */
  readonly immediate?: boolean;
  /** U bit: unordered. */
  readonly unordered: boolean;
  /** B and E bits: first and last fragment of a user message. */
  readonly beginning: boolean;
  readonly ending: boolean;
  readonly tsn: number;
  readonly streamId: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly userData: Uint8Array;
}

/** I-DATA (RFC 8260 §2.1), decoded so captures that negotiated interleaving read. */
export interface IDataChunk {
  readonly kind: 'I-DATA';
  readonly immediate?: boolean;
  readonly unordered: boolean;
  readonly beginning: boolean;
  readonly ending: boolean;
  readonly tsn: number;
  readonly streamId: number;
  readonly mid: number;
  /** PPID on the first fragment, FSN on the others. */
  readonly ppidOrFsn: number;
  readonly userData: Uint8Array;
}

export interface InitChunk {
  readonly kind: 'INIT' | 'INIT-ACK';
  readonly initiateTag: number;
  /** Advertised receiver window credit. */
  readonly arwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly initialTsn: number;
  readonly params: readonly SctpParam[];
}

/** SACK (RFC 9260 §3.3.4): gap blocks as offsets from the cumulative TSN ack. */
export interface SackChunk {
  readonly kind: 'SACK';
  readonly cumulativeTsnAck: number;
  readonly arwnd: number;
  readonly gapBlocks: readonly { readonly start: number; readonly end: number }[];
  readonly duplicateTsns: readonly number[];
}

export type SctpChunk =
  | DataChunk
  | IDataChunk
  | InitChunk
  | SackChunk
  | { readonly kind: 'HEARTBEAT' | 'HEARTBEAT-ACK'; readonly info: Uint8Array }
  /** T bit: the verification tag is reflected (RFC 9260 §8.5.1). */
  | { readonly kind: 'ABORT'; readonly reflected: boolean; readonly causes: readonly ErrorCause[] }
  | { readonly kind: 'ERROR'; readonly causes: readonly ErrorCause[] }
  | { readonly kind: 'SHUTDOWN'; readonly cumulativeTsnAck: number }
  | { readonly kind: 'SHUTDOWN-ACK' }
  | { readonly kind: 'SHUTDOWN-COMPLETE'; readonly reflected: boolean }
  | { readonly kind: 'COOKIE-ECHO'; readonly cookie: Uint8Array }
  | { readonly kind: 'COOKIE-ACK' }
  /** RFC 3758 §3.2: skip to `newCumulativeTsn`; per ordered stream, the last SSN skipped. */
  | { readonly kind: 'FORWARD-TSN'; readonly newCumulativeTsn: number; readonly streams: readonly { readonly streamId: number; readonly ssn: number }[] }
  | { readonly kind: 'I-FORWARD-TSN'; readonly newCumulativeTsn: number; readonly streams: readonly { readonly streamId: number; readonly unordered: boolean; readonly mid: number }[] }
  | { readonly kind: 'RE-CONFIG'; readonly params: readonly SctpParam[] }
  /** A chunk type this codec does not read into fields (AUTH, ASCONF, ECNE …, or unassigned). */
  | { readonly kind: 'other'; readonly type: number; readonly flags: number; readonly body: Uint8Array };

export type ChunkKind = SctpChunk['kind'];

/** An SCTP packet (RFC 9260 §3): the common header and its chunks. */
export interface SctpPacket {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly verificationTag: number;
  readonly chunks: readonly SctpChunk[];
}

/** What the decoder found of the checksum (RFC 9260 §6.8; RFC 9653 allows zero when both sides agreed). */
export type ChecksumStatus = 'ok' | 'zero' | 'bad';

export interface DecodedSctpPacket extends SctpPacket {
  readonly checksum: number;
  readonly checksumStatus: ChecksumStatus;
  /** Each chunk's offset and length (with padding) in the packet, in chunk order. */
  readonly chunkSpans: readonly { readonly offset: number; readonly length: number }[];
}
